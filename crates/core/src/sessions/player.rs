//! Listening to a sealed recording on an output device: play, pause, seek, speed (pitch kept),
//! volume, the position reported as it goes, and every listening logged.
//!
//! The pipeline: a decoder thread seeks in the sealed file (one 64 KiB chunk decrypted per
//! seek), converts blocks through the [`Stretcher`], and pushes float samples into a lock-free
//! ring; the cpal output callback pops them (no locks, no allocation, no I/O there), applies the
//! volume and counts the frames it has played. Where playback stands in the recording is worked
//! out from that count and the decoder's marks (output frame → source frame), so the position
//! is that of what is being heard, whatever the speed.
//!
//! A seek or a change of speed asks the callback to drop what is queued, then decoding starts
//! again at the new point. Decrypted audio exists only in memory: the decoder's buffers are
//! zeroized, and the ring is overwritten with silence before it is freed.
//!
//! Playback is a disclosure: [`Player::open`] passes the disclosure gate
//! ([`crate::disclosure::clear`]: the consent still verifies and names the listener's role in
//! its audience) and logs the start; [`Player::follow_gated`] asks the gate again every second
//! while it plays, so a withdrawal stops it; [`Player::finish`] logs which ranges were heard,
//! by whom.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{SampleFormat, SizedSample};
use serde_json::json;
use zeroize::Zeroizing;

use crate::consent::Audience;
use crate::disclosure::{self, DisclosureError, Recipient, Use};
use crate::sessions::recording::{self, RecordError};
use crate::store::audit::EventKind;
use crate::store::vault::{Vault, VaultError};
use crate::ErrorCode;
use sessionvault_audio::seal::{Format, SealedAudio};
use sessionvault_audio::stretch::{self, BadSpeed, Stretcher};

/// Source frames decoded per block.
const BLOCK_FRAMES: usize = 2048;
/// The longest wait for the device to play out its buffer at the end.
const MAX_DRAIN_SECONDS: f64 = 2.5;
/// The device buffer asked for, in milliseconds.
const DEVICE_BUFFER_MS: u32 = 50;
/// Seconds of output the ring holds.
const RING_SECONDS: f64 = 0.5;
/// How often a playing recording asks the disclosure gate again.
pub const GATE_CHECK_INTERVAL: Duration = Duration::from_secs(1);
/// How long the output callback may stay away, while playing, before the device counts as gone.
const DEVICE_SILENCE_LIMIT: Duration = Duration::from_secs(3);

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

impl From<crate::store::db::DbError> for PlayError {
    fn from(e: crate::store::db::DbError) -> Self {
        PlayError::Vault(e.into())
    }
}

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

/// Where playback stands, as reported to subscribers.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Position {
    /// Seconds into the recording of what is being heard.
    pub seconds: f64,
    /// The same as a frame of the recording.
    pub frame: u64,
    /// Whether it is playing (not paused).
    pub playing: bool,
    /// The speed.
    pub speed: f64,
    /// Whether playback reached the end of its range.
    pub ended: bool,
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

/// What the decoder has produced in the current segment (since the last seek or speed
/// change), and requests for it. Not touched by the audio callback.
struct Timeline {
    /// A seek or speed change asked for and not yet carried out: (frame, speed).
    pending: Option<(u64, f64)>,
    /// Where the current segment started in the recording.
    segment_start: u64,
    speed: f64,
    /// The last mark already played through: (output frame, source frame).
    base: (u64, u64),
    /// Marks of decoded blocks: after output frame `.0`, source frame `.1` was reached.
    marks: VecDeque<(u64, u64)>,
    /// Output frames pushed in this segment.
    output_total: u64,
    /// The decoder reached the end of the range and pushed everything.
    decoded_all: bool,
    /// Source ranges heard in earlier segments.
    heard: Vec<(u64, u64)>,
    /// Why decoding stopped early, if it did.
    fault: Option<String>,
}

impl Timeline {
    fn new(start: u64, speed: f64) -> Self {
        Timeline {
            pending: None,
            segment_start: start,
            speed,
            base: (0, start),
            marks: VecDeque::new(),
            output_total: 0,
            decoded_all: false,
            heard: Vec::new(),
            fault: None,
        }
    }

