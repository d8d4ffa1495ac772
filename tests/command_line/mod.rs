//! The command line's words for time and for client text, through the real `sessionvault`
//! binary: every time and duration option takes one grammar (`90`, `90.5`, `2s`, `25m`, `1h`,
//! `1:30`, `1:02:03.5`), to the frame; and every option that carries a name or clinical text
//! takes `-`, read from standard input, so that nothing of a client stands in the process list
//! or the shell history. At most one option of a command can be `-`.

mod times;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{self, cli, json, new_vault, AlsaFileInput};
use serde_json::Value;

const SIGNATURE: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 40"><path d="M5 30 L40 5 L90 35" stroke="black" fill="none"/></svg>"#;

/// Runs `cmd` with `input` on its standard input; its output, stdout and stderr as text.
fn run_with(cmd: &mut Command, input: &str) -> (Output, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sessionvault");
    let mut stdin = child.stdin.take().unwrap();
    // A command refused on its arguments may exit before reading: its input is not wanted.
    match stdin.write_all(input.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.unwrap(),
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

/// `sessionvault --json ARGS` with `input` on stdin, which must succeed; its JSON.
fn ok_with(dir: &Path, args: &[&str], input: &str) -> Value {
    let (out, stdout, stderr) = run_with(cli(dir).arg("--json").args(args), input);
    assert!(out.status.success(), "{args:?}: {stderr}");
    json(&stdout)
}

/// `sessionvault --json ARGS` with an empty stdin, which must succeed; its JSON.
fn ok(dir: &Path, args: &[&str]) -> Value {
    ok_with(dir, args, "")
}

fn id(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{value}"))
        .to_owned()
}

/// The arguments of `consent new` for `client` on `course`, with the two names given.
fn consent_new(client: &str, course: &str, signature: &Path, names: [&str; 2]) -> Vec<String> {
    [
        "consent",
        "new",
        "--client",
        client,
        "--course",
        course,
        "--purpose",
        "coursework,supervision",
        "--audience",
        "tutors,supervisor",
        "--case-study",
        "coursework",
        "--client-name",
        names[0],
        "--counsellor-name",
        names[1],
        "--client-signature",
        signature.to_str().unwrap(),
    ]
    .map(str::to_owned)
    .to_vec()
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// Records `duration` of the known signal (3 s of input) under `consent`; the summary.
fn record(dir: &Path, consent: &str, duration: &str) -> Value {
    let input = AlsaFileInput::new(48_000 * 3);
    let (out, stdout, stderr) = run_with(
        input.apply(&mut cli(dir)).args([
            "--json",
            "record",
            "--consent",
            consent,
            "--duration",
            duration,
        ]),
        "",
    );
    assert!(out.status.success(), "--duration {duration}: {stderr}");
    let summary = json(&stdout);
    assert_eq!(summary["state"], "complete", "{summary}");
    assert_eq!(summary["sample_rate"], 48_000, "{summary}");
    summary
}

/// A vault with a course, a coursework consent and a signature file; (guard, vault folder,
/// course id, signature file).
fn vault_with_course() -> (
    tempfile::TempDir,
    std::path::PathBuf,
    String,
    std::path::PathBuf,
) {
    let (tmp, dir, _) = new_vault();
    let signature = tmp.path().join("signature.svg");
    std::fs::write(&signature, SIGNATURE).unwrap();
    let course = id(&ok(
        &dir,
        &["course", "add", "--name", "Diploma", "--ends", "2099-06-30"],
    ));
    (tmp, dir, course, signature)
}

#[test]
fn names_and_clinical_text_are_read_from_standard_input_exactly() {
    let (tmp, dir, course, signature) = vault_with_course();
    let consent = consent_names_from_stdin(&dir, &course, &signature);
    let recording = bookmark_notes_from_stdin(&dir, &consent);
    let rules = transcript_text_and_rules_from_stdin(&dir, &recording);
    case_study_title_and_rules_from_stdin(&dir, tmp.path(), &course, &rules);
    withdrawal_reason_from_stdin(&dir, &consent);
}

/// Checks that the client's typed name, the counsellor's name and a decline's counsellor name
/// are read from stdin; the id of the consent with the client's name.
fn consent_names_from_stdin(dir: &Path, course: &str, signature: &Path) -> String {
    // Consent: the client's typed name, the counsellor's name; a decline's counsellor name.
    let client_name = "Zoë Ó Briain-Nuñez";
    let args = consent_new("C-201", course, signature, ["-", "Test Counsellor"]);
    let consent = id(&ok_with(dir, &strs(&args), &format!("{client_name}\n")));
    let shown = ok(dir, &["consent", "show", &consent]);
    assert_eq!(shown["client_name"], client_name);
    assert_eq!(shown["counsellor_name"], "Test Counsellor");

    let counsellor = "Siobhán Ní Bhriain";
    let args = consent_new("C-202", course, signature, ["Test Client", "-"]);
    let other = id(&ok_with(dir, &strs(&args), counsellor));
    assert_eq!(
        ok(dir, &["consent", "show", &other])["counsellor_name"],
        counsellor
    );
    let declined = id(&ok_with(
        dir,
        &[
            "consent",
            "decline",
            "--client",
            "C-203",
            "--counsellor-name",
            "-",
        ],
        &format!("{counsellor}\n"),
    ));
    assert_eq!(
        ok(dir, &["consent", "show", &declined])["counsellor_name"],
        counsellor
    );
    consent
}

/// Records under `consent` and checks that bookmark notes of several lines are read from
/// stdin, on adding and on editing; the recording id.
fn bookmark_notes_from_stdin(dir: &Path, consent: &str) -> String {
    // Bookmark notes, several lines of them.
    let recording = id(&record(dir, consent, "2s"));
    let note = "Long pause before «the reply» — then tears.\n\tAsk in supervision: why?";
    let mark = id(&ok_with(
        dir,
        &["bookmark", "add", &recording, "--at", "1", "--note", "-"],
        &format!("{note}\n"),
    ));
    let notes = |dir: &Path| ok(dir, &["bookmark", "list", &recording])[0]["note"].clone();
    assert_eq!(notes(dir), note);
    let note = "Zweite Notiz: ärgerlich.\nSecond line ✓";
    ok_with(dir, &["bookmark", "edit", &mark, "--note", "-"], note);
    assert_eq!(notes(dir), note);
    recording
}

/// Checks that a transcript's text and its anonymisation rules (one a line; blank lines
/// skipped) are read from stdin; the rules as the transcript shows them.
fn transcript_text_and_rules_from_stdin(dir: &Path, recording: &str) -> Value {
    // Transcript text and its anonymisation rules (one a line; blank lines skipped).
    let transcript = id(&ok(dir, &["transcript", "new", recording]));
    let said = "Zoë: I couldn't sleep.\nNot since Galway.";
    let segment = id(&ok_with(
        dir,
        &[
            "transcript",
            "add",
            &transcript,
            "--at",
            "0.5",
            "--speaker",
            "C:",
            "--text",
            "-",
        ],
        &format!("{said}\n"),
    ));
    let segment_text =
        |dir: &Path| ok(dir, &["transcript", "show", &transcript])["segments"][0]["text"].clone();
    assert_eq!(segment_text(dir), said);
    let said = "Zoë: I can't sleep — not since Galway.";
    ok_with(dir, &["transcript", "edit", &segment, "--text", "-"], said);
    assert_eq!(segment_text(dir), said);
    ok_with(
        dir,
        &["transcript", "anonymise", &transcript, "--replace", "-"],
        "Zoë=Client A\n\nGalway=[town]\n",
    );
    let rules = ok(dir, &["transcript", "show", &transcript])["anonymisation"].clone();
    assert_eq!(
        rules,
        serde_json::json!([
            { "original": "Zoë", "replacement": "Client A" },
            { "original": "Galway", "replacement": "[town]" },
        ])
    );
    rules
}

/// Checks that a case study's title and its anonymisation rules (CRLF lines) are read from
/// stdin, the rules ending as `rules`; its body is written into `tmp`.
fn case_study_title_and_rules_from_stdin(dir: &Path, tmp: &Path, course: &str, rules: &Value) {
    // Case-study titles and anonymisation rules.
    let body = tmp.join("body.txt");
    std::fs::write(&body, "Zoë came after a loss in Galway.").unwrap();
    let title = "Trauer und Schlaf: Zoë";
    let study = id(&ok_with(
        dir,
        &[
            "case-study",
            "new",
            "--title",
            "-",
            "--clients",
            "C-201",
            "--owner",
            "counsellor",
            "--course",
            course,
            "--body-file",
            body.to_str().unwrap(),
        ],
        &format!("{title}\n"),
    ));
    assert_eq!(ok(dir, &["case-study", "show", &study])["title"], title);
    let title = "Grief and sleep: Ó Briain";
    ok_with(dir, &["case-study", "edit", &study, "--title", "-"], title);
    assert_eq!(ok(dir, &["case-study", "show", &study])["title"], title);
    ok_with(
        dir,
        &["case-study", "anonymise", &study, "--replace", "-"],
        "Zoë=Client A\r\nGalway=[town]\r\n",
    );
    assert_eq!(
        ok(dir, &["case-study", "show", &study])["anonymisation"],
        *rules
    );
}

/// Checks that the reason for withdrawing `consent` is read from stdin.
fn withdrawal_reason_from_stdin(dir: &Path, consent: &str) {
    // The reason for a withdrawal.
    let reason = "Moved to Cork — prefers not to be recorded";
    ok_with(
        dir,
        &["consent", "withdraw", consent, "--reason", "-"],
        &format!("{reason}\n"),
    );
    assert_eq!(
        ok(dir, &["consent", "show", consent])["withdrawal"]["reason"],
        reason
    );
}

/// The NUL-separated arguments and the environment of process `pid`.
fn argv_and_environment(pid: u32) -> Vec<u8> {
    let mut seen = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    seen.extend(std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default());
    seen
}

#[test]
fn a_name_read_from_standard_input_is_not_in_the_process_arguments() {
    let (_tmp, dir, course, signature) = vault_with_course();
    let name = "Ptolemaïs Quennevilliers";
    let args = consent_new("C-301", &course, &signature, ["-", "Test Counsellor"]);
    let mut child = cli(&dir)
        .arg("--json")
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the binary runs (past exec) and sleeps waiting for its standard input.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap_or_default();
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap_or_default();
        let state = stat.rsplit(')').next().unwrap_or("").trim_start();
        if common::contains(&cmdline, b"--client-name\0-\0") && state.starts_with('S') {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "sessionvault never waited on its input"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "sessionvault did not wait for the name on its standard input"
    );
    let seen = argv_and_environment(child.id());
    assert!(!common::contains(&seen, name.as_bytes()));
    assert!(!common::contains(&seen, b"Quennevilliers"));

    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{name}\n").as_bytes()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let consent = id(&json(&String::from_utf8_lossy(&out.stdout)));
    assert_eq!(
        ok(&dir, &["consent", "show", &consent])["client_name"],
        name
    );
}

#[test]
fn two_options_read_from_standard_input_are_a_usage_error() {
    let (_tmp, dir, course, signature) = vault_with_course();
    let args = consent_new("C-401", &course, &signature, ["-", "-"]);
    let (out, stdout, stderr) = run_with(cli(&dir).arg("--json").args(&args), "A\nB\n");
    assert_eq!(out.status.code(), Some(2), "{stdout} {stderr}");
    for words in ["--client-name", "--counsellor-name", "standard input"] {
        assert!(stderr.contains(words), "{words}: {stderr}");
    }
    assert_eq!(ok(&dir, &["consent", "list"]), serde_json::json!([]));

    let nobody = "00000000-0000-0000-0000-000000000000";
    for command in ["transcript", "case-study"] {
        let args = [
            command,
            "anonymise",
            nobody,
            "--replace",
            "-",
            "--replace",
            "-",
        ];
        let (out, _, stderr) = run_with(cli(&dir).args(args), "A=B\n");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("standard input"), "{stderr}");
    }
}

#[test]
fn the_help_of_each_text_option_says_it_can_be_read_from_standard_input() {
    let tmp = tempfile::tempdir().unwrap();
    for (command, options) in [
        (
            &["consent", "new"][..],
            &["--client-name", "--counsellor-name"][..],
        ),
        (&["consent", "decline"], &["--counsellor-name"]),
        (&["consent", "withdraw"], &["--reason"]),
        (&["bookmark", "add"], &["--note"]),
        (&["bookmark", "edit"], &["--note"]),
        (&["transcript", "add"], &["--text"]),
        (&["transcript", "edit"], &["--text"]),
        (&["transcript", "anonymise"], &["--replace"]),
        (&["case-study", "new"], &["--title"]),
        (&["case-study", "edit"], &["--title"]),
        (&["case-study", "anonymise"], &["--replace"]),
    ] {
        let (out, stdout, _) = run_with(cli(tmp.path()).args(command).arg("--help"), "");
        assert!(out.status.success());
        // Help wraps to the terminal width; join its lines.
        let help = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
        for option in options {
            let described = help
                .split(&format!("{option} <"))
                .skip(1)
                .last()
                .and_then(|rest| rest.split(" --").next())
                .unwrap_or_else(|| panic!("{command:?} {option}: {help}"));
            assert!(
                described.contains("or - to read it from standard input"),
                "{command:?} {option}: {described}"
            );
        }
    }
}
