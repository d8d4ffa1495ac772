//! The library and the player: recordings, waveforms, listening (with its own vault instance
//! and a thread reporting the position), bookmarks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use sessionvault_audio::devices::Direction;
use sessionvault_audio::playback::Position;
use sessionvault_core::sessions::bookmark::{self, Bookmark};
use sessionvault_core::sessions::player::{self, Listening, Player};
use sessionvault_core::sessions::recording::{self, Summary};
use sessionvault_core::store::vault::Vault;
use sessionvault_core::ErrorCode;
use tauri::ipc::Channel;
use tauri::State;

use super::{blocking, emit};
use crate::commands::recording::{devices, Device};
use crate::error::CommandError;
use crate::state::{guard, OpenPlayer, Shell};

/// How often the position is sent while the player is open.
const POSITION_EVERY: Duration = Duration::from_millis(50);

/// What the player's channel hears: where playback stands, or why it stopped.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PlayerMessage {
    /// `{seconds, frame, playing, speed, ended}`, every 50 ms.
    Position(Position),
    /// `{event: "failed", code, message}`.
    Stopped(PlayerEvent),
}

/// The player's events, beside its positions.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PlayerEvent {
    /// Playback stopped: it failed (`playback_failed`) or the gate stopped it (a withdrawal
    /// meanwhile: `consent_withdrawn`, …).
    Failed(CommandError),
}

/// The message saying playback stopped with `code` and `message`.
fn stopped(code: &'static str, message: String) -> PlayerMessage {
    PlayerMessage::Stopped(PlayerEvent::Failed(CommandError::new(code, message)))
}

/// A recording's waveform as the window draws it: the core's
/// `{recording_id, window_seconds, peaks}` and `per_second` (peaks per second).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waveform {
    /// The core's waveform.
    #[serde(flatten)]
    pub waveform: recording::Waveform,
    /// Peaks per second (0 for a waveform without windows).
    pub per_second: f64,
}

impl From<recording::Waveform> for Waveform {
    fn from(waveform: recording::Waveform) -> Self {
        let per_second = if waveform.window_seconds > 0.0 {
            1.0 / waveform.window_seconds
        } else {
            0.0
        };
        Waveform {
            waveform,
            per_second,
        }
    }
}

/// The answer of `player_open`: the recording now open.
#[derive(Debug, Clone, Serialize)]
pub struct Opened {
    /// The recording, as listed.
    pub recording: Summary,
}

/// A bookmark as the window gets it: the core's fields and `seconds` (= `at_seconds`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownBookmark {
    /// The core's bookmark.
    #[serde(flatten)]
    pub bookmark: Bookmark,
    /// Where it is, in seconds (the same as `at_seconds`).
    pub seconds: f64,
}

impl From<Bookmark> for ShownBookmark {
    fn from(bookmark: Bookmark) -> Self {
        let seconds = bookmark.at_seconds;
        ShownBookmark { bookmark, seconds }
    }
}

/// Sends the position every 50 ms until `stop`: through the end of the range (where it waits,
/// sending the end, for a seek back) and until playback fails (sent as
/// `{event: "failed", code: "playback_failed", message}`) or the disclosure gate stops it (a
/// withdrawal meanwhile: `{event: "failed", code: "consent_withdrawn", message}`).
fn follow(player: &Player, vault: &mut Vault, stop: &AtomicBool, channel: &Channel<PlayerMessage>) {
    loop {
        let followed = player.follow_gated(vault, POSITION_EVERY, stop, &mut |position| {
            emit(channel, PlayerMessage::Position(position));
        });
        let failure = match followed {
            Ok(failure) => failure,
            Err(refused) => {
                let message = format!("Playback stopped: {refused}");
                emit(channel, stopped(refused.code(), message));
                return;
            }
        };
        if let Some(failure) = failure {
            tracing::warn!("playback failed");
            let message = format!("playback stopped: {failure}");
            emit(channel, stopped("playback_failed", message));
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
            emit(channel, PlayerMessage::Position(position));
            std::thread::sleep(POSITION_EVERY);
        }
    }
}

