//! Transcripts through the real `sessionvault` CLI on a real recording (ALSA's file plugin, 2 s
//! at 48 kHz): an excerpt with exact frames that survive edits of text and speaker; times
//! outside the range refused; anonymised TXT, DOCX (read back with docx-rs) and PDF (pdftotext,
//! pdftoppm) exports with none of the originals in them, each an outstanding copy; an original
//! left in a form the rules miss refuses the export without naming it; and shredding the
//! recording removes its transcripts and counts them on the certificate.

mod excerpt;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use crate::common::{cli, json, new_vault, run, supervision_consent, AlsaFileInput};
use serde_json::Value;
use sessionvault_core::documents::transcript::{self, TranscriptError};
use sessionvault_core::store::vault::Vault;

/// A vault holding one finished 2 s mono recording at 48 kHz; the folder guard, the vault
/// folder and the recording id.
fn vault_with_recording() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let (tmp, dir, _id) = new_vault();
    let consent = supervision_consent(&dir);
    let input = AlsaFileInput::new(48_000 * 3);
    let (out, stdout, stderr) = run(input.apply(&mut cli(&dir)).args([
        "--json",
        "record",
        "--consent",
        &consent,
        "--duration",
        "2s",
    ]));
    assert!(out.status.success(), "{stderr}");
    let summary = json(&stdout);
    assert_eq!(summary["frames"], 96_000, "{summary}");
    (tmp, dir, summary["id"].as_str().unwrap().to_owned())
}

/// Runs `sessionvault --json transcript ARGS...` with info logs on.
fn transcript_cmd(dir: &Path, args: &[&str]) -> (Output, String, String) {
    run(cli(dir)
        .env("SESSIONVAULT_LOG", "info")
        .args(["--json", "transcript"])
        .args(args))
}

fn ok(dir: &Path, args: &[&str]) -> Value {
    let (out, stdout, stderr) = transcript_cmd(dir, args);
    assert!(out.status.success(), "{args:?}: {stderr}");
    assert!(
        !stderr.contains("Sarah") && !stderr.contains("Leeds"),
        "{stderr}"
    );
    json(&stdout)
}

fn refused(dir: &Path, args: &[&str]) -> (String, Value, String) {
    let (out, stdout, stderr) = transcript_cmd(dir, args);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stdout} {stderr}");
    let error = json(&stdout)["error"].clone();
    (error["code"].as_str().unwrap().to_owned(), error, stderr)
}

fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn an_original_in_a_form_the_rules_miss_refuses_the_export_without_naming_it() {
    let (tmp, dir, recording) = vault_with_recording();
    let id = whole_transcript_naming_sarah_twice(&dir, &recording);
    anonymise_missing_one_form(&dir, &id);
    let out = tmp.path().join("refused.txt");
    refuse_the_export_in_every_format(&dir, &id, &out);
    export_with_a_rule_for_each_form(&dir, &id, &out);
}

/// Makes a transcript of the whole of `recording` naming Sarah, once as "Sarahs"; its id.
fn whole_transcript_naming_sarah_twice(dir: &Path, recording: &str) -> String {
    let t = ok(dir, &["new", recording]);
    let id = t["id"].as_str().unwrap().to_owned();
    assert_eq!(t["whole"], true);
    ok(
        dir,
        &[
            "add",
            &id,
            "--at",
            "0",
            "--speaker",
            "C:",
            "--text",
            "Sarah rang.",
        ],
    );
    ok(
        dir,
        &[
            "add",
            &id,
            "--at",
            "1.5",
            "--speaker",
            "T:",
            "--text",
            "And Sarahs mother?",
        ],
    );
    let (code, _, _) = refused(
        dir,
        &["add", &id, "--at", "2.5", "--speaker", "T:", "--text", "x"],
    );
    assert_eq!(code, "invalid_time");
    id
}

/// Sets a rule for "Sarah" only and checks the check finds "Sarahs" and names its rule.
fn anonymise_missing_one_form(dir: &Path, id: &str) {
    // The rule catches "Sarah" but not "Sarahs": the check finds it, and says which rule.
    let set = ok(dir, &["anonymise", id, "--replace", "Sarah=Client A"]);
    assert_eq!(set["leftovers"][0]["rule"], 1);
    assert_eq!(set["leftovers"][0]["places"][0], "[00:01]");
}

