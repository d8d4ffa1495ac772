//! Subject access: `client export CODE` writes everything held about one client as a tar
//! archive inside a passphrase-encrypted age file — consent PDFs and records, the recordings
//! with dates and durations, bookmarks, the listening log, copies, audit entries — and nothing
//! of any other client.

mod case_study;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Stdio;

use crate::common::{self, cli, json, new_vault, run, supervision_consent, PulseServer};

const PASSPHRASE: &str = "a long passphrase for the client";

fn json_bytes(bytes: &[u8]) -> serde_json::Value {
    json(std::str::from_utf8(bytes).unwrap())
}

/// A granted consent for `code` (supervisor audience, no course); its id.
fn consent_for(dir: &Path, code: &str, name: &str) -> String {
    consent_with_case_study(dir, code, name, "none")
}

/// A granted consent for `code` (for supervision, without a course) with the case-study
/// choice `case_study`; its id.
fn consent_with_case_study(dir: &Path, code: &str, name: &str, case_study: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let signature = tmp.path().join("signature.svg");
    std::fs::write(
        &signature,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 40"><path d="M5 5 L95 35" stroke="black" fill="none"/></svg>"#,
    )
    .unwrap();
    let (out, stdout, stderr) = run(cli(dir)
        .args(["--json", "consent", "new", "--client", code])
        .args(["--destroy-by", "2099-01-01", "--purpose", "supervision"])
        .args(["--audience", "supervisor", "--case-study", case_study])
        .args([
            "--client-name",
            name,
            "--counsellor-name",
            "Test Counsellor",
        ])
        .arg("--client-signature")
        .arg(&signature));
    assert!(out.status.success(), "{stderr}");
    json(&stdout)["id"].as_str().unwrap().to_owned()
}

/// Records one second from the private server's sine source; the recording id.
fn record(dir: &Path, pulse: &PulseServer, consent: &str) -> String {
    let (out, stdout, stderr) = run(cli(dir)
        .args(["--json", "record", "--consent", consent, "--duration", "1s"])
        .env("PULSE_SERVER", &pulse.address));
    assert!(out.status.success(), "{stderr}");
    json(&stdout)["id"].as_str().unwrap().to_owned()
}

/// Plays 0.5 s of `id` for the supervisor.
fn play(dir: &Path, pulse: &PulseServer, id: &str) {
    let (out, _, stderr) = run(cli(dir)
        .args(["--json", "play", id, "--listener", "supervisor"])
        .args(["--from", "0.25", "--for", "0.5"])
        .env("PULSE_SERVER", &pulse.address));
    assert!(out.status.success(), "{stderr}");
}

fn bookmark(dir: &Path, id: &str, note: &str) {
    let (out, _, stderr) =
        run(cli(dir).args(["bookmark", "add", id, "--at", "0.5", "--note", note]));
    assert!(out.status.success(), "{stderr}");
}

/// Decrypts a bundle with the passphrase (age crate) and reads the tar inside: path → bytes,
/// and the whole plaintext.
fn open_bundle(path: &Path, passphrase: &str) -> (BTreeMap<String, Vec<u8>>, Vec<u8>) {
    let decryptor = age::Decryptor::new(std::fs::File::open(path).unwrap()).unwrap();
    let identity = age::scrypt::Identity::new(passphrase.to_owned().into());
    let mut plaintext = Vec::new();
    decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .expect("the passphrase opens the bundle")
        .read_to_end(&mut plaintext)
        .unwrap();
    let mut files = BTreeMap::new();
    let mut archive = tar::Archive::new(std::io::Cursor::new(&plaintext));
    for entry in archive.entries().expect("a tar archive") {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        files.insert(name, bytes);
    }
    (files, plaintext)
}

