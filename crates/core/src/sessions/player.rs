//! Listening to a sealed recording on an output device: play, pause, seek, speed (pitch kept),
//! volume, the position reported as it goes, and every listening logged.
//!
//! The sound itself is the audio crate's ([`sessionvault_audio::playback`]: a decoder thread, a
//! lock-free ring, the output callback, decrypted audio only in zeroized memory); what is here
//! decides who may hear a recording and keeps the record of who did.
//!
//! Playback is a disclosure: [`Player::open`] passes the disclosure gate
//! ([`crate::disclosure::clear`]: the consent still verifies and names the listener's role in
//! its audience) and logs the start; [`Player::follow_gated`] asks the gate again every second
//! while it plays, so a withdrawal stops it; [`Player::finish`] logs which ranges were heard,
//! by whom.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::consent::Audience;
use crate::disclosure::{self, DisclosureError, Recipient, Use};
use crate::sessions::recording::{self, RecordError};
use crate::store::audit::EventKind;
use crate::store::vault::{Vault, VaultError};
use crate::ErrorCode;
pub use sessionvault_audio::playback::Position;
use sessionvault_audio::playback::{self, Playback, PlaybackError, Range};
use sessionvault_audio::seal::Format;
use sessionvault_audio::stretch::{self, BadSpeed};

/// The longest wait for the device to play out its buffer at the end.
const MAX_DRAIN_SECONDS: f64 = 2.5;
/// How often a playing recording asks the disclosure gate again.
pub const GATE_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Who a recording is played to: recorded in the audit log, and checked against the audience
/// the client consented to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Listener {
    /// The counsellor alone.
    #[serde(rename = "self")]
    Myself,
    /// The counsellor's clinical supervisor, in supervision (consent audience `supervisor`).
    #[serde(rename = "supervisor")]
    Supervisor,
    /// A course tutor (consent audience `tutors`).
    #[serde(rename = "tutor")]
    Tutor,
    /// Fellow students on the course (consent audience `students`).
    #[serde(rename = "student")]
    Student,
}

impl Listener {
    /// Every listener, in the order offered.
    pub const ALL: &'static [Listener] = &[
        Listener::Myself,
        Listener::Supervisor,
        Listener::Tutor,
        Listener::Student,
    ];

    /// The word used on the command line and in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Listener::Myself => "self",
            Listener::Supervisor => "supervisor",
            Listener::Tutor => "tutor",
            Listener::Student => "student",
        }
    }

    /// The audience the consent must name for this listener; `None` for the counsellor.
    pub fn audience(self) -> Option<Audience> {
        self.recipient().audience()
    }

    /// Who this listener is for the disclosure gate.
    pub fn recipient(self) -> Recipient {
        match self {
            Listener::Myself => Recipient::Counsellor,
            Listener::Supervisor => Recipient::Supervisor,
            Listener::Tutor => Recipient::Tutor,
            Listener::Student => Recipient::Student,
        }
    }
}

impl fmt::Display for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Listener {
    type Err = PlayError;
    /// Reads the word of [`Listener::as_str`]; `supervision`, `tutors` and `students` are
    /// accepted too.
    fn from_str(text: &str) -> Result<Self, PlayError> {
        match text.trim() {
            "supervision" => Ok(Listener::Supervisor),
            "tutors" => Ok(Listener::Tutor),
            "students" => Ok(Listener::Student),
            word => Listener::ALL
                .iter()
                .copied()
                .find(|l| l.as_str() == word)
                .ok_or_else(|| PlayError::UnknownListener(text.to_owned())),
        }
    }
}

