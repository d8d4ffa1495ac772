//! The window's commands pass the core's disclosure gate: every command that reveals a
//! recording or what was said in it, called as the window calls it (a Tauri `State` of the
//! shell and, for saves, an `AppHandle`), against every consent state, on the real keyring.
//! Each refusal has its code and leaves no file in the save folder.
//!
//! The vaults are made with the `sessionvault` command line built beside these tests (the
//! workspace's build makes it), recording from ALSA's `file` plugin.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use serde_json::{json, Value};
use sessionvault_core::clock::{Clock, FixedClock, SystemClock};
use sessionvault_core::store::db::Database;
use sessionvault_core::store::keys::{KeyName, VaultKeys};
use tauri::ipc::Channel;
use tauri::Manager;

use super::transcripts::SegmentInput;
use super::{cases, player, sharing, transcripts};
use crate::error::CommandError;
use crate::state::Shell;

/// A drawn signature, as the consent wizard's pad sends it.
pub(super) const SIGNATURE_SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 80"><path d="M10 60 C 40 10, 80 10, 110 50 S 170 70, 190 20" stroke="black" fill="none" stroke-width="2"/></svg>"#;

/// The `sessionvault` binary of this workspace's build.
fn cli_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe.parent().and_then(Path::parent).expect("target/debug");
    let cli = dir.join("sessionvault");
    assert!(
        cli.is_file(),
        "{} is not built: build the workspace first (scripts/test.sh does)",
        cli.display()
    );
    cli
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Valid,
    Withdrawn,
    CourseEnded,
    Expired,
    Tampered,
}

/// A vault with a consent in one state, a recording, a transcript with a line, a bookmark
/// and a case study, all made through the command line.
struct Fixture {
    tmp: tempfile::TempDir,
    dir: PathBuf,
    id: String,
    recording: String,
    transcript: String,
    case_study: String,
}

impl Fixture {
    fn cli(&self) -> Command {
        let mut cmd = Command::new(cli_binary());
        cmd.arg("--vault")
            .arg(&self.dir)
            .arg("--json")
            .env_remove("SESSIONVAULT_DIR");
        cmd
    }

    fn ok(&self, args: &[&str]) -> Value {
        let out = self.cli().args(args).output().expect("run sessionvault");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON")
    }

    fn new(state: State) -> Fixture {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut f = Fixture {
            dir: tmp.path().join("vault"),
            tmp,
            id: String::new(),
            recording: String::new(),
            transcript: String::new(),
            case_study: String::new(),
        };
        f.id = f.id_of(&f.ok(&["init"]), "vault_id");
        let (owner, course, consent) = if state == State::Expired {
            ("organisation", None, f.organisation_consent())
        } else {
            let (course, consent) = f.course_consent();
            ("counsellor", Some(course), consent)
        };
        f.recording = f.record(&consent);
        f.transcript = f.transcript_with_a_line();
        f.bookmark();
        f.case_study = f.case_study(owner, course.as_deref());
        f.put_in(state, &consent, course.as_deref());
        f
    }

    /// The string `key` of a JSON answer.
    fn id_of(&self, answer: &Value, key: &str) -> String {
        answer[key].as_str().unwrap().to_owned()
    }

    /// The client's drawn signature, as a file for `consent new`.
    fn signature(&self) -> String {
        let signature = self.tmp.path().join("signature.svg");
        std::fs::write(&signature, SIGNATURE_SVG).unwrap();
        signature.display().to_string()
    }

    /// A consent for the organisation's supervision until 2099-01-01 (no course); its id.
    fn organisation_consent(&self) -> String {
        let signature = self.signature();
        let consent = self.ok(&[
            "consent",
            "new",
            "--client",
            "C-101",
            "--destroy-by",
            "2099-01-01",
            "--purpose",
            "supervision",
            "--audience",
            "supervisor",
            "--case-study",
            "organisation",
            "--client-name",
            "Alice Marigold",
            "--counsellor-name",
            "Sam Counsellor",
            "--client-signature",
            &signature,
        ]);
        self.id_of(&consent, "id")
    }

