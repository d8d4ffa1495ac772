//! The window's commands, by area. Each forwards to the core and returns its answer; the rules
//! are the core's.

pub mod audit;
pub mod cases;
pub mod consent;
pub mod courses;
pub mod player;
pub mod recording;
pub mod sharing;
pub mod shred;
pub mod transcripts;
pub mod vault;

#[cfg(test)]
mod as_sent;
#[cfg(test)]
mod gate_tests;
#[cfg(test)]
mod reply_tests;

use std::path::{Path, PathBuf};

use tauri::ipc::{Channel, IpcResponse};
use tauri_plugin_dialog::DialogExt;

use crate::background::blocking;
use crate::error::CommandError;

/// Every command the window may call, for the app's builder.
pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        vault::vault_status,
        vault::vault_create,
        vault::vault_unlock,
        vault::vault_lock,
        vault::session_state,
        vault::settings_get,
        vault::settings_set,
        vault::lock_watch,
        courses::course_list,
        courses::course_add,
        consent::consent_form,
        consent::consent_list,
        consent::consent_get,
        consent::consent_grant,
        consent::consent_decline,
        consent::consent_withdraw_preview,
        consent::consent_withdraw,
        consent::consent_save_pdf,
        recording::input_devices,
        recording::record_start,
        recording::record_pause,
        recording::record_resume,
        recording::record_stop,
        recording::record_watch,
        player::recordings_list,
        player::recording_waveform,
        player::output_devices,
        player::player_open,
        player::player_play,
        player::player_pause,
        player::player_seek,
        player::player_speed,
        player::player_volume,
        player::player_close,
        player::bookmark_list,
        player::bookmark_add,
        player::bookmark_edit,
        player::bookmark_remove,
        shred::due_list,
        shred::shred_preview,
        shred::shred_run,
        shred::certificate_list,
        shred::certificate_get,
        shred::certificate_save_pdf,
        shred::certificate_save_json,
        audit::audit_entries,
        audit::audit_verify,
        transcripts::transcript_list,
        transcripts::transcript_create,
        transcripts::transcript_get,
        transcripts::transcript_save,
        transcripts::transcript_set_speakers,
        transcripts::transcript_set_anonymisation,
        transcripts::transcript_check,
        transcripts::transcript_export,
        transcripts::transcript_remove,
        cases::case_study_list,
        cases::case_study_create,
        cases::case_study_get,
        cases::case_study_save,
        cases::case_study_set_anonymisation,
        cases::case_study_check,
        cases::case_study_finalise,
        cases::case_study_export,
        sharing::share_clip,
        sharing::copies_list,
        sharing::copy_destroyed,
        sharing::client_export
    ]
}

/// Sends `message` to the webview over `channel`; a closed channel (the screen went away) is
/// not an error of the operation.
pub fn emit<T: IpcResponse>(channel: &Channel<T>, message: T) {
    if let Err(e) = channel.send(message) {
        tracing::debug!(error = %e, "a channel message was not delivered");
    }
}

/// The answer of a save command: whether a file was written, and its name (never its folder).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Saved {
    /// Whether the file was written (false: the counsellor cancelled the dialog).
    pub saved: bool,
    /// The file's name, without its folder.
    pub file_name: Option<String>,
}

/// What a save writes: a name proposed from ids only, and the kind of file for the dialog.
pub struct SaveAs {
    /// The proposed file name, e.g. `certificate-<id>.pdf`.
    pub name: String,
    /// The dialog's filter name, e.g. "PDF document".
    pub filter: &'static str,
    /// The extension, without the dot.
    pub extension: &'static str,
}

/// Where to write `save`: inside `save_dir` when the shell has one (a debug build with
/// `SESSIONVAULT_SAVE_DIR` set, see [`crate::state::save_dir::save_dir_bypass`]); else where the
/// counsellor chooses in a save dialog opened from Rust; `None` when the dialog was cancelled.
/// Blocking (the dialog waits for the counsellor).
pub fn choose_path<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    save_dir: Option<PathBuf>,
    save: &SaveAs,
) -> Result<Option<PathBuf>, CommandError> {
    if !plain_file_name(&save.name) {
        return Err(CommandError::new(
            "invalid_input",
            "the proposed file name is not a plain file name",
        ));
    }
    if let Some(dir) = save_dir {
        return Ok(Some(dir.join(&save.name)));
    }
    let chosen = app
        .dialog()
        .file()
        .set_file_name(&save.name)
        .add_filter(save.filter, &[save.extension])
        .blocking_save_file();
    chosen
        .map(|path| {
            path.into_path().map_err(|e| {
                CommandError::new("io_failed", format!("that place cannot be saved to: {e}"))
            })
        })
        .transpose()
}

