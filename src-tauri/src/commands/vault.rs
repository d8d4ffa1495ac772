//! The vault and the session: status, create, unlock, lock, settings, lock notifications.

use std::sync::Arc;

use serde_json::{json, Value};
use sessionvault_core::settings::{self, Settings};
use sessionvault_core::status::{self, Report};
use sessionvault_core::store::vault::{self, Vault};
use tauri::ipc::Channel;
use tauri::State;

use super::blocking;
use crate::error::CommandError;
use crate::state::{guard, LockReason, Shell};

/// The vault screen's report: vault, keyring, database, signing key, audio.
#[tauri::command]
pub async fn vault_status(shell: State<'_, Arc<Shell>>) -> Result<Report, CommandError> {
    let (dir, clock) = (shell.dir()?, shell.clock());
    blocking(move || Ok(status::inspect(&dir, clock))).await
}

/// Creates the vault (keys into the OS keyring), keeps it open (unlocked) and returns the new
/// report.
#[tauri::command]
pub async fn vault_create(shell: State<'_, Arc<Shell>>) -> Result<Report, CommandError> {
    let shell = Arc::clone(&shell);
    blocking(move || {
        let dir = shell.dir()?;
        let clock = shell.clock();
        let vault = Vault::create(&dir, clock.clone(), &mut rand::rngs::OsRng)?;
        shell.install(vault)?;
        Ok(status::inspect(&dir, clock))
    })
    .await
}

/// Opens the vault from the OS keyring: `{locked: false, idleLockMinutes}`.
#[tauri::command]
pub async fn vault_unlock(shell: State<'_, Arc<Shell>>) -> Result<Value, CommandError> {
    let shell = Arc::clone(&shell);
    let minutes = blocking(move || shell.unlock()).await?;
    Ok(json!({ "locked": false, "idleLockMinutes": minutes }))
}

/// Locks now: `{locked: true}`. An open player is finished (logged); a recording goes on.
#[tauri::command]
pub async fn vault_lock(shell: State<'_, Arc<Shell>>) -> Result<Value, CommandError> {
    let shell = Arc::clone(&shell);
    blocking(move || {
        shell.lock(LockReason::Request);
        Ok(json!({ "locked": true }))
    })
    .await
}

/// Where the session stands: `{locked, vaultExists, recording, idleLockMinutes}`. A status
/// read: it does not count as use of the window (the idle timer is not reset by polling).
#[tauri::command]
pub async fn session_state(shell: State<'_, Arc<Shell>>) -> Result<Value, CommandError> {
    let shell = Arc::clone(&shell);
    blocking(move || {
        let vault_exists = vault::read_id(&shell.dir()?).is_ok();
        let recording = guard(&shell.recording)
            .as_ref()
            .filter(|r| r.running())
            .map(|r| r.describe());
        Ok(json!({
            "locked": !shell.is_unlocked(),
            "vaultExists": vault_exists,
            "recording": recording,
            "idleLockMinutes": shell.idle_minutes(),
        }))
    })
    .await
}

/// The vault's settings: `{idleLockMinutes, autoRewindSeconds}`.
#[tauri::command]
pub async fn settings_get(shell: State<'_, Arc<Shell>>) -> Result<Settings, CommandError> {
    shell.with_vault(|vault| Ok(settings::get(vault)?)).await
}

/// Changes the idle lock time (1–120 minutes) and, when given, the auto-rewind on playing
/// again while transcribing (0–10 seconds); `invalid_setting` (nothing changed) otherwise.
#[tauri::command]
pub async fn settings_set(
    shell: State<'_, Arc<Shell>>,
    idle_lock_minutes: f64,
    auto_rewind_seconds: Option<f64>,
) -> Result<Settings, CommandError> {
    let changes = settings::Changes {
        idle_lock_minutes: Some(idle_lock_minutes),
        auto_rewind_seconds,
    };
    let changed = shell
        .with_vault(move |vault| Ok(settings::update(vault, &changes)?))
        .await?;
    shell.set_idle_minutes(changed.idle_lock_minutes);
    Ok(changed)
}

/// Subscribes `on_event` to `{event: "locked", reason: "idle"|"request"}`. Allowed while
/// locked (the window subscribes at start).
#[tauri::command]
pub async fn lock_watch(
    shell: State<'_, Arc<Shell>>,
    on_event: Channel<Value>,
) -> Result<(), CommandError> {
    shell.watch_locks(on_event);
    Ok(())
}
