//! Playing speed with the pitch kept: 16-bit source samples in, float output samples out.
//!
//! At exactly 1× the samples pass through unchanged (so normal playback is bit-exact and has
//! no added latency). At other speeds they go through Signalsmith Stretch, a phase-vocoder
//! time-stretcher that keeps the pitch. Its own buffers live in C++ and are freed, not
//! zeroized; the buffers of this module are zeroized.

use zeroize::Zeroizing;

/// The slowest speed offered.
pub const MIN_SPEED: f64 = 0.5;
/// The fastest speed offered.
pub const MAX_SPEED: f64 = 2.0;

/// A speed outside [`MIN_SPEED`]..=[`MAX_SPEED`], or not a number.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("the speed {0} is not between 0.5 and 2 (1 is normal speed)")]
pub struct BadSpeed(pub f64);

/// Checks that `speed` can be played.
///
/// Errors: [`BadSpeed`].
pub fn check_speed(speed: f64) -> Result<f64, BadSpeed> {
    if speed.is_finite() && (MIN_SPEED..=MAX_SPEED).contains(&speed) {
        Ok(speed)
    } else {
        Err(BadSpeed(speed))
    }
}

/// Converts source samples to output samples at one speed.
///
/// Invariant: after `n` source frames in total, `floor(n / speed)` output frames have been
/// produced, so the mapping between source and output time never drifts.
pub struct Stretcher {
    engine: Option<signalsmith_stretch::Stretch>,
    channels: usize,
    speed: f64,
    source_frames: u64,
    output_frames: u64,
    input: Zeroizing<Vec<f32>>,
}

fn to_float(sample: i16) -> f32 {
    f32::from(sample) / 32768.0
}

impl Stretcher {
    /// A stretcher for `channels` channels at `sample_rate`, playing at `speed`.
    ///
    /// Errors: [`BadSpeed`].
    pub fn new(channels: u16, sample_rate: u32, speed: f64) -> Result<Self, BadSpeed> {
        let speed = check_speed(speed)?;
        let engine = (speed != 1.0).then(|| {
            signalsmith_stretch::Stretch::preset_default(u32::from(channels), sample_rate)
        });
        Ok(Stretcher {
            engine,
            channels: usize::from(channels),
            speed,
            source_frames: 0,
            output_frames: 0,
            input: Zeroizing::new(Vec::new()),
        })
    }

    /// A stretcher at normal speed: samples pass through unchanged.
    pub fn normal(channels: u16) -> Self {
        Stretcher {
            engine: None,
            channels: usize::from(channels),
            speed: 1.0,
            source_frames: 0,
            output_frames: 0,
            input: Zeroizing::new(Vec::new()),
        }
    }

    /// The speed.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Primes the stretcher with the source just before the starting point (`preroll`, whole
    /// frames), so the first output is already in step. A no-op at 1×.
    pub fn preroll(&mut self, preroll: &[i16]) {
        if let Some(engine) = self.engine.as_mut() {
            self.input.clear();
            self.input.extend(preroll.iter().map(|&s| to_float(s)));
            engine.seek(&self.input[..], self.speed);
        }
    }

    /// How many source frames before the starting point [`Self::preroll`] wants.
    pub fn preroll_frames(&self) -> usize {
        self.engine.as_ref().map_or(0, |e| e.input_latency())
    }

    /// Converts `source` (whole frames) and appends the output samples to `out`. Returns the
    /// number of output frames appended.
    pub fn process(&mut self, source: &[i16], out: &mut Vec<f32>) -> usize {
        let frames = source.len() / self.channels;
        self.source_frames += frames as u64;
        let Some(engine) = self.engine.as_mut() else {
            out.extend(source.iter().map(|&s| to_float(s)));
            self.output_frames += frames as u64;
            return frames;
        };
        let due = (self.source_frames as f64 / self.speed).floor() as u64;
        let produce = due.saturating_sub(self.output_frames) as usize;
        self.output_frames += produce as u64;
        self.input.clear();
        self.input.extend(source.iter().map(|&s| to_float(s)));
        let start = out.len();
        out.resize(start + produce * self.channels, 0.0);
        engine.process(&self.input[..], &mut out[start..]);
        produce
    }

    /// At the end of the source: appends what the stretcher still holds (its output latency)
    /// to `out`. Returns the number of output frames appended.
    pub fn finish(&mut self, out: &mut Vec<f32>) -> usize {
        let Some(engine) = self.engine.as_mut() else {
            return 0;
        };
        let frames = engine.output_latency();
        let start = out.len();
        out.resize(start + frames * self.channels, 0.0);
        engine.flush(&mut out[start..]);
        frames
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(frames: usize, rate: f64, hz: f64) -> Vec<i16> {
        (0..frames)
            .map(|i| ((i as f64 * hz * std::f64::consts::TAU / rate).sin() * 12_000.0) as i16)
            .collect()
    }

    /// Frequency from zero crossings (rising), over the middle of the signal.
    fn frequency(samples: &[f32], rate: f64) -> f64 {
        let middle = &samples[samples.len() / 4..samples.len() * 3 / 4];
        let crossings: Vec<usize> = middle
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[0] < 0.0 && w[1] >= 0.0)
            .map(|(i, _)| i)
            .collect();
        let span = (crossings[crossings.len() - 1] - crossings[0]) as f64;
        (crossings.len() - 1) as f64 * rate / span
    }

    #[test]
    fn normal_speed_passes_samples_through_exactly() {
        let mut s = Stretcher::new(2, 48_000, 1.0).unwrap();
        let source: Vec<i16> = vec![i16::MIN, -1, 0, 1, 12_345, i16::MAX];
        let mut out = Vec::new();
        assert_eq!(s.process(&source, &mut out), 3);
        let back: Vec<i16> = out.iter().map(|&f| (f * 32768.0) as i16).collect();
        assert_eq!(back, source);
        assert_eq!(s.finish(&mut out), 0);
    }

    #[test]
    fn faster_playback_keeps_the_pitch_and_shortens_the_time() {
        let rate = 48_000.0;
        for speed in [0.5, 1.5, 2.0] {
            let source = tone(96_000, rate, 440.0);
            let mut s = Stretcher::new(1, 48_000, speed).unwrap();
            let mut out = Vec::new();
            let mut produced = 0;
            for block in source.chunks(1024) {
                produced += s.process(block, &mut out);
            }
            assert_eq!(produced as u64, (96_000.0 / speed).floor() as u64);
            let f = frequency(&out, rate);
            assert!((f - 440.0).abs() < 440.0 * 0.02, "{speed}x: {f} Hz");
        }
    }

    #[test]
    fn speeds_outside_the_range_are_refused() {
        for bad in [0.49, 2.01, 0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(Stretcher::new(1, 48_000, bad).is_err(), "{bad}");
        }
        assert!(check_speed(0.5).is_ok() && check_speed(2.0).is_ok());
    }
}
