//! What a window watching a running recording is told, and when.
//!
//! Every warning (silence, clipping, sound back) and every interruption is always passed on:
//! a counsellor must not miss them, whatever screen is in view. The level readings (20 a
//! second) and the time recorded (twice a second) are passed on only while someone is looking
//! at the meter. A window showing another screen, locked, hidden or minimised is sent nothing
//! for them, so it costs nothing per reading. When the meter comes back into view, [`Live::watch`]
//! answers where things stand (the time recorded and the loudest level so far), so nothing it
//! draws is out of date.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use serde::Serialize;
use sessionvault_audio::meter::{self, WINDOWS_PER_SECOND};

/// Level readings between two reports of the time recorded (0.5 s of audio).
const ELAPSED_EVERY: u64 = WINDOWS_PER_SECOND as u64 / 2;

/// Something to pass on to the window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Report {
    /// One of the meter's events, as it came.
    Meter(meter::Event),
    /// Seconds of audio recorded so far.
    Elapsed(f64),
}

/// Where a recording stands when its meter comes into view.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Standing {
    /// Seconds of audio recorded so far.
    pub seconds: f64,
    /// The loudest peak so far in dBFS; none before the first reading.
    pub loudest_dbfs: Option<f32>,
}

/// The running recording's side of the window's meter, shared by the recording's thread (which
/// passes each meter event through it) and whoever the window asks to watch or stop watching.
#[derive(Debug)]
pub struct Live {
    /// Whether someone is looking at the meter.
    watched: AtomicBool,
    /// Level readings so far.
    readings: AtomicU64,
    /// The loudest peak so far.
    loudest: Mutex<Option<f32>>,
}

impl Live {
    /// A recording's meter, `watched` from the start or not.
    pub fn new(watched: bool) -> Self {
        Live {
            watched: AtomicBool::new(watched),
            readings: AtomicU64::new(0),
            loudest: Mutex::new(None),
        }
    }

    /// Starts or stops passing on the level and the time recorded; where things stand now.
    pub fn watch(&self, watched: bool) -> Standing {
        self.watched.store(watched, Ordering::Relaxed);
        self.standing()
    }

    /// Whether someone is looking at the meter.
    pub fn watched(&self) -> bool {
        self.watched.load(Ordering::Relaxed)
    }

    /// The time recorded and the loudest level so far.
    pub fn standing(&self) -> Standing {
        let readings = self.readings.load(Ordering::Relaxed);
        Standing {
            seconds: readings as f64 / f64::from(WINDOWS_PER_SECOND),
            loudest_dbfs: *self.loudest_now(),
        }
    }

    /// Takes in one meter event from the recording and hands `send` what the window is to
    /// hear of it: nothing, the event, or the event and the time recorded.
    pub fn pass(&self, event: meter::Event, send: &mut impl FnMut(Report)) {
        let meter::Event::Level(level) = event else {
            send(Report::Meter(event));
            return;
        };
        let readings = self.readings.fetch_add(1, Ordering::Relaxed) + 1;
        {
            let mut loudest = self.loudest_now();
            if level.peak_dbfs.is_finite() && loudest.is_none_or(|l| level.peak_dbfs > l) {
                *loudest = Some(level.peak_dbfs);
            }
        }
        if !self.watched() {
            return;
        }
        send(Report::Meter(event));
        if readings.is_multiple_of(ELAPSED_EVERY) {
            send(Report::Elapsed(
                readings as f64 / f64::from(WINDOWS_PER_SECOND),
            ));
        }
    }

    fn loudest_now(&self) -> std::sync::MutexGuard<'_, Option<f32>> {
        self.loudest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(peak_dbfs: f32) -> meter::Event {
        meter::Event::Level(meter::Level {
            peak_dbfs,
            rms_dbfs: peak_dbfs - 10.0,
        })
    }

    fn passed(live: &Live, events: &[meter::Event]) -> Vec<Report> {
        let mut sent = Vec::new();
        for &event in events {
            live.pass(event, &mut |report| sent.push(report));
        }
        sent
    }

    #[test]
    fn a_watched_meter_hears_every_level_and_the_time_twice_a_second() {
        let live = Live::new(true);
        let sent = passed(&live, &[level(-12.0); 20]);
        let levels = sent
            .iter()
            .filter(|r| matches!(r, Report::Meter(meter::Event::Level(_))))
            .count();
        assert_eq!(levels, 20);
        let elapsed: Vec<f64> = sent
            .iter()
            .filter_map(|r| match r {
                Report::Elapsed(s) => Some(*s),
                _ => None,
            })
            .collect();
        assert_eq!(elapsed, vec![0.5, 1.0]);
    }

    #[test]
    fn an_unwatched_meter_hears_the_warnings_and_interruptions_only() {
        let live = Live::new(false);
        let interrupted = meter::Event::Interrupted {
            after_seconds: 4.0,
            seconds: 8.0,
            missing_seconds: 0.0,
        };
        let events = [
            level(-12.0),
            meter::Event::Silence { seconds: 10 },
            level(-12.0),
            meter::Event::Clipping,
            meter::Event::SoundBack,
            interrupted,
        ];
        let sent = passed(&live, &events);
        assert_eq!(
            sent,
            vec![
                Report::Meter(meter::Event::Silence { seconds: 10 }),
                Report::Meter(meter::Event::Clipping),
                Report::Meter(meter::Event::SoundBack),
                Report::Meter(interrupted),
            ]
        );
    }

    #[test]
    fn coming_back_into_view_answers_the_time_and_the_loudest_level_missed() {
        let live = Live::new(true);
        passed(&live, &[level(-30.0); 5]);
        assert_eq!(live.watch(false).seconds, 0.25);
        // Unseen: 35 readings, the loudest of them at −3.5 dBFS.
        let mut unseen = vec![level(-20.0); 35];
        unseen[17] = level(-3.5);
        assert!(passed(&live, &unseen).is_empty());
        let standing = live.watch(true);
        assert_eq!(standing.seconds, 2.0);
        assert_eq!(standing.loudest_dbfs, Some(-3.5));
        // And the reports go on from there, the time on the same half-second grid.
        let sent = passed(&live, &[level(-20.0); 10]);
        assert_eq!(sent.len(), 11);
        assert_eq!(sent.last(), Some(&Report::Elapsed(2.5)));
    }

    #[test]
    fn before_any_reading_nothing_is_loudest() {
        let live = Live::new(false);
        assert_eq!(
            live.watch(true),
            Standing {
                seconds: 0.0,
                loudest_dbfs: None
            }
        );
        // A reading of no finite level (a device that sent nothing usable) is not the loudest.
        passed(&live, &[level(f32::NEG_INFINITY)]);
        assert_eq!(live.standing().loudest_dbfs, None);
    }
}
