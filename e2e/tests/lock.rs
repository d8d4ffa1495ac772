//! Locking from the window: the overlay covers everything, no client data stays in the page,
//! the shell refuses commands while locked, and unlocking brings the screen back; a running
//! recording carries on through a lock and is stopped after unlocking.

use std::path::Path;

use serde_json::json;
use sessionvault_e2e::{
    add_course, click, create_vault, date_in_days, go, grant_consent, invoke, look, one_at_a_time,
    parse_clock, poll, set_value, text, wait_attr, wait_displayed, wait_hidden, wait_screen,
    AppEnv, Client, ConsentSpec, Locator, PulseServer,
};

const CLIENT_CODE: &str = "C-0555";

#[tokio::test(flavor = "multi_thread")]
async fn locking_hides_client_data_and_refuses_commands_until_unlocked() {
    let _one = one_at_a_time().await;
    let env = AppEnv::new();
    let window = env.launch().await;
    let client = &window.client;
    vault_with_a_clients_consent(client, &env.vault_dir()).await;
    let item = the_clients_page_shows_the_code(client).await;
    lock_now(client).await;
    nothing_of_any_client_in_the_page(client).await;
    the_shell_refuses_while_locked(client).await;
    unlocking_brings_the_clients_page_back(client, &item).await;
    window.close().await;
}

/// Creates the vault and a course and takes a client's consent with a typed signature.
async fn vault_with_a_clients_consent(client: &Client, vault_dir: &Path) {
    create_vault(client, vault_dir, None).await;
    let ends = date_in_days(client, 45).await;
    let course = add_course(client, "Diploma in Person-Centred Counselling", &ends).await;
    grant_consent(
        client,
        &ConsentSpec {
            client_code: CLIENT_CODE,
            course_id: Some(&course),
            destroy_by: None,
            purposes: &["coursework"],
            audience: &["tutors"],
            case_study: "none",
            client_name: "Wilhelmina Prydderch",
            counsellor_name: "Morgan Ellery",
            // The keyboard alternative to drawing (the journey draws with the mouse).
            typed_signature: true,
        },
        None,
    )
    .await;
}

/// Opens the client's page; checks it shows the code and the shell answers; returns the list item.
async fn the_clients_page_shows_the_code(client: &Client) -> String {
    // The client's page shows the code before locking.
    go(client, "clients").await;
    let item = format!("#client-list li[data-client=\"{CLIENT_CODE}\"]");
    wait_displayed(client, &item).await;
    click(client, &format!("{item} button")).await;
    let page = client
        .execute("return document.body.innerText;", vec![])
        .await
        .unwrap();
    assert!(
        page.as_str().unwrap_or("").contains(CLIENT_CODE),
        "the client's code is not shown before locking"
    );
    assert!(invoke(client, "course_list", json!({})).await.is_ok());
    item
}

/// Locks with the button and waits for the lock screen with its unlock button.
async fn lock_now(client: &Client) {
    click(client, "#lock-now").await;
    wait_displayed(client, "#lock-screen").await;
    wait_displayed(client, "#unlock").await;
    look(client, "lock-screen").await;
}

/// Checks no client code shows in the page, its DOM or its title while locked.
async fn nothing_of_any_client_in_the_page(client: &Client) {
    // Nothing of any client in what the page shows, nor left in its DOM behind the overlay.
    let shown = client
        .execute(
            r#"const overlay = document.getElementById("lock-screen");
               return { body: document.body.innerText,
                        overlay: overlay ? overlay.innerText : "",
                        html: document.body.outerHTML,
                        title: document.title };"#,
            vec![],
        )
        .await
        .unwrap();
    let body = shown["body"].as_str().unwrap_or("");
    let overlay = shown["overlay"].as_str().unwrap_or("");
    let outside = body.replace(overlay, "");
    assert!(
        !outside.contains("C-0") && !overlay.contains("C-0"),
        "a client code is visible while locked:\n{body}"
    );
    assert!(
        !shown["html"].as_str().unwrap_or("").contains(CLIENT_CODE),
        "the client's code is still in the page's DOM while locked"
    );
    assert!(!shown["title"].as_str().unwrap_or("").contains("C-0"));
}

/// Checks the shell refuses the page's commands as locked and says the session is locked.
async fn the_shell_refuses_while_locked(client: &Client) {
    // The shell refuses while locked, whatever the page asks.
    for command in [
        "course_list",
        "consent_list",
        "recordings_list",
        "audit_entries",
    ] {
        let refused = invoke(client, command, json!({})).await;
        let error = refused.expect_err(&format!("{command} answered while locked"));
        assert_eq!(error["code"], "locked", "{command}: {error}");
    }
    let state = invoke(client, "session_state", json!({})).await.unwrap();
    assert_eq!(state["locked"], true, "{state}");
}

