//! The disclosure gate, every path against every consent state, through the real CLI on the
//! real keyring: playing, WAV export, sharing, transcripts (new, show, edit, export), bookmark
//! notes, case studies (show, export) and the client's own copy of their data. Each refusal
//! has its code, and leaves no file behind.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{
    cli, contains, json, new_vault, record_from_file, run, transcript_with_a_line, PulseServer,
};
use sessionvault_core::store::db::Database;
use sessionvault_core::store::keys::{KeyName, VaultKeys};
use sessionvault_core::store::vault::DATABASE;

const SIGNATURE_SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 80"><path d="M10 60 C 40 10, 80 10, 110 50 S 170 70, 190 20" stroke="black" fill="none" stroke-width="2"/></svg>"#;

/// The state a consent is put in before every path is tried.
#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    /// Granted and current.
    Valid,
    /// Withdrawn (without destroying anything yet).
    Withdrawn,
    /// Its course ended (the course's end date moved into the past).
    CourseEnded,
    /// A consent without a course, past its destroy-by date (the clock moved on).
    Expired,
    /// Its stored row altered after signing.
    Tampered,
}

/// A vault with one client's consent in `state`, a recording made under it, a transcript with
/// one line, a bookmark and a case study about the client.
struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    id: String,
    out: PathBuf,
    consent: String,
    recording: String,
    transcript: String,
    case_study: String,
    /// The clock the commands go by (debug builds: `SESSIONVAULT_TEST_NOW`).
    now: Option<&'static str>,
}

impl Fixture {
    fn new(state: State) -> Fixture {
        let (tmp, dir, id) = new_vault();
        let out = tmp.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let signature = tmp.path().join("signature.svg");
        std::fs::write(&signature, SIGNATURE_SVG).unwrap();
        let (consent, owner, course) = grant_consent(&dir, state, &signature);
        let (recording, transcript) = record_transcribe_and_bookmark(&dir, &consent);
        let case_study = write_case_study(&dir, tmp.path(), owner, course.as_deref());
        let mut fixture = Fixture {
            _tmp: tmp,
            dir,
            id,
            out,
            consent,
            recording,
            transcript,
            case_study,
            now: None,
        };
        fixture.put_in(state, course.as_deref());
        fixture
    }

    fn database(&self) -> Database {
        let key = VaultKeys::for_vault(uuid::Uuid::parse_str(&self.id).unwrap())
            .get(KeyName::Database)
            .unwrap();
        Database::open(&self.dir.join(DATABASE), &key).unwrap()
    }

    fn put_in(&mut self, state: State, course: Option<&str>) {
        match state {
            State::Valid => {}
            State::Withdrawn => {
                let (o, _, stderr) = run(cli(&self.dir).args([
                    "consent",
                    "withdraw",
                    &self.consent,
                    "--reason",
                    "changed my mind",
                ]));
                assert!(o.status.success(), "{stderr}");
            }
            State::CourseEnded => {
                self.database()
                    .conn()
                    .execute(
                        "UPDATE courses SET ends_on = '2020-01-31' WHERE id = ?1",
                        [course.unwrap()],
                    )
                    .unwrap();
            }
            State::Expired => self.now = Some("2099-06-01T10:00:00Z"),
            State::Tampered => {
                self.database()
                    .conn()
                    .execute_batch(&format!(
                        "DROP TRIGGER IF EXISTS consents_no_update;
                         UPDATE consents SET client_name = 'Somebody Else' WHERE id = '{}';",
                        self.consent
                    ))
                    .unwrap();
            }
        }
    }

    fn cli(&self) -> Command {
        let mut cmd = cli(&self.dir);
        if let Some(now) = self.now {
            cmd.env("SESSIONVAULT_TEST_NOW", now);
        }
        cmd.env("SESSIONVAULT_PASSPHRASE", "a long enough passphrase");
        cmd
    }

