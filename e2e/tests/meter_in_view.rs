//! The window is sent a recording's level only while someone can see the meter: with the Record
//! screen in view it hears 20 levels a second; on another screen, or locked, it hears none, yet
//! coming back shows the right time and the loudest level at once. Warnings still come either
//! way (the core's unit tests hold that rule; here the shell and the window keep to it).

use std::time::Duration;

use serde_json::{json, Value};
use sessionvault_e2e::{
    click, create_vault, elapsed_shown, go, invoke, one_at_a_time, poll, run_async,
    start_recording, supervision_consent, wait_attr, wait_displayed, AppEnv, Client, PulseServer,
};

/// Whether the shell is sending the running recording's level (`session_state`).
async fn meter_watched(client: &Client) -> Result<bool, String> {
    let state = invoke(client, "session_state", json!({}))
        .await
        .map_err(|e| format!("session_state: {e}"))?;
    state["recording"]["meter_watched"]
        .as_bool()
        .ok_or_else(|| format!("no running recording in {state}"))
}

/// Waits until the shell's `meter_watched` is `wanted`.
async fn until_watched(client: &Client, wanted: bool) {
    poll(client, &format!("meter_watched to be {wanted}"), || async {
        match meter_watched(client).await? {
            w if w == wanted => Ok(()),
            w => Err(format!("meter_watched is {w}")),
        }
    })
    .await;
}

/// How many messages of each kind the page's own recording channel has heard so far.
async fn heard(client: &Client) -> (u64, u64) {
    let counts = run_async(
        client,
        "const [done] = arguments; done(window.__heard ?? null);",
        vec![],
    )
    .await;
    let count = |kind: &str| counts[kind].as_u64().unwrap_or(0);
    (count("level"), count("elapsed"))
}

/// What the page's channel has heard once nothing new came for 700 ms (a busy machine may
/// still be delivering reports sent before the shell was asked to stop).
async fn heard_settled(client: &Client) -> (u64, u64) {
    poll(client, "the page's channel to go quiet", || async {
        let before = heard(client).await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        match heard(client).await {
            after if after == before => Ok(after),
            after => Err(format!("heard {before:?}, then {after:?}")),
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_window_hears_the_level_only_while_the_record_screen_is_in_view() {
    let _one = one_at_a_time().await;
    let pulse = PulseServer::start();
    let env = AppEnv::new().pulse(&pulse);
    let window = env.launch().await;
    let client = &window.client;
    assert_eq!(
        web_process_compositing(&window).as_deref(),
        Some("1"),
        "the web process should paint without WebKit's compositor"
    );
    create_vault(client, &env.vault_dir(), None).await;
    let consent = supervision_consent(client, "C-6101", "Orla Fenwick").await;

    // Started from the Record screen, which is looking at its meter.
    start_recording(client, &consent, 1.0, None).await;
    assert!(meter_watched(client).await.unwrap());

    // Home in view: the shell stops sending the level. Back on the Record screen it starts
    // again, and the time shown includes the seconds recorded while away.
    go(client, "home").await;
    until_watched(client, false).await;
    let away_from = seconds_recorded(client).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    go(client, "record").await;
    until_watched(client, true).await;
    wait_displayed(client, "#record-stop").await;
    poll(
        client,
        "the time recorded while away to be shown",
        || async {
            match elapsed_shown(client).await? {
                s if s >= away_from + 3.0 => Ok(()),
                s => Err(format!("shows {s} s after 3 s away from {away_from} s")),
            }
        },
    )
    .await;

    // Locked: nothing is sent to the lock screen; unlocked on the Record screen, it is again.
    click(client, "#lock-now").await;
    wait_displayed(client, "#unlock").await;
    until_watched(client, false).await;
    click(client, "#unlock").await;
    wait_displayed(client, "#record-stop").await;
    until_watched(client, true).await;
    click(client, "#record-stop").await;
    wait_attr(client, "#record-result", "data-recording-id").await;

    counted_messages_follow_the_watch(client, &consent).await;
    window.close().await;
}

/// `WEBKIT_DISABLE_COMPOSITING_MODE` as the window's web process was started with (the meter
/// drawn through WebKit's compositor costs several times the recorder: src-tauri/src/drawing.rs).
fn web_process_compositing(window: &sessionvault_e2e::Window) -> Option<String> {
    let web = window.processes().into_iter().find(|pid| {
        std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .is_ok_and(|name| name.trim().starts_with("WebKitWebProc"))
    })?;
    let environ = std::fs::read(format!("/proc/{web}/environ")).ok()?;
    environ.split(|&b| b == 0).find_map(|entry| {
        let entry = std::str::from_utf8(entry).ok()?;
        entry
            .strip_prefix("WEBKIT_DISABLE_COMPOSITING_MODE=")
            .map(str::to_owned)
    })
}

/// The seconds recorded so far, as `record_watch` answers them (asking it to stay unwatched).
async fn seconds_recorded(client: &Client) -> f64 {
    let standing = invoke(client, "record_watch", json!({"watching": false}))
        .await
        .unwrap_or_else(|e| panic!("record_watch: {e}"));
    standing["seconds"].as_f64().unwrap_or(0.0)
}

/// A recording started from the page with its own channel, counting what it hears: levels and
/// the time while watched, none of either after `record_watch(false)`, and both again after
/// `record_watch(true)`, whose answer is where the recording stands.
async fn counted_messages_follow_the_watch(client: &Client, consent: &str) {
    go(client, "home").await;
    let started = run_async(
        client,
        r#"const [consentId, done] = arguments;
           window.__heard = { level: 0, elapsed: 0 };
           const channel = new window.__TAURI__.core.Channel();
           channel.onmessage = (m) => {
             window.__heard[m.event] = (window.__heard[m.event] ?? 0) + 1;
           };
           window.__TAURI__.core.invoke("record_start",
             { consentId, device: null, channels: 1, onEvent: channel })
             .then((v) => done({ ok: v }), (e) => done({ err: e }));"#,
        vec![Value::from(consent)],
    )
    .await;
    assert_eq!(started["ok"]["started"], true, "{started}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (levels, elapsed) = heard(client).await;
    assert!(
        levels >= 20 && elapsed >= 2,
        "watched for 2 s: {levels} levels, {elapsed} times"
    );

    invoke(client, "record_watch", json!({"watching": false}))
        .await
        .unwrap();
    // Reports already on their way are let in first: until nothing new came for 700 ms.
    let (levels_off, elapsed_off) = heard_settled(client).await;
    // Longer than the sine source's bursts, so audio certainly came meanwhile.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        heard(client).await,
        (levels_off, elapsed_off),
        "unwatched for 5 s, the page still heard levels or times"
    );

    let standing = invoke(client, "record_watch", json!({"watching": true}))
        .await
        .unwrap();
    let seconds = standing["seconds"].as_f64().unwrap_or(0.0);
    assert!(seconds >= 4.0, "where it stands: {standing}");
    let loudest = standing["loudest_dbfs"].as_f64().unwrap_or(-120.0);
    assert!(loudest > -30.0, "a sine source's loudest level: {standing}");
    // The sine source hands audio over in bursts (up to 2 s apart), so this waits for them.
    poll(client, "levels to be heard again", || async {
        match heard(client).await {
            (levels_on, _) if levels_on >= levels_off + 10 => Ok(()),
            (levels_on, _) => Err(format!("{} new levels", levels_on - levels_off)),
        }
    })
    .await;
    let summary = invoke(client, "record_stop", json!({})).await.unwrap();
    assert!(summary["seconds"].as_f64().unwrap_or(0.0) >= seconds);
}