#[test]
fn the_bundle_holds_everything_about_the_client_and_nothing_of_another() {
    let pulse = PulseServer::start();
    let (tmp, dir, _) = new_vault();
    let held = fill_with_two_clients(&dir, &pulse, tmp.path());

    let bundle = tmp.path().join("C-101.age");
    export_with_the_passphrase_from_stdin(&dir, &bundle);

    let (files, plaintext) = open_bundle(&bundle, PASSPHRASE);
    let root = "subject-access-C-101";
    check_readme_and_consent(&files, root, &held.consent);
    check_recordings_bookmarks_and_listening(&files, root, &held);
    check_copies_and_audit_entries(&files, root, &held.second);
    check_words_and_withheld_case_study(&files, root, &held);
    check_nothing_of_the_other_client(&files, &plaintext, &held);
    check_export_is_logged_with_counts_only(&dir);
}

/// The ids of what the vault holds about client C-101 and about the other client, C-202.
struct HeldAboutTwoClients {
    consent: String,
    first: String,
    second: String,
    transcript: String,
    study: String,
    other: String,
    other_consent: String,
    other_case_consent: String,
}

/// Fills the vault with everything about client C-101 and client C-202, and a case study about
/// both; `tmp` takes the share and the case study's body.
fn fill_with_two_clients(dir: &Path, pulse: &PulseServer, tmp: &Path) -> HeldAboutTwoClients {
    let (consent, first, second) = record_listen_and_share(dir, pulse, tmp);
    let (other_consent, other) = record_another_client(dir, pulse);
    let (transcript, other_case_consent, study) =
        transcribe_and_write_a_case_study_of_both(dir, tmp, &first);
    HeldAboutTwoClients {
        consent,
        first,
        second,
        transcript,
        study,
        other,
        other_consent,
        other_case_consent,
    }
}

/// Gives the client one consent, two recordings, a bookmark, a listening and a share (into
/// `tmp`); the consent id and the two recording ids.
fn record_listen_and_share(
    dir: &Path,
    pulse: &PulseServer,
    tmp: &Path,
) -> (String, String, String) {
    // The client: one consent, two recordings, a bookmark, a listening, a share.
    let consent = supervision_consent(dir);
    let first = record(dir, pulse, &consent);
    let second = record(dir, pulse, &consent);
    bookmark(dir, &first, "client talks about work");
    play(dir, pulse, &first);
    let (out, _, stderr) = run(cli(dir)
        .args([
            "share",
            &second,
            "--role",
            "supervisor",
            "--passphrase",
            "--out",
        ])
        .arg(tmp.join("clip.age"))
        .env("SESSIONVAULT_PASSPHRASE", PASSPHRASE));
    assert!(out.status.success(), "{stderr}");
    (consent, first, second)
}

/// Gives another client, C-202, a consent, a recording, a bookmark and a listening; the
/// consent id and the recording id.
fn record_another_client(dir: &Path, pulse: &PulseServer) -> (String, String) {
    // Another client, with everything too.
    let other_consent = consent_for(dir, "C-202", "Other Person");
    let other = record(dir, pulse, &other_consent);
    bookmark(dir, &other, "the other client's note");
    play(dir, pulse, &other);
    (other_consent, other)
}

/// Transcribes the client's `first` recording and writes the organisation's case study about
/// both clients (its body in `tmp`); the transcript id, the other client's case-study consent
/// and the case study id.
fn transcribe_and_write_a_case_study_of_both(
    dir: &Path,
    tmp: &Path,
    first: &str,
) -> (String, String, String) {
    // A transcript of the client's first recording, and the organisation's case study about
    // both clients (each agreed to one).
    let transcript = common::transcript_with_a_line(dir, first, "I felt calmer at work this week");
    let _case_consent = consent_with_case_study(dir, "C-101", "Test Client", "organisation");
    let other_case_consent = consent_with_case_study(dir, "C-202", "Other Person", "organisation");
    let body = tmp.join("body.txt");
    std::fs::write(&body, "C-101 and C-202 both spoke of stress at work.").unwrap();
    let (out, stdout, stderr) = run(cli(dir)
        .args([
            "--json",
            "case-study",
            "new",
            "--title",
            "Stress at work",
            "--clients",
        ])
        .args(["C-101,C-202", "--owner", "organisation", "--body-file"])
        .arg(&body));
    assert!(out.status.success(), "{stderr}");
    let study = json(&stdout)["id"].as_str().unwrap().to_owned();
    (transcript, other_case_consent, study)
}