    /// Runs one path: its exit code and error code (`ok` on success).
    fn try_path(&self, path: Path_, pulse: &PulseServer) -> String {
        let args = self.args_of(path);
        let (o, stdout, stderr) = run(self
            .cli()
            .arg("--json")
            .args(&args)
            .env("PULSE_SERVER", &pulse.address)
            .stdin(std::process::Stdio::null()));
        if o.status.success() {
            return "ok".to_owned();
        }
        let printed: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&stdout)
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{path:?}: not JSON ({e}): {stdout} {stderr}"));
        let last = printed
            .last()
            .unwrap_or_else(|| panic!("{path:?}: {stderr}"));
        last["error"]["code"].as_str().unwrap_or("?").to_owned()
    }

    /// The file `name` in the folder the paths write to, as an argument.
    fn out_file(&self, name: &str) -> String {
        self.out.join(name).display().to_string()
    }

    /// The arguments (after `--json`) that run `path`.
    fn args_of(&self, path: Path_) -> Vec<String> {
        match path {
            Path_::Play => vec!["play", &self.recording, "--for", "0.2"]
                .into_iter()
                .map(str::to_owned)
                .collect(),
            Path_::PlayForTutor => vec![
                "play",
                &self.recording,
                "--for",
                "0.2",
                "--listener",
                "tutor",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect(),
            Path_::ExportWav => vec![
                "export".to_owned(),
                self.recording.clone(),
                "--wav".to_owned(),
                "--out".to_owned(),
                self.out_file("a.wav"),
            ],
            Path_::ShareSupervisor => vec![
                "share".to_owned(),
                self.recording.clone(),
                "--role".to_owned(),
                "supervisor".to_owned(),
                "--passphrase".to_owned(),
                "--out".to_owned(),
                self.out_file("s.age"),
            ],
            Path_::ShareTutor => vec![
                "share".to_owned(),
                self.recording.clone(),
                "--role".to_owned(),
                "tutor".to_owned(),
                "--passphrase".to_owned(),
                "--out".to_owned(),
                self.out_file("t.age"),
            ],
            _ => self.words_args_of(path),
        }
    }

    /// The arguments (after `--json`) that run `path`, one of those that reveal what was said
    /// rather than the audio.
    fn words_args_of(&self, path: Path_) -> Vec<String> {
        match path {
            Path_::TranscriptNew => vec![
                "transcript".to_owned(),
                "new".to_owned(),
                self.recording.clone(),
            ],
            Path_::TranscriptShow => vec![
                "transcript".to_owned(),
                "show".to_owned(),
                self.transcript.clone(),
            ],
            Path_::TranscriptEdit => vec![
                "transcript",
                "add",
                &self.transcript,
                "--at",
                "0.7",
                "--speaker",
                "T:",
                "--text",
                "And then?",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect(),
            Path_::TranscriptExport => vec![
                "transcript".to_owned(),
                "export".to_owned(),
                self.transcript.clone(),
                "--format".to_owned(),
                "txt".to_owned(),
                "--out".to_owned(),
                self.out_file("t.txt"),
            ],
            Path_::Bookmarks => vec![
                "bookmark".to_owned(),
                "list".to_owned(),
                self.recording.clone(),
            ],
            Path_::CaseStudyShow => vec![
                "case-study".to_owned(),
                "show".to_owned(),
                self.case_study.clone(),
            ],
            Path_::CaseStudyExport => vec![
                "case-study".to_owned(),
                "export".to_owned(),
                self.case_study.clone(),
                "--format".to_owned(),
                "docx".to_owned(),
                "--out".to_owned(),
                self.out_file("c.docx"),
            ],
            Path_::ClientExport => vec![
                "client".to_owned(),
                "export".to_owned(),
                "C-101".to_owned(),
                "--out".to_owned(),
                self.out_file("bundle.age"),
            ],
            _ => unreachable!("{path:?} is a path to the audio"),
        }
    }
}

/// Runs `sessionvault --json ARGS` in the vault at `dir`, which must succeed; its JSON.
fn ok(dir: &Path, args: &[&str]) -> serde_json::Value {
    let (o, stdout, stderr) = run(cli(dir).arg("--json").args(args));
    assert!(o.status.success(), "{args:?}: {stderr}");
    json(&stdout)
}

/// Grants client C-101's consent for the fixture in `state` (signed with `signature`): on a
/// new course with a coursework case study, or, for the expired one, for supervision without
/// a course, with the organisation's case study; its id, the case study's owner and the course.
fn grant_consent(
    dir: &Path,
    state: State,
    signature: &Path,
) -> (String, &'static str, Option<String>) {
    // A course for the coursework consent; the expired one is for supervision, without.
    let mut consent_args: Vec<String> = vec![
        "consent",
        "new",
        "--client",
        "C-101",
        "--audience",
        "supervisor",
        "--client-name",
        "Alice Marigold",
        "--counsellor-name",
        "Sam Counsellor",
        "--client-signature",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    consent_args.push(signature.display().to_string());
    let (owner, course) = if state == State::Expired {
        consent_args.extend(
            [
                "--destroy-by",
                "2099-01-01",
                "--purpose",
                "supervision",
                "--case-study",
                "organisation",
            ]
            .map(str::to_owned),
        );
        ("organisation", None)
    } else {
        let course = ok(
            dir,
            &["course", "add", "--name", "Diploma", "--ends", "2099-07-31"],
        )["id"]
            .as_str()
            .unwrap()
            .to_owned();
        consent_args.extend(
            [
                "--course",
                &course,
                "--purpose",
                "coursework,supervision",
                "--case-study",
                "coursework",
            ]
            .map(str::to_owned),
        );
        ("counsellor", Some(course))
    };
    let refs: Vec<&str> = consent_args.iter().map(String::as_str).collect();
    let consent = ok(dir, &refs)["id"].as_str().unwrap().to_owned();
    (consent, owner, course)
}

/// Records under `consent` and gives the recording a transcript of one line and a bookmark;
/// the recording id and the transcript id.
fn record_transcribe_and_bookmark(dir: &Path, consent: &str) -> (String, String) {
    let recording = record_from_file(dir, consent, 1);
    let transcript = transcript_with_a_line(dir, &recording, "I felt heard today");
    ok(
        dir,
        &[
            "bookmark",
            "add",
            &recording,
            "--at",
            "0.2",
            "--note",
            "the turning point",
        ],
    );
    (recording, transcript)
}

/// Writes a case study about client C-101 owned by `owner`, on `course` if there is one (its
/// body in `tmp`); its id.
fn write_case_study(dir: &Path, tmp: &Path, owner: &str, course: Option<&str>) -> String {
    let body = tmp.join("body.txt");
    std::fs::write(&body, "What the client brought.\n\nHow we worked.").unwrap();
    let mut cs: Vec<String> = [
        "case-study",
        "new",
        "--title",
        "Working with loss",
        "--clients",
        "C-101",
        "--owner",
        owner,
        "--body-file",
    ]
    .map(str::to_owned)
    .to_vec();
    cs.push(body.display().to_string());
    if let Some(course) = course {
        cs.extend(["--course".to_owned(), course.to_owned()]);
    }
    let refs: Vec<&str> = cs.iter().map(String::as_str).collect();
    ok(dir, &refs)["id"].as_str().unwrap().to_owned()
}

/// Every path that reveals a recording or what was said in it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Path_ {
    Play,
    PlayForTutor,
    ExportWav,
    ShareSupervisor,
    ShareTutor,
    TranscriptNew,
    TranscriptShow,
    TranscriptEdit,
    TranscriptExport,
    Bookmarks,
    CaseStudyShow,
    CaseStudyExport,
    ClientExport,
}

const PATHS: &[Path_] = &[
    Path_::Play,
    Path_::PlayForTutor,
    Path_::ExportWav,
    Path_::ShareSupervisor,
    Path_::ShareTutor,
    Path_::TranscriptNew,
    Path_::TranscriptShow,
    Path_::TranscriptEdit,
    Path_::TranscriptExport,
    Path_::Bookmarks,
    Path_::CaseStudyShow,
    Path_::CaseStudyExport,
    Path_::ClientExport,
];

/// What the gate answers for each path in each state.
fn expected(state: State, path: Path_) -> &'static str {
    use Path_::*;
    let refusal = match state {
        State::Valid => "ok",
        State::Withdrawn => "consent_withdrawn",
        State::CourseEnded => "course_ended",
        State::Expired => "consent_expired",
        State::Tampered => "consent_tampered",
    };
    match (state, path) {
        // The consent names the supervisor only: never a tutor, whatever its state.
        (State::Valid, PlayForTutor | ShareTutor) => "not_in_audience",
        // The client's own copy of their data: their right, whatever their consent says, as
        // long as the records prove whose data it is.
        (State::Tampered, ClientExport) => "consent_tampered",
        (_, ClientExport) => "ok",
        // The organisation's case study (the expired fixture's) is a permanent record.
        (State::Expired, CaseStudyShow | CaseStudyExport) => "ok",
        (State::Valid, _) => "ok",
        (_, CaseStudyShow | CaseStudyExport) => "no_case_study_consent",
        _ => refusal,
    }
}

