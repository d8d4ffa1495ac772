//! Turning what a device delivers into what is stored: 16-bit samples, with the recording's
//! channel count. Done in the writer thread, never in the device's callback.
//!
//! - Samples become 16-bit: integers keep their top 16 bits (cpal's conversion), floats are
//!   scaled by 32768, clamped and rounded to nearest (halves to even), so a 16-bit value that
//!   went through float comes back exactly. The rounding is plain arithmetic rather than a
//!   call to the C library's `round`, so a block of samples converts in a few vector steps.
//! - Channels: mono from several channels is their mean, rounded to nearest (halves up); stereo
//!   from mono is the one channel on both sides; stereo from more channels is the first two
//!   (the front pair of a mix format).

use cpal::{Sample, SampleFormat, SizedSample, I24, U24};

/// A device sample the writer can store.
pub trait Stored: SizedSample + Send + 'static {
    /// The nearest 16-bit sample (see the module's documentation).
    fn stored(self) -> i16;
}

impl Stored for i16 {
    fn stored(self) -> i16 {
        self
    }
}

impl Stored for f32 {
    fn stored(self) -> i16 {
        // Adding and taking away 1.5·2²³ leaves the nearest integer (halves to even) of any
        // value under 2²² in size; the clamp keeps it there. NaN ends as 0.
        const ROUNDER: f32 = 12_582_912.0;
        let scaled = (self * 32768.0).clamp(-32768.0, 32767.0);
        ((scaled + ROUNDER) - ROUNDER) as i16
    }
}

impl Stored for f64 {
    fn stored(self) -> i16 {
        // As for f32, with 1.5·2⁵².
        const ROUNDER: f64 = 6_755_399_441_055_744.0;
        let scaled = (self * 32768.0).clamp(-32768.0, 32767.0);
        ((scaled + ROUNDER) - ROUNDER) as i16
    }
}

macro_rules! stored_by_cpal {
    ($($t:ty),*) => {$(
        impl Stored for $t {
            fn stored(self) -> i16 {
                i16::from_sample(self)
            }
        }
    )*};
}

stored_by_cpal!(i8, u8, u16, I24, U24, i32, u32, i64, u64);

/// How a recording's stored audio was made from what its device delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversion {
    /// The device's sample format.
    pub device_format: SampleFormat,
    /// Channels the device delivered.
    pub device_channels: u16,
    /// Channels stored.
    pub channels: u16,
}

impl Conversion {
    /// In words, for the recording's summary: `none`, or what was done.
    pub fn describe(&self) -> String {
        let mut steps = Vec::new();
        if self.device_format != SampleFormat::I16 {
            steps.push(format!("{} samples to 16-bit", self.device_format));
        }
        match (self.device_channels, self.channels) {
            (from, to) if from == to => {}
            (from, 1) => steps.push(format!("{from} channels mixed down to mono")),
            (1, to) => steps.push(format!("mono copied to {to} channels")),
            (from, to) => steps.push(format!("the first {to} of {from} channels kept")),
        }
        if steps.is_empty() {
            "none".to_owned()
        } else {
            steps.join("; ")
        }
    }
}

/// Appends the whole frames of `input` (interleaved, `from` channels) to `out` as 16-bit
/// frames of `to` channels. A partial frame at the end is ignored.
pub fn append_frames<T: Stored>(input: &[T], from: usize, to: usize, out: &mut Vec<i16>) {
    if from == 0 || to == 0 {
        return;
    }
    if from == to {
        out.extend(
            input[..input.len() / from * from]
                .iter()
                .map(|&s| s.stored()),
        );
        return;
    }
    for frame in input.chunks_exact(from) {
        if to == 1 {
            out.push(mean(frame));
        } else if from == 1 {
            let s = frame[0].stored();
            out.extend(std::iter::repeat_n(s, to));
        } else {
            // Here `from` > `to` = 2 (at most 2 are stored): the first two are kept.
            out.extend(frame.iter().take(to).map(|&s| s.stored()));
        }
    }
}

