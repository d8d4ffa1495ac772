//! Which of a device's configurations to record with: a pure function of what the device
//! offers, so it can be checked against the lists real devices report.
//!
//! The rule, in plain words:
//!
//! - **Where the host's default is the device's own format** (PulseAudio's source format,
//!   Windows' shared-mode mix format, the format CoreAudio has the device in), record in
//!   exactly that: the device converts nothing, and SessionVault's writer does what is left
//!   (mixing the channels down, turning samples into 16-bit).
//! - **Otherwise** (ALSA, where cpal's default is only a guess), pick from the list the device
//!   reports:
//!   - the channel count: the one asked for when the device offers it; else the nearest count
//!     above it (a stereo or array microphone recorded as mono), else the largest below (a mono
//!     microphone recorded as stereo). A device that offers any count at all (ALSA's `plug`,
//!     which converts on its own) is opened at the count its default names, as its own;
//!   - the rate: the default's rate when offered with those channels, else 48 kHz, else
//!     44.1 kHz, else the highest offered. The recording keeps the device's rate;
//!   - the sample format: 16-bit when offered (it is what is stored), else the default's
//!     format, else the best of the others (float, then 32-, then 24-bit).

use cpal::{SampleFormat, SupportedStreamConfig, SupportedStreamConfigRange};

/// A device offering this many channels or more in one list is taken to convert on its own
/// (ALSA's `plug` offers every count up to cpal's cap of 64).
const CONVERTING_CHANNELS: u16 = 32;

/// What a device reports about itself.
#[derive(Debug, Clone)]
pub struct Offer {
    /// Every configuration it lists.
    pub ranges: Vec<SupportedStreamConfigRange>,
    /// The host's default configuration, if it gave one.
    pub default: Option<SupportedStreamConfig>,
    /// Whether that default is the device's own format (PulseAudio, WASAPI, CoreAudio), not a
    /// guess made from the list (ALSA).
    pub default_is_native: bool,
}

/// The configuration to open the device with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// Channels the device delivers.
    pub channels: u16,
    /// Frames per second, kept by the recording.
    pub sample_rate: u32,
    /// The sample format the device delivers.
    pub sample_format: SampleFormat,
}

/// Whether the writer can turn this format into 16-bit samples.
pub fn convertible(format: SampleFormat) -> bool {
    use SampleFormat::*;
    matches!(
        format,
        I8 | U8 | I16 | U16 | I24 | U24 | I32 | U32 | I64 | U64 | F32 | F64
    )
}

/// The configuration to record with for `wanted` stored channels, or `None` when the device
/// offers nothing the writer can convert.
pub fn choose(offer: &Offer, wanted: u16) -> Option<Choice> {
    if let Some(default) = offer.default.as_ref() {
        if offer.default_is_native && convertible(default.sample_format()) {
            return Some(Choice {
                channels: default.channels(),
                sample_rate: default.sample_rate(),
                sample_format: default.sample_format(),
            });
        }
    }
    let ranges: Vec<&SupportedStreamConfigRange> = offer
        .ranges
        .iter()
        .filter(|r| convertible(r.sample_format()) && r.channels() > 0)
        .collect();
    let channels = channels_to_open(&ranges, offer.default.as_ref(), wanted)?;
    let with_channels: Vec<&SupportedStreamConfigRange> = ranges
        .iter()
        .copied()
        .filter(|r| r.channels() == channels)
        .collect();
    let sample_rate = rate_to_open(&with_channels, offer.default.as_ref())?;
    let offered: Vec<SampleFormat> = with_channels
        .iter()
        .filter(|r| (r.min_sample_rate()..=r.max_sample_rate()).contains(&sample_rate))
        .map(|r| r.sample_format())
        .collect();
    let sample_format = format_to_open(&offered, offer.default.as_ref())?;
    Some(Choice {
        channels,
        sample_rate,
        sample_format,
    })
}

fn channels_to_open(
    ranges: &[&SupportedStreamConfigRange],
    default: Option<&SupportedStreamConfig>,
    wanted: u16,
) -> Option<u16> {
    let offered = |n: u16| ranges.iter().any(|r| r.channels() == n);
    let converting = ranges.iter().any(|r| r.channels() >= CONVERTING_CHANNELS);
    if converting {
        if let Some(own) = default.map(|d| d.channels()).filter(|&n| offered(n)) {
            return Some(own);
        }
    }
    if offered(wanted) {
        return Some(wanted);
    }
    let counts = ranges.iter().map(|r| r.channels());
    counts
        .clone()
        .filter(|&n| n > wanted)
        .min()
        .or_else(|| counts.max())
}