#[test]
fn every_path_passes_the_gate_in_every_consent_state() {
    let pulse = PulseServer::start();
    let mut wrong = Vec::new();
    for state in [
        State::Valid,
        State::Withdrawn,
        State::CourseEnded,
        State::Expired,
        State::Tampered,
    ] {
        let f = Fixture::new(state);
        for path in PATHS {
            let got = f.try_path(*path, &pulse);
            let want = expected(state, *path);
            if got != want {
                wrong.push(format!("{state:?} {path:?}: got {got}, expected {want}"));
            }
            if want != "ok" {
                let left: Vec<_> = std::fs::read_dir(&f.out)
                    .unwrap()
                    .flatten()
                    .map(|e| e.path())
                    .collect();
                if !left.is_empty() {
                    wrong.push(format!("{state:?} {path:?}: refused but left {left:?}"));
                }
            }
            // Successful exports are cleared away so the next path starts from nothing.
            for entry in std::fs::read_dir(&f.out).unwrap().flatten() {
                std::fs::remove_file(entry.path()).unwrap();
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A refused path shows nothing of the words: neither stdout nor stderr holds the transcript's
/// line or the bookmark's note.
#[test]
fn a_refusal_reveals_nothing_of_what_was_said() {
    let f = Fixture::new(State::Withdrawn);
    for args in [
        vec!["transcript", "show", &f.transcript],
        vec!["bookmark", "list", &f.recording],
        vec!["case-study", "show", &f.case_study],
    ] {
        let (o, stdout, stderr) = run(f.cli().arg("--json").args(&args));
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        for secret in [
            "I felt heard today",
            "the turning point",
            "What the client brought",
        ] {
            assert!(
                !contains(format!("{stdout}{stderr}").as_bytes(), secret.as_bytes()),
                "{args:?} showed {secret:?}"
            );
        }
    }
    // The list of case studies names it, without its title, and says why.
    let (o, stdout, _) = run(f.cli().args(["--json", "case-study", "list"]));
    assert!(o.status.success());
    let list = json(&stdout);
    assert!(list[0]["title"].is_null(), "{list}");
    assert!(
        list[0]["withheld"].as_str().unwrap().contains("C-101"),
        "{list}"
    );
}
