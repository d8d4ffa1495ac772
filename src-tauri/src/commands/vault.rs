//! The vault and the session: status, create, unlock, lock, settings, lock notifications.

use std::sync::Arc;

use serde::Serialize;
use sessionvault_core::settings::{self, Settings};
use sessionvault_core::status::{self, Report};
use sessionvault_core::store::vault::{self, Vault};
use tauri::ipc::Channel;
use tauri::State;

use super::blocking;
use crate::error::CommandError;
use crate::state::{guard, LockEvent, LockReason, RecordingState, Shell};

/// The answer of `vault_unlock`: the vault is open, and how long it may sit idle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unlocked {
    /// Always false: the vault is open.
    pub locked: bool,
    /// Minutes without use after which the window locks itself.
    pub idle_lock_minutes: u32,
}

/// The answer of `vault_lock`: the vault is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Locked {
    /// Always true: the vault is closed.
    pub locked: bool,
}

/// Where the session stands, for `session_state`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionState {
    /// Whether the vault is closed.
    pub locked: bool,
    /// Whether the vault folder holds a vault.
    pub vault_exists: bool,
    /// The recording the window is making, if one is running (also while locked).
    pub recording: Option<RecordingState>,
    /// Minutes without use after which the window locks itself.
    pub idle_lock_minutes: u32,
}

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

/// Opens the vault from the OS keyring: `{locked: false, idle_lock_minutes}`.
#[tauri::command]
pub async fn vault_unlock(shell: State<'_, Arc<Shell>>) -> Result<Unlocked, CommandError> {
    let shell = Arc::clone(&shell);
    let minutes = blocking(move || shell.unlock()).await?;
    Ok(Unlocked {
        locked: false,
        idle_lock_minutes: minutes,
    })
}

/// Locks now: `{locked: true}`. An open player is finished (logged); a recording goes on.
#[tauri::command]
pub async fn vault_lock(shell: State<'_, Arc<Shell>>) -> Result<Locked, CommandError> {
    let shell = Arc::clone(&shell);
    blocking(move || {
        shell.lock(LockReason::Request);
        Ok(Locked { locked: true })
    })
    .await
}

/// Where the session stands: `{locked, vault_exists, recording, idle_lock_minutes}`. A status
/// read: it does not count as use of the window (the idle timer is not reset by polling).
#[tauri::command]
pub async fn session_state(shell: State<'_, Arc<Shell>>) -> Result<SessionState, CommandError> {
    let shell = Arc::clone(&shell);
    blocking(move || {
        let vault_exists = vault::read_id(&shell.dir()?).is_ok();
        let recording = guard(&shell.recording)
            .as_ref()
            .filter(|r| r.running())
            .map(|r| r.describe());
        Ok(SessionState {
            locked: !shell.is_unlocked(),
            vault_exists,
            recording,
            idle_lock_minutes: shell.idle_minutes(),
        })
    })
    .await
}

/// The vault's settings: `{idle_lock_minutes, auto_rewind_seconds}`.
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
    on_event: Channel<LockEvent>,
) -> Result<(), CommandError> {
    shell.watch_locks(on_event);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::as_sent::sent;
    use serde_json::json;

    #[test]
    fn unlocking_and_locking_answer_the_lock_state() {
        let unlocked = Unlocked {
            locked: false,
            idle_lock_minutes: 5,
        };
        assert_eq!(
            sent(unlocked),
            json!({"locked": false, "idle_lock_minutes": 5})
        );
        assert_eq!(sent(Locked { locked: true }), json!({"locked": true}));
    }

    #[test]
    fn the_session_state_names_the_running_recording() {
        let recording = RecordingState {
            consent_id: "k1".into(),
            client_code: "C-017".into(),
            started_at: "2027-07-03T10:00:00Z".into(),
            paused: false,
            meter_watched: true,
        };
        let state = SessionState {
            locked: true,
            vault_exists: true,
            recording: Some(recording),
            idle_lock_minutes: 5,
        };
        assert_eq!(
            sent(state),
            json!({
                "locked": true,
                "vault_exists": true,
                "recording": {
                    "consent_id": "k1",
                    "client_code": "C-017",
                    "started_at": "2027-07-03T10:00:00Z",
                    "paused": false,
                    "meter_watched": true,
                },
                "idle_lock_minutes": 5,
            })
        );
    }
}