/// What went wrong playing a recording.
#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    /// The recording could not be found, opened or decrypted.
    #[error(transparent)]
    Recording(#[from] RecordError),
    /// The disclosure gate refused: the consent no longer allows it to be heard (withdrawn,
    /// out of date, altered), or does not name this listener.
    #[error(transparent)]
    Disclosure(#[from] DisclosureError),
    /// An unknown listener word.
    #[error("{0:?} is not a listener: use self, supervisor, tutor or student")]
    UnknownListener(String),
    /// The speed is out of range.
    #[error(transparent)]
    Speed(#[from] BadSpeed),
    /// The volume is out of range.
    #[error("the volume {0} is not between 0 and 1")]
    Volume(f32),
    /// The range asked for is not inside the recording.
    #[error("the recording is {length:.1} s long; {what}")]
    Range {
        /// The recording's length in seconds.
        length: f64,
        /// What is wrong with the range.
        what: String,
    },
    /// The output device could not be found or opened.
    #[error("the output device could not be used: {0}")]
    Device(String),
    /// A vault problem (the audit log could not be written).
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl ErrorCode for PlayError {
    fn code(&self) -> &'static str {
        match self {
            PlayError::Recording(e) => e.code(),
            PlayError::Disclosure(e) => e.code(),
            PlayError::UnknownListener(_) => "invalid_listener",
            PlayError::Speed(_) => "invalid_speed",
            PlayError::Volume(_) => "invalid_volume",
            PlayError::Range { .. } => "invalid_range",
            PlayError::Device(_) => "device_failed",
            PlayError::Vault(e) => e.code(),
        }
    }
}

impl From<PlaybackError> for PlayError {
    fn from(e: PlaybackError) -> Self {
        match e {
            PlaybackError::Speed(e) => PlayError::Speed(e),
            PlaybackError::Volume(v) => PlayError::Volume(v),
            PlaybackError::Device(d) => PlayError::Device(d),
        }
    }
}

crate::store::vault::vault_variant_from!(PlayError: crate::store::db::DbError);

impl From<crate::store::audit::AuditError> for PlayError {
    fn from(e: crate::store::audit::AuditError) -> Self {
        PlayError::Vault(e.into())
    }
}

/// How to play.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// The output device id (`host:id` from `sessionvault devices`), or the default output.
    pub device: Option<&'a str>,
    /// Who is listening.
    pub listener: Listener,
    /// Where to start.
    pub from: Duration,
    /// Where to stop; the end of the recording when `None`.
    pub until: Option<Duration>,
    /// 0.5 to 2; the pitch is kept.
    pub speed: f64,
    /// 0 to 1.
    pub volume: f32,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            device: None,
            listener: Listener::Myself,
            from: Duration::ZERO,
            until: None,
            speed: 1.0,
            volume: 1.0,
        }
    }
}

/// A stretch of the recording that was heard.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Heard {
    /// Where it started, in seconds.
    pub from_seconds: f64,
    /// Where it ended, in seconds.
    pub to_seconds: f64,
}

/// One listening, as logged.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listening {
    /// The recording.
    pub recording_id: String,
    /// Who it was played for.
    pub listener: Listener,
    /// The stretches heard, in the order heard.
    pub ranges: Vec<Heard>,
    /// Seconds of the recording heard in all.
    pub seconds_heard: f64,
    /// What stopped playback early, if anything did (the device failing, damaged audio).
    pub fault: Option<String>,
}

/// A recording open for listening. Dropping it stops playback without logging the end; call
/// [`Player::finish`] to log what was heard.
pub struct Player {
    recording_id: String,
    listener: Listener,
    playback: Playback,
    /// Why the gate stopped playback while it ran, if it did.
    refused: Mutex<Option<String>>,
}

fn seconds(frame: u64, format: Format) -> f64 {
    playback::seconds(frame, format)
}

/// The nearest frame at `at` (every frame past the end, when it does not fit).
fn frame_at(at: Duration, format: Format) -> u64 {
    crate::timecode::frame_at(at, format.sample_rate).unwrap_or(u64::MAX)
}

impl Player {
    /// Opens recording `id` for `options.listener` on the output device, paused at
    /// `options.from`, and logs that playback began. Call [`Player::play`] to start hearing it.
    ///
    /// Errors: [`PlayError::Disclosure`] when the consent no longer verifies (withdrawn, course
    /// ended, past its destroy-by date, altered) or does not name the listener;
    /// [`PlayError::Recording`] (not found, still recording, key missing, unreadable);
    /// [`PlayError::Range`], [`PlayError::Speed`], [`PlayError::Volume`];
    /// [`PlayError::Device`]; [`PlayError::Vault`].
    pub fn open(vault: &mut Vault, id: &str, options: &Options<'_>) -> Result<Player, PlayError> {
        let cleared = disclosure::clear(vault, id, options.listener.recipient(), Use::Listening)?;
        let summary = cleared.recording().clone();
        let speed = stretch::check_speed(options.speed)?;
        if !(0.0..=1.0).contains(&options.volume) {
            return Err(PlayError::Volume(options.volume));
        }
        let audio = recording::open_audio(vault, &cleared)?;
        let format = audio.format();
        let (start, end) = range_of(options, format, audio.frames())?;
        let playback = Playback::start(
            audio,
            Range {
                device: options.device,
                start,
                end,
                speed,
                volume: options.volume,
            },
        )?;
        let change = vault.change()?;
        change.log(
            EventKind::RecordingPlayStarted,
            Some(&summary.id),
            &json!({
                "listener": options.listener,
                "from_seconds": seconds(start, format),
                "until_seconds": seconds(end, format),
                "speed": speed,
            }),
        )?;
        change.commit()?;
        tracing::info!(recording = %summary.id, listener = %options.listener, "playback opened");
        Ok(Player {
            recording_id: summary.id,
            listener: options.listener,
            playback,
            refused: Mutex::new(None),
        })
    }

