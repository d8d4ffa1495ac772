//! Transcripts through the real `sessionvault` CLI on a real recording (ALSA's file plugin, 2 s
//! at 48 kHz): an excerpt with exact frames that survive edits of text and speaker; times
//! outside the range refused; anonymised TXT, DOCX (read back with docx-rs) and PDF (pdftotext,
//! pdftoppm) exports with none of the originals in them, each an outstanding copy; an original
//! left in a form the rules miss refuses the export without naming it; and shredding the
//! recording removes its transcripts and counts them on the certificate.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use crate::common::{
    cli, contains, files_under, json, new_vault, run, supervision_consent, AlsaFileInput,
};
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

/// Every piece of text of a DOCX, read back with docx-rs.
fn docx_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let docx = docx_rs::read_docx(&bytes).expect("the DOCX opens");
    let mut out = String::new();
    for child in &docx.document.children {
        if let docx_rs::DocumentChild::Paragraph(p) = child {
            for pc in &p.children {
                if let docx_rs::ParagraphChild::Run(r) = pc {
                    for rc in &r.children {
                        match rc {
                            docx_rs::RunChild::Text(t) => out.push_str(&t.text),
                            docx_rs::RunChild::Break(_) => out.push('\n'),
                            _ => {}
                        }
                    }
                }
            }
            out.push('\n');
        }
    }
    out
}

fn frames(t: &Value) -> Vec<(u64, String, String)> {
    t["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["at_frame"].as_u64().unwrap(),
                s["speaker"].as_str().unwrap().to_owned(),
                s["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn an_excerpt_keeps_its_times_through_edits_and_exports_anonymised_in_three_formats() {
    let (tmp, dir, recording) = vault_with_recording();
    let t = ok(
        &dir,
        &[
            "new",
            &recording,
            "--from",
            "0.5",
            "--until",
            "1.5",
            "--speakers",
            "T:=Counsellor,C:=Client",
        ],
    );
    let id = t["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (t["from_frame"].as_u64(), t["until_frame"].as_u64()),
        (Some(24_000), Some(72_000))
    );
    assert_eq!(t["whole"], false);

    let a = ok(
        &dir,
        &[
            "add",
            &id,
            "--at",
            "0.5",
            "--speaker",
            "T:",
            "--text",
            "How was Leeds?",
        ],
    );
    let b = ok(
        &dir,
        &[
            "add",
            &id,
            "--at",
            "1",
            "--speaker",
            "C:",
            "--text",
            "I told sarah everything.",
        ],
    );
    let c = ok(
        &dir,
        &[
            "add",
            &id,
            "--at",
            "0:01.25",
            "--speaker",
            "C:",
            "--text",
            "Then nothing.",
        ],
    );
    assert_eq!(a["at_frame"], 24_000);
    assert_eq!(b["at_frame"], 48_000);
    assert_eq!(c["at_frame"], 60_000);
    let b_id = b["id"].as_str().unwrap();

    // Outside the range, or with a speaker not in the key: refused, nothing changes.
    for at in ["0.4", "1.6", "5"] {
        let (code, _, _) = refused(
            &dir,
            &["add", &id, "--at", at, "--speaker", "C:", "--text", "x"],
        );
        assert_eq!(code, "invalid_time", "{at}");
    }
    let (code, _, _) = refused(
        &dir,
        &["add", &id, "--at", "1", "--speaker", "X:", "--text", "x"],
    );
    assert_eq!(code, "invalid_speaker");
    let (code, _, _) = refused(&dir, &["edit", b_id, "--at", "1.7"]);
    assert_eq!(code, "invalid_time");

    // Editing the text and the speaker keeps the time exactly.
    let edited = ok(&dir, &["edit", b_id, "--text", "I told Sarah about Leeds."]);
    assert_eq!(edited["at_frame"], 48_000);
    let edited = ok(&dir, &["edit", b_id, "--speaker", "T:"]);
    assert_eq!(edited["at_frame"], 48_000);
    assert_eq!(edited["text"], "I told Sarah about Leeds.");
    let edited = ok(&dir, &["edit", b_id, "--speaker", "C:"]);
    assert_eq!(edited["at_frame"], 48_000);
    // Moving it moves only it.
    let moved = ok(&dir, &["edit", c["id"].as_str().unwrap(), "--at", "1.2"]);
    assert_eq!(moved["at_frame"], 57_600);
    assert_eq!(moved["text"], "Then nothing.");
    let shown = ok(&dir, &["show", &id]);
    assert_eq!(
        frames(&shown),
        vec![
            (24_000, "T:".to_owned(), "How was Leeds?".to_owned()),
            (
                48_000,
                "C:".to_owned(),
                "I told Sarah about Leeds.".to_owned()
            ),
            (57_600, "C:".to_owned(), "Then nothing.".to_owned()),
        ]
    );

    // The autosave path: the whole list replaced in one go, ids kept, times exact.
    {
        let mut vault = Vault::open(&dir, Arc::new(sessionvault_core::clock::SystemClock)).unwrap();
        let current = transcript::get(&vault, &id).unwrap();
        let segments: Vec<transcript::NewSegment<'_>> = current
            .segments
            .iter()
            .map(|s| transcript::NewSegment {
                id: Some(&s.id),
                at: sessionvault_core::timecode::time_of(s.at_frame, 48_000),
                speaker: &s.speaker,
                text: &s.text,
            })
            .collect();
        let saved = transcript::save(&mut vault, &id, &segments).unwrap();
        assert_eq!(saved.segments, current.segments);
    }

    // Remove one; anonymise.
    ok(&dir, &["rm", c["id"].as_str().unwrap()]);
    let set = ok(
        &dir,
        &[
            "anonymise",
            &id,
            "--replace",
            "Sarah=Client A",
            "--replace",
            "Leeds=a city",
        ],
    );
    assert_eq!(set["rules"], 2);
    assert_eq!(set["leftovers"], serde_json::json!([]));

    let txt = tmp.path().join("excerpt.txt");
    let docx = tmp.path().join("excerpt.docx");
    let pdf = tmp.path().join("excerpt.pdf");
    let mut copies = Vec::new();
    for (format, path) in [("txt", &txt), ("docx", &docx), ("pdf", &pdf)] {
        let done = ok(
            &dir,
            &[
                "export",
                &id,
                "--format",
                format,
                "--out",
                path.to_str().unwrap(),
            ],
        );
        assert_eq!(done["kind"], format!("transcript-{format}"));
        copies.push(done["copy_id"].as_str().unwrap().to_owned());
    }

    // TXT: header, key, a time at the start of each line, none of the originals.
    let bytes = std::fs::read(&txt).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.contains("Client code: C-101"), "{text}");
    assert!(
        text.contains("Excerpt 00:00:00\u{2013}00:00:01 of the session of "),
        "{text}"
    );
    assert!(
        text.contains("T:  Counsellor") && text.contains("C:  Client"),
        "{text}"
    );
    assert!(text.contains("\n[00:00] T: How was a city?\n"), "{text}");
    assert!(
        text.contains("\n[00:01] C: I told Client A about a city.\n"),
        "{text}"
    );
    for name in ["sarah", "leeds"] {
        assert!(
            !contains(&bytes.to_ascii_lowercase(), name.as_bytes()),
            "{name} in TXT"
        );
    }

    // DOCX: read back by a reader; the same lines, none of the originals.
    let read = docx_text(&docx);
    assert!(
        read.contains("[00:01] C: I told Client A about a city."),
        "{read}"
    );
    assert!(read.contains("Excerpt 00:00:00"), "{read}");
    assert!(read.contains("Counsellor"), "{read}");
    let lower = read.to_lowercase();
    assert!(
        !lower.contains("sarah") && !lower.contains("leeds"),
        "{read}"
    );

    // PDF: its text, and its pages render.
    let read = pdf_text(&pdf);
    assert!(read.contains("I told Client A about a city."), "{read}");
    assert!(
        read.contains("[00:01]") && read.contains("Speaker key"),
        "{read}"
    );
    assert!(read.contains("C-101"), "{read}");
    let lower = read.to_lowercase();
    assert!(
        !lower.contains("sarah") && !lower.contains("leeds"),
        "{read}"
    );
    let pages = Command::new("pdftoppm")
        .args(["-png", "-r", "40"])
        .arg(&pdf)
        .arg(tmp.path().join("page"))
        .status()
        .expect("pdftoppm (poppler-utils) must be installed");
    assert!(pages.success());
    assert!(tmp.path().join("page-1.png").exists());

    // Each export is an outstanding copy of the recording.
    let (out, stdout, stderr) =
        run(cli(&dir).args(["--json", "shred", "recording", &recording, "--dry-run"]));
    assert!(out.status.success(), "{stderr}");
    let preview = json(&stdout);
    let listed: Vec<&str> = preview["outstanding_copies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["copy_id"].as_str().unwrap())
        .collect();
    for copy in &copies {
        assert!(listed.contains(&copy.as_str()), "{preview}");
    }
    assert_eq!(preview["items"][0]["transcripts"], 1);

    // The audit log has ids only, and the vault's files none of the text.
    let (_, log, _) = run(cli(&dir).args(["--json", "audit", "list"]));
    let kinds: Vec<String> = json(&log)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "transcript.created").count(),
        1
    );
    assert!(kinds.iter().filter(|k| *k == "transcript.edited").count() >= 8);
    assert_eq!(
        kinds.iter().filter(|k| *k == "transcript.exported").count(),
        3
    );
    assert!(!log.contains("Sarah") && !log.contains("Leeds") && !log.contains("nothing"));
    for file in files_under(&dir) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !contains(&bytes, b"Sarah") && !contains(&bytes, b"Leeds"),
            "{file:?}"
        );
    }
    assert!(run(cli(&dir).args(["audit", "verify"])).0.status.success());
}

