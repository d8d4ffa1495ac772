//! Every file SessionVault writes outside the vault, through the real `sessionvault` CLI: WAV
//! exports, transcript exports (TXT, DOCX, PDF), case-study exports (DOCX, PDF), consent PDFs,
//! certificates (JSON, PDF), shares and subject access bundles.
//!
//! Each is created with mode 0600 whatever the umask; a symlink at the destination is replaced
//! and its target left byte for byte as it was; a write that fails part-way (a file-size limit
//! set with `ulimit -f`, SIGXFSZ ignored so the write fails with EFBIG) exits 1 with `io_failed`
//! and leaves no file in the folder, neither the destination nor a temporary one. A consent PDF
//! (the client's name and signature) is an outstanding copy: listed by `copies list`, in the
//! client's subject access bundle, on the certificate of the client's shred, and recordable as
//! destroyed.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use crate::common::{
    cli, json, new_vault, record_from_file, require_session_bus, run, transcript_with_a_line,
};
use serde_json::Value;
use sessionvault_core::clock::SystemClock;
use sessionvault_core::store::vault::Vault;

const CLIENT: &str = "C-201";
const PASSPHRASE: &str = "a long enough passphrase";

/// Runs `sessionvault --json ARGS` against the vault at `dir` and returns its JSON answer.
fn ok(dir: &Path, args: &[&str]) -> Value {
    let (out, stdout, stderr) = run(cli(dir).arg("--json").args(args));
    assert!(out.status.success(), "{args:?}: {stderr}");
    json(&stdout)
}

/// Words enough that every export is larger than the file-size limit of the failure test.
fn long_text(words: usize) -> String {
    (0..words)
        .map(|i| ["the", "session", "explored", "a", "difficult", "week"][i % 6])
        .collect::<Vec<_>>()
        .join(" ")
}

/// A vault with everything each writer writes from: a 1 s recording under a consent that
/// allows supervision and coursework case studies, a transcript of it, a case study about the
/// client, and the certificate of another recording's shred.
struct Fixture {
    tmp: tempfile::TempDir,
    dir: PathBuf,
    consent: String,
    recording: String,
    transcript: String,
    case_study: String,
    certificate: String,
}

impl Fixture {
    fn new() -> Fixture {
        let (tmp, dir, _) = new_vault();
        let signature = tmp.path().join("signature.svg");
        std::fs::write(
            &signature,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 40"><path d="M5 30 L40 5 L90 35" stroke="black" fill="none"/></svg>"#,
        )
        .unwrap();
        let consent = grant_on_a_course(&dir, &signature);
        let recording = record_from_file(&dir, &consent, 1);
        let transcript = transcribe_at_length(&dir, &recording);
        let case_study = write_a_long_case_study(&dir, tmp.path());
        let shredded = record_from_file(&dir, &consent, 1);
        let certificate = ok(&dir, &["shred", "recording", &shredded, "--yes"])["certificate"]
            ["certificate"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        Fixture {
            tmp,
            dir,
            consent,
            recording,
            transcript,
            case_study,
            certificate,
        }
    }

    /// Every writer: its name, the file name it writes, and its arguments before `--out`.
    fn writers(&self) -> Vec<(&'static str, &'static str, Vec<&str>)> {
        let (r, t, s, c, k) = (
            self.recording.as_str(),
            self.transcript.as_str(),
            self.case_study.as_str(),
            self.consent.as_str(),
            self.certificate.as_str(),
        );
        vec![
            ("WAV export", "export.wav", vec!["export", r, "--wav"]),
            (
                "transcript TXT",
                "transcript.txt",
                vec!["transcript", "export", t, "--format", "txt"],
            ),
            (
                "transcript DOCX",
                "transcript.docx",
                vec!["transcript", "export", t, "--format", "docx"],
            ),
            (
                "transcript PDF",
                "transcript.pdf",
                vec!["transcript", "export", t, "--format", "pdf"],
            ),
            (
                "case study DOCX",
                "case-study.docx",
                vec!["case-study", "export", s, "--format", "docx"],
            ),
            (
                "case study PDF",
                "case-study.pdf",
                vec!["case-study", "export", s, "--format", "pdf"],
            ),
            ("consent PDF", "consent.pdf", vec!["consent", "pdf", c]),
            (
                "certificate JSON",
                "certificate.json",
                vec!["certificate", "export", k],
            ),
            (
                "certificate PDF",
                "certificate.pdf",
                vec!["certificate", "export", k],
            ),
            (
                "share",
                "clip.age",
                vec!["share", r, "--role", "supervisor", "--passphrase"],
            ),
            (
                "client export",
                "client.age",
                vec!["client", "export", CLIENT],
            ),
        ]
    }

    /// `sessionvault --vault DIR --json ARGS --out OUT`, run by `sh -c 'SETUP; exec "$@"'` so
    /// that SETUP (a umask, a file-size limit) applies to it alone.
    fn command(&self, setup: &str, args: &[&str], out: &Path) -> Command {
        require_session_bus();
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("{setup}; exec \"$@\""))
            .arg("sh")
            .arg(env!("CARGO_BIN_EXE_sessionvault"))
            .arg("--vault")
            .arg(&self.dir)
            .arg("--json")
            .args(args)
            .arg("--out")
            .arg(out)
            .env_remove("SESSIONVAULT_DIR")
            .env("SESSIONVAULT_PASSPHRASE", PASSPHRASE);
        cmd
    }