    /// Starts or resumes playback.
    pub fn play(&self) {
        self.playback.play();
    }

    /// Pauses playback; the position stays where it is.
    pub fn pause(&self) {
        self.playback.pause();
    }

    /// Moves to `at` (clamped to the range being played). Takes effect within a few
    /// milliseconds; the position reports `at` from now on.
    pub fn seek(&self, at: Duration) {
        self.playback
            .seek_frame(frame_at(at, self.playback.format()));
    }

    /// Changes the speed from the current position, keeping the pitch.
    ///
    /// Errors: [`PlayError::Speed`].
    pub fn set_speed(&self, speed: f64) -> Result<(), PlayError> {
        Ok(self.playback.set_speed(speed)?)
    }

    /// Sets the volume, 0 to 1.
    ///
    /// Errors: [`PlayError::Volume`].
    pub fn set_volume(&self, volume: f32) -> Result<(), PlayError> {
        Ok(self.playback.set_volume(volume)?)
    }

    /// Where playback stands now: the point being heard, after the device's buffer.
    pub fn position(&self) -> Position {
        self.playback.position()
    }

    /// Why playback cannot go on, if it cannot: the device failed or went away while playing,
    /// or the audio is damaged at the point reached.
    pub fn failure(&self) -> Option<String> {
        self.playback.failure()
    }

    /// Reports the position to `on_position` every `every` until playback ends, `stop` is set,
    /// or it fails. Returns the failure, if that is what ended it.
    pub fn follow(
        &self,
        every: Duration,
        stop: &AtomicBool,
        on_position: &mut dyn FnMut(Position),
    ) -> Option<String> {
        self.follow_checking(every, stop, on_position, &mut || Ok(()))
            .unwrap_or_else(|e| Some(e.to_string()))
    }

    /// As [`Player::follow`], and asks the disclosure gate again every
    /// [`GATE_CHECK_INTERVAL`] while it plays: a withdrawal (or the end of the consent's
    /// time) made meanwhile, here or by another SessionVault on this vault, stops playback
    /// within that time. `vault` is refreshed first, so a change by another process is seen.
    ///
    /// Errors: [`PlayError::Disclosure`] when the gate refused and playback was stopped.
    pub fn follow_gated(
        &self,
        vault: &mut Vault,
        every: Duration,
        stop: &AtomicBool,
        on_position: &mut dyn FnMut(Position),
    ) -> Result<Option<String>, PlayError> {
        let mut last = Instant::now();
        self.follow_checking(every, stop, on_position, &mut || {
            if last.elapsed() < GATE_CHECK_INTERVAL {
                return Ok(());
            }
            last = Instant::now();
            self.recheck(vault)
        })
    }

    /// Asks the disclosure gate again whether this recording may still be heard by this
    /// listener; if not, playback stops (what was heard stays logged by [`Player::finish`]).
    ///
    /// Errors: [`PlayError::Disclosure`] with the refusal; a database that cannot be read
    /// for a moment is not a refusal and is retried at the next check.
    pub fn recheck(&self, vault: &mut Vault) -> Result<(), PlayError> {
        if let Err(e) = vault.refresh() {
            tracing::warn!(
                code = e.code(),
                "the vault could not be read again: the gate is asked on the open database"
            );
        }
        match disclosure::clear(
            vault,
            &self.recording_id,
            self.listener.recipient(),
            Use::Listening,
        ) {
            Ok(_) => Ok(()),
            Err(DisclosureError::Vault(e)) => {
                tracing::warn!(
                    code = e.code(),
                    "the gate could not be asked: retried at the next check"
                );
                Ok(())
            }
            Err(refused) => {
                self.playback.stop();
                if let Ok(mut slot) = self.refused.lock() {
                    *slot = Some(refused.to_string());
                }
                tracing::warn!(recording = %self.recording_id, code = refused.code(), "playback stopped by the gate");
                Err(refused.into())
            }
        }
    }

