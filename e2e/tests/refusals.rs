//! What the window refuses, and says why: recording without a consent, recording after the
//! consent was withdrawn, and listening for someone the consent does not name; and the client's
//! decline, which records nothing and reassures them.

use serde_json::json;
use sessionvault_e2e::{
    add_course, click, consent_next, create_vault, date_in_days, go, invoke, invoke_with_channels,
    is_displayed, is_enabled, look, one_at_a_time, poll, record_for, set_value, start_consent,
    supervision_consent, text, type_into, wait_displayed, wait_for, wait_screen, wait_text, AppEnv,
    Client, ConsentSpec, Locator, PulseServer,
};

/// The record screen offers no consent to record under, and its Start stays disabled with a
/// reason shown.
async fn record_screen_blocks(client: &Client, consent_id: Option<&str>, name: &str) {
    go(client, "record").await;
    wait_displayed(client, "#record-start").await;
    if let Some(id) = consent_id {
        let offered = client
            .find_all(Locator::Css(&format!(
                "#record-consent option[value=\"{id}\"]"
            )))
            .await
            .unwrap_or_default();
        assert!(
            offered.is_empty(),
            "the record screen still offers consent {id}"
        );
    }
    let reason = wait_text(client, "#record-blocked-reason").await;
    assert!(
        !is_enabled(client, "#record-start").await,
        "#record-start is enabled with no valid consent (reason shown: {reason:?})"
    );
    assert!(
        reason.to_lowercase().contains("consent"),
        "#record-blocked-reason does not say it is about consent: {reason:?}"
    );
    eprintln!("{name}: {reason}");
    look(client, name).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn recording_is_refused_without_a_consent() {
    let _one = one_at_a_time().await;
    let env = AppEnv::new();
    let window = env.launch().await;
    let client = &window.client;
    create_vault(client, &env.vault_dir(), None).await;

    record_screen_blocks(client, None, "refusals-record-no-consent").await;

    // The shell refuses too, whatever the page does.
    let refused = invoke_with_channels(
        client,
        "record_start",
        json!({"consentId": "no-such-consent", "device": null, "channels": 1}),
        &["onEvent"],
    )
    .await;
    let error = refused.expect_err("record_start without a consent started");
    eprintln!("record_start without consent: {error}");
    assert!(
        error["code"].as_str().is_some_and(|c| !c.is_empty()),
        "{error}"
    );
    window.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn recording_is_refused_after_the_consent_is_withdrawn() {
    let _one = one_at_a_time().await;
    let env = AppEnv::new();
    let window = env.launch().await;
    let client = &window.client;
    create_vault(client, &env.vault_dir(), None).await;
    let code = "C-0815";
    let consent = supervision_consent(client, code, "Tamsin Orlov-Beech").await;

    // Granted: the record screen offers it and Start comes on once it is chosen.
    go(client, "record").await;
    set_value(client, "#record-consent", &consent).await;
    poll(client, "#record-start to be enabled", || async {
        if is_enabled(client, "#record-start").await {
            Ok(())
        } else {
            Err("disabled".to_owned())
        }
    })
    .await;

    // Withdrawn on the client's page.
    go(client, "clients").await;
    click(
        client,
        &format!("#client-list li[data-client=\"{code}\"] button"),
    )
    .await;
    let withdraw = format!("button.consent-withdraw[data-consent=\"{consent}\"]");
    click(client, &withdraw).await;
    type_into(
        client,
        "#withdraw-reason",
        "The client asked for the recordings to stop.",
    )
    .await;
    wait_text(client, "#withdraw-preview").await;
    look(client, "refusals-withdraw-preview").await;
    click(client, "#withdraw-confirm").await;
    wait_for(client, "#withdraw-result", Some("data-state"), "done").await;
    look(client, "refusals-withdraw-result").await;

    record_screen_blocks(client, Some(&consent), "refusals-record-after-withdrawal").await;

    let refused = invoke_with_channels(
        client,
        "record_start",
        json!({"consentId": consent, "device": null, "channels": 1}),
        &["onEvent"],
    )
    .await;
    let error = refused.expect_err("record_start under a withdrawn consent started");
    assert_eq!(error["code"], "consent_withdrawn", "{error}");
    window.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_can_decline_and_is_reassured() {
    let _one = one_at_a_time().await;
    let env = AppEnv::new();
    let window = env.launch().await;
    let client = &window.client;
    create_vault(client, &env.vault_dir(), None).await;
    let ends = date_in_days(client, 30).await;
    let course = add_course(client, "Certificate in Counselling Skills", &ends).await;

    start_consent(
        client,
        &ConsentSpec {
            client_code: "C-0912",
            course_id: Some(&course),
            destroy_by: None,
            purposes: &[],
            audience: &[],
            case_study: "none",
            client_name: "",
            counsellor_name: "",
            typed_signature: false,
        },
        None,
    )
    .await;
    let step = consent_next(client).await;
    assert!(
        step.starts_with("form-"),
        "after setup comes the form, not {step}"
    );
    click(client, "#consent-decline").await;
    wait_displayed(client, "#consent-decline-confirm").await;
    look(client, "refusals-consent-decline").await;
    click(client, "#consent-decline-confirm").await;
    wait_for(client, "#consent-result", Some("data-state"), "declined").await;
    let shown = text(client, "#consent-result").await;
    assert!(
        shown.contains("will not affect"),
        "#consent-result does not reassure the client that declining changes nothing: {shown:?}"
    );
    let id = wait_text(client, "#consent-result-id").await;
    look(client, "refusals-consent-declined").await;

    // The decline is on record, and nothing can be recorded under it.
    let consents = invoke(client, "consent_list", json!({})).await.unwrap();
    let record = consents
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id.trim())
        .unwrap_or_else(|| panic!("the decline {id} is not in consent_list: {consents}"));
    assert_eq!(record["decision"], "declined", "{record}");
    record_screen_blocks(client, Some(id.trim()), "refusals-record-after-decline").await;
    window.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_player_refuses_a_listener_the_consent_does_not_name() {
    let _one = one_at_a_time().await;
    let pulse = PulseServer::start();
    let env = AppEnv::new().pulse(&pulse);
    let window = env.launch().await;
    let client = &window.client;
    create_vault(client, &env.vault_dir(), None).await;
    // Supervision only: a tutor may not listen.
    let consent = supervision_consent(client, "C-0733", "Ines Vardakis").await;
    let recording = record_for(client, &consent, 2.0, None).await;

    go(client, "library").await;
    let row = format!("#library-list [data-recording-id=\"{recording}\"]");
    click(client, &format!("{row} button.open-player")).await;
    wait_screen(client, "player").await;
    set_value(client, "#player-listener", "tutor").await;
    click(client, "#player-start").await;
    let said = poll(client, "the player's refusal", || async {
        let said = client
            .execute(
                r#"return Array.from(document.querySelectorAll(
                     '[data-screen=player] [role=alert], [data-screen=player] .notice-problem, #notify-problem'))
                   .filter((n) => n.offsetParent !== null)
                   .map((n) => n.innerText.trim()).filter(Boolean).join(" | ");"#,
                vec![],
            )
            .await
            .map_err(|e| e.to_string())?;
        match said.as_str() {
            Some(s) if !s.is_empty() => Ok(s.to_owned()),
            _ => Err("nothing said yet".to_owned()),
        }
    })
    .await;
    eprintln!("player refusal: {said}");
    assert!(
        !is_displayed(client, "#player-play").await,
        "the player opened for a tutor"
    );
    look(client, "refusals-player-not-in-audience").await;

    let refused = invoke_with_channels(
        client,
        "player_open",
        json!({"recordingId": recording, "listener": "tutor", "device": null}),
        &["onPosition"],
    )
    .await;
    let error = refused.expect_err("player_open for a tutor opened");
    assert_eq!(error["code"], "not_in_audience", "{error}");
    window.close().await;
}