    /// A new empty folder for one writer's output.
    fn folder(&self, name: &str) -> PathBuf {
        let dir = self.tmp.path().join(name.replace(' ', "-"));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}

/// Adds a course and grants the client's consent on it (signed with `signature`) for
/// supervision and coursework case studies; its id.
fn grant_on_a_course(dir: &Path, signature: &Path) -> String {
    let course = ok(
        dir,
        &["course", "add", "--name", "Diploma", "--ends", "2099-06-30"],
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        dir,
        &[
            "consent",
            "new",
            "--client",
            CLIENT,
            "--course",
            &course,
            "--purpose",
            "supervision,coursework",
            "--audience",
            "supervisor",
            "--case-study",
            "coursework",
            "--client-name",
            "Pat Example",
            "--counsellor-name",
            "Test Counsellor",
            "--client-signature",
            signature.to_str().unwrap(),
        ],
    )["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Makes a transcript of `recording` with one long line; its id.
fn transcribe_at_length(dir: &Path, recording: &str) -> String {
    transcript_with_a_line(dir, recording, &long_text(1500))
}

/// Writes the counsellor's case study about the client, with a long body (written into
/// `tmp`); its id.
fn write_a_long_case_study(dir: &Path, tmp: &Path) -> String {
    let body = tmp.join("body.txt");
    std::fs::write(&body, long_text(1500)).unwrap();
    ok(
        dir,
        &[
            "case-study",
            "new",
            "--title",
            "A difficult week",
            "--clients",
            CLIENT,
            "--owner",
            "counsellor",
            "--body-file",
            body.to_str().unwrap(),
        ],
    )["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

/// Fails with every writer's problems at once, so one run shows them all.
fn assert_none(problems: Vec<String>) {
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_copy_outside_the_vault_is_readable_by_its_owner_only_whatever_the_umask() {
    let f = Fixture::new();
    let mut problems = Vec::new();
    for umask in ["022", "000"] {
        for (name, file, args) in f.writers() {
            let out = f.folder(&format!("umask-{umask}-{name}")).join(file);
            let (status, stdout, stderr) =
                run(&mut f.command(&format!("umask {umask}"), &args, &out));
            assert!(status.status.success(), "{name}: {stdout} {stderr}");
            if !std::fs::symlink_metadata(&out).unwrap().is_file() {
                problems.push(format!("{name}: not a file"));
            }
            if mode(&out) != 0o600 {
                problems.push(format!("{name} under umask {umask}: mode {:o}", mode(&out)));
            }
            let names = names_in(out.parent().unwrap());
            if names != [file] {
                problems.push(format!("{name}: the folder holds {names:?}"));
            }
        }
    }
    assert_none(problems);
}

#[test]
fn a_symlink_at_the_destination_is_replaced_and_its_target_left_unchanged() {
    let f = Fixture::new();
    let mut problems = Vec::new();
    for (name, file, args) in f.writers() {
        let folder = f.folder(&format!("symlink-{name}"));
        let target = f
            .tmp
            .path()
            .join(format!("{}-target", name.replace(' ', "-")));
        let before = b"a file of someone else's, which no export may write\n".repeat(3);
        std::fs::write(&target, &before).unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = folder.join(file);
        std::os::unix::fs::symlink(&target, &out).unwrap();
        let (status, stdout, stderr) = run(&mut f.command("umask 022", &args, &out));
        assert!(status.status.success(), "{name}: {stdout} {stderr}");
        if std::fs::read(&target).unwrap() != before {
            problems.push(format!("{name}: the symlink's target was written"));
        }
        if mode(&target) != 0o644 {
            problems.push(format!(
                "{name}: the target's mode is now {:o}",
                mode(&target)
            ));
        }
        let meta = std::fs::symlink_metadata(&out).unwrap();
        if !meta.is_file() || meta.len() == 0 {
            problems.push(format!("{name}: the destination is not the written file"));
        }
        if mode(&out) != 0o600 {
            problems.push(format!("{name}: mode {:o}", mode(&out)));
        }
        let names = names_in(&folder);
        if names != [file] {
            problems.push(format!("{name}: the folder holds {names:?}"));
        }
    }
    assert_none(problems);
}

#[test]
fn a_write_that_fails_part_way_leaves_no_file_in_the_folder() {
    let f = Fixture::new();
    // The vault's database stays open here, outside the limit, so that its shared-memory file
    // (32 KiB) already exists and the command under the limit can open the vault: what then
    // fails is the export's own write.
    let _held = Vault::open(&f.dir, Arc::new(SystemClock)).unwrap();
    let mut problems = Vec::new();
    for (name, file, args) in f.writers() {
        let folder = f.folder(&format!("efbig-{name}"));
        let out = folder.join(file);
        let (status, stdout, stderr) =
            run(&mut f.command("trap \"\" XFSZ; ulimit -f 4", &args, &out));
        let code = serde_json::from_str::<Value>(&stdout)
            .ok()
            .and_then(|v| v["error"]["code"].as_str().map(str::to_owned));
        if status.status.code() != Some(1) || code.as_deref() != Some("io_failed") {
            problems.push(format!(
                "{name}: exit {:?}, {stdout} {stderr}",
                status.status.code()
            ));
        }
        let names = names_in(&folder);
        if !names.is_empty() {
            problems.push(format!("{name} left {names:?}"));
        }
    }
    assert_none(problems);
}

/// The files of a subject access bundle, by path.
fn open_bundle(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let decryptor = age::Decryptor::new(std::fs::File::open(path).unwrap()).unwrap();
    let identity = age::scrypt::Identity::new(PASSPHRASE.to_owned().into());
    let mut tar_bytes = Vec::new();
    decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .unwrap()
        .read_to_end(&mut tar_bytes)
        .unwrap();
    let mut files = BTreeMap::new();
    let mut archive = tar::Archive::new(&tar_bytes[..]);
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        files.insert(path, bytes);
    }
    files
}

#[test]
fn a_consent_pdf_is_an_outstanding_copy_until_recorded_destroyed() {
    let f = Fixture::new();
    let out = f.tmp.path().join("consent.pdf");
    let copy_id = save_the_consent_pdf(&f, &out);
    check_listed_with_its_consent(&f, &copy_id, &out);
    check_logged_without_client_text(&f, &copy_id);
    check_in_the_subject_access_bundle(&f, &copy_id);
    check_on_the_client_shred(&f, &copy_id);

    // Recorded destroyed, it is no longer outstanding.
    let destroyed = ok(&f.dir, &["copies", "destroyed", &copy_id, "--yes"]);
    assert!(destroyed["destroyed_at"].is_string());
    let listed = ok(&f.dir, &["copies", "list", "--outstanding"]);
    assert!(
        !listed
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == copy_id.as_str()),
        "{listed}"
    );
}

/// Saves the consent's PDF to `out` and checks it is a PDF of the size reported; its copy id.
fn save_the_consent_pdf(f: &Fixture, out: &Path) -> String {
    let saved = ok(
        &f.dir,
        &["consent", "pdf", &f.consent, "--out", out.to_str().unwrap()],
    );
    let copy_id = saved["copy_id"].as_str().expect("a copy id").to_owned();
    let pdf = std::fs::read(out).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(saved["bytes"], pdf.len());
    copy_id
}

/// Checks that the copy `copy_id` (at `out`) is listed, in JSON and in text, with the consent
/// it was made of.
fn check_listed_with_its_consent(f: &Fixture, copy_id: &str, out: &Path) {
    // Listed, with the consent it was made of.
    let listed = ok(&f.dir, &["copies", "list", "--outstanding"]);
    let copy = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == copy_id)
        .unwrap_or_else(|| panic!("{listed}"))
        .clone();
    assert_eq!(copy["kind"], "consent-pdf");
    assert_eq!(copy["consent_id"], f.consent.as_str());
    assert!(copy["recording_id"].is_null());
    assert!(copy["destroyed_at"].is_null());
    assert_eq!(copy["location"], out.to_str().unwrap());
    let (_, text, _) = run(cli(&f.dir).args(["copies", "list"]));
    assert!(
        text.contains(copy_id) && text.contains("consent-pdf"),
        "{text}"
    );
}

/// Checks that the PDF's making is logged with the copy's id and no client text.
fn check_logged_without_client_text(f: &Fixture, copy_id: &str) {
    // Logged as the PDF's making, with the copy's id and no client text.
    let log = ok(&f.dir, &["audit", "list"]);
    let made: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "consent.pdf_made")
        .collect();
    assert_eq!(made.len(), 1, "{log}");
    assert_eq!(made[0]["subject"], f.consent.as_str());
    assert!(log.to_string().contains(copy_id));
    assert!(!log.to_string().contains("Pat Example"));
}

/// Checks that the copy `copy_id` is among the copies in the client's subject access bundle.
fn check_in_the_subject_access_bundle(f: &Fixture, copy_id: &str) {
    // In the client's subject access bundle.
    let bundle = f.tmp.path().join("bundle.age");
    let (status, _, stderr) = run(cli(&f.dir)
        .env("SESSIONVAULT_PASSPHRASE", PASSPHRASE)
        .args(["client", "export", CLIENT, "--out"])
        .arg(&bundle));
    assert!(status.status.success(), "{stderr}");
    let files = open_bundle(&bundle);
    let copies: Value =
        serde_json::from_slice(&files[&format!("subject-access-{CLIENT}/copies.json")]).unwrap();
    assert!(
        copies
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == copy_id && c["consent_id"] == f.consent.as_str()),
        "{copies}"
    );
}

/// The copy `copy_id` among `copies`, if it is there.
fn copy_among(copies: &Value, copy_id: &str) -> Option<Value> {
    copies
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["copy_id"] == copy_id)
        .cloned()
}