/// Unlocks; checks the client's page is back with `item` and the shell answers again.
async fn unlocking_brings_the_clients_page_back(client: &Client, item: &str) {
    click(client, "#unlock").await;
    wait_hidden(client, "#lock-screen").await;
    wait_screen(client, "clients").await;
    wait_displayed(client, item).await;
    let courses = invoke(client, "course_list", json!({})).await.unwrap();
    assert!(
        courses.as_array().is_some_and(|c| c.len() == 1),
        "{courses}"
    );
    look(client, "lock-unlocked").await;
}

/// How much recorded time `#record-elapsed` shows, when it shows a time.
async fn elapsed(client: &sessionvault_e2e::Client) -> Option<f64> {
    let shown = client
        .find(Locator::Css("#record-elapsed"))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    parse_clock(&shown)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recording_carries_on_while_locked_and_stops_after_unlocking() {
    let _one = one_at_a_time().await;
    let pulse = PulseServer::start();
    let env = AppEnv::new().pulse(&pulse);
    let vault_dir = env.vault_dir();
    let window = env.launch().await;
    let client = &window.client;
    let consent = vault_with_a_supervision_consent(client, &vault_dir).await;
    let before = record_two_seconds(client, &consent).await;
    lock_while_recording(client).await;
    the_recording_went_on_after_unlocking(client, before).await;
    stop_it_and_find_it_whole(client, &vault_dir, before).await;
    window.close().await;
}

/// Creates the vault and takes a consent for supervision without a course; returns its id.
async fn vault_with_a_supervision_consent(client: &Client, vault_dir: &Path) -> String {
    create_vault(client, vault_dir, None).await;
    let destroy_by = date_in_days(client, 90).await;
    grant_consent(
        client,
        &ConsentSpec {
            client_code: "C-0556",
            course_id: None,
            destroy_by: Some(&destroy_by),
            purposes: &["supervision"],
            audience: &["supervisor"],
            case_study: "none",
            client_name: "Odile Fenwick-Sarr",
            counsellor_name: "Morgan Ellery",
            typed_signature: true,
        },
        None,
    )
    .await
}

/// Starts recording and waits until two seconds are recorded; returns the time shown then.
async fn record_two_seconds(client: &Client, consent: &str) -> f64 {
    go(client, "record").await;
    set_value(client, "#record-consent", consent).await;
    click(client, "#record-start").await;
    wait_displayed(client, "#record-stop").await;
    poll(client, "two seconds recorded", || async {
        match elapsed(client).await {
            Some(s) if s >= 2.0 => Ok(s),
            other => Err(format!("{other:?}")),
        }
    })
    .await
}

/// Locks while recording; checks the recording goes on and the code is hidden; stays locked 3 s.
async fn lock_while_recording(client: &Client) {
    click(client, "#lock-now").await;
    wait_displayed(client, "#lock-screen").await;
    let state = invoke(client, "session_state", json!({})).await.unwrap();
    assert_eq!(state["locked"], true, "{state}");
    assert!(
        state["recording"].is_object(),
        "the recording stopped when the vault locked: {state}"
    );
    assert!(
        !text(client, "body").await.contains("C-0556"),
        "the client's code is visible while locked"
    );
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
}

/// Unlocks; checks the Record screen shows the running recording, gone on past the time locked.
async fn the_recording_went_on_after_unlocking(client: &Client, before: f64) {
    click(client, "#unlock").await;
    wait_hidden(client, "#lock-screen").await;
    // Back on the record screen, the running recording is shown again and has gone on.
    wait_screen(client, "record").await;
    wait_displayed(client, "#record-stop").await;
    let after = poll(client, "#record-elapsed past the time locked", || async {
        match elapsed(client).await {
            Some(s) if s >= before + 3.0 => Ok(s),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    eprintln!("recorded {before} s before locking, {after} s after unlocking");
    look(client, "lock-recording-after-unlock").await;
}

/// Stops the recording; checks it is complete, holds the time locked, and is sealed in the vault.
async fn stop_it_and_find_it_whole(client: &Client, vault_dir: &Path, before: f64) {
    click(client, "#record-stop").await;
    let id = wait_attr(client, "#record-result", "data-recording-id").await;
    let recordings = invoke(client, "recordings_list", json!({})).await.unwrap();
    let summary = recordings
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{id} is not listed: {recordings}"))
        .clone();
    assert_eq!(summary["state"], "complete", "{summary}");
    assert!(
        summary["seconds"].as_f64().unwrap_or(0.0) >= before + 3.0,
        "the time locked is missing from the recording: {summary}"
    );
    assert!(vault_dir
        .join("recordings")
        .join(format!("{id}.age"))
        .is_file());
}
