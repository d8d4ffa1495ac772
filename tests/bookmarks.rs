//! Bookmarks through the real `sessionvault` CLI on a real recording (ALSA's file plugin, 2 s
//! at 48 kHz): added out of order and listed in time order with exact frames, moved, re-noted
//! and removed; refusals carry their codes and change nothing; the note stays out of the audit
//! log, the logs and every file of the vault.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use crate::common::{
    cli, contains, files_under, json, new_vault, run, spawn_recording, supervision_consent,
    AlsaFileInput, PulseServer,
};
use serde_json::{json, Value};

/// A vault holding one finished 2 s mono recording at 48 kHz (96 000 frames); the folder
/// guard, the vault folder and the recording id.
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
    assert_eq!(summary["state"], "complete", "{summary}");
    assert_eq!(summary["frames"], 96_000, "{summary}");
    assert_eq!(summary["sample_rate"], 48_000, "{summary}");
    let id = summary["id"].as_str().unwrap().to_owned();
    (tmp, dir, id)
}

/// Runs `sessionvault --json bookmark ARGS...`.
fn bookmark(dir: &Path, args: &[&str]) -> (Output, String, String) {
    run(cli(dir).args(["--json", "bookmark"]).args(args))
}

/// Runs a bookmark command that must succeed; its JSON.
fn ok(dir: &Path, args: &[&str]) -> Value {
    let (out, stdout, stderr) = bookmark(dir, args);
    assert!(out.status.success(), "{args:?}: {stderr}");
    json(&stdout)
}

/// Runs a bookmark command that must be refused (exit 1); its error code and message.
fn refused(dir: &Path, args: &[&str]) -> (String, String) {
    let (out, stdout, stderr) = bookmark(dir, args);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stdout} {stderr}");
    let error = &json(&stdout)["error"];
    (
        error["code"].as_str().unwrap().to_owned(),
        error["message"].as_str().unwrap().to_owned(),
    )
}

fn list(dir: &Path, recording: &str) -> Vec<Value> {
    ok(dir, &["list", recording]).as_array().unwrap().clone()
}