    /// A course ending in 2099 and a consent for its coursework: their ids.
    fn course_consent(&self) -> (String, String) {
        let course = self.ok(&["course", "add", "--name", "Diploma", "--ends", "2099-07-31"]);
        let course = self.id_of(&course, "id");
        let signature = self.signature();
        let consent = self.ok(&[
            "consent",
            "new",
            "--client",
            "C-101",
            "--course",
            &course,
            "--purpose",
            "coursework,supervision",
            "--audience",
            "supervisor",
            "--case-study",
            "coursework",
            "--client-name",
            "Alice Marigold",
            "--counsellor-name",
            "Sam Counsellor",
            "--client-signature",
            &signature,
        ]);
        (course, self.id_of(&consent, "id"))
    }

    /// A transcript of the recording with one line; its id.
    fn transcript_with_a_line(&self) -> String {
        let transcript = self.id_of(&self.ok(&["transcript", "new", &self.recording]), "id");
        self.ok(&[
            "transcript",
            "add",
            &transcript,
            "--at",
            "0.5",
            "--speaker",
            "C:",
            "--text",
            "I felt heard",
        ]);
        transcript
    }

    /// A bookmark with a note on the recording.
    fn bookmark(&self) {
        self.ok(&[
            "bookmark",
            "add",
            &self.recording,
            "--at",
            "0.2",
            "--note",
            "a turning point",
        ]);
    }

    /// A case study about the client owned by `owner`, for `course` if any; its id.
    fn case_study(&self, owner: &str, course: Option<&str>) -> String {
        let body = self.tmp.path().join("body.txt");
        std::fs::write(&body, "What the client brought.").unwrap();
        let body = body.display().to_string();
        let mut args = vec![
            "case-study",
            "new",
            "--title",
            "Loss",
            "--clients",
            "C-101",
            "--owner",
            owner,
            "--body-file",
            &body,
        ];
        if let Some(course) = course {
            args.extend(["--course", course]);
        }
        self.id_of(&self.ok(&args), "id")
    }

    /// Puts consent `consent` (of `course`, if any) in `state`.
    fn put_in(&self, state: State, consent: &str, course: Option<&str>) {
        match state {
            State::Valid | State::Expired => {}
            State::Withdrawn => {
                self.ok(&["consent", "withdraw", consent, "--reason", "no longer"]);
            }
            State::CourseEnded => self.edit(&format!(
                "UPDATE courses SET ends_on = '2020-01-31' WHERE id = '{}'",
                course.unwrap()
            )),
            State::Tampered => self.edit(&format!(
                "DROP TRIGGER IF EXISTS consents_no_update;
                 UPDATE consents SET client_name = 'Somebody Else' WHERE id = '{consent}';"
            )),
        }
    }

    /// One second of a known signal, recorded from ALSA's `file` plugin as a mono device (no
    /// sound card).
    fn record(&self, consent: &str) -> String {
        let signal: Vec<u8> = (0..96_000u32)
            .flat_map(|i| ((((i * 7919) % 65536) as i32 - 32768) as i16).to_le_bytes())
            .collect();
        let raw = self.tmp.path().join("signal.raw");
        std::fs::write(&raw, signal).unwrap();
        let conf = self.tmp.path().join("alsa.conf");
        std::fs::write(
            &conf,
            format!(
                "pcm.svtest_in {{ type file slave.pcm {{ type multi slaves.a.pcm \"null\" slaves.a.channels 1 bindings.0 {{ slave a channel 0 }} }} file \"/dev/null\" infile \"{}\" format \"raw\" }}\n\
                 pcm.!default {{ type asym playback.pcm \"null\" capture.pcm \"svtest_in\" }}\n",
                raw.display()
            ),
        )
        .unwrap();
        let out = self
            .cli()
            .args(["record", "--consent", consent, "--duration", "1s"])
            .env(
                "ALSA_CONFIG_PATH",
                format!("/usr/share/alsa/alsa.conf:{}", conf.display()),
            )
            .env("PULSE_SERVER", "unix:/nonexistent/sessionvault-test")
            .output()
            .expect("run sessionvault record");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
        summary["id"].as_str().unwrap().to_owned()
    }