/// Every recording, newest first.
#[tauri::command]
pub async fn recordings_list(shell: State<'_, Arc<Shell>>) -> Result<Vec<Summary>, CommandError> {
    shell.with_vault(|vault| Ok(recording::list(vault)?)).await
}

/// The waveform of recording `id`, with its peaks per second.
#[tauri::command]
pub async fn recording_waveform(
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<Waveform, CommandError> {
    shell
        .with_vault(move |vault| Ok(recording::waveform(vault, &id)?.into()))
        .await
}

/// The output devices of the host SessionVault plays through, the default first.
#[tauri::command]
pub async fn output_devices(shell: State<'_, Arc<Shell>>) -> Result<Vec<Device>, CommandError> {
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
    on_position: Channel<PlayerMessage>,
) -> Result<Opened, CommandError> {
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
        Ok(Opened { recording: summary })
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
) -> Result<Vec<ShownBookmark>, CommandError> {
    shell
        .with_vault(move |vault| {
            let list = bookmark::list(vault, &recording_id)?;
            Ok(list.into_iter().map(ShownBookmark::from).collect())
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
) -> Result<ShownBookmark, CommandError> {
    shell
        .with_vault(move |vault| {
            Ok(bookmark::add(vault, &recording_id, at(seconds)?, &note)?.into())
        })
        .await
}

/// Moves bookmark `id` and/or changes its note.
#[tauri::command]
pub async fn bookmark_edit(
    shell: State<'_, Arc<Shell>>,
    id: String,
    seconds: Option<f64>,
    note: Option<String>,
) -> Result<ShownBookmark, CommandError> {
    shell
        .with_vault(move |vault| {
            let at = seconds.map(at).transpose()?;
            Ok(bookmark::edit(vault, &id, at, note.as_deref())?.into())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::as_sent::{keys, sent};
    use crate::commands::recording::tests::summary;
    use serde_json::json;

    #[test]
    fn the_player_channel_sends_positions_and_why_it_stopped() {
        let position = Position {
            seconds: 1.5,
            frame: 72_000,
            playing: true,
            speed: 1.0,
            ended: false,
        };
        assert_eq!(
            sent(PlayerMessage::Position(position)),
            json!({"seconds": 1.5, "frame": 72_000, "playing": true, "speed": 1.0, "ended": false})
        );
        assert_eq!(
            sent(stopped("playback_failed", "playback stopped: gone".into())),
            json!({"event": "failed", "code": "playback_failed", "message": "playback stopped: gone"})
        );
    }

    #[test]
    fn waveforms_carry_their_peaks_per_second() {
        let waveform = |window_seconds| recording::Waveform {
            recording_id: "r1".into(),
            window_seconds,
            peaks: vec![0, 16_384],
        };
        let v = sent(Waveform::from(waveform(0.05)));
        assert_eq!(
            keys(&v),
            ["peaks", "per_second", "recording_id", "window_seconds"]
        );
        assert_eq!(v["per_second"], 20.0);
        assert_eq!(v["peaks"], json!([0, 16_384]));
        assert_eq!(sent(Waveform::from(waveform(0.0)))["per_second"], 0.0);
    }

    #[test]
    fn bookmarks_carry_seconds_and_an_opened_player_its_recording() {
        let bookmark = Bookmark {
            id: "b1".into(),
            recording_id: "r1".into(),
            at_seconds: 0.2,
            at_frame: 9_600,
            note: "a turning point".into(),
            created_at: "2027-07-03T11:00:00Z".into(),
            updated_at: "2027-07-03T11:00:00Z".into(),
        };
        let v = sent(ShownBookmark::from(bookmark));
        assert_eq!(
            keys(&v),
            [
                "at_frame",
                "at_seconds",
                "created_at",
                "id",
                "note",
                "recording_id",
                "seconds",
                "updated_at"
            ]
        );
        assert_eq!(v["seconds"], 0.2);
        let opened = sent(Opened {
            recording: summary(),
        });
        assert_eq!(keys(&opened), ["recording"]);
        assert_eq!(opened["recording"]["id"], "r1");
        assert_eq!(opened["recording"]["seconds"], 1.0);
    }
}
