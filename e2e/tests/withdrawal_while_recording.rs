//! A withdrawal holds at every moment, in the real window: a recording the window is making
//! stops within two seconds when the consent is withdrawn from the command line beside it, and
//! the record screen says why; a withdrawal made in the window stops the window's own
//! recording first and destroys what it had recorded.

use std::time::{Duration, Instant};

use serde_json::json;
use sessionvault_e2e::{
    app_binary, create_vault, invoke_with_channels, look, one_at_a_time, poll_for, start_recording,
    supervision_consent, text, AppEnv, Client, Locator, PulseServer,
};

/// The `sessionvault` command line built beside the app.
fn cli(env: &AppEnv) -> std::process::Command {
    let mut cmd = std::process::Command::new(app_binary().with_file_name("sessionvault"));
    cmd.arg("--vault").arg(env.vault_dir());
    cmd
}

/// Waits for the record screen's result and returns what it says stopped the recording.
async fn what_stopped_it(client: &Client, patience: Duration) -> String {
    poll_for(
        client,
        "#record-result to say why it stopped",
        patience,
        || async {
            let shown = client
                .find(Locator::Css("#record-result"))
                .await
                .map_err(|e| e.to_string())?
                .text()
                .await
                .map_err(|e| e.to_string())?;
            if shown.contains("What stopped it") {
                Ok(shown)
            } else {
                Err(format!("shows {shown:?}"))
            }
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_withdrawal_stops_the_windows_recording_and_the_window_says_why() {
    let _one = one_at_a_time().await;
    let pulse = PulseServer::start();
    let env = AppEnv::new().pulse(&pulse);
    let window = env.launch().await;
    let client = &window.client;
    create_vault(client, &env.vault_dir(), None).await;

    withdrawn_from_the_command_line_while_recording(client, &env).await;
    withdrawn_in_the_window_while_recording(client, &env).await;
    window.close().await;
}

/// Withdraws on the command line mid-recording; checks the window stops within 4 s and says why.
async fn withdrawn_from_the_command_line_while_recording(client: &Client, env: &AppEnv) {
    // Withdrawn from the command line beside the window, while the window records.
    let consent = supervision_consent(client, "C-3101", "Ines Rathbone").await;
    start_recording(client, &consent, 1.5, None).await;
    let started = Instant::now();
    let out = cli(env)
        .args(["consent", "withdraw", &consent, "--reason", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(b"I would rather not be recorded\n")?;
            child.wait_with_output()
        })
        .expect("run sessionvault consent withdraw");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = what_stopped_it(client, Duration::from_secs(10)).await;
    let took = started.elapsed();
    eprintln!("stopped after {took:?}: {shown}");
    assert!(
        took < Duration::from_secs(4),
        "the window recorded on for {took:?}"
    );
    assert!(shown.contains("withdrew"), "{shown}");
    look(client, "withdrawal-stopped-recording").await;
    // What it had sealed goes with the consent's shred.
    let out = cli(env)
        .args(["--json", "shred", "consent", &consent, "--yes"])
        .output()
        .expect("run sessionvault shred");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Withdraws in the window while it records; checks the recording stops, is destroyed, and why.
async fn withdrawn_in_the_window_while_recording(client: &Client, env: &AppEnv) {
    // Withdrawn in the window, while the window records: its own recording is stopped first,
    // then destroyed with the withdrawal.
    let consent = supervision_consent(client, "C-3102", "Oskar Penhallow").await;
    start_recording(client, &consent, 1.5, None).await;
    let answer = invoke_with_channels(
        client,
        "consent_withdraw",
        json!({ "id": consent, "reason": "The client changed their mind." }),
        &["onProgress"],
    )
    .await
    .unwrap_or_else(|e| panic!("consent_withdraw was refused: {e}"));
    let destroyed = &answer["shred"]["certificate"]["certificate"]["destroyed"];
    assert_eq!(
        destroyed.as_array().map(Vec::len),
        Some(1),
        "the recording was not destroyed: {answer}"
    );
    let shown = what_stopped_it(client, Duration::from_secs(10)).await;
    assert!(shown.contains("withdrew"), "{shown}");
    let listed = cli(env)
        .args(["--json", "recordings", "list"])
        .output()
        .expect("run sessionvault recordings list");
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout).trim(),
        "[]",
        "a recording is left"
    );
    eprintln!("record screen: {}", text(client, "#record-result").await);
}
