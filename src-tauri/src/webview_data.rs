//! The webview's own data (its cache, storage and cookies) lives in a private folder made for
//! this run and removed at exit, so nothing the window showed outlives it in WebKit's folders.
//!
//! WebKit's fully ephemeral mode would be simpler, but WebKitGTK then refuses WebDriver, and the
//! end-to-end tests must drive the very configuration that ships. The folder is made in the
//! user's runtime folder (`XDG_RUNTIME_DIR`: memory-backed and private to the user on Linux),
//! else in the temporary folder; a folder left by a run that crashed is removed at the next
//! start.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tauri::Manager;

/// The prefix of the per-run folders, so a later start can find and remove stale ones.
const PREFIX: &str = "sessionvault-webview-";

/// This run's webview data folder; removed when dropped or at exit.
struct WebviewData(Mutex<Option<tempfile::TempDir>>);

fn parent() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_dir())
        .unwrap_or_else(std::env::temp_dir)
}

/// Removes folders of earlier runs under `parent` (a crash skips the removal at exit).
/// A folder still in use by another running window is not touched: SessionVault runs once
/// (single instance), and this runs before this run's window exists.
fn remove_stale(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(PREFIX) {
            if let Err(error) = std::fs::remove_dir_all(entry.path()) {
                tracing::warn!(%error, "a stale webview data folder could not be removed");
            }
        }
    }
}

/// Makes this run's private data folder and opens the main window (configured with
/// `"create": false` in tauri.conf.json) over it.
///
/// Errors: the folder cannot be made, or the window cannot be built.
pub fn open_main_window(app: &mut tauri::App) -> Result<(), Box<dyn std::error::Error>> {
    let parent = parent();
    remove_stale(&parent);
    let folder = tempfile::Builder::new()
        .prefix(PREFIX)
        .tempdir_in(&parent)?;
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|window| window.label == "main")
        .cloned()
        .ok_or("tauri.conf.json has no window labelled main")?;
    tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?
        .data_directory(folder.path().to_owned())
        .build()?;
    app.manage(WebviewData(Mutex::new(Some(folder))));
    Ok(())
}

/// Removes this run's webview data folder (at exit).
pub fn remove(app: &tauri::AppHandle) {
    if let Some(data) = app.try_state::<WebviewData>() {
        if let Ok(mut folder) = data.0.lock() {
            if let Some(folder) = folder.take() {
                if let Err(error) = folder.close() {
                    tracing::warn!(%error, "the webview data folder could not be removed");
                }
            }
        }
    }
}
