//! The live level meter, waveform peaks and the warnings a counsellor must not miss: a muted
//! microphone (silence) and clipping.
//!
//! Samples are measured in windows of 50 ms (20 level updates a second); each window's peak
//! is also kept as the waveform the player draws.

/// Levels below this are silence.
pub const SILENCE_DBFS: f32 = -60.0;
/// How long silence lasts before the warning.
pub const SILENCE_SECONDS: u32 = 10;
/// Level windows per second.
pub const WINDOWS_PER_SECOND: u32 = 20;

/// One level reading.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Level {
    /// Peak in dBFS (0 is full scale; silence is very negative).
    pub peak_dbfs: f32,
    /// RMS in dBFS.
    pub rms_dbfs: f32,
}

/// What the meter tells subscribers.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A level reading, about 20 a second.
    Level(Level),
    /// Nothing above −60 dBFS for this many seconds: is the microphone muted?
    Silence {
        /// How long it has been silent.
        seconds: u32,
    },
    /// The input reached full scale: the recording is distorted.
    Clipping,
    /// Sound is back after a silence warning.
    SoundBack,
    /// The recording carried on after the computer slept or SessionVault was held up.
    Interrupted {
        /// Seconds into the recording (by the clock) when it happened.
        after_seconds: f64,
        /// How long no audio arrived.
        seconds: f64,
        /// How much of that audio never came (none when the sound server kept it).
        missing_seconds: f64,
    },
}

fn dbfs(amplitude: f64) -> f32 {
    if amplitude <= 0.0 {
        -120.0
    } else {
        (20.0 * (amplitude / 32768.0).log10()).max(-120.0) as f32
    }
}

/// Measures a stream of interleaved 16-bit samples.
#[derive(Debug)]
pub struct Meter {
    window_samples: usize,
    in_window: usize,
    sum_squares: f64,
    peak: u16,
    silent_windows: u32,
    warned_silence: bool,
    clipping_cooldown: u32,
    peaks: Vec<u16>,
}

impl Meter {
    /// A meter for this rate and channel count.
    pub fn new(sample_rate: u32, channels: u16) -> Self {
        let window_samples =
            (sample_rate / WINDOWS_PER_SECOND).max(1) as usize * usize::from(channels.max(1));
        Meter {
            window_samples,
            in_window: 0,
            sum_squares: 0.0,
            peak: 0,
            silent_windows: 0,
            warned_silence: false,
            clipping_cooldown: 0,
            peaks: Vec::new(),
        }
    }

    /// Measures `samples`, calling `emit` for each event.
    pub fn feed(&mut self, mut samples: &[i16], emit: &mut dyn FnMut(Event)) {
        // A window's part at a time, in integers, so the loop needs no branch per sample.
        while !samples.is_empty() {
            let room = self.window_samples - self.in_window;
            let (part, rest) = samples.split_at(room.min(samples.len()));
            let mut peak = 0u16;
            let mut squares = 0u64;
            for &s in part {
                let magnitude = s.unsigned_abs();
                peak = peak.max(magnitude);
                squares += u64::from(magnitude) * u64::from(magnitude);
            }
            self.peak = self.peak.max(peak);
            self.sum_squares += squares as f64;
            self.in_window += part.len();
            if peak >= i16::MAX as u16 && self.clipping_cooldown == 0 {
                emit(Event::Clipping);
                self.clipping_cooldown = WINDOWS_PER_SECOND;
            }
            if self.in_window == self.window_samples {
                self.close_window(emit);
            }
            samples = rest;
        }
    }

    fn close_window(&mut self, emit: &mut dyn FnMut(Event)) {
        let rms = (self.sum_squares / self.in_window as f64).sqrt();
        let level = Level {
            peak_dbfs: dbfs(f64::from(self.peak)),
            rms_dbfs: dbfs(rms),
        };
        emit(Event::Level(level));
        self.peaks.push(self.peak);
        if level.peak_dbfs < SILENCE_DBFS {
            self.silent_windows += 1;
            if !self.warned_silence && self.silent_windows >= SILENCE_SECONDS * WINDOWS_PER_SECOND {
                self.warned_silence = true;
                emit(Event::Silence {
                    seconds: self.silent_windows / WINDOWS_PER_SECOND,
                });
            }
        } else {
            if self.warned_silence {
                emit(Event::SoundBack);
            }
            self.silent_windows = 0;
            self.warned_silence = false;
        }
        self.clipping_cooldown = self.clipping_cooldown.saturating_sub(1);
        self.in_window = 0;
        self.sum_squares = 0.0;
        self.peak = 0;
    }

    /// The waveform: each 50 ms window's peak magnitude, little-endian u16.
    pub fn peaks_bytes(&self) -> Vec<u8> {
        self.peaks.iter().flat_map(|p| p.to_le_bytes()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(meter: &mut Meter, samples: &[i16]) -> Vec<Event> {
        let mut events = Vec::new();
        meter.feed(samples, &mut |e| events.push(e));
        events
    }

    #[test]
    fn levels_come_twenty_times_a_second_with_the_right_values() {
        let mut m = Meter::new(48_000, 1);
        let half_scale: Vec<i16> = (0..48_000)
            .map(|i| if i % 2 == 0 { 16384 } else { -16384 })
            .collect();
        let events = run(&mut m, &half_scale);
        let levels: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                Event::Level(l) => Some(*l),
                _ => None,
            })
            .collect();
        assert_eq!(levels.len(), 20);
        assert!(
            (levels[0].peak_dbfs - -6.02).abs() < 0.05,
            "{:?}",
            levels[0]
        );
        assert!((levels[0].rms_dbfs - -6.02).abs() < 0.05);
        assert_eq!(m.peaks_bytes().len(), 40);
    }

    #[test]
    fn ten_seconds_of_silence_warns_once_and_sound_clears_it() {
        let mut m = Meter::new(8000, 1);
        let quiet = vec![5i16; 8000 * 11];
        let events = run(&mut m, &quiet);
        let warnings = events
            .iter()
            .filter(|e| matches!(e, Event::Silence { .. }))
            .count();
        assert_eq!(warnings, 1);
        let events = run(&mut m, &vec![10_000i16; 800]);
        assert!(events.contains(&Event::SoundBack));
    }

    #[test]
    fn clipping_is_reported_at_most_once_a_second() {
        let mut m = Meter::new(8000, 1);
        let loud = vec![i16::MAX; 8000];
        let events = run(&mut m, &loud);
        assert_eq!(events.iter().filter(|e| **e == Event::Clipping).count(), 1);
        let events = run(&mut m, &loud);
        assert_eq!(events.iter().filter(|e| **e == Event::Clipping).count(), 1);
    }
}