    /// Changes the database behind the app's back, as an attacker or a careless tool would.
    fn edit(&self, sql: &str) {
        let key = VaultKeys::for_vault(uuid::Uuid::parse_str(&self.id).unwrap())
            .get(KeyName::Database)
            .unwrap();
        Database::open(&self.dir.join("vault.db"), &key)
            .unwrap()
            .conn()
            .execute_batch(sql)
            .unwrap();
    }
}

/// What the gate answers, by state and command, as the CLI's table does.
fn expected(state: State, command: &str) -> &'static str {
    match (state, command) {
        (State::Valid, "player_open for a tutor" | "share_clip for a tutor") => "not_in_audience",
        (State::Tampered, "client_export") => "consent_tampered",
        (_, "client_export") => "ok",
        (State::Expired, "case_study_get" | "case_study_export") => "ok",
        (State::Valid, _) => "ok",
        (_, "case_study_get" | "case_study_export") => "no_case_study_consent",
        (State::Withdrawn, _) => "consent_withdrawn",
        (State::CourseEnded, _) => "course_ended",
        (State::Expired, _) => "consent_expired",
        (State::Tampered, _) => "consent_tampered",
    }
}

fn outcome<T>(result: Result<T, CommandError>) -> String {
    match result {
        Ok(_) => "ok".to_owned(),
        Err(e) => e.code.to_owned(),
    }
}

/// Runs a command to its answer.
fn block<F: std::future::Future>(command: F) -> F::Output {
    tauri::async_runtime::block_on(command)
}

fn channel<T>() -> Channel<T> {
    Channel::new(|_| Ok(()))
}

/// A command of the window, called through the shell; it answers `ok` or its error code.
type Call<'a> = Box<dyn FnOnce() -> String + 'a>;

/// Commands by name, each with its call.
type Calls<'a> = Vec<(&'static str, Call<'a>)>;

/// What the calls go through: the app (the shell's state, an app handle) and the fixture.
#[derive(Clone, Copy)]
struct Window<'a> {
    app: &'a tauri::App<tauri::test::MockRuntime>,
    f: &'a Fixture,
}

impl<'a> Window<'a> {
    /// The shell, as a command gets it.
    fn state(self) -> tauri::State<'a, Arc<Shell>> {
        self.app.state::<Arc<Shell>>()
    }

    /// The app's handle, as a save command gets it.
    fn handle(self) -> tauri::AppHandle<tauri::test::MockRuntime> {
        self.app.handle().clone()
    }
}

/// Every command that reveals a recording or its words, through the shell: its name, and the
/// call.
fn every_command<'a>(app: &'a tauri::App<tauri::test::MockRuntime>, f: &'a Fixture) -> Calls<'a> {
    let w = Window { app, f };
    let mut calls = listening(w);
    calls.extend(shares(w));
    calls.extend(transcribing(w));
    calls.extend(case_studies(w));
    calls.push((
        "client_export",
        Box::new(move || {
            outcome(block(sharing::client_export(
                w.handle(),
                w.state(),
                "C-101".to_owned(),
                "a long enough passphrase".to_owned(),
            )))
        }),
    ));
    calls
}

/// Opening the recording for `listener`; it is closed again when it opened.
fn open<'a>(w: Window<'a>, listener: &'static str) -> Call<'a> {
    Box::new(move || {
        let opened = block(player::player_open(
            w.state(),
            w.f.recording.clone(),
            listener.to_owned(),
            None,
            channel(),
        ));
        if opened.is_ok() {
            block(player::player_close(w.state())).expect("the player closes");
        }
        // No output device in a test is not the gate's answer.
        match outcome(opened).as_str() {
            "device_failed" => "ok".to_owned(),
            other => other.to_owned(),
        }
    })
}