/// Exports client C-101's bundle to `bundle`, the passphrase given on standard input, and
/// checks the counts it reports.
fn export_with_the_passphrase_from_stdin(dir: &Path, bundle: &Path) {
    // The passphrase from stdin this time.
    let mut child = cli(dir)
        .args(["--json", "client", "export", "C-101", "--out"])
        .arg(bundle)
        .env_remove("SESSIONVAULT_PASSPHRASE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSPHRASE}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&stdout);
    assert_eq!(report["consents"], 2);
    assert_eq!(report["recordings"], 2);
    assert_eq!(report["bookmarks"], 1);
    // The transcript as JSON and as text; the case study about both clients has no
    // anonymisation list, so it is withheld (see the next test for when it goes in).
    assert_eq!(report["documents"], 2);
}

/// Checks the bundle's README and the client's `consent`: its PDF, record and signature.
fn check_readme_and_consent(files: &BTreeMap<String, Vec<u8>>, root: &str, consent: &str) {
    let names: Vec<&String> = files.keys().collect();
    let readme = String::from_utf8(files[&format!("{root}/README.txt")].clone()).unwrap();
    assert!(readme.contains("client C-101"), "{readme}");
    assert!(readme.contains("Not included: the audio"), "{readme}");

    // The consent: its PDF, its record as data (the client's own name is theirs to see), and
    // the signature.
    let pdf = &files[&format!("{root}/consents/{consent}.pdf")];
    assert!(pdf.starts_with(b"%PDF-"), "{names:?}");
    let record = json_bytes(&files[&format!("{root}/consents/{consent}.json")]);
    assert_eq!(record["client_code"], "C-101");
    assert_eq!(record["client_name"], "Test Client");
    assert!(files.contains_key(&format!("{root}/consents/{consent}-signature.svg")));
}

/// Checks the bundle's recordings (dates and durations), bookmark and listening log.
fn check_recordings_bookmarks_and_listening(
    files: &BTreeMap<String, Vec<u8>>,
    root: &str,
    held: &HeldAboutTwoClients,
) {
    let (first, second) = (&held.first, &held.second);
    // The recordings with dates and durations.
    let recordings = json_bytes(&files[&format!("{root}/recordings.json")]);
    let recordings = recordings.as_array().unwrap();
    assert_eq!(recordings.len(), 2);
    let ids: Vec<&str> = recordings
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [first.as_str(), second.as_str()], "oldest first");
    for r in recordings {
        assert!(r["started_at"].is_string());
        assert!((r["seconds"].as_f64().unwrap() - 1.0).abs() < 0.01, "{r}");
    }

    let bookmarks = json_bytes(&files[&format!("{root}/bookmarks.json")]);
    assert_eq!(bookmarks.as_array().unwrap().len(), 1);
    assert_eq!(bookmarks[0]["note"], "client talks about work");

    // The listening log: who listened, when, and what was heard.
    let log = json_bytes(&files[&format!("{root}/listening-log.json")]);
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log.iter().all(|e| e["recording_id"] == first.as_str()));
    assert!(log.iter().all(|e| e["listener"] == "supervisor"));
    assert!(log.iter().all(|e| e["at"].is_string()));
    assert_eq!(log[1]["event"], "finished listening");
    assert_eq!(log[1]["ranges_heard"], serde_json::json!([[0.25, 0.75]]));
}

/// Checks that the share of `second` is among the copies and the audit entries are about this
/// client only.
fn check_copies_and_audit_entries(files: &BTreeMap<String, Vec<u8>>, root: &str, second: &str) {
    // The share is among the copies; the audit entries are about this client only.
    let copies = json_bytes(&files[&format!("{root}/copies.json")]);
    assert_eq!(copies.as_array().unwrap().len(), 1);
    assert_eq!(copies[0]["recording_id"], second);
    let audit = json_bytes(&files[&format!("{root}/audit-log.json")]);
    let kinds: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "consent.granted",
        "recording.started",
        "bookmark.added",
        "recording.played",
        "recording.shared",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
}

