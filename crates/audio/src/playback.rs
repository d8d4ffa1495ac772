//! Playing sealed audio on an output device: play, pause, seek, speed (pitch kept), volume,
//! and where playback stands, as what is being heard.
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
//! Who may hear a recording, and the record of who did, are the core's: this module only
//! plays what it is handed.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::seal::{Format, SealedAudio};
use crate::stretch::{self, BadSpeed};

mod decoder;
mod output;
use decoder::decode;
use output::open_output;

/// Source frames decoded per block.
const BLOCK_FRAMES: usize = 2048;
/// The device buffer asked for, in milliseconds.
const DEVICE_BUFFER_MS: u32 = 50;
/// Seconds of output the ring holds.
const RING_SECONDS: f64 = 0.5;
/// How long the output callback may stay away, while playing, before the device counts as gone.
const DEVICE_SILENCE_LIMIT: Duration = Duration::from_secs(3);

/// What went wrong starting or steering playback.
#[derive(Debug, thiserror::Error)]
pub enum PlaybackError {
    /// The speed is out of range.
    #[error(transparent)]
    Speed(#[from] BadSpeed),
    /// The volume is out of range.
    #[error("the volume {0} is not between 0 and 1")]
    Volume(f32),
    /// The output device could not be found or opened, or the decoder could not start.
    #[error("the output device could not be used: {0}")]
    Device(String),
}

/// Where and how to play.
#[derive(Debug, Clone, Copy)]
pub struct Range<'a> {
    /// The output device id (`host:id`), or the default output.
    pub device: Option<&'a str>,
    /// The first frame to play.
    pub start: u64,
    /// The frame to stop at.
    pub end: u64,
    /// 0.5 to 2; the pitch is kept.
    pub speed: f64,
    /// 0 to 1.
    pub volume: f32,
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
    timeline: Mutex<Timeline>,
}

impl Shared {
    fn timeline(&self) -> MutexGuard<'_, Timeline> {
        // A panic elsewhere while holding the lock leaves plain numbers: still usable.
        self.timeline.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Sealed audio playing (or paused) on an output device. Dropping it stops playback and
/// scrubs the ring.
pub struct Playback {
    format: Format,
    end_frame: u64,
    shared: Arc<Shared>,
    decoder: Option<std::thread::JoinHandle<()>>,
    stream: Option<cpal::Stream>,
}

/// Seconds of audio at `frame` frames of `format`.
pub fn seconds(frame: u64, format: Format) -> f64 {
    frame as f64 / f64::from(format.sample_rate.max(1))
}

impl Playback {
    /// Opens the output device and starts the decoder on `audio`, paused at `range.start`.
    ///
    /// Errors: [`PlaybackError::Speed`], [`PlaybackError::Volume`], [`PlaybackError::Device`].
    pub fn start(mut audio: SealedAudio, range: Range<'_>) -> Result<Playback, PlaybackError> {
        let speed = stretch::check_speed(range.speed)?;
        check_volume(range.volume)?;
        let format = audio.format();
        audio.seek_frame(range.start);
        let shared = Arc::new(Shared {
            playing: AtomicBool::new(false),
            volume: AtomicU32::new(range.volume.to_bits()),
            played: AtomicU64::new(0),
            latency: AtomicU64::new(0),
            flush: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            started: Instant::now(),
            last_callback_ms: AtomicU64::new(0),
            device_failure: Mutex::new(None),
            timeline: Mutex::new(Timeline::new(range.start, speed)),
        });
        let capacity =
            (f64::from(format.sample_rate) * RING_SECONDS) as usize * usize::from(format.channels);
        let (producer, consumer) = rtrb::RingBuffer::<f32>::new(capacity);
        let stream = open_output(range.device, format, consumer, &shared)?;
        let end = range.end;
        let decoder = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("sessionvault-play".into())
                .spawn(move || decode(audio, producer, &shared, end, speed))
                .map_err(|e| PlaybackError::Device(format!("the decoder could not start: {e}")))?
        };
        Ok(Playback {
            format,
            end_frame: end,
            shared,
            decoder: Some(decoder),
            stream: Some(stream),
        })
    }

    /// The format of the audio playing.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Starts or resumes playback.
    pub fn play(&self) {
        self.shared.playing.store(true, Ordering::Relaxed);
    }

    /// Pauses playback; the position stays where it is.
    pub fn pause(&self) {
        self.shared.playing.store(false, Ordering::Relaxed);
    }

    /// Moves to frame `frame` (clamped to the range being played). Takes effect within a few
    /// milliseconds; the position reports it from now on.
    pub fn seek_frame(&self, frame: u64) {
        let frame = frame.min(self.end_frame);
        let mut timeline = self.shared.timeline();
        let speed = timeline.pending.map_or(timeline.speed, |p| p.1);
        timeline.pending = Some((frame, speed));
    }

    /// Changes the speed from the current position, keeping the pitch.
    ///
    /// Errors: [`PlaybackError::Speed`].
    pub fn set_speed(&self, speed: f64) -> Result<(), PlaybackError> {
        let speed = stretch::check_speed(speed)?;
        let here = self.position().frame;
        let mut timeline = self.shared.timeline();
        let frame = timeline.pending.map_or(here, |p| p.0);
        timeline.pending = Some((frame, speed));
        Ok(())
    }

    /// Sets the volume, 0 to 1.
    ///
    /// Errors: [`PlaybackError::Volume`].
    pub fn set_volume(&self, volume: f32) -> Result<(), PlaybackError> {
        check_volume(volume)?;
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

    /// Seconds of audio the device holds and has not played yet.
    pub fn held_seconds(&self) -> f64 {
        self.shared.latency.load(Ordering::Relaxed) as f64
            / f64::from(self.format.sample_rate.max(1))
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

    /// Stops playback for good (the decoder ends at its next block); what was heard stays
    /// counted.
    pub fn stop(&self) {
        self.shared.playing.store(false, Ordering::Relaxed);
        self.shared.stop.store(true, Ordering::Relaxed);
    }

    /// Stops playback, scrubs the ring and returns the source ranges heard, as frames
    /// `(from, to)` in the order heard.
    pub fn finish(mut self) -> Vec<(u64, u64)> {
        let heard_until = self.position().frame;
        self.shutdown();
        let mut timeline = self.shared.timeline();
        let segment_start = timeline.segment_start;
        if heard_until > segment_start {
            timeline.heard.push((segment_start, heard_until));
        }
        timeline.heard.clone()
    }

    /// Stops the decoder and the stream, overwriting the ring with silence first.
    fn shutdown(&mut self) {
        self.stop();
        if let Some(decoder) = self.decoder.take() {
            let _ = decoder.join();
        }
        self.stream = None;
    }
}

impl Drop for Playback {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn check_volume(volume: f32) -> Result<(), PlaybackError> {
    if (0.0..=1.0).contains(&volume) {
        Ok(())
    } else {
        Err(PlaybackError::Volume(volume))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