/// (at_frame, note) of each listed bookmark, in the order listed.
fn frames_and_notes(list: &[Value]) -> Vec<(u64, String)> {
    list.iter()
        .map(|b| {
            (
                b["at_frame"].as_u64().unwrap(),
                b["note"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn bookmarks_are_listed_in_time_order_and_can_be_moved_renoted_and_removed() {
    let (_tmp, dir, recording) = vault_with_recording();
    assert!(list(&dir, &recording).is_empty());

    let [a, b, c] = add_three_out_of_order(&dir, &recording);
    check_listed_in_time_order(&dir, &recording, [&a, &b, &c]);
    let (a_id, b_id, c_id) = (
        a["id"].as_str().unwrap(),
        b["id"].as_str().unwrap(),
        c["id"].as_str().unwrap(),
    );
    check_listed_for_people(&dir, &recording, [a_id, b_id, c_id]);
    move_and_renote(&dir, &recording, &b, [a_id, b_id, c_id]);

    // Removed: gone from the list, and a second removal finds nothing.
    let removed = ok(&dir, &["rm", a_id]);
    assert_eq!(removed["id"], a_id);
    assert_eq!(removed["at_frame"], 72_000);
    assert_eq!(ids(&list(&dir, &recording)), [c_id, b_id]);
    assert_eq!(refused(&dir, &["rm", a_id]).0, "bookmark_not_found");

    check_text_output_of_add_edit_and_rm(&dir, &recording);
}

/// The ids of the listed bookmarks `l`, in the order listed.
fn ids(l: &[Value]) -> Vec<String> {
    l.iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Adds bookmarks A, B and C to `recording` out of order, in each form of time, checking what
/// each add returns; what the three adds returned.
fn add_three_out_of_order(dir: &Path, recording: &str) -> [Value; 3] {
    // Added out of order, in each form of time.
    let a = ok(
        dir,
        &["add", recording, "--at", "1.5", "--note", "A: the pause"],
    );
    assert_eq!(a["at_frame"], 72_000);
    assert_eq!(a["at_seconds"], 1.5);
    assert_eq!(a["recording_id"], recording);
    assert_eq!(a["note"], "A: the pause");
    assert_eq!(a["created_at"], a["updated_at"]);
    let b = ok(
        dir,
        &[
            "add",
            recording,
            "--at",
            "0:00.25",
            "--note",
            "  B: opening  ",
        ],
    );
    assert_eq!(b["at_frame"], 12_000);
    assert_eq!(b["note"], "B: opening", "the note is kept trimmed");
    // The very end of the recording is a place too.
    let c = ok(
        dir,
        &["add", recording, "--at", "0:00:02", "--note", "C: end"],
    );
    assert_eq!(c["at_frame"], 96_000);
    assert_eq!(c["at_seconds"], 2.0);
    [a, b, c]
}

/// Checks that the list gives bookmarks `added` (A, B, C) in time order, each as added.
fn check_listed_in_time_order(dir: &Path, recording: &str, added: [&Value; 3]) {
    let [a, b, c] = added;
    let listed = list(dir, recording);
    assert_eq!(
        frames_and_notes(&listed),
        [
            (12_000, "B: opening".to_owned()),
            (72_000, "A: the pause".to_owned()),
            (96_000, "C: end".to_owned()),
        ]
    );
    assert_eq!(listed[1], *a, "list gives what add returned");
    let (a_id, b_id, c_id) = (
        a["id"].as_str().unwrap(),
        b["id"].as_str().unwrap(),
        c["id"].as_str().unwrap(),
    );
    assert_eq!(ids(&listed), [b_id, a_id, c_id]);
}

/// Checks the list for people, bookmarks A, B and C (`a_b_c`): one line each, in time order.
fn check_listed_for_people(dir: &Path, recording: &str, a_b_c: [&str; 3]) {
    let [a_id, b_id, c_id] = a_b_c;
    // For people: one line each, in time order.
    let (out, text, stderr) = run(cli(dir).args(["bookmark", "list", recording]));
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with(b_id)
            && lines[0].contains("0:00.250")
            && lines[0].ends_with("B: opening")
    );
    assert!(
        lines[1].starts_with(a_id) && lines[1].contains("0:01.500"),
        "{text}"
    );
    assert!(
        lines[2].starts_with(c_id) && lines[2].contains("0:02.000"),
        "{text}"
    );
}

/// Moves and re-notes B (as added: `b`) at once, then re-notes only A and moves only C
/// (`a_b_c` their ids), checking the list after.
fn move_and_renote(dir: &Path, recording: &str, b: &Value, a_b_c: [&str; 3]) {
    let [a_id, b_id, c_id] = a_b_c;
    // Moved and re-noted at once: B goes after A.
    let edited = ok(
        dir,
        &["edit", b_id, "--at", "1.75", "--note", "B: the silence"],
    );
    assert_eq!(edited["id"], b_id);
    assert_eq!(edited["at_frame"], 84_000);
    assert_eq!(edited["at_seconds"], 1.75);
    assert_eq!(edited["note"], "B: the silence");
    assert_eq!(edited["created_at"], b["created_at"]);
    assert!(edited["updated_at"].as_str() >= b["updated_at"].as_str());
    // Only the note: the time stays.
    let renoted = ok(dir, &["edit", a_id, "--note", "A: rupture and repair"]);
    assert_eq!(renoted["at_frame"], 72_000);
    // Only the time: the note stays.
    let moved = ok(dir, &["edit", c_id, "--at", "0:00.5"]);
    assert_eq!(moved["at_frame"], 24_000);
    assert_eq!(moved["note"], "C: end");
    assert_eq!(
        frames_and_notes(&list(dir, recording)),
        [
            (24_000, "C: end".to_owned()),
            (72_000, "A: rupture and repair".to_owned()),
            (84_000, "B: the silence".to_owned()),
        ]
    );
}

/// Checks the text output (no --json) of add, edit and rm, and a refused add.
fn check_text_output_of_add_edit_and_rm(dir: &Path, recording: &str) {
    // Text output of add, edit and rm.
    let (out, text, stderr) =
        run(cli(dir).args(["bookmark", "add", recording, "--at", "1:00", "--note", "x"]));
    assert_eq!(out.status.code(), Some(1), "1:00 is past the end: {text}");
    assert!(stderr.contains("after the end"), "{stderr}");
    let (out, text, stderr) = run(cli(dir).args([
        "bookmark", "add", recording, "--at", "1", "--note", "D: text",
    ]));
    assert!(out.status.success(), "{stderr}");
    let d_id = text.trim().to_owned();
    assert_eq!(list(dir, recording)[1]["id"], d_id.as_str(), "{text}");
    let (out, text, stderr) = run(cli(dir).args(["bookmark", "edit", &d_id, "--at", "1.25"]));
    assert!(out.status.success(), "{stderr}");
    assert!(text.contains("0:01.250"), "{text}");
    let (out, text, stderr) = run(cli(dir).args(["bookmark", "rm", &d_id]));
    assert!(out.status.success(), "{stderr}");
    assert!(text.contains("removed"), "{text}");
}

#[test]
fn refusals_carry_their_codes_and_change_nothing() {
    let (_tmp, dir, recording) = vault_with_recording();
    let kept = ok(&dir, &["add", &recording, "--at", "1", "--note", "kept"]);
    let kept_id = kept["id"].as_str().unwrap();

    // Times past the end, negative or not times at all.
    for at in [
        "2.001", "0:03", "1:00:00", "-1", "-0:00.5", "abc", "1:5", "", "1e3",
    ] {
        let (code, message) = refused(&dir, &["add", &recording, "--at", at, "--note", "n"]);
        assert_eq!(code, "invalid_time", "{at:?}: {message}");
        let (code, message) = refused(&dir, &["edit", kept_id, "--at", at]);
        assert_eq!(code, "invalid_time", "{at:?}: {message}");
    }
    // 2 s plus less than half a frame rounds onto the end and is accepted.
    let end = ok(
        &dir,
        &["add", &recording, "--at", "2.00001", "--note", "end"],
    );
    assert_eq!(end["at_frame"], 96_000);
    ok(&dir, &["rm", end["id"].as_str().unwrap()]);

    // Empty, blank or too long notes; the refusal does not repeat the note.
    let long = format!("secret-long-note {}", "x".repeat(2000));
    for note in ["", "   ", "\n\t", long.as_str()] {
        let (code, message) = refused(&dir, &["add", &recording, "--at", "1", "--note", note]);
        assert_eq!(code, "invalid_note", "{message}");
        let (code, message) = refused(&dir, &["edit", kept_id, "--note", note]);
        assert_eq!(code, "invalid_note", "{message}");
        assert!(!message.contains("secret-long-note"), "{message}");
    }
    // 2000 characters is the limit, and it is allowed.
    let longest = "é".repeat(2000);
    let (out, _, stderr) = bookmark(&dir, &["add", &recording, "--at", "0", "--note", &longest]);
    assert!(out.status.success(), "{stderr}");

    // Unknown ids.
    let nobody = "00000000-0000-0000-0000-000000000000";
    assert_eq!(
        refused(&dir, &["add", nobody, "--at", "1", "--note", "n"]).0,
        "recording_not_found"
    );
    assert_eq!(refused(&dir, &["list", nobody]).0, "recording_not_found");
    assert_eq!(
        refused(&dir, &["edit", nobody, "--note", "n"]).0,
        "bookmark_not_found"
    );
    assert_eq!(refused(&dir, &["rm", nobody]).0, "bookmark_not_found");
    // A recording id is not a bookmark id.
    assert_eq!(refused(&dir, &["rm", &recording]).0, "bookmark_not_found");

    // An edit that names nothing to change is a usage error.
    let (out, _, stderr) = bookmark(&dir, &["edit", kept_id]);
    assert_eq!(out.status.code(), Some(2), "{stderr}");

    // Nothing changed: the kept bookmark and the longest note only.
    let listed = list(&dir, &recording);
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["note"], longest.as_str());
    assert_eq!(listed[1], kept);
}

#[test]
fn the_note_stays_out_of_the_audit_log_the_logs_and_the_files_of_the_vault() {
    let (_tmp, dir, recording) = vault_with_recording();
    let first = "QX7-first: client spoke of her brother";
    let second = "QX7-second: counsellor's own reaction";
    let kept = "QX7-kept: transference at this point";
    let (id, kept_id) = add_edit_remove_and_list_traced(&dir, &recording, [first, second, kept]);
    check_audit_log_names_no_note(&dir, &recording, &id, &kept_id);

    // The kept note is there to read, yet no file under the vault holds any note in plaintext.
    assert_eq!(list(&dir, &recording)[0]["note"], kept);
    check_no_file_holds_a_note(&dir, [first, second, kept]);
}

/// Runs a bookmark command with every tracing level on, which must succeed and log nothing of
/// a note; its JSON and its logs (stderr).
fn traced(dir: &Path, args: &[&str]) -> (Value, String) {
    let (out, stdout, stderr) = run(cli(dir)
        .args(["--json", "bookmark"])
        .args(args)
        .env("SESSIONVAULT_LOG", "trace"));
    assert!(out.status.success(), "{args:?}: {stderr}");
    assert!(
        !stderr.contains("QX7"),
        "{args:?} logged the note: {stderr}"
    );
    (json(&stdout), stderr)
}

/// Adds a bookmark with the `first` note, edits it to the `second`, removes it, adds one with
/// the `kept` note and lists them, all traced; the ids of the removed and the kept bookmark.
fn add_edit_remove_and_list_traced(
    dir: &Path,
    recording: &str,
    [first, second, kept]: [&str; 3],
) -> (String, String) {
    // Every tracing level on: the logs (stderr) must not hold the notes either.
    // The logs are on and do name the bookmark, so their silence about the note means something.
    let (b, log) = traced(dir, &["add", recording, "--at", "0.5", "--note", first]);
    let id = b["id"].as_str().unwrap();
    assert!(log.contains("bookmark added") && log.contains(id), "{log}");
    traced(dir, &["edit", id, "--at", "1.5", "--note", second]);
    traced(dir, &["rm", id]);
    let (k, _) = traced(dir, &["add", recording, "--at", "1.25", "--note", kept]);
    let kept_id = k["id"].as_str().unwrap();
    traced(dir, &["list", recording]);
    (id.to_owned(), kept_id.to_owned())
}

/// Checks that the audit log names the bookmarks `id` and `kept_id`, their recording and frame,
/// nothing more, in JSON and in text, and still verifies.
fn check_audit_log_names_no_note(dir: &Path, recording: &str, id: &str, kept_id: &str) {
    // The audit log names the bookmarks, their recording and frame, nothing more.
    let (out, log, stderr) = run(cli(dir).args(["--json", "audit", "list"]));
    assert!(out.status.success(), "{stderr}");
    assert!(!log.contains("QX7"), "the audit log holds a note: {log}");
    let entries = json(&log);
    let bookmark_entries: Vec<(String, String, Value)> = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"].as_str().unwrap().starts_with("bookmark."))
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["subject"].as_str().unwrap().to_owned(),
                json(e["details"].as_str().unwrap()),
            )
        })
        .collect();
    assert_eq!(
        bookmark_entries,
        [
            (
                "bookmark.added".to_owned(),
                id.to_owned(),
                json!({ "recording_id": recording, "at_frame": 24_000 })
            ),
            (
                "bookmark.edited".to_owned(),
                id.to_owned(),
                json!({ "recording_id": recording, "at_frame": 72_000 })
            ),
            (
                "bookmark.removed".to_owned(),
                id.to_owned(),
                json!({ "recording_id": recording, "at_frame": 72_000 })
            ),
            (
                "bookmark.added".to_owned(),
                kept_id.to_owned(),
                json!({ "recording_id": recording, "at_frame": 60_000 })
            ),
        ]
    );
    let (out, text, stderr) = run(cli(dir).args(["audit", "list"]));
    assert!(out.status.success(), "{stderr}");
    assert!(!text.contains("QX7"), "{text}");

    let (out, stdout, stderr) = run(cli(dir).args(["--json", "audit", "verify"]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(json(&stdout)["entries"], entries.as_array().unwrap().len());
}

/// Checks that no file under the vault holds any of the `notes` in plaintext.
fn check_no_file_holds_a_note(dir: &Path, notes: [&str; 3]) {
    let files = files_under(dir);
    assert!(!files.is_empty());
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for note in notes {
            assert!(
                // Four bytes, not three: three given bytes turn up by chance in about one
                // encrypted recording of a hundred.
                !contains(&bytes, note.as_bytes()) && !contains(&bytes, b"QX7-"),
                "{} holds a note in plaintext",
                file.display()
            );
        }
    }
}

#[test]
fn a_recording_still_being_made_takes_no_bookmarks() {
    let pulse = PulseServer::start();
    let (_tmp, dir, _id) = new_vault();
    let consent = supervision_consent(&dir);
    let child = spawn_recording(
        cli(&dir)
            .args(["--json", "record", "--consent", &consent])
            .env("PULSE_SERVER", &pulse.address),
        &dir,
    );
    std::thread::sleep(Duration::from_millis(500));
    let (out, stdout, stderr) = run(cli(&dir).args(["--json", "recordings", "list"]));
    assert!(out.status.success(), "{stderr}");
    let live = json(&stdout);
    assert_eq!(live[0]["state"], "recording", "{live}");
    let recording = live[0]["id"].as_str().unwrap().to_owned();

    let (code, message) = refused(
        &dir,
        &["add", &recording, "--at", "0", "--note", "too soon"],
    );
    assert_eq!(code, "still_recording", "{message}");

    assert!(Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(list(&dir, &recording).is_empty());
    // Once stopped, it takes them.
    let b = ok(&dir, &["add", &recording, "--at", "0", "--note", "now"]);
    assert_eq!(b["at_frame"], 0);
}