/// The mean of a frame's channels as 16-bit, rounded to nearest, halves up.
fn mean<T: Stored>(frame: &[T]) -> i16 {
    let n = frame.len() as i64;
    let sum: i64 = frame.iter().map(|&s| i64::from(s.stored())).sum();
    // floor((2·sum + n) / 2n) = round(sum / n), halves up; always within the 16-bit range.
    (2 * sum + n).div_euclid(2 * n) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_16_bit_value_survives_a_trip_through_float() {
        for s in i16::MIN..=i16::MAX {
            assert_eq!((f32::from(s) / 32768.0).stored(), s);
            assert_eq!((f64::from(s) / 32768.0).stored(), s);
        }
    }

    #[test]
    fn floats_are_rounded_to_nearest_and_clamped() {
        assert_eq!((0.4f32 / 32768.0).stored(), 0);
        assert_eq!((0.6f32 / 32768.0).stored(), 1);
        assert_eq!((-0.6f32 / 32768.0).stored(), -1);
        assert_eq!(1.0f32.stored(), 32767);
        assert_eq!(1.5f32.stored(), 32767);
        assert_eq!((-1.5f64).stored(), -32768);
    }

    #[test]
    fn halves_go_to_the_even_neighbour_and_the_rest_to_the_nearest() {
        for (half, even) in [(0.5f32, 0i16), (1.5, 2), (2.5, 2), (-0.5, 0), (-1.5, -2)] {
            assert_eq!((half / 32768.0).stored(), even, "{half}");
            assert_eq!((f64::from(half) / 32768.0).stored(), even, "{half}");
        }
        // Away from the halves, the same as rounding by the C library, over the whole range
        // and past its ends.
        let mut x = -1.2f32;
        let mut compared = 0;
        while x < 1.2 {
            if (x * 32768.0).fract().abs() != 0.5 {
                let by_library = (x * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
                assert_eq!(x.stored(), by_library, "{x}");
                assert_eq!(f64::from(x).stored(), by_library, "{x}");
                compared += 1;
            }
            x += 0.000_123_7;
        }
        assert!(compared > 19_000, "{compared}");
        assert_eq!(f32::NAN.stored(), 0);
        assert_eq!(f32::INFINITY.stored(), 32767);
        assert_eq!(f64::NEG_INFINITY.stored(), -32768);
    }

    #[test]
    fn wider_integers_keep_their_top_16_bits() {
        for s in [i16::MIN, -12_345, -1, 0, 1, 12_345, i16::MAX] {
            let wide = i32::from(s) << 16;
            assert_eq!(wide.stored(), s);
            assert_eq!((wide | 0xffff).stored(), s, "the low bits are dropped");
            assert_eq!(I24::new(i32::from(s) << 8).unwrap().stored(), s);
        }
        assert_eq!(0x8000u16.stored(), 0);
        assert_eq!(0u8.stored(), i16::MIN);
    }

    #[test]
    fn stereo_is_mixed_down_to_its_rounded_mean() {
        let mut out = Vec::new();
        append_frames(
            &[100i16, 200, -3, -4, 32767, 32767, -32768, -32768, 1, 2],
            2,
            1,
            &mut out,
        );
        assert_eq!(out, [150, -3, 32767, -32768, 2]);
        let mut four = Vec::new();
        append_frames(&[1i16, 2, 3, 5], 4, 1, &mut four);
        assert_eq!(four, [3], "11 / 4 = 2.75");
    }

    #[test]
    fn mono_goes_to_both_sides_and_extra_channels_are_dropped() {
        let mut out = Vec::new();
        append_frames(&[7i16, -8], 1, 2, &mut out);
        assert_eq!(out, [7, 7, -8, -8]);
        let mut front = Vec::new();
        append_frames(&[1i16, 2, 3, 4, 5, 6, 7, 8], 4, 2, &mut front);
        assert_eq!(front, [1, 2, 5, 6]);
    }

    #[test]
    fn a_partial_frame_is_left_out() {
        let mut out = Vec::new();
        append_frames(&[1i16, 2, 3], 2, 2, &mut out);
        assert_eq!(out, [1, 2]);
        let mut mixed = Vec::new();
        append_frames(&[0.5f32, 0.5, 0.25], 2, 1, &mut mixed);
        assert_eq!(mixed, [16384]);
    }

    #[test]
    fn the_conversion_is_described_in_words() {
        let none = Conversion {
            device_format: SampleFormat::I16,
            device_channels: 1,
            channels: 1,
        };
        assert_eq!(none.describe(), "none");
        let both = Conversion {
            device_format: SampleFormat::F32,
            device_channels: 2,
            channels: 1,
        };
        assert_eq!(
            both.describe(),
            "f32 samples to 16-bit; 2 channels mixed down to mono"
        );
    }
}
