//! Every time and duration option takes one grammar (`90`, `90.5`, `2s`, `25m`, `1h`, `1:30`,
//! `1:02:03.5`), to the frame, and every refusal names the forms accepted.

use std::path::Path;

use super::{id, ok, record, run_with};
use crate::common::{cli, json, new_vault, supervision_consent, AlsaFileInput};
use serde_json::Value;

/// What every refusal of a time names as accepted.
const ACCEPTED: &str = "90, 90.5, 2s, 25m, 1h, 1:30 or 1:02:03.5";

/// Small forms of the grammar, all within a 2 s recording, and the frame each is at 48 kHz.
const WITHIN: [(&str, u64); 10] = [
    ("1", 48_000),
    ("1.5", 72_000),
    ("0.000020833", 1),
    ("1s", 48_000),
    ("1.25s", 60_000),
    ("0.025m", 72_000),
    ("0.0005h", 86_400),
    ("0:01", 48_000),
    ("0:01.75", 84_000),
    ("0:00:01.5", 72_000),
];

/// Every form named in the help, most beyond the end of a 2 s recording.
const EVERY_FORM: [&str; 9] = [
    "90",
    "90.5",
    "2s",
    "90.5s",
    "25m",
    "1.5m",
    "1h",
    "1:30",
    "1:02:03.5",
];

/// Not times, each with the way it is written on the command line.
const NOT_TIMES: [&str; 10] = [
    "",
    "2 s",
    "1:30s",
    "2ms",
    "2S",
    "1h30m",
    "1e3",
    "-1",
    "1.5.5",
    "99999999999999999999h",
];

/// Runs `sessionvault --json ARGS` (stdin empty); exit code, stdout and stderr.
fn attempt(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let (out, stdout, stderr) = run_with(cli(dir).arg("--json").args(args), "");
    (out.status.code(), stdout, stderr)
}

/// Checks the time option that ends `args`: the command with each small form puts what it
/// reports at the right frame (`placed` runs it and returns that frame), and the forms pass or
/// fail as [`check_forms`] says.
fn check_option(dir: &Path, args: &[&str], placed: &mut dyn FnMut(&[&str]) -> u64) {
    for (form, frame) in WITHIN {
        let with = [args, &[form]].concat();
        assert_eq!(placed(&with), frame, "{with:?}");
    }
    check_forms(dir, args);
}

/// Every named form gets past the parsing of `args` + the form: no refusal as "not a time"
/// and no usage error (it may then be refused for another reason, such as the recording's
/// end); every non-time is refused, naming the forms accepted.
fn check_forms(dir: &Path, args: &[&str]) {
    for form in EVERY_FORM {
        let with = [args, &[form]].concat();
        let (code, stdout, stderr) = attempt(dir, &with);
        assert_ne!(code, Some(2), "{with:?}: {stderr}");
        assert!(
            !stderr.contains("not a time"),
            "{with:?}: {stdout} {stderr}"
        );
    }
    for bad in NOT_TIMES {
        // `--at=-1`, so a leading hyphen is a value, not an option.
        let last = format!("{}={bad}", args[args.len() - 1]);
        let with = [&args[..args.len() - 1], &[last.as_str()]].concat();
        let (code, stdout, stderr) = attempt(dir, &with);
        assert!(matches!(code, Some(1 | 2)), "{with:?}: {stderr}");
        assert!(
            stderr.contains(ACCEPTED),
            "{with:?} is refused naming the accepted forms: {stdout} {stderr}"
        );
    }
}

#[test]
fn every_time_option_reads_every_form_of_the_grammar() {
    let (_tmp, dir, _) = new_vault();
    let consent = supervision_consent(&dir);
    let recording = id(&record(&dir, &consent, "2s"));
    let r = recording.as_str();
    let d = dir.as_path();
    // What a command reports at a frame, or in seconds (as a frame at 48 kHz).
    let frame = |field: &'static str| move |args: &[&str]| ok(d, args)[field].as_u64().unwrap();
    let at_48k = |value: &Value| (value.as_f64().unwrap() * 48_000.0).round() as u64;
    let seconds = |field: &'static str| move |args: &[&str]| at_48k(&ok(d, args)[field]);

    // Bookmarks: add and move.
    let mark = id(&ok(d, &["bookmark", "add", r, "--at", "0", "--note", "n"]));
    let add = ["bookmark", "add", r, "--note", "n", "--at"];
    check_option(d, &add, &mut frame("at_frame"));
    let edit = ["bookmark", "edit", &mark, "--at"];
    check_option(d, &edit, &mut frame("at_frame"));

    // Transcripts: the excerpt's range, and segments.
    check_option(
        d,
        &["transcript", "new", r, "--from"],
        &mut frame("from_frame"),
    );
    check_option(
        d,
        &["transcript", "new", r, "--until"],
        &mut frame("until_frame"),
    );
    let whole = id(&ok(d, &["transcript", "new", r]));
    let add = [
        "transcript",
        "add",
        &whole,
        "--speaker",
        "C:",
        "--text",
        "t",
        "--at",
    ];
    let segment = id(&ok(d, &[&add[..], &["0"]].concat()));
    check_option(d, &add, &mut frame("at_frame"));
    let edit = ["transcript", "edit", &segment, "--at"];
    check_option(d, &edit, &mut frame("at_frame"));

    // Sharing a clip: from, until, for.
    let to = age::x25519::Identity::generate().to_public().to_string();
    let out = dir.parent().unwrap().join("clip.age");
    let share = ["share", r, "--role", "supervisor", "--to", &to, "--out"];
    let share = [&share[..], &[out.to_str().unwrap()]].concat();
    for (option, field) in [
        ("--from", "from_seconds"),
        ("--until", "until_seconds"),
        ("--for", "until_seconds"),
    ] {
        check_option(d, &[&share[..], &[option]].concat(), &mut seconds(field));
    }

    // Playing: from, until, for, into ALSA's null device (which plays at once). The forms
    // are checked with no device at all: playback fails, but only after the times were read.
    let null_output = AlsaFileInput::new(1);
    for (option, field) in [
        ("--from", "from_seconds"),
        ("--until", "to_seconds"),
        ("--for", "to_seconds"),
    ] {
        check_option(d, &["play", r, option], &mut |args| {
            let (out, stdout, stderr) =
                run_with(null_output.apply(&mut cli(d)).arg("--json").args(args), "");
            assert!(out.status.success(), "{args:?}: {stderr}");
            at_48k(&json(&stdout)["ranges"][0][field])
        });
    }
}

#[test]
fn record_duration_reads_every_form_to_the_frame() {
    let (_tmp, dir, _) = new_vault();
    let consent = supervision_consent(&dir);
    for (duration, frames) in [
        ("1.823833s", 87_544),
        ("1.5", 72_000),
        ("2", 96_000),
        ("0:01.25", 60_000),
        ("0:00:01", 48_000),
        ("0.025m", 72_000),
        ("0.0005h", 86_400),
    ] {
        let summary = record(&dir, &consent, duration);
        assert_eq!(
            summary["frames"], frames,
            "--duration {duration}: {summary}"
        );
    }
    for bad in NOT_TIMES {
        let (code, _, stderr) = attempt(
            &dir,
            &[
                "record",
                "--consent",
                &consent,
                &format!("--duration={bad}"),
            ],
        );
        assert_eq!(code, Some(2), "--duration={bad}: {stderr}");
        assert!(stderr.contains(ACCEPTED), "--duration={bad}: {stderr}");
    }
}