fn rate_to_open(
    ranges: &[&SupportedStreamConfigRange],
    default: Option<&SupportedStreamConfig>,
) -> Option<u32> {
    let offered = |rate: u32| {
        ranges
            .iter()
            .any(|r| (r.min_sample_rate()..=r.max_sample_rate()).contains(&rate))
    };
    default
        .map(|d| d.sample_rate())
        .into_iter()
        .chain([48_000, 44_100])
        .find(|&rate| offered(rate))
        .or_else(|| ranges.iter().map(|r| r.max_sample_rate()).max())
}

fn format_to_open(
    offered: &[SampleFormat],
    default: Option<&SupportedStreamConfig>,
) -> Option<SampleFormat> {
    use SampleFormat::*;
    let by_preference = [F32, I32, I24, F64, U32, U24, U16, I64, U64, I8, U8];
    std::iter::once(I16)
        .chain(default.map(|d| d.sample_format()))
        .chain(by_preference)
        .find(|f| offered.contains(f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cpal::SupportedBufferSize;

    fn range(
        channels: u16,
        min: u32,
        max: u32,
        format: SampleFormat,
    ) -> SupportedStreamConfigRange {
        SupportedStreamConfigRange::new(
            channels,
            min,
            max,
            SupportedBufferSize::Range { min: 64, max: 8192 },
            format,
        )
    }

    fn config(channels: u16, rate: u32, format: SampleFormat) -> SupportedStreamConfig {
        SupportedStreamConfig::new(
            channels,
            rate,
            SupportedBufferSize::Range { min: 64, max: 8192 },
            format,
        )
    }

    fn choice(channels: u16, sample_rate: u32, sample_format: SampleFormat) -> Option<Choice> {
        Some(Choice {
            channels,
            sample_rate,
            sample_format,
        })
    }

    /// Windows' shared-mode WASAPI: the mix format only.
    #[test]
    fn a_wasapi_mix_format_of_two_or_four_channels_is_taken_as_it_is() {
        for channels in [2, 4] {
            let offer = Offer {
                ranges: vec![range(channels, 48_000, 48_000, SampleFormat::F32)],
                default: Some(config(channels, 48_000, SampleFormat::F32)),
                default_is_native: true,
            };
            for wanted in [1, 2] {
                assert_eq!(
                    choose(&offer, wanted),
                    choice(channels, 48_000, SampleFormat::F32)
                );
            }
        }
    }

    /// A MacBook's built-in microphone through CoreAudio: one channel, float, several rates.
    #[test]
    fn a_macbook_mono_microphone_is_opened_mono_even_for_stereo() {
        let offer = Offer {
            ranges: [44_100, 48_000, 88_200, 96_000]
                .iter()
                .map(|&r| range(1, r, r, SampleFormat::F32))
                .collect(),
            default: Some(config(1, 48_000, SampleFormat::F32)),
            default_is_native: true,
        };
        assert_eq!(choose(&offer, 1), choice(1, 48_000, SampleFormat::F32));
        assert_eq!(choose(&offer, 2), choice(1, 48_000, SampleFormat::F32));
    }

    /// A USB headset's microphone on ALSA's `hw:` device: mono, 16-bit, 44.1 kHz only.
    #[test]
    fn a_usb_headset_at_44_1_khz_only_keeps_its_rate() {
        let offer = Offer {
            ranges: vec![range(1, 44_100, 44_100, SampleFormat::I16)],
            default: Some(config(1, 44_100, SampleFormat::I16)),
            default_is_native: false,
        };
        assert_eq!(choose(&offer, 1), choice(1, 44_100, SampleFormat::I16));
        assert_eq!(choose(&offer, 2), choice(1, 44_100, SampleFormat::I16));
    }

    /// A Bluetooth headset in its headset profile, through PulseAudio: mono at 16 kHz.
    #[test]
    fn a_bluetooth_headset_at_16_khz_keeps_its_rate() {
        let offer = Offer {
            ranges: [1, 2]
                .iter()
                .flat_map(|&c| {
                    [SampleFormat::I16, SampleFormat::F32].map(|f| range(c, 1, 384_000, f))
                })
                .collect(),
            default: Some(config(1, 16_000, SampleFormat::I16)),
            default_is_native: true,
        };
        assert_eq!(choose(&offer, 1), choice(1, 16_000, SampleFormat::I16));
        assert_eq!(choose(&offer, 2), choice(1, 16_000, SampleFormat::I16));
    }

    /// A USB audio interface on ALSA `hw:`: 24-bit (in 32) only, stereo, the usual rates.
    #[test]
    fn a_24_bit_device_is_opened_at_24_bit_and_48_khz() {
        let offer = Offer {
            ranges: [44_100, 48_000, 96_000, 192_000]
                .iter()
                .map(|&r| range(2, r, r, SampleFormat::I24))
                .collect(),
            default: Some(config(2, 44_100, SampleFormat::I24)),
            default_is_native: false,
        };
        // The default's rate is a guess here but offered, so it is kept.
        assert_eq!(choose(&offer, 1), choice(2, 44_100, SampleFormat::I24));
        let no_default = Offer {
            default: None,
            ..offer
        };
        assert_eq!(choose(&no_default, 1), choice(2, 48_000, SampleFormat::I24));
    }

    /// Intel HDA codecs on ALSA `hw:` offer 16- and 32-bit; some USB microphones 32-bit only.
    #[test]
    fn a_32_bit_device_is_opened_at_16_bit_when_it_also_offers_that() {
        let hda = Offer {
            ranges: vec![
                range(2, 44_100, 192_000, SampleFormat::I16),
                range(2, 44_100, 192_000, SampleFormat::I32),
            ],
            default: Some(config(2, 48_000, SampleFormat::I32)),
            default_is_native: false,
        };
        assert_eq!(choose(&hda, 1), choice(2, 48_000, SampleFormat::I16));
        let only_32 = Offer {
            ranges: vec![range(1, 48_000, 48_000, SampleFormat::I32)],
            default: Some(config(1, 48_000, SampleFormat::I32)),
            default_is_native: false,
        };
        assert_eq!(choose(&only_32, 1), choice(1, 48_000, SampleFormat::I32));
        assert_eq!(choose(&only_32, 2), choice(1, 48_000, SampleFormat::I32));
    }

    /// ALSA's `default` through `plug`: every count, format and rate; cpal's default guesses
    /// stereo float. The device's own count is the default's; 16-bit is asked for, which plug
    /// gives without converting from a 16-bit source.
    #[test]
    fn a_converting_alsa_plug_is_opened_at_its_default_channels_in_16_bit() {
        let formats = [SampleFormat::I16, SampleFormat::I32, SampleFormat::F32];
        let offer = Offer {
            ranges: (1..=64)
                .flat_map(|c| formats.map(|f| range(c, 4_000, 4_294_967_295, f)))
                .collect(),
            default: Some(config(2, 48_000, SampleFormat::F32)),
            default_is_native: false,
        };
        assert_eq!(choose(&offer, 1), choice(2, 48_000, SampleFormat::I16));
        assert_eq!(choose(&offer, 2), choice(2, 48_000, SampleFormat::I16));
    }

    #[test]
    fn a_native_list_with_the_wanted_count_needs_no_mixing() {
        let offer = Offer {
            ranges: vec![
                range(1, 48_000, 48_000, SampleFormat::I16),
                range(2, 48_000, 48_000, SampleFormat::I16),
                range(4, 48_000, 48_000, SampleFormat::I16),
            ],
            default: Some(config(2, 48_000, SampleFormat::I16)),
            default_is_native: false,
        };
        assert_eq!(choose(&offer, 1).map(|c| c.channels), Some(1));
        assert_eq!(choose(&offer, 2).map(|c| c.channels), Some(2));
        // Stereo from an array offering 4 and 6: the nearest count above.
        let array = Offer {
            ranges: vec![
                range(6, 48_000, 48_000, SampleFormat::I16),
                range(4, 48_000, 48_000, SampleFormat::I16),
            ],
            default: None,
            default_is_native: false,
        };
        assert_eq!(choose(&array, 2).map(|c| c.channels), Some(4));
    }

    #[test]
    fn a_rate_outside_the_usual_two_takes_the_highest_offered() {
        let offer = Offer {
            ranges: vec![
                range(1, 8_000, 8_000, SampleFormat::I16),
                range(1, 22_050, 32_000, SampleFormat::I16),
            ],
            default: None,
            default_is_native: false,
        };
        assert_eq!(choose(&offer, 1), choice(1, 32_000, SampleFormat::I16));
    }

    #[test]
    fn nothing_convertible_is_no_choice() {
        let dsd = Offer {
            ranges: vec![range(2, 44_100, 44_100, SampleFormat::DsdU32)],
            default: Some(config(2, 44_100, SampleFormat::DsdU32)),
            default_is_native: true,
        };
        assert_eq!(choose(&dsd, 1), None);
        let empty = Offer {
            ranges: vec![],
            default: None,
            default_is_native: false,
        };
        assert_eq!(choose(&empty, 1), None);
    }
}
