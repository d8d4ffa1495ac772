//! Builds the shell's context from the repository-root `tauri.conf.json` and generates the
//! permissions for the app's own commands, so the capability file can allow exactly those.

/// Every `#[tauri::command]` the shell registers; each gets an `allow-<name>` permission.
const COMMANDS: &[&str] = &["vault_status", "vault_create"];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