/// The player, the waveform and the bookmarks.
fn listening(w: Window<'_>) -> Calls<'_> {
    let r = &w.f.recording;
    vec![
        ("player_open", open(w, "self")),
        ("player_open for a tutor", open(w, "tutor")),
        (
            "recording_waveform",
            Box::new(move || outcome(block(player::recording_waveform(w.state(), r.clone())))),
        ),
        (
            "bookmark_list",
            Box::new(move || outcome(block(player::bookmark_list(w.state(), r.clone())))),
        ),
    ]
}

/// Sharing the recording with `role`, to a passphrase.
fn share<'a>(w: Window<'a>, role: &'static str) -> Call<'a> {
    Box::new(move || {
        outcome(block(sharing::share_clip(
            w.handle(),
            w.state(),
            w.f.recording.clone(),
            role.to_owned(),
            None,
            Some("a long enough passphrase".to_owned()),
            None,
            None,
            false,
        )))
    })
}

/// Sharing the recording with its audience and with someone outside it.
fn shares(w: Window<'_>) -> Calls<'_> {
    vec![
        ("share_clip", share(w, "supervisor")),
        ("share_clip for a tutor", share(w, "tutor")),
    ]
}

/// Starting, reading, saving and exporting a transcript.
fn transcribing(w: Window<'_>) -> Calls<'_> {
    let (r, t) = (&w.f.recording, &w.f.transcript);
    let segment = || -> SegmentInput {
        serde_json::from_value(
            json!({"id": null, "at_seconds": 0.6, "speaker": "T:", "text": "And?"}),
        )
        .unwrap()
    };
    vec![
        (
            "transcript_create",
            Box::new(move || {
                let created = transcripts::transcript_create(w.state(), r.clone(), None, None);
                outcome(block(created))
            }),
        ),
        (
            "transcript_get",
            Box::new(move || outcome(block(transcripts::transcript_get(w.state(), t.clone())))),
        ),
        (
            "transcript_save",
            Box::new(move || {
                let saved = transcripts::transcript_save(w.state(), t.clone(), vec![segment()]);
                outcome(block(saved))
            }),
        ),
        (
            "transcript_export",
            Box::new(move || {
                let format = "txt".to_owned();
                let exported =
                    transcripts::transcript_export(w.handle(), w.state(), t.clone(), format);
                outcome(block(exported))
            }),
        ),
    ]
}

/// Reading and exporting the case study.
fn case_studies(w: Window<'_>) -> Calls<'_> {
    let c = &w.f.case_study;
    vec![
        (
            "case_study_get",
            Box::new(move || outcome(block(cases::case_study_get(w.state(), c.clone())))),
        ),
        (
            "case_study_export",
            Box::new(move || {
                let format = "docx".to_owned();
                let exported = cases::case_study_export(w.handle(), w.state(), c.clone(), format);
                outcome(block(exported))
            }),
        ),
    ]
}

#[test]
fn every_command_of_the_window_passes_the_gate_in_every_consent_state() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "this test needs the real Secret Service: run it through scripts/test.sh or \
         scripts/with-keyring.sh cargo test"
    );
    let mut wrong = Vec::new();
    for state in [
        State::Valid,
        State::Withdrawn,
        State::CourseEnded,
        State::Expired,
        State::Tampered,
    ] {
        let f = Fixture::new(state);
        let saves = f.tmp.path().join("saves");
        std::fs::create_dir(&saves).unwrap();
        let clock: Arc<dyn Clock> = match state {
            // 2099-06-01 10:00 UTC: past the consent's destroy-by date.
            State::Expired => Arc::new(FixedClock(
                time::OffsetDateTime::from_unix_timestamp(4_083_991_200).unwrap(),
            )),
            _ => Arc::new(SystemClock),
        };
        let shell = Shell::new(Some(f.dir.clone()), clock).saving_into(saves.clone());
        shell.unlock().expect("the vault opens");
        let app = tauri::test::mock_app();
        app.manage(Arc::new(shell));
        for (command, call) in every_command(&app, &f) {
            let got = call();
            let want = expected(state, command);
            if got != want {
                wrong.push(format!("{state:?} {command}: got {got}, expected {want}"));
            }
            let left: Vec<PathBuf> = std::fs::read_dir(&saves)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .collect();
            if want != "ok" && !left.is_empty() {
                wrong.push(format!("{state:?} {command}: refused but left {left:?}"));
            }
            for file in left {
                std::fs::remove_file(file).unwrap();
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