    fn follow_checking(
        &self,
        every: Duration,
        stop: &AtomicBool,
        on_position: &mut dyn FnMut(Position),
        check: &mut dyn FnMut() -> Result<(), PlayError>,
    ) -> Result<Option<String>, PlayError> {
        loop {
            check()?;
            let position = self.position();
            on_position(position);
            if position.ended {
                // Let the device play out what it holds before playback is closed.
                let held = self.playback.held_seconds();
                std::thread::sleep(Duration::from_secs_f64(held.min(MAX_DRAIN_SECONDS)));
                return Ok(None);
            }
            if stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            if let Some(failure) = self.failure() {
                return Ok(Some(failure));
            }
            std::thread::sleep(every);
        }
    }

    /// Stops playback, clears the decrypted audio out of memory, and logs what was heard and
    /// by whom. Returns that record.
    ///
    /// Errors: [`PlayError::Vault`] when the log cannot be written.
    pub fn finish(self, vault: &mut Vault) -> Result<Listening, PlayError> {
        let refused = self.refused.lock().ok().and_then(|r| r.clone());
        let fault = refused.or_else(|| self.failure());
        let format = self.playback.format();
        let ranges = self.playback.finish();
        let heard: Vec<Heard> = ranges
            .iter()
            .map(|&(a, b)| Heard {
                from_seconds: seconds(a, format),
                to_seconds: seconds(b, format),
            })
            .collect();
        let listening = Listening {
            recording_id: self.recording_id,
            listener: self.listener,
            seconds_heard: heard.iter().map(|h| h.to_seconds - h.from_seconds).sum(),
            ranges: heard,
            fault,
        };
        let change = vault.change()?;
        change.log(
            EventKind::RecordingPlayed,
            Some(&listening.recording_id),
            &json!({
                "listener": listening.listener,
                "ranges": listening
                    .ranges
                    .iter()
                    .map(|h| [round_ms(h.from_seconds), round_ms(h.to_seconds)])
                    .collect::<Vec<_>>(),
                "seconds_heard": round_ms(listening.seconds_heard),
                "fault": listening.fault,
            }),
        )?;
        change.commit()?;
        tracing::info!(recording = %listening.recording_id, "playback finished");
        Ok(listening)
    }
}

/// The frames from and until which `options` asks to play, inside a recording of `frames`.
///
/// Errors: [`PlayError::Range`] when nothing of the recording is inside.
fn range_of(options: &Options<'_>, format: Format, frames: u64) -> Result<(u64, u64), PlayError> {
    crate::timecode::clip(options.from, options.until, format.sample_rate, frames).ok_or_else(
        || PlayError::Range {
            length: seconds(frames, format),
            what: format!(
                "nothing to play from {:.1} s{}",
                options.from.as_secs_f64(),
                options
                    .until
                    .map(|u| format!(" until {:.1} s", u.as_secs_f64()))
                    .unwrap_or_default()
            ),
        },
    )
}

fn round_ms(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listeners_map_to_the_consented_audience() {
        assert_eq!(Listener::Myself.audience(), None);
        assert_eq!(Listener::Supervisor.audience(), Some(Audience::Supervisor));
        assert_eq!(Listener::Tutor.audience(), Some(Audience::Tutors));
        assert_eq!(Listener::Student.audience(), Some(Audience::Students));
        for l in Listener::ALL {
            assert_eq!(l.as_str().parse::<Listener>().unwrap(), *l);
        }
        assert_eq!(
            "supervision".parse::<Listener>().unwrap(),
            Listener::Supervisor
        );
        assert_eq!("students".parse::<Listener>().unwrap(), Listener::Student);
        assert_eq!(
            "friend".parse::<Listener>().unwrap_err().code(),
            "invalid_listener"
        );
    }
}