/// Checks that the client's words are there and the case study about both clients is withheld.
fn check_words_and_withheld_case_study(
    files: &BTreeMap<String, Vec<u8>>,
    root: &str,
    held: &HeldAboutTwoClients,
) {
    let (transcript, study) = (&held.transcript, &held.study);
    // The client's words and the case study are there, the other client's code is not.
    let said = format!("{root}/documents/transcript-{transcript}.txt");
    let said = String::from_utf8(files[&said].clone()).unwrap();
    assert!(
        said.contains("C: I felt calmer at work this week"),
        "{said}"
    );
    assert!(!files.contains_key(&format!("{root}/documents/case-study-{study}.txt")));
    let withheld = json_bytes(&files[&format!("{root}/documents/withheld.json")]);
    assert_eq!(withheld[0]["kind"], "case-study", "{withheld}");
    assert_eq!(withheld[0]["id"], study.as_str(), "{withheld}");
    assert!(
        withheld[0]["reason"]
            .as_str()
            .unwrap()
            .contains("anonymisation list"),
        "{withheld}"
    );
}

/// Checks that nothing of the other client is anywhere in the bundle: not in its plaintext, nor
/// in any file's name or bytes.
fn check_nothing_of_the_other_client(
    files: &BTreeMap<String, Vec<u8>>,
    plaintext: &[u8],
    held: &HeldAboutTwoClients,
) {
    // Nothing of the other client, anywhere.
    for needle in [
        "C-202",
        "Other Person",
        "the other client",
        held.other.as_str(),
        held.other_consent.as_str(),
        held.other_case_consent.as_str(),
    ] {
        assert!(
            !common::contains(plaintext, needle.as_bytes()),
            "{needle} found in the bundle"
        );
        for (name, bytes) in files {
            assert!(!name.contains(needle));
            assert!(
                !common::contains(bytes, needle.as_bytes()),
                "{needle} in {name}"
            );
        }
    }
}

/// Checks that the export is logged with the client code and counts only.
fn check_export_is_logged_with_counts_only(dir: &Path) {
    // The export is logged with the code and counts only.
    let (_, stdout, _) = run(cli(dir).args(["--json", "audit", "list"]));
    let entries = json(&stdout);
    let exported: Vec<&serde_json::Value> = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "client.exported")
        .collect();
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0]["subject"], "C-101");
    let details = exported[0]["details"].as_str().unwrap();
    assert!(details.contains("\"recordings\":2"), "{details}");
    assert!(!details.contains("Test Client"));
}

#[test]
fn an_unknown_client_or_a_short_passphrase_writes_nothing() {
    let (tmp, dir, _) = new_vault();
    supervision_consent(&dir);
    let out_file = tmp.path().join("bundle.age");
    let export = |code: &str, passphrase: &str| {
        let (out, stdout, stderr) = run(cli(&dir)
            .args(["--json", "client", "export", code, "--out"])
            .arg(&out_file)
            .env("SESSIONVAULT_PASSPHRASE", passphrase));
        (
            out.status.code(),
            json(&stdout)["error"]["code"].as_str().map(str::to_owned),
            stderr,
        )
    };
    let (status, code, stderr) = export("C-999", PASSPHRASE);
    assert_eq!(
        (status, code.as_deref()),
        (Some(1), Some("client_not_found")),
        "{stderr}"
    );
    let (status, code, _) = export("C-101", "short");
    assert_eq!(
        (status, code.as_deref()),
        (Some(1), Some("weak_passphrase"))
    );
    assert!(!out_file.exists());
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "only the vault"
    );

    // A client with a consent and nothing recorded still gets their consent.
    let (status, code, stderr) = export("C-101", PASSPHRASE);
    assert_eq!((status, code), (Some(0), None), "{stderr}");
    let (files, _) = open_bundle(&out_file, PASSPHRASE);
    let recordings = json_bytes(&files["subject-access-C-101/recordings.json"]);
    assert_eq!(recordings, serde_json::json!([]));
}