/// The answer when the core wrote `path`: saved, with the file's name (never its folder).
pub fn saved(path: &Path) -> Saved {
    Saved {
        saved: true,
        file_name: path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned()),
    }
}

/// The answer when the counsellor cancelled the save dialog.
pub fn not_saved() -> Saved {
    Saved {
        saved: false,
        file_name: None,
    }
}

/// Whether `name` is a plain file name: letters, digits, `-`, `_` and `.`, not starting with
/// a dot (so an id can never lead a path elsewhere).
fn plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn proposed_names_are_plain() {
        assert!(plain_file_name(
            "consent-0b7c1a52-1f0e-4d8e-9a57-0e7f0f6d8a11.pdf"
        ));
        assert!(!plain_file_name("../x.pdf"));
        assert!(!plain_file_name("a/b.pdf"));
        assert!(!plain_file_name(".hidden"));
        assert!(!plain_file_name(""));
    }

    /// The commands the window's scripts call by name (`call("…"`, `act("…"`, `save("…"`).
    fn called_by_the_window() -> std::collections::BTreeSet<String> {
        fn scripts(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("read ui/").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    scripts(&path, out);
                } else if path.extension().is_some_and(|e| e == "js") {
                    out.push(std::fs::read_to_string(&path).expect("read a script"));
                }
            }
        }
        let mut texts = Vec::new();
        scripts(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui"),
            &mut texts,
        );
        let mut called = std::collections::BTreeSet::new();
        for text in &texts {
            for opener in ["call(\"", "act(\"", "save(\""] {
                for (at, _) in text.match_indices(opener) {
                    let rest = &text[at + opener.len()..];
                    let name = &rest[..rest.find('"').unwrap_or(0)];
                    if name.contains('_')
                        && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    {
                        called.insert(name.to_owned());
                    }
                }
            }
        }
        called
    }

    /// The names of the commands registered in `generate_handler!` in [`handler`].
    fn registered() -> std::collections::BTreeSet<String> {
        // This file: its first `generate_handler!` is the one in `handler`.
        let this = include_str!("mod.rs");
        let start = this
            .find("generate_handler![")
            .expect("handler() registers commands");
        let list = &this[start..];
        let list = &list[..list.find(']').expect("the list ends")];
        list.split(',')
            .filter_map(|entry| entry.trim().rsplit("::").next())
            .filter(|name| !name.is_empty() && !name.contains('['))
            .map(str::to_owned)
            .collect()
    }

    /// The commands the main window's capability allows.
    fn allowed() -> std::collections::BTreeSet<String> {
        let capability: Value =
            serde_json::from_str(include_str!("../../capabilities/main-window.json"))
                .expect("the capability is JSON");
        capability["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .map(|p| {
                let p = p.as_str().expect("a permission name");
                p.strip_prefix("allow-")
                    .unwrap_or_else(|| panic!("{p} is not an allow-<command> permission"))
                    .replace('-', "_")
            })
            .collect()
    }

    /// The commands build.rs generates permissions for.
    fn generated() -> std::collections::BTreeSet<String> {
        let build = include_str!("../../build.rs");
        let start = build
            .find("const COMMANDS")
            .expect("build.rs lists commands");
        let list = &build[start..];
        let list = &list[list.find("= &[").expect("a list") + 4..list.find("];").expect("its end")];
        list.split(',')
            .map(|entry| entry.trim().trim_matches('"'))
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_command_is_registered_allowed_and_generated() {
        let (registered, allowed, generated) = (registered(), allowed(), generated());
        let called = called_by_the_window();
        assert!(called.len() > 60, "the window's calls: {called:?}");
        for name in &called {
            assert!(
                registered.contains(name),
                "the window calls {name}, which is not in generate_handler!"
            );
        }
        assert!(registered.contains("vault_status") && registered.len() > 60);
        assert_eq!(
            registered, allowed,
            "generate_handler! and the capability differ"
        );
        assert_eq!(
            registered, generated,
            "generate_handler! and build.rs differ"
        );
    }
}