/// Checks that exporting to `out` in each format is refused, naming the rule but not the name.
fn refuse_the_export_in_every_format(dir: &Path, id: &str, out: &Path) {
    for format in ["txt", "docx", "pdf"] {
        let (code, error, stderr) = refused(
            dir,
            &[
                "export",
                id,
                "--format",
                format,
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(code, "anonymisation_incomplete");
        assert_eq!(error["leftovers"][0]["rule"], 1);
        assert_eq!(error["leftovers"][0]["count"], 1);
        assert!(
            error["message"].as_str().unwrap().contains("rule 1"),
            "{error}"
        );
        assert!(stderr.contains("WARNING: rule 1"), "{stderr}");
        assert!(!stderr.contains("Sarah") && !error.to_string().contains("Sarah"));
        assert!(!out.exists(), "nothing is written");
    }
}

/// Adds a rule for "Sarahs" too and checks the TXT export to `out` then goes, anonymised.
fn export_with_a_rule_for_each_form(dir: &Path, id: &str, out: &Path) {
    // With a rule for that form too, it goes.
    ok(
        dir,
        &[
            "anonymise",
            id,
            "--replace",
            "Sarah=Client A",
            "--replace",
            "Sarahs=Client A's",
        ],
    );
    ok(
        dir,
        &[
            "export",
            id,
            "--format",
            "txt",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(out).unwrap();
    assert!(text.contains("[00:01] T: And Client A's mother?"), "{text}");
    assert!(text.contains("The whole session of "), "{text}");
    assert!(!text.to_lowercase().contains("sarah"), "{text}");
}

#[test]
fn shredding_a_recording_removes_its_transcripts_and_the_certificate_counts_them() {
    let (_tmp, dir, recording) = vault_with_recording();
    for range in [&["--until", "1"][..], &["--from", "1"][..]] {
        let t = ok(&dir, &[&["new", recording.as_str()][..], range].concat());
        let id = t["id"].as_str().unwrap();
        let at = if range[0] == "--until" { "0.5" } else { "1.5" };
        ok(
            &dir,
            &["add", id, "--at", at, "--speaker", "C:", "--text", "words"],
        );
    }
    let listed = ok(&dir, &["list", &recording]);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let ids: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    {
        let vault = Vault::open(&dir, Arc::new(sessionvault_core::clock::SystemClock)).unwrap();
        assert_eq!(
            transcript::ids_for_client(&vault, "C-101").unwrap().len(),
            2
        );
    }

    let (out, stdout, stderr) =
        run(cli(&dir).args(["--json", "shred", "recording", &recording, "--yes"]));
    assert!(out.status.success(), "{stderr}");
    let certificate = &json(&stdout)["certificate"]["certificate"];
    assert_eq!(
        certificate["destroyed"][0]["transcripts"], 2,
        "{certificate}"
    );
    assert_eq!(certificate["checks"][0]["rows_absent"], true);

    for id in &ids {
        let (code, _, _) = refused(&dir, &["show", id]);
        assert_eq!(code, "transcript_not_found");
    }
    let vault = Vault::open(&dir, Arc::new(sessionvault_core::clock::SystemClock)).unwrap();
    assert!(transcript::ids_for_client(&vault, "C-101")
        .unwrap()
        .is_empty());
    assert!(matches!(
        transcript::get(&vault, &ids[0]),
        Err(TranscriptError::NotFound(_))
    ));
    // The certificate verifies with the new field in it.
    let id = certificate["id"].as_str().unwrap();
    let file = _tmp.path().join("certificate.json");
    assert!(run(cli(&dir)
        .args(["certificate", "export", id, "--out"])
        .arg(&file))
    .0
    .status
    .success());
    assert!(run(cli(&dir).args(["certificate", "verify"]).arg(&file))
        .0
        .status
        .success());
    let pdf = _tmp.path().join("certificate.pdf");
    assert!(run(cli(&dir)
        .args(["certificate", "export", id, "--out"])
        .arg(&pdf))
    .0
    .status
    .success());
    assert!(pdf_text(&pdf).contains("transcripts: 2"));
}

#[test]
fn a_removed_transcript_is_gone_with_its_segments_and_the_removal_is_logged_without_text() {
    let (_tmp, dir, recording) = vault_with_recording();
    let t = ok(&dir, &["new", recording.as_str()]);
    let id = t["id"].as_str().unwrap().to_owned();
    ok(
        &dir,
        &[
            "add",
            &id,
            "--at",
            "0.5",
            "--speaker",
            "C:",
            "--text",
            "Sarah said so",
        ],
    );

    let mut vault = Vault::open(&dir, Arc::new(sessionvault_core::clock::SystemClock)).unwrap();
    let removed = transcript::remove(&mut vault, &id).unwrap();
    assert_eq!(removed.segments, 1);
    assert!(matches!(
        transcript::get(&vault, &id),
        Err(TranscriptError::NotFound(_))
    ));
    assert!(matches!(
        transcript::remove(&mut vault, &id),
        Err(TranscriptError::NotFound(_))
    ));
    let entries = vault.audit_entries().unwrap();
    let entry = entries
        .iter()
        .find(|e| e.kind == "transcript.removed")
        .expect("the removal is logged");
    assert_eq!(entry.subject.as_deref(), Some(id.as_str()));
    assert!(!entry.details.contains("Sarah"));
    drop(vault);
    assert!(ok(&dir, &["list", &recording])
        .as_array()
        .unwrap()
        .is_empty());
}
