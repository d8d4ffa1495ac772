//! A laptop that sleeps in the middle of a session, in the real window: the whole app is
//! frozen (SIGSTOP, as a suspended computer's processes are) for 8 s while it records, then
//! woken. The recording carries on, the record screen says it was interrupted and for how
//! long, and the saved recording shows the interruption.

use std::time::Duration;

use sessionvault_e2e::{
    create_vault, elapsed_shown, one_at_a_time, poll_for, start_recording, supervision_consent,
    text, wait_attr, wait_displayed, AppEnv, PulseServer,
};

fn signal_all(signal: &str, pids: &[u32]) {
    let mut kill = std::process::Command::new("kill");
    kill.arg(signal);
    for pid in pids {
        kill.arg(pid.to_string());
    }
    assert!(
        kill.status().expect("kill").success(),
        "kill {signal} {pids:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recording_carries_on_after_the_computer_slept_and_the_window_says_so() {
    let _one = one_at_a_time().await;
    let pulse = PulseServer::start();
    let env = AppEnv::new().pulse(&pulse);
    let window = env.launch().await;
    let client = &window.client;
    create_vault(client, &env.vault_dir(), None).await;
    let consent = supervision_consent(client, "C-4101", "Ada Quennell").await;
    start_recording(client, &consent, 2.0, None).await;

    let app = window.processes();
    assert!(!app.is_empty(), "no process of the app found");
    signal_all("-STOP", &app);
    tokio::time::sleep(Duration::from_secs(8)).await;
    signal_all("-CONT", &app);

    // The notice comes once the sound server has handed over what it kept (a few seconds).
    wait_displayed(client, "#record-interrupted").await;
    let notice = text(client, "#record-interrupted").await;
    assert!(
        notice.contains("interrupted for 8") && notice.contains("carries on"),
        "{notice}"
    );
    // Still recording: the counter goes on past what it showed before the freeze.
    poll_for(
        client,
        "the recording to go on",
        Duration::from_secs(20),
        || async {
            let status = text(client, "#record-status").await;
            match elapsed_shown(client).await? {
                s if s >= 14.0 && status == "Recording" => Ok(()),
                s => Err(format!("{s} s recorded, {status:?}")),
            }
        },
    )
    .await;
    sessionvault_e2e::click(client, "#record-stop").await;
    let state = wait_attr(client, "#record-result", "data-state").await;
    assert_eq!(state, "complete");
    let saved = text(client, "#record-result-interruptions").await;
    assert!(saved.contains("interrupted for 8"), "{saved}");
    window.close().await;
}
