//! A withdrawal holds at every moment: a recording running under the consent stops within two
//! seconds and seals what it had, a listening in progress stops, and `--yes` destroys what was
//! recorded even though the recording was still running when the withdrawal was made.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{
    cli, json, new_vault, record_from_file, run, secret_tool_search, spawn_recording,
    supervision_consent, PulseServer,
};

/// Every JSON value printed, in order (a result, then an error).
fn values(text: &str) -> Vec<serde_json::Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<serde_json::Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Waits for `child` to end, at most `limit`; its exit code and how long it took from `since`.
fn wait_for(child: &mut Child, since: Instant, limit: Duration) -> (Option<i32>, Duration) {
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), since.elapsed());
        }
        if since.elapsed() > limit {
            let _ = child.kill();
            panic!("it did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn output_of(child: Child) -> (String, String) {
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn start_recording(dir: &std::path::Path, consent: &str, pulse: &PulseServer) -> Child {
    let mut cmd = cli(dir);
    cmd.args(["--json", "record", "--consent", consent])
        .env("PULSE_SERVER", &pulse.address);
    let child = spawn_recording(&mut cmd, dir);
    // Some audio is sealed before the withdrawal.
    std::thread::sleep(Duration::from_millis(1500));
    child
}

#[test]
fn a_withdrawal_from_beside_stops_the_recording_within_two_seconds_and_yes_destroys_it() {
    let (_tmp, dir, vault_id) = new_vault();
    let consent = supervision_consent(&dir);
    let pulse = PulseServer::start();
    let mut recorder = start_recording(&dir, &consent, &pulse);
    let started = Instant::now();
    let mut withdraw = cli(&dir)
        .args([
            "--json", "consent", "withdraw", &consent, "--reason", "-", "--yes",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = withdraw.stdin.take().unwrap();
        stdin
            .write_all(b"I no longer want to be recorded\n")
            .unwrap();
    }
    let (code, took) = wait_for(&mut recorder, started, Duration::from_secs(10));
    assert!(
        took < Duration::from_millis(2500),
        "the recording went on for {took:?}"
    );
    assert_eq!(code, Some(1), "a recording stopped by a withdrawal fails");
    let (stdout, stderr) = output_of(recorder);
    let summary = json(&stdout);
    assert_eq!(summary["state"], "faulted", "{summary}");
    assert!(summary["frames"].as_u64().unwrap() > 0, "{summary}");
    assert!(
        summary["fault"].as_str().unwrap().contains("withdrew"),
        "{summary}"
    );
    assert!(stderr.contains("withdrew"), "{stderr}");
    let recording = summary["id"].as_str().unwrap().to_owned();

    // The withdrawal waited for the recording to stop, then destroyed it.
    let out = withdraw.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let done = json(&String::from_utf8_lossy(&out.stdout));
    let certificate = done["shredded"]["certificate"]["certificate"].clone();
    assert_eq!(
        certificate["destroyed"][0]["recording_id"],
        recording.as_str(),
        "{done}"
    );
    let (o, stdout, _) = run(cli(&dir).args(["--json", "recordings", "list"]));
    assert!(o.status.success());
    assert_eq!(json(&stdout), serde_json::json!([]));
    let entries = secret_tool_search(&format!("sessionvault/{vault_id}"));
    assert!(
        !entries.contains(&format!("recording-key/{recording}")),
        "{entries}"
    );
}

#[test]
fn without_yes_the_stopped_recording_is_sealed_and_left_for_the_shred() {
    let (_tmp, dir, _) = new_vault();
    let consent = supervision_consent(&dir);
    let pulse = PulseServer::start();
    let mut recorder = start_recording(&dir, &consent, &pulse);
    let started = Instant::now();
    let (o, stdout, stderr) = run(cli(&dir).args([
        "--json",
        "consent",
        "withdraw",
        &consent,
        "--reason",
        "not today",
    ]));
    assert!(o.status.success(), "{stderr}");
    let answer = json(&stdout);
    assert_eq!(
        answer["to_destroy"]["items"].as_array().unwrap().len(),
        1,
        "{answer}"
    );
    let (code, took) = wait_for(&mut recorder, started, Duration::from_secs(10));
    assert!(took < Duration::from_millis(2500), "{took:?}");
    assert_eq!(code, Some(1));
    let (stdout, _) = output_of(recorder);
    let summary = json(&stdout);
    assert_eq!(summary["state"], "faulted");
    // Its sealed audio may not be exported or heard now; the consent's shred destroys it.
    let out_file = dir.parent().unwrap().join("late.wav");
    let (o, stdout, _) = run(cli(&dir)
        .args([
            "--json",
            "export",
            summary["id"].as_str().unwrap(),
            "--wav",
            "--out",
        ])
        .arg(&out_file));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json(&stdout)["error"]["code"], "consent_withdrawn");
    assert!(!out_file.exists());
    let (o, _, stderr) = run(cli(&dir).args(["shred", "consent", &consent, "--yes"]));
    assert!(o.status.success(), "{stderr}");
}

#[test]
fn a_listening_in_progress_stops_when_the_consent_is_withdrawn() {
    let (_tmp, dir, _) = new_vault();
    let consent = supervision_consent(&dir);
    let recording = record_from_file(&dir, &consent, 20);
    let pulse = PulseServer::start();
    let mut player = Command::new(env!("CARGO_BIN_EXE_sessionvault"))
        .arg("--vault")
        .arg(&dir)
        .args(["--json", "play", &recording])
        .env("PULSE_SERVER", &pulse.address)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(3000));
    assert!(
        player.try_wait().unwrap().is_none(),
        "the player ended by itself"
    );
    let started = Instant::now();
    let (o, _, stderr) = run(cli(&dir).args(["consent", "withdraw", &consent, "--reason", "x"]));
    assert!(o.status.success(), "{stderr}");
    let (code, took) = wait_for(&mut player, started, Duration::from_secs(10));
    assert!(
        took < Duration::from_millis(2500),
        "it played on for {took:?}"
    );
    assert_eq!(code, Some(1));
    let (stdout, _) = output_of(player);
    let printed = values(&stdout);
    let heard = &printed[0];
    assert!(heard["seconds_heard"].as_f64().unwrap() > 0.5, "{heard}");
    assert!(heard["seconds_heard"].as_f64().unwrap() < 10.0, "{heard}");
    assert!(
        heard["fault"].as_str().unwrap().contains("withdrew"),
        "{heard}"
    );
    assert_eq!(printed[1]["error"]["code"], "consent_withdrawn", "{stdout}");
}