    /// The source frame being heard after `played` output frames of this segment.
    fn source_at(&mut self, played: u64) -> u64 {
        // Never behind a mark already passed (the device's latency can grow).
        let played = played.max(self.base.0);
        while let Some(&mark) = self.marks.front() {
            if played < mark.0 {
                let (o0, s0) = self.base;
                let span = mark.0 - o0;
                return s0 + (played - o0) * (mark.1 - s0) / span.max(1);
            }
            self.base = mark;
            self.marks.pop_front();
        }
        self.base.1
    }

    fn restart(&mut self, at: u64, speed: f64, heard_until: u64) {
        if heard_until > self.segment_start {
            self.heard.push((self.segment_start, heard_until));
        }
        self.segment_start = at;
        self.speed = speed;
        self.base = (0, at);
        self.marks.clear();
        self.output_total = 0;
        self.decoded_all = false;
    }
}

/// State shared by the controls, the decoder and the audio callback.
struct Shared {
    playing: AtomicBool,
    volume: AtomicU32,
    /// Output frames handed to the device in the current segment (reset by the callback on a
    /// flush).
    played: AtomicU64,
    /// Frames handed to the device but not yet heard (its buffer), as the device last said.
    latency: AtomicU64,
    /// Set by the decoder to have the callback drop what is queued; cleared by the callback.
    flush: AtomicBool,
    stop: AtomicBool,
    started: Instant,
    last_callback_ms: AtomicU64,
    device_failure: Mutex<Option<String>>,
    /// Why the gate stopped playback while it ran, if it did.
    refused: Mutex<Option<String>>,
    timeline: Mutex<Timeline>,
}

