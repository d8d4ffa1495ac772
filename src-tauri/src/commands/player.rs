//! The library and the player: recordings, waveforms, listening (with its own vault instance
//! and a thread reporting the position), bookmarks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use sessionvault_audio::devices::Direction;
use sessionvault_core::sessions::bookmark::{self, Bookmark};
use sessionvault_core::sessions::player::{self, Listening, Player};
use sessionvault_core::sessions::recording::{self, Summary};
use sessionvault_core::store::vault::Vault;
use sessionvault_core::ErrorCode;
use tauri::ipc::Channel;
use tauri::State;

use super::{blocking, emit, with_fields};
use crate::commands::recording::devices;
use crate::error::CommandError;
use crate::state::{guard, OpenPlayer, Shell};

/// How often the position is sent while the player is open.
const POSITION_EVERY: Duration = Duration::from_millis(50);

/// Sends the position every 50 ms until `stop`: through the end of the range (where it waits,
/// sending the end, for a seek back) and until playback fails (sent as
/// `{event: "failed", code: "playback_failed", message}`) or the disclosure gate stops it (a
/// withdrawal meanwhile: `{event: "failed", code: "consent_withdrawn", message}`).
fn follow(player: &Player, vault: &mut Vault, stop: &AtomicBool, channel: &Channel<Value>) {
    loop {
        let followed = player.follow_gated(vault, POSITION_EVERY, stop, &mut |position| {
            emit(channel, json!(position));
        });
        let failure = match followed {
            Ok(failure) => failure,
            Err(refused) => {
                emit(
                    channel,
                    json!({
                        "event": "failed",
                        "code": refused.code(),
                        "message": format!("Playback stopped: {refused}"),
                    }),
                );
                return;
            }
        };
        if let Some(failure) = failure {
            tracing::warn!("playback failed");
            emit(
                channel,
                json!({
                    "event": "failed",
                    "code": "playback_failed",
                    "message": format!("playback stopped: {failure}"),
                }),
            );
            return;
        }
        // At the end: keep reporting until a seek moves it back, or the player closes.
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let position = player.position();
            if !position.ended {
                break;
            }
            emit(channel, json!(position));
            std::thread::sleep(POSITION_EVERY);
        }
    }
}

/// Every recording, newest first.
#[tauri::command]
pub async fn recordings_list(shell: State<'_, Arc<Shell>>) -> Result<Vec<Summary>, CommandError> {
    shell.with_vault(|vault| Ok(recording::list(vault)?)).await
}