#[test]
fn an_original_in_a_form_the_rules_miss_refuses_the_export_without_naming_it() {
    let (tmp, dir, recording) = vault_with_recording();
    let t = ok(&dir, &["new", &recording]);
    let id = t["id"].as_str().unwrap().to_owned();
    assert_eq!(t["whole"], true);
    ok(
        &dir,
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
        &dir,
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
        &dir,
        &["add", &id, "--at", "2.5", "--speaker", "T:", "--text", "x"],
    );
    assert_eq!(code, "invalid_time");

    // The rule catches "Sarah" but not "Sarahs": the check finds it, and says which rule.
    let set = ok(&dir, &["anonymise", &id, "--replace", "Sarah=Client A"]);
    assert_eq!(set["leftovers"][0]["rule"], 1);
    assert_eq!(set["leftovers"][0]["places"][0], "[00:01]");
    let out = tmp.path().join("refused.txt");
    for format in ["txt", "docx", "pdf"] {
        let (code, error, stderr) = refused(
            &dir,
            &[
                "export",
                &id,
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
    // With a rule for that form too, it goes.
    ok(
        &dir,
        &[
            "anonymise",
            &id,
            "--replace",
            "Sarah=Client A",
            "--replace",
            "Sarahs=Client A's",
        ],
    );
    ok(
        &dir,
        &[
            "export",
            &id,
            "--format",
            "txt",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&out).unwrap();
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
