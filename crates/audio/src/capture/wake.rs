//! Telling a computer that slept from a microphone that went away.
//!
//! When a laptop's lid closes, or SessionVault is frozen for a while (the system held it up,
//! a debugger stopped it), no audio arrives for a few seconds, exactly as when a device
//! vanishes. What tells them apart is the writer's own loop, which goes round every few tens
//! of milliseconds: when it finds that it did not run itself for longer than [`WAKE_GAP_MS`]
//! (on a clock that keeps counting while the computer sleeps, [`clock_ms`]), the computer
//! slept or SessionVault was held up. The recording marks that at the frame where it happened,
//! and carries on.
//! - A device's silence is counted only across the writer's turns, at most [`WAKE_GAP_MS`] a
//!   turn ([`Silence`]), so the time asleep never makes a device look gone.
//! - Nothing is ever written in place of the missing time. A sound server that kept the audio
//!   while SessionVault was frozen hands it over on waking, and it is kept; audio that never
//!   came (the computer slept) is simply not there. How far the audio lags behind the clock
//!   ([`Lag`]), before the interruption and once it has settled, says how much is missing.

use std::collections::VecDeque;
use std::sync::OnceLock;

/// Blocks further apart than this mean the computer slept or SessionVault was held up. Devices
/// deliver every few tens of milliseconds; this is far above any of them and well under the
/// silence limit after which a device counts as gone.
pub const WAKE_GAP_MS: u64 = 1_000;

/// How long after waking the recording waits before it works out how much audio is missing:
/// long enough for a sound server to hand over what it kept meanwhile, and longer than the
/// 2 s in which some PulseAudio sources deliver their audio.
pub const SETTLE_MS: u64 = 3_000;

/// How many seconds of the lag's history are kept to compare with after an interruption.
const LAG_HISTORY_SECONDS: usize = 30;