impl Shared {
    fn timeline(&self) -> MutexGuard<'_, Timeline> {
        // A panic elsewhere while holding the lock leaves plain numbers: still usable.
        self.timeline.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A recording open for listening. Dropping it stops playback without logging the end; call
/// [`Player::finish`] to log what was heard.
pub struct Player {
    recording_id: String,
    listener: Listener,
    format: Format,
    end_frame: u64,
    shared: Arc<Shared>,
    decoder: Option<std::thread::JoinHandle<()>>,
    stream: Option<cpal::Stream>,
}

fn seconds(frame: u64, format: Format) -> f64 {
    frame as f64 / f64::from(format.sample_rate.max(1))
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
        let mut audio = recording::open_audio(vault, &cleared)?;
        let format = audio.format();
        let frames = audio.frames();
        let length = seconds(frames, format);
        let start = frame_at(options.from, format);
        let end = options
            .until
            .map_or(frames, |u| frame_at(u, format).min(frames));
        if start >= frames || start >= end {
            return Err(PlayError::Range {
                length,
                what: format!(
                    "nothing to play from {:.1} s{}",
                    options.from.as_secs_f64(),
                    options
                        .until
                        .map(|u| format!(" until {:.1} s", u.as_secs_f64()))
                        .unwrap_or_default()
                ),
            });
        }
        audio.seek_frame(start);

        let shared = Arc::new(Shared {
            playing: AtomicBool::new(false),
            volume: AtomicU32::new(options.volume.to_bits()),
            played: AtomicU64::new(0),
            latency: AtomicU64::new(0),
            flush: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            started: Instant::now(),
            last_callback_ms: AtomicU64::new(0),
            device_failure: Mutex::new(None),
            refused: Mutex::new(None),
            timeline: Mutex::new(Timeline::new(start, speed)),
        });
        let capacity =
            (f64::from(format.sample_rate) * RING_SECONDS) as usize * usize::from(format.channels);
        let (producer, consumer) = rtrb::RingBuffer::<f32>::new(capacity);
        let stream = open_output(options.device, format, consumer, &shared)?;

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

        let decoder = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("sessionvault-play".into())
                .spawn(move || decode(audio, producer, &shared, end, speed))
                .map_err(|e| PlayError::Device(format!("the decoder could not start: {e}")))?
        };
        tracing::info!(recording = %summary.id, listener = %options.listener, "playback opened");
        Ok(Player {
            recording_id: summary.id,
            listener: options.listener,
            format,
            end_frame: end,
            shared,
            decoder: Some(decoder),
            stream: Some(stream),
        })
    }

    /// Starts or resumes playback.
    pub fn play(&self) {
        self.shared.playing.store(true, Ordering::Relaxed);
    }

    /// Pauses playback; the position stays where it is.
    pub fn pause(&self) {
        self.shared.playing.store(false, Ordering::Relaxed);
    }

    /// Moves to `at` (clamped to the range being played). Takes effect within a few
    /// milliseconds; the position reports `at` from now on.
    pub fn seek(&self, at: Duration) {
        let frame = frame_at(at, self.format).min(self.end_frame);
        let mut timeline = self.shared.timeline();
        let speed = timeline.pending.map_or(timeline.speed, |p| p.1);
        timeline.pending = Some((frame, speed));
    }

    /// Changes the speed from the current position, keeping the pitch.
    ///
    /// Errors: [`PlayError::Speed`].
    pub fn set_speed(&self, speed: f64) -> Result<(), PlayError> {
        let speed = stretch::check_speed(speed)?;
        let here = self.position().frame;
        let mut timeline = self.shared.timeline();
        let frame = timeline.pending.map_or(here, |p| p.0);
        timeline.pending = Some((frame, speed));
        Ok(())
    }

    /// Sets the volume, 0 to 1.
    ///
    /// Errors: [`PlayError::Volume`].
    pub fn set_volume(&self, volume: f32) -> Result<(), PlayError> {
        if !(0.0..=1.0).contains(&volume) {
            return Err(PlayError::Volume(volume));
        }
        self.shared
            .volume
            .store(volume.to_bits(), Ordering::Relaxed);
        Ok(())
    }

    /// Where playback stands now: the point being heard, after the device's buffer.
    pub fn position(&self) -> Position {
        let handed = self.shared.played.load(Ordering::Acquire);
        let heard = handed.saturating_sub(self.shared.latency.load(Ordering::Relaxed));
        let flushing = self.shared.flush.load(Ordering::Acquire);
        let mut timeline = self.shared.timeline();
        let all_handed = timeline.decoded_all && handed >= timeline.output_total;
        let ended = timeline.pending.is_none() && !flushing && all_handed;
        let (frame, speed) = match timeline.pending {
            Some(pending) => pending,
            None if flushing => (timeline.segment_start, timeline.speed),
            // At the end, the position is the end, whatever the device still holds.
            None if ended => (timeline.source_at(handed), timeline.speed),
            None => (timeline.source_at(heard), timeline.speed),
        };
        Position {
            seconds: seconds(frame, self.format),
            frame,
            playing: self.shared.playing.load(Ordering::Relaxed),
            speed,
            ended,
        }
    }

    /// Why playback cannot go on, if it cannot: the device failed or went away while playing,
    /// or the audio is damaged at the point reached.
    pub fn failure(&self) -> Option<String> {
        if let Some(fault) = self.shared.timeline().fault.clone() {
            return Some(fault);
        }
        if let Some(failure) = self
            .shared
            .device_failure
            .lock()
            .ok()
            .and_then(|f| f.clone())
        {
            return Some(failure);
        }
        let last = Duration::from_millis(self.shared.last_callback_ms.load(Ordering::Relaxed));
        let since = self.shared.started.elapsed().saturating_sub(last);
        (self.shared.playing.load(Ordering::Relaxed) && since > DEVICE_SILENCE_LIMIT).then(|| {
            format!(
                "the output device stopped taking audio ({} s): it may have been unplugged",
                since.as_secs()
            )
        })
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
                self.shared.playing.store(false, Ordering::Relaxed);
                self.shared.stop.store(true, Ordering::Relaxed);
                if let Ok(mut slot) = self.shared.refused.lock() {
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
                let held = self.shared.latency.load(Ordering::Relaxed) as f64
                    / f64::from(self.format.sample_rate.max(1));
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
    pub fn finish(mut self, vault: &mut Vault) -> Result<Listening, PlayError> {
        let refused = self.shared.refused.lock().ok().and_then(|r| r.clone());
        let fault = refused.or_else(|| self.failure());
        let heard_until = self.position().frame;
        self.shutdown();
        let ranges: Vec<(u64, u64)> = {
            let mut timeline = self.shared.timeline();
            let segment_start = timeline.segment_start;
            if heard_until > segment_start {
                timeline.heard.push((segment_start, heard_until));
            }
            timeline.heard.clone()
        };
        let format = self.format;
        let heard: Vec<Heard> = ranges
            .iter()
            .map(|&(a, b)| Heard {
                from_seconds: seconds(a, format),
                to_seconds: seconds(b, format),
            })
            .collect();
        let listening = Listening {
            recording_id: self.recording_id.clone(),
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

    /// Stops the decoder and the stream, overwriting the ring with silence first.
    fn shutdown(&mut self) {
        self.shared.playing.store(false, Ordering::Relaxed);
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(decoder) = self.decoder.take() {
            let _ = decoder.join();
        }
        self.stream = None;
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn round_ms(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// A sample type the output device takes.
trait OutputSample: SizedSample + Send + 'static {
    fn from_float(sample: f32) -> Self;
}

impl OutputSample for f32 {
    fn from_float(sample: f32) -> Self {
        sample
    }
}

impl OutputSample for i16 {
    fn from_float(sample: f32) -> Self {
        (sample * 32768.0).round().clamp(-32768.0, 32767.0) as i16
    }
}

/// Finds the device and starts a stream on it that plays from `consumer`.
fn open_output(
    device: Option<&str>,
    format: Format,
    consumer: rtrb::Consumer<f32>,
    shared: &Arc<Shared>,
) -> Result<cpal::Stream, PlayError> {
    let device = match device {
        Some(text) => {
            let id: cpal::DeviceId = text
                .parse()
                .map_err(|_| PlayError::Device(format!("there is no device {text}")))?;
            cpal::host_from_id(id.host())
                .ok()
                .and_then(|host| host.device_by_id(&id))
                .ok_or_else(|| PlayError::Device(format!("there is no device {text}")))?
        }
        None => sessionvault_audio::devices::preferred_host()
            .default_output_device()
            .ok_or_else(|| PlayError::Device("there is no output device".to_owned()))?,
    };
    let ranges: Vec<_> = device
        .supported_output_configs()
        .map_err(|e| PlayError::Device(e.to_string()))?
        .filter(|r| {
            r.channels() == format.channels
                && (r.min_sample_rate()..=r.max_sample_rate()).contains(&format.sample_rate)
        })
        .collect();
    let pick = ranges
        .iter()
        .find(|r| r.sample_format() == SampleFormat::F32)
        .or_else(|| {
            ranges
                .iter()
                .find(|r| r.sample_format() == SampleFormat::I16)
        })
        .ok_or_else(|| {
            PlayError::Device(format!(
                "it cannot play {} channel(s) at {} Hz",
                format.channels, format.sample_rate
            ))
        })?;
    let config = pick.with_sample_rate(format.sample_rate);
    let mut stream_config = config.config();
    // Ask for small device buffers: a server that asks for seconds of audio at once (PulseAudio
    // does by default) would otherwise outrun the ring and hear gaps.
    let wanted = format.sample_rate / 1000 * DEVICE_BUFFER_MS;
    stream_config.buffer_size = match config.buffer_size() {
        cpal::SupportedBufferSize::Range { min, max } => {
            cpal::BufferSize::Fixed(wanted.clamp(*min, *max))
        }
        cpal::SupportedBufferSize::Unknown => cpal::BufferSize::Fixed(wanted),
    };
    let stream = match config.sample_format() {
        SampleFormat::F32 => build::<f32>(&device, &stream_config, consumer, shared),
        _ => build::<i16>(&device, &stream_config, consumer, shared),
    }?;
    stream
        .play()
        .map_err(|e| PlayError::Device(e.to_string()))?;
    Ok(stream)
}

fn build<T: OutputSample>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut consumer: rtrb::Consumer<f32>,
    shared: &Arc<Shared>,
) -> Result<cpal::Stream, PlayError> {
    let channels = usize::from(config.channels);
    let rate = f64::from(config.sample_rate);
    let callback_shared = shared.clone();
    let error_shared = shared.clone();
    device
        .build_output_stream::<T, _, _>(
            *config,
            move |data: &mut [T], info: &cpal::OutputCallbackInfo| {
                // Real-time path: no locks, no allocation, no I/O.
                let shared = &callback_shared;
                shared.last_callback_ms.store(
                    shared.started.elapsed().as_millis() as u64,
                    Ordering::Relaxed,
                );
                if shared.flush.load(Ordering::Acquire) {
                    if let Ok(chunk) = consumer.read_chunk(consumer.slots()) {
                        chunk.commit_all();
                    }
                    shared.played.store(0, Ordering::Release);
                    shared.flush.store(false, Ordering::Release);
                }
                let silence = T::from_float(0.0);
                if !shared.playing.load(Ordering::Relaxed) {
                    data.fill(silence);
                    return;
                }
                let stamp = info.timestamp();
                let held = stamp.playback.duration_since(stamp.callback).as_secs_f64() * rate;
                shared.latency.store(held as u64, Ordering::Relaxed);
                let volume = f32::from_bits(shared.volume.load(Ordering::Relaxed));
                let take = consumer.slots().min(data.len()) / channels * channels;
                if let Ok(chunk) = consumer.read_chunk(take) {
                    let (a, b) = chunk.as_slices();
                    for (out, &sample) in data.iter_mut().zip(a.iter().chain(b)) {
                        *out = T::from_float(if volume == 1.0 {
                            sample
                        } else {
                            sample * volume
                        });
                    }
                    chunk.commit_all();
                }
                data[take..].fill(silence);
                shared
                    .played
                    .fetch_add((take / channels) as u64, Ordering::AcqRel);
            },
            move |error| {
                // Not the audio path: taking a lock here is fine.
                if let Ok(mut slot) = error_shared.device_failure.lock() {
                    slot.get_or_insert_with(|| error.to_string());
                }
            },
            None,
        )
        .map_err(|e| PlayError::Device(e.to_string()))
}

/// The decoder thread: decrypts and converts blocks from the current position into the ring
/// until the end of the range, taking up seeks and speed changes, until told to stop. At the
/// end it overwrites the ring with silence.
fn decode(
    mut audio: SealedAudio,
    mut producer: rtrb::Producer<f32>,
    shared: &Shared,
    end: u64,
    speed: f64,
) {
    let format = audio.format();
    let channels = usize::from(format.channels);
    let mut block = Zeroizing::new(vec![0i16; BLOCK_FRAMES * channels]);
    let mut out: Zeroizing<Vec<f32>> = Zeroizing::new(Vec::with_capacity(
        (BLOCK_FRAMES as f64 / stretch::MIN_SPEED) as usize * channels * 2,
    ));
    let mut position = audio.frame_position();
    let mut stretcher = start_segment(&mut audio, position, speed, &mut block);
    while !shared.stop.load(Ordering::Relaxed) {
        let request = shared.timeline().pending;
        if let Some((frame, new_speed)) = request {
            // Note what was heard up to here, have the queue dropped, then start again there.
            let played = shared.played.load(Ordering::Acquire);
            let heard_until = shared.timeline().source_at(played);
            shared.flush.store(true, Ordering::Release);
            wait_for_flush(shared);
            position = frame.min(end);
            stretcher = start_segment(&mut audio, position, new_speed, &mut block);
            let mut timeline = shared.timeline();
            timeline.restart(position, new_speed, heard_until);
            timeline.pending = None;
            continue;
        }
        if shared.timeline().decoded_all {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        out.clear();
        let left = end.saturating_sub(position) as usize;
        // At the end of the range (or of intact audio) the stretcher gives up its tail.
        let (produced, finished) = if left == 0 {
            (stretcher.finish(&mut out), true)
        } else {
            let want = left.min(BLOCK_FRAMES) * channels;
            match audio.read_samples(&mut block[..want]) {
                Ok(0) => (stretcher.finish(&mut out), true),
                Ok(n) => {
                    position += (n / channels) as u64;
                    (stretcher.process(&block[..n], &mut out), false)
                }
                Err(e) => {
                    shared.timeline().fault = Some(e.to_string());
                    (stretcher.finish(&mut out), true)
                }
            }
        };
        if !push_all(&mut producer, &out, shared) {
            continue;
        }
        let mut timeline = shared.timeline();
        timeline.output_total += produced as u64;
        let mark = (timeline.output_total, position);
        timeline.marks.push_back(mark);
        timeline.decoded_all = finished;
    }
    scrub(&mut producer, shared);
}

/// Moves the reader to `frame`, primes a new stretcher with the audio just before it, and
/// returns the stretcher.
fn start_segment(audio: &mut SealedAudio, frame: u64, speed: f64, block: &mut [i16]) -> Stretcher {
    let format = audio.format();
    let channels = usize::from(format.channels);
    // `speed` was checked before it got here; normal speed is the safe answer otherwise.
    let mut stretcher = Stretcher::new(format.channels, format.sample_rate, speed)
        .unwrap_or_else(|_| Stretcher::normal(format.channels));
    let preroll = (stretcher.preroll_frames() as u64).min(frame);
    if preroll > 0 && preroll as usize <= block.len() / channels {
        audio.seek_frame(frame - preroll);
        let want = preroll as usize * channels;
        if let Ok(n) = audio.read_samples(&mut block[..want]) {
            stretcher.preroll(&block[..n]);
        }
    }
    audio.seek_frame(frame);
    stretcher
}

/// Waits (briefly) for the callback to drop the queue. If the callback is not running (the
/// device is gone), gives up after a second: nothing is being heard then anyway.
fn wait_for_flush(shared: &Shared) {
    let deadline = Instant::now() + Duration::from_secs(1);
    while shared.flush.load(Ordering::Acquire) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Pushes every sample of `samples` into the ring, waiting for room. Returns false when a seek,
/// a speed change or stop came first (the rest is dropped).
fn push_all(producer: &mut rtrb::Producer<f32>, samples: &[f32], shared: &Shared) -> bool {
    let mut done = 0;
    while done < samples.len() {
        if shared.stop.load(Ordering::Relaxed) || shared.timeline().pending.is_some() {
            return false;
        }
        let room = producer.slots().min(samples.len() - done);
        if room == 0 {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        if let Ok(chunk) = producer.write_chunk_uninit(room) {
            chunk.fill_from_iter(samples[done..done + room].iter().copied());
        }
        done += room;
    }
    true
}

/// Overwrites every slot of the ring with silence, so no decrypted audio stays in freed memory.
fn scrub(producer: &mut rtrb::Producer<f32>, shared: &Shared) {
    shared.flush.store(true, Ordering::Release);
    wait_for_flush(shared);
    let capacity = producer.buffer().capacity();
    if producer.slots() == capacity {
        if let Ok(chunk) = producer.write_chunk_uninit(capacity) {
            chunk.fill_from_iter(std::iter::repeat(0.0));
        }
    }
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

    #[test]
    fn the_position_follows_the_marks_at_any_speed() {
        // 1.5x: 1000 output frames carry 1500 source frames.
        let mut t = Timeline::new(48_000, 1.5);
        t.marks.push_back((1000, 49_500));
        t.marks.push_back((2000, 51_000));
        assert_eq!(t.source_at(0), 48_000);
        assert_eq!(t.source_at(500), 48_750);
        assert_eq!(t.source_at(1500), 50_250);
        assert_eq!(t.source_at(2000), 51_000);
        assert_eq!(t.source_at(5000), 51_000, "never past what was decoded");
        t.restart(10, 1.0, 51_000);
        assert_eq!(t.heard, vec![(48_000, 51_000)]);
        assert_eq!(t.source_at(0), 10);
    }
}
