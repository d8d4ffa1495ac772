//! The replies of the vault, session, settings, consent and audit commands, called as the
//! window calls them (a Tauri `State` of the shell, tauri's mock runtime) on a vault created
//! in a temporary folder with the real keyring: the keys and values the window reads.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use sessionvault_core::clock::SystemClock;
use tauri::ipc::{Channel, InvokeResponseBody};
use tauri::Manager;

use super::as_sent::{keys, sent};
use super::gate_tests::SIGNATURE_SVG;
use super::{audit, consent, vault};
use crate::state::Shell;

type App = tauri::App<tauri::test::MockRuntime>;

/// Runs a command to its answer.
fn block<F: std::future::Future>(command: F) -> F::Output {
    tauri::async_runtime::block_on(command)
}

/// A channel that keeps every message it is sent, as the window would receive it.
fn recorded<T>() -> (Channel<T>, Arc<Mutex<Vec<Value>>>) {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let keep = Arc::clone(&heard);
    let channel = Channel::new(move |body| {
        if let InvokeResponseBody::Json(text) = body {
            keep.lock()
                .unwrap()
                .push(serde_json::from_str(&text).unwrap());
        }
        Ok(())
    });
    (channel, heard)
}

/// The shell's app on a new vault in `dir`, created (and so open) through `vault_create`.
fn app_with_new_vault(dir: &std::path::Path) -> App {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "this test needs the real Secret Service: run it through scripts/test.sh or \
         scripts/with-keyring.sh cargo test"
    );
    let app = tauri::test::mock_app();
    app.manage(Arc::new(Shell::new(
        Some(dir.join("vault")),
        Arc::new(SystemClock),
    )));
    let report = block(vault::vault_create(app.state())).expect("the vault is created");
    assert_eq!(sent(report)["vault"], "ready");
    app
}

#[test]
fn the_vault_and_session_replies_have_the_keys_the_window_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let app = app_with_new_vault(tmp.path());
    let state = || app.state::<Arc<Shell>>();
    let (locks, heard) = recorded();
    block(vault::lock_watch(state(), locks)).unwrap();

    let unlocked = sent(block(vault::vault_unlock(state())).unwrap());
    assert_eq!(unlocked, json!({"locked": false, "idle_lock_minutes": 5}));
    let session = sent(block(vault::session_state(state())).unwrap());
    assert_eq!(
        session,
        json!({"locked": false, "vault_exists": true, "recording": null, "idle_lock_minutes": 5})
    );
    let settings = sent(block(vault::settings_get(state())).unwrap());
    assert_eq!(
        settings,
        json!({"idle_lock_minutes": 5, "auto_rewind_seconds": 2})
    );
    let changed = sent(block(vault::settings_set(state(), 12.0, Some(3.0))).unwrap());
    assert_eq!(
        changed,
        json!({"idle_lock_minutes": 12, "auto_rewind_seconds": 3})
    );

    let locked = sent(block(vault::vault_lock(state())).unwrap());
    assert_eq!(locked, json!({"locked": true}));
    assert_eq!(
        *heard.lock().unwrap(),
        [json!({"event": "locked", "reason": "request"})]
    );
    let session = sent(block(vault::session_state(state())).unwrap());
    assert_eq!(session["locked"], true);
    assert_eq!(session["idle_lock_minutes"], 12);
}

#[test]
fn the_consent_form_withdrawal_and_audit_replies_have_the_keys_the_window_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let app = app_with_new_vault(tmp.path());
    let state = || app.state::<Arc<Shell>>();

    let form = sent(block(consent::consent_form(state())).unwrap());
    assert_eq!(keys(&form), ["sections", "text", "title", "version"]);
    assert!(form["text"]
        .as_str()
        .unwrap()
        .starts_with(form["title"].as_str().unwrap()));
    assert_eq!(keys(&form["sections"][0]), ["body", "title"]);

    let input = serde_json::from_value(json!({
        "clientCode": "C-101",
        "courseId": null,
        "destroyBy": "2099-01-01",
        "purposes": ["supervision"],
        "audience": ["supervisor"],
        "caseStudy": "organisation",
        "clientName": "Alice Marigold",
        "signatureSvg": SIGNATURE_SVG,
        "counsellorName": "Sam Counsellor",
    }))
    .unwrap();
    let granted = block(consent::consent_grant(state(), input)).expect("consent is recorded");
    let (progress, _) = recorded();
    let withdrawn = block(consent::consent_withdraw(
        state(),
        granted.id.to_string(),
        "no longer".to_owned(),
        progress,
    ))
    .expect("consent is withdrawn");
    let withdrawn = sent(withdrawn);
    assert_eq!(keys(&withdrawn), ["consent", "shred"]);
    assert_eq!(withdrawn["consent"]["id"], granted.id.to_string());
    assert!(withdrawn["consent"]["withdrawal"]["at"].is_string());
    // Nothing was recorded under it: nothing to shred.
    assert!(withdrawn["shred"].is_null());

    let intact = sent(block(audit::audit_verify(state())).unwrap());
    assert_eq!(keys(&intact), ["entries", "head", "ok"]);
    assert_eq!(intact["ok"], true);
    assert!(intact["entries"].as_u64().unwrap() > 0);
}
