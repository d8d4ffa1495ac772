//! Builds the shell's context from the repository-root `tauri.conf.json` and generates the
//! permissions for the app's own commands, so the capability file can allow exactly those.

/// Every `#[tauri::command]` the shell registers; each gets an `allow-<name>` permission.
const COMMANDS: &[&str] = &[
    "vault_status",
    "vault_create",
    "vault_unlock",
    "vault_lock",
    "session_state",
    "settings_get",
    "settings_set",
    "lock_watch",
    "course_list",
    "course_add",
    "consent_form",
    "consent_list",
    "consent_get",
    "consent_grant",
    "consent_decline",
    "consent_withdraw_preview",
    "consent_withdraw",
    "consent_save_pdf",
    "input_devices",
    "record_start",
    "record_pause",
    "record_resume",
    "record_stop",
    "recordings_list",
    "recording_waveform",
    "output_devices",
    "player_open",
    "player_play",
    "player_pause",
    "player_seek",
    "player_speed",
    "player_volume",
    "player_close",
    "bookmark_list",
    "bookmark_add",
    "bookmark_edit",
    "bookmark_remove",
    "due_list",
    "shred_preview",
    "shred_run",
    "certificate_list",
    "certificate_get",
    "certificate_save_pdf",
    "certificate_save_json",
    "audit_entries",
    "audit_verify",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
