//! An excerpt of the recording: exact frames that survive edits of text and speaker, times
//! outside the range refused, and anonymised TXT, DOCX and PDF exports with none of the
//! originals in them, each an outstanding copy.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use super::{ok, pdf_text, refused, vault_with_recording};
use crate::common::{cli, contains, files_under, json, run};
use serde_json::Value;
use sessionvault_core::documents::transcript;
use sessionvault_core::store::vault::Vault;

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
    let id = new_excerpt(&dir, &recording);
    let (b_id, c_id) = add_three_segments(&dir, &id);
    refuse_times_outside_and_unknown_speakers(&dir, &id, &b_id);
    edit_and_move_keeping_times(&dir, &id, &b_id, &c_id);
    save_the_whole_list_keeping_ids_and_times(&dir, &id);
    remove_one_and_anonymise(&dir, &id, &c_id);
    let exports = export_in_three_formats(&dir, tmp.path(), &id);
    check_txt(&exports.txt);
    check_docx(&exports.docx);
    check_pdf(&exports.pdf, tmp.path());
    check_exports_are_outstanding_copies(&dir, &recording, &exports.copies);
    check_audit_log_and_files_hold_no_text(&dir);
}

/// Makes the transcript of 0.5 s to 1.5 s of `recording` with a key of two speakers; its id.
fn new_excerpt(dir: &Path, recording: &str) -> String {
    let t = ok(
        dir,
        &[
            "new",
            recording,
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
    id
}

/// Adds three segments to the excerpt `id` and checks their frames; the ids of the second and
/// the third.
fn add_three_segments(dir: &Path, id: &str) -> (String, String) {
    let a = ok(
        dir,
        &[
            "add",
            id,
            "--at",
            "0.5",
            "--speaker",
            "T:",
            "--text",
            "How was Leeds?",
        ],
    );
    let b = ok(
        dir,
        &[
            "add",
            id,
            "--at",
            "1",
            "--speaker",
            "C:",
            "--text",
            "I told sarah everything.",
        ],
    );
    let c = ok(
        dir,
        &[
            "add",
            id,
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
    (
        b["id"].as_str().unwrap().to_owned(),
        c["id"].as_str().unwrap().to_owned(),
    )
}

/// Checks that times outside the range, and a speaker not in the key, are refused.
fn refuse_times_outside_and_unknown_speakers(dir: &Path, id: &str, b_id: &str) {
    // Outside the range, or with a speaker not in the key: refused, nothing changes.
    for at in ["0.4", "1.6", "5"] {
        let (code, _, _) = refused(
            dir,
            &["add", id, "--at", at, "--speaker", "C:", "--text", "x"],
        );
        assert_eq!(code, "invalid_time", "{at}");
    }
    let (code, _, _) = refused(
        dir,
        &["add", id, "--at", "1", "--speaker", "X:", "--text", "x"],
    );
    assert_eq!(code, "invalid_speaker");
    let (code, _, _) = refused(dir, &["edit", b_id, "--at", "1.7"]);
    assert_eq!(code, "invalid_time");
}

/// Edits the text and speaker of the second segment and moves the third, checking every time.
fn edit_and_move_keeping_times(dir: &Path, id: &str, b_id: &str, c_id: &str) {
    // Editing the text and the speaker keeps the time exactly.
    let edited = ok(dir, &["edit", b_id, "--text", "I told Sarah about Leeds."]);
    assert_eq!(edited["at_frame"], 48_000);
    let edited = ok(dir, &["edit", b_id, "--speaker", "T:"]);
    assert_eq!(edited["at_frame"], 48_000);
    assert_eq!(edited["text"], "I told Sarah about Leeds.");
    let edited = ok(dir, &["edit", b_id, "--speaker", "C:"]);
    assert_eq!(edited["at_frame"], 48_000);
    // Moving it moves only it.
    let moved = ok(dir, &["edit", c_id, "--at", "1.2"]);
    assert_eq!(moved["at_frame"], 57_600);
    assert_eq!(moved["text"], "Then nothing.");
    let shown = ok(dir, &["show", id]);
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
}

/// Saves the whole list of segments in one go, as autosave does, and checks nothing moved.
fn save_the_whole_list_keeping_ids_and_times(dir: &Path, id: &str) {
    // The autosave path: the whole list replaced in one go, ids kept, times exact.
    let mut vault = Vault::open(dir, Arc::new(sessionvault_core::clock::SystemClock)).unwrap();
    let current = transcript::get(&vault, id).unwrap();
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
    let saved = transcript::save(&mut vault, id, &segments).unwrap();
    assert_eq!(saved.segments, current.segments);
}

/// Removes the third segment and sets the two rules that anonymise the rest.
fn remove_one_and_anonymise(dir: &Path, id: &str, c_id: &str) {
    // Remove one; anonymise.
    ok(dir, &["rm", c_id]);
    let set = ok(
        dir,
        &[
            "anonymise",
            id,
            "--replace",
            "Sarah=Client A",
            "--replace",
            "Leeds=a city",
        ],
    );
    assert_eq!(set["rules"], 2);
    assert_eq!(set["leftovers"], serde_json::json!([]));
}

/// The three files the excerpt was exported to, and the copy id each export recorded.
struct Exports {
    txt: PathBuf,
    docx: PathBuf,
    pdf: PathBuf,
    copies: Vec<String>,
}

/// Exports the excerpt `id` as TXT, DOCX and PDF into the folder `out`.
fn export_in_three_formats(dir: &Path, out: &Path, id: &str) -> Exports {
    let txt = out.join("excerpt.txt");
    let docx = out.join("excerpt.docx");
    let pdf = out.join("excerpt.pdf");
    let mut copies = Vec::new();
    for (format, path) in [("txt", &txt), ("docx", &docx), ("pdf", &pdf)] {
        let done = ok(
            dir,
            &[
                "export",
                id,
                "--format",
                format,
                "--out",
                path.to_str().unwrap(),
            ],
        );
        assert_eq!(done["kind"], format!("transcript-{format}"));
        copies.push(done["copy_id"].as_str().unwrap().to_owned());
    }
    Exports {
        txt,
        docx,
        pdf,
        copies,
    }
}

/// Checks the TXT export: header, key, a time at the start of each line, none of the originals.
fn check_txt(txt: &Path) {
    let bytes = std::fs::read(txt).unwrap();
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
}

/// Checks the DOCX export, read back by a reader: the same lines, none of the originals.
fn check_docx(docx: &Path) {
    let read = docx_text(docx);
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
}

/// Checks the PDF export's text, and that its pages render into the folder `pages_in`.
fn check_pdf(pdf: &Path, pages_in: &Path) {
    let read = pdf_text(pdf);
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
        .arg(pdf)
        .arg(pages_in.join("page"))
        .status()
        .expect("pdftoppm (poppler-utils) must be installed");
    assert!(pages.success());
    assert!(pages_in.join("page-1.png").exists());
}

/// Checks that the shred preview of `recording` lists each export as an outstanding copy.
fn check_exports_are_outstanding_copies(dir: &Path, recording: &str, copies: &[String]) {
    let (out, stdout, stderr) =
        run(cli(dir).args(["--json", "shred", "recording", recording, "--dry-run"]));
    assert!(out.status.success(), "{stderr}");
    let preview = json(&stdout);
    let listed: Vec<&str> = preview["outstanding_copies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["copy_id"].as_str().unwrap())
        .collect();
    for copy in copies {
        assert!(listed.contains(&copy.as_str()), "{preview}");
    }
    assert_eq!(preview["items"][0]["transcripts"], 1);
}

/// Checks that the audit log has ids only, and the vault's files none of the text.
fn check_audit_log_and_files_hold_no_text(dir: &Path) {
    let (_, log, _) = run(cli(dir).args(["--json", "audit", "list"]));
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
    for file in files_under(dir) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !contains(&bytes, b"Sarah") && !contains(&bytes, b"Leeds"),
            "{file:?}"
        );
    }
    assert!(run(cli(dir).args(["audit", "verify"])).0.status.success());
}
