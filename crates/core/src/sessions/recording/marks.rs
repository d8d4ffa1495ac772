//! The marks a running recording keeps on its own timeline: the pauses the counsellor asked
//! for, and the interruptions when the computer slept or SessionVault was held up.
//!
//! An interruption is found by the writer's own loop: a turn that comes more than
//! [`wake::WAKE_GAP_MS`] after the last one means the computer slept or SessionVault was held
//! up. It is marked at the frame the recording had reached. The recording then carries on;
//! once the sound server has had the chance to hand over what it kept meanwhile
//! ([`wake::SETTLE_MS`]), the mark says how much audio never came, and the counsellor is told.

use std::sync::atomic::Ordering;

use super::{Control, PausePoint};
use sessionvault_audio::capture::wake::{self, Lag};
use sessionvault_audio::capture::Capture;
use sessionvault_audio::meter;

/// An interruption whose missing audio is still being worked out.
struct Settling {
    /// Its place in the marks.
    index: usize,
    /// The lowest lag before it, ms.
    lag_before: i64,
    /// The lowest lag since it, ms.
    lag_after: i64,
    /// [`wake::clock_ms`] when it is settled.
    until_ms: u64,
}

/// The pauses and interruptions of one recording, as they happen.
pub(super) struct Marks {
    /// [`wake::clock_ms`] when the recording started.
    started_ms: u64,
    /// [`wake::clock_ms`] when the writer last finished a turn.
    last_turn_ms: u64,
    /// Whether the counsellor has paused it.
    paused: bool,
    points: Vec<PausePoint>,
    lag: Lag,
    settling: Vec<Settling>,
}

impl Marks {
    /// Marks for a recording at `rate` frames a second.
    pub(super) fn new(rate: u32) -> Marks {
        let now = wake::clock_ms();
        Marks {
            started_ms: now,
            last_turn_ms: now,
            paused: false,
            points: Vec::new(),
            lag: Lag::new(rate, now),
            settling: Vec::new(),
        }
    }

    /// Whether the counsellor has paused the recording (what arrives is not recorded).
    pub(super) fn paused(&self) -> bool {
        self.paused
    }

    fn after_seconds(&self, at_ms: u64) -> f64 {
        at_ms.saturating_sub(self.started_ms) as f64 / 1_000.0
    }

    /// Called at the start of each turn of the writer loop, with the recording at `frame`:
    /// marks an interruption if the writer did not run for a while, takes up pause and resume
    /// requests, and follows how far the audio lags behind the clock.
    pub(super) fn turn(
        &mut self,
        control: &Control,
        capture: &Capture,
        frame: u64,
        on_event: &mut dyn FnMut(meter::Event),
    ) {
        let now = wake::clock_ms();
        let received = capture.received();
        let stalled = now.saturating_sub(self.last_turn_ms);
        if stalled > wake::WAKE_GAP_MS {
            self.interrupted(frame, stalled);
        }
        if !self.paused && control.pause.swap(false, Ordering::Relaxed) {
            self.paused = true;
            let point = PausePoint::at("paused", frame, self.after_seconds(now));
            self.points.push(point);
        }
        if self.paused && control.resume.swap(false, Ordering::Relaxed) {
            self.paused = false;
            let point = PausePoint::at("resumed", frame, self.after_seconds(now));
            self.points.push(point);
        }
        let lag = self.lag.at(received, now);
        for settling in &mut self.settling {
            settling.lag_after = settling.lag_after.min(lag);
        }
        self.settle(now, false, on_event);
        self.lag.observe(received, now);
    }

    /// Called when a turn's work is done, before the writer waits for more audio.
    pub(super) fn turn_done(&mut self) {
        self.last_turn_ms = wake::clock_ms();
    }

    fn interrupted(&mut self, frame: u64, stalled_ms: u64) {
        let mut point = PausePoint::at("interrupted", frame, self.after_seconds(self.last_turn_ms));
        point.seconds = Some((stalled_ms as f64 / 100.0).round() / 10.0);
        tracing::warn!(frame, stalled_ms, "recording interrupted");
        self.settling.push(Settling {
            index: self.points.len(),
            lag_before: self.lag.lowest().unwrap_or(0),
            lag_after: i64::MAX,
            until_ms: wake::clock_ms() + wake::SETTLE_MS,
        });
        self.points.push(point);
    }

    /// Works out how much audio never came for each interruption that has settled by `now_ms`
    /// (every one, when `ending`), and tells `on_event`.
    fn settle(&mut self, now_ms: u64, ending: bool, on_event: &mut dyn FnMut(meter::Event)) {
        let points = &mut self.points;
        self.settling.retain(|settling| {
            if !ending && now_ms < settling.until_ms {
                return true;
            }
            let after = if settling.lag_after == i64::MAX {
                settling.lag_before
            } else {
                settling.lag_after
            };
            let missing = wake::missing_seconds(settling.lag_before, after);
            if let Some(point) = points.get_mut(settling.index) {
                point.missing_seconds = Some(missing);
                on_event(meter::Event::Interrupted {
                    after_seconds: point.after_seconds,
                    seconds: point.seconds.unwrap_or_default(),
                    missing_seconds: missing,
                });
            }
            false
        });
    }

    /// The marks, in order, once the recording has ended (interruptions still settling are
    /// worked out with what has come so far).
    pub(super) fn finish(mut self, on_event: &mut dyn FnMut(meter::Event)) -> Vec<PausePoint> {
        self.settle(wake::clock_ms(), true, on_event);
        self.points
    }
}