/// Milliseconds since the first call, on a clock that keeps counting while the computer sleeps
/// (Linux's `CLOCK_BOOTTIME`; elsewhere the monotonic clock, which may not). Cheap enough for
/// the capture callback: it reads the clock and allocates nothing.
pub fn clock_ms() -> u64 {
    static ORIGIN: OnceLock<u64> = OnceLock::new();
    let now = raw_clock_ms();
    now.saturating_sub(*ORIGIN.get_or_init(|| now))
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn raw_clock_ms() -> u64 {
    use rustix::time::{clock_gettime, ClockId};
    let t = clock_gettime(ClockId::Boottime);
    (t.tv_sec.max(0) as u64) * 1_000 + (t.tv_nsec.max(0) as u64) / 1_000_000
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn raw_clock_ms() -> u64 {
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64
}

/// Sets the clock's origin, so that it is never set inside the audio callback.
pub(super) fn start_clock() {
    let _ = clock_ms();
}

/// How long a device has delivered nothing, counted across the writer's turns and at most
/// [`WAKE_GAP_MS`] a turn.
#[derive(Debug)]
pub(super) struct Silence {
    last_callback_ms: u64,
    last_turn_ms: u64,
    silent_ms: u64,
}

impl Silence {
    pub(super) fn new(now_ms: u64) -> Silence {
        Silence {
            last_callback_ms: now_ms,
            last_turn_ms: now_ms,
            silent_ms: 0,
        }
    }

    /// Takes the time of the device's last block, seen at `now_ms`; returns how long it has
    /// been silent.
    pub(super) fn update(&mut self, last_callback_ms: u64, now_ms: u64) -> u64 {
        if last_callback_ms != self.last_callback_ms {
            self.last_callback_ms = last_callback_ms;
            self.silent_ms = now_ms.saturating_sub(last_callback_ms).min(WAKE_GAP_MS);
        } else {
            self.silent_ms += now_ms.saturating_sub(self.last_turn_ms).min(WAKE_GAP_MS);
        }
        self.last_turn_ms = now_ms;
        self.silent_ms
    }
}

/// How far the audio that came lags behind the clock, second by second: the lowest lag of
/// each of the last [`LAG_HISTORY_SECONDS`] seconds. Sources deliver in pieces (some every
/// 2 s), so the lag goes up and down within a range; audio that never came moves the whole
/// range up.
#[derive(Debug)]
pub struct Lag {
    rate: u32,
    origin_ms: u64,
    /// `(second, lowest lag in it, ms)`, oldest first.
    lowest: VecDeque<(u64, i64)>,
}

impl Lag {
    /// A lag measured from `origin_ms` for audio at `rate` frames a second.
    pub fn new(rate: u32, origin_ms: u64) -> Lag {
        Lag {
            rate: rate.max(1),
            origin_ms,
            lowest: VecDeque::with_capacity(LAG_HISTORY_SECONDS + 1),
        }
    }

    /// The lag, in ms, with `received` frames come by `now_ms`.
    pub fn at(&self, received: u64, now_ms: u64) -> i64 {
        let passed = now_ms.saturating_sub(self.origin_ms) as i64;
        let arrived = (received.saturating_mul(1_000) / u64::from(self.rate)) as i64;
        passed - arrived
    }

    /// Notes the lag with `received` frames come by `now_ms`.
    pub fn observe(&mut self, received: u64, now_ms: u64) {
        let lag = self.at(received, now_ms);
        let second = now_ms / 1_000;
        match self.lowest.back_mut() {
            Some((s, low)) if *s == second => *low = (*low).min(lag),
            _ => {
                self.lowest.push_back((second, lag));
                if self.lowest.len() > LAG_HISTORY_SECONDS {
                    self.lowest.pop_front();
                }
            }
        }
    }

    /// The lowest lag of the history, if there is any.
    pub fn lowest(&self) -> Option<i64> {
        self.lowest.iter().map(|(_, low)| *low).min()
    }
}

/// Seconds of audio missing when the lowest lag before an interruption was `before` ms and
/// the lowest since it settled is `after` ms, to a tenth of a second (less than that is the
/// pieces audio comes in, not missing audio).
pub fn missing_seconds(before: i64, after: i64) -> f64 {
    let missing = (after - before) as f64 / 1_000.0;
    if missing < 0.1 {
        0.0
    } else {
        (missing * 10.0).round() / 10.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_counts_the_writers_turns_not_the_time_asleep() {
        let mut silence = Silence::new(0);
        // The device delivers every 50 ms: never silent for long.
        for t in 1..=20u64 {
            assert!(silence.update(t * 50, t * 50 + 10) <= 10);
        }
        // Then nothing: 20 ms turns add up.
        let mut now = 1_010;
        for _ in 0..100 {
            now += 20;
            silence.update(1_000, now);
        }
        assert_eq!(silence.update(1_000, now + 20), 2_030);
        // Asleep for 8 s between two turns: a turn counts for 1 s at most.
        let mut silence = Silence::new(0);
        silence.update(0, 20);
        assert_eq!(silence.update(0, 8_020), 1_020);
        // A block arrives just after waking: silent since that block only.
        assert_eq!(silence.update(8_030, 8_040), 10);
    }

    #[test]
    fn the_lag_is_the_time_passed_less_the_audio_come() {
        let lag = Lag::new(48_000, 1_000);
        assert_eq!(lag.at(48_000, 2_000), 0);
        assert_eq!(lag.at(96_000, 2_000), -1_000);
        assert_eq!(lag.at(0, 9_000), 8_000);
        // At 44.1 kHz, an odd number of frames.
        assert_eq!(Lag::new(44_100, 0).at(44_101, 1_500), 500);
    }

    #[test]
    fn the_lowest_lag_of_the_last_half_minute_is_kept() {
        let mut lag = Lag::new(1_000, 0);
        // A source that delivers 2 s at a time, ahead of the clock: the lag saws between
        // -2000 and 0 ms.
        for t in (0..40_000u64).step_by(20) {
            let received = (t / 2_000 + 1) * 2_000;
            lag.observe(received, t);
        }
        assert_eq!(lag.lowest(), Some(-2_000));
        // Only the last 30 s are kept: an old low is forgotten.
        let mut lag = Lag::new(1_000, 0);
        lag.observe(5_000, 0);
        for t in 1..=31u64 {
            lag.observe(t * 1_000, t * 1_000);
        }
        assert_eq!(lag.lowest(), Some(0));
    }

    #[test]
    fn missing_audio_is_how_far_the_lag_moved_up() {
        assert_eq!(missing_seconds(-2_000, -1_990), 0.0);
        assert_eq!(missing_seconds(-2_000, -2_500), 0.0);
        assert_eq!(missing_seconds(0, 8_040), 8.0);
        assert_eq!(missing_seconds(-1_950, 6_110), 8.1);
    }

    #[test]
    fn the_clock_moves_forward() {
        let a = clock_ms();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let b = clock_ms();
        assert!(b >= a + 15, "{a} then {b}");
    }
}