/// Checks that the copy `copy_id` is on the preview and the certificate of the client's shred,
/// and that the certificate verifies.
fn check_on_the_client_shred(f: &Fixture, copy_id: &str) {
    // On the preview and the certificate of the client's shred.
    let preview = ok(&f.dir, &["shred", "client", CLIENT, "--dry-run"]);
    let previewed =
        copy_among(&preview["outstanding_copies"], copy_id).unwrap_or_else(|| panic!("{preview}"));
    assert_eq!(previewed["consent_id"], f.consent.as_str());
    let shredded = ok(&f.dir, &["shred", "client", CLIENT, "--yes"]);
    let certificate = &shredded["certificate"]["certificate"];
    let listed = copy_among(&certificate["outstanding_copies"], copy_id)
        .unwrap_or_else(|| panic!("{certificate}"));
    assert_eq!(listed["kind"], "consent-pdf");
    assert_eq!(listed["consent_id"], f.consent.as_str());
    let exported = f.tmp.path().join("client-certificate.json");
    ok(
        &f.dir,
        &[
            "certificate",
            "export",
            certificate["id"].as_str().unwrap(),
            "--out",
            exported.to_str().unwrap(),
        ],
    );
    ok(
        &f.dir,
        &["certificate", "verify", exported.to_str().unwrap()],
    );
}