/// The waveform of recording `id`: the core's `{recording_id, window_seconds, peaks}` and
/// `per_second` (peaks per second).
#[tauri::command]
pub async fn recording_waveform(
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<Value, CommandError> {
    shell
        .with_vault(move |vault| {
            let waveform = recording::waveform(vault, &id)?;
            let per_second = if waveform.window_seconds > 0.0 {
                1.0 / waveform.window_seconds
            } else {
                0.0
            };
            with_fields(&waveform, &[("per_second", per_second.into())])
        })
        .await
}

/// The output devices of the host SessionVault plays through, the default first.
#[tauri::command]
pub async fn output_devices(shell: State<'_, Arc<Shell>>) -> Result<Vec<Value>, CommandError> {
    shell.ensure_unlocked()?;
    blocking(|| devices(Direction::Output)).await
}

/// Opens recording `recording_id` for `listener`, paused at 0, on `device` (default output
/// when `None`): `{recording: Summary}`. Refused when the consent does not allow it
/// (`not_in_audience`, `consent_withdrawn`, …). Positions go to `on_position` every 50 ms.
/// A player already open is finished (logged) first.
#[tauri::command]
pub async fn player_open(
    shell: State<'_, Arc<Shell>>,
    recording_id: String,
    listener: String,
    device: Option<String>,
    on_position: Channel<Value>,
) -> Result<Value, CommandError> {
    shell.ensure_unlocked()?;
    let shell = Arc::clone(&shell);
    blocking(move || {
        let mut open = guard(&shell.player);
        if let Some(previous) = open.take() {
            previous.finish()?;
        }
        // Checked again under the player's lock, so a lock meanwhile is not missed.
        if !shell.is_unlocked() {
            return Err(CommandError::locked());
        }
        let mut vault = shell.vault_at()?.open()?;
        let options = player::Options {
            device: device.as_deref().filter(|d| !d.is_empty()),
            listener: listener.parse()?,
            ..player::Options::default()
        };
        let player = Arc::new(Player::open(&mut vault, &recording_id, &options)?);
        let summary = recording::get(&vault, &recording_id)?;
        let stop = Arc::new(AtomicBool::new(false));
        let follow_thread = {
            let (player, stop) = (Arc::clone(&player), Arc::clone(&stop));
            std::thread::Builder::new()
                .name("sessionvault-position".into())
                .spawn(move || {
                    follow(&player, &mut vault, &stop, &on_position);
                    vault
                })
                .map_err(CommandError::internal)?
        };
        *open = Some(OpenPlayer {
            player,
            consent_id: summary.consent_id.clone(),
            stop,
            follow: Some(follow_thread),
        });
        Ok(json!({ "recording": summary }))
    })
    .await
}

/// Runs `act` on the open player; `no_player` when none is open.
fn with_player(
    shell: &Shell,
    act: impl FnOnce(&Player) -> Result<(), CommandError>,
) -> Result<(), CommandError> {
    shell.ensure_unlocked()?;
    match guard(&shell.player).as_ref() {
        Some(open) => act(&open.player),
        None => Err(CommandError::new(
            "no_player",
            "no recording is open for listening",
        )),
    }
}

/// Plays (or resumes).
#[tauri::command]
pub async fn player_play(shell: State<'_, Arc<Shell>>) -> Result<(), CommandError> {
    with_player(&shell, |p| {
        p.play();
        Ok(())
    })
}

/// Pauses.
#[tauri::command]
pub async fn player_pause(shell: State<'_, Arc<Shell>>) -> Result<(), CommandError> {
    with_player(&shell, |p| {
        p.pause();
        Ok(())
    })
}

/// Moves to `seconds` (clamped to the recording).
#[tauri::command]
pub async fn player_seek(shell: State<'_, Arc<Shell>>, seconds: f64) -> Result<(), CommandError> {
    with_player(&shell, |p| {
        p.seek(Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or(Duration::ZERO));
        Ok(())
    })
}

/// Changes the speed (0.5 to 2, the pitch kept; `invalid_speed` otherwise).
#[tauri::command]
pub async fn player_speed(shell: State<'_, Arc<Shell>>, speed: f64) -> Result<(), CommandError> {
    with_player(&shell, |p| Ok(p.set_speed(speed)?))
}

/// Changes the volume (0 to 1; `invalid_volume` otherwise).
#[tauri::command]
pub async fn player_volume(shell: State<'_, Arc<Shell>>, volume: f32) -> Result<(), CommandError> {
    with_player(&shell, |p| Ok(p.set_volume(volume)?))
}

/// Closes the player and returns the listening, as logged.
#[tauri::command]
pub async fn player_close(shell: State<'_, Arc<Shell>>) -> Result<Listening, CommandError> {
    shell.ensure_unlocked()?;
    let shell = Arc::clone(&shell);
    blocking(move || {
        let open = guard(&shell.player)
            .take()
            .ok_or_else(|| CommandError::new("no_player", "no recording is open for listening"))?;
        open.finish()
    })
    .await
}

/// A bookmark as the window gets it: the core's fields and `seconds` (= `at_seconds`).
fn shown(bookmark: &Bookmark) -> Result<Value, CommandError> {
    with_fields(bookmark, &[("seconds", bookmark.at_seconds.into())])
}

/// A time in seconds from the window as a duration; `invalid_input` when negative or not a
/// number.
pub(crate) fn at(seconds: f64) -> Result<Duration, CommandError> {
    Duration::try_from_secs_f64(seconds).map_err(|_| {
        CommandError::new(
            "invalid_input",
            format!("{seconds} is not a time in the recording"),
        )
    })
}

/// Recording `recording_id`'s bookmarks in time order.
#[tauri::command]
pub async fn bookmark_list(
    shell: State<'_, Arc<Shell>>,
    recording_id: String,
) -> Result<Vec<Value>, CommandError> {
    shell
        .with_vault(move |vault| {
            bookmark::list(vault, &recording_id)?
                .iter()
                .map(shown)
                .collect()
        })
        .await
}

/// Bookmarks `seconds` of recording `recording_id` with `note`.
#[tauri::command]
pub async fn bookmark_add(
    shell: State<'_, Arc<Shell>>,
    recording_id: String,
    seconds: f64,
    note: String,
) -> Result<Value, CommandError> {
    shell
        .with_vault(move |vault| shown(&bookmark::add(vault, &recording_id, at(seconds)?, &note)?))
        .await
}

/// Moves bookmark `id` and/or changes its note.
#[tauri::command]
pub async fn bookmark_edit(
    shell: State<'_, Arc<Shell>>,
    id: String,
    seconds: Option<f64>,
    note: Option<String>,
) -> Result<Value, CommandError> {
    shell
        .with_vault(move |vault| {
            let at = seconds.map(at).transpose()?;
            shown(&bookmark::edit(vault, &id, at, note.as_deref())?)
        })
        .await
}

/// Removes bookmark `id` and returns where it was: `{id, recording_id, at_frame}` (not its
/// note: removing is allowed whatever the consent, and reveals nothing).
#[tauri::command]
pub async fn bookmark_remove(
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<bookmark::Removed, CommandError> {
    shell
        .with_vault(move |vault| Ok(bookmark::remove(vault, &id)?))
        .await
}
