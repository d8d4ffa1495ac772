//! Times and durations as a counsellor writes them: the one grammar of every time and duration
//! option (`record --duration`, `play --from/--until/--for`, `share`, bookmarks, transcripts).
//!
//! A time is written as
//! - seconds: `90`, `90.5`;
//! - a number and a unit, `s`, `m` or `h` (lower case, nothing between): `2s`, `90.5s`, `25m`,
//!   `1.5m`, `1h`;
//! - minutes and seconds, or hours, minutes and seconds: `1:30`, `1:30.25`, `1:02:03.5`. After
//!   a colon, minutes and seconds take two digits and are below 60; the leading field is
//!   unbounded (`90:00` is an hour and a half).
//!
//! Fractions are read digit by digit, never through floating point, so `1.823833s` is exactly
//! 1 s 823 833 000 ns and `1.5m` exactly 90 s; what is finer than a nanosecond is cut off.
//! White space around the text is ignored. Refused: a sign, an empty text, a unit together with
//! colons (`1:30s`), other units (`ms`, `min`, `2S`, `1h30m`), exponents, and a time too large
//! to hold.

use std::time::Duration;

/// The forms of a time, as messages name them.
pub const FORMS: &str = "90, 90.5, 2s, 25m, 1h, 1:30 or 1:02:03.5";

const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// Why a text is not a time. Each holds the text as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Not a time in any of the accepted forms (or too large to hold).
    #[error("{0:?} is not a time: write {forms}", forms = FORMS)]
    NotATime(String),
    /// A time with a leading `-`.
    #[error("{0:?} is negative: times count from the start, written {forms}", forms = FORMS)]
    Negative(String),
}

impl crate::ErrorCode for TimeError {
    fn code(&self) -> &'static str {
        "invalid_time"
    }
}

/// Reads a time or a duration written in one of the forms of this module's grammar.
///
/// Errors: [`TimeError::Negative`] for a time with a leading `-`, [`TimeError::NotATime`] for
/// anything else that is not a time (including one too large to hold).
pub fn parse(text: &str) -> Result<Duration, TimeError> {
    let trimmed = text.trim();
    if let Some(rest) = trimmed.strip_prefix('-') {
        return Err(match unsigned(rest) {
            Some(_) => TimeError::Negative(text.to_owned()),
            None => TimeError::NotATime(text.to_owned()),
        });
    }
    unsigned(trimmed).ok_or_else(|| TimeError::NotATime(text.to_owned()))
}

/// Writes a time as `m:ss.mmm`, or `h:mm:ss.mmm` from an hour on, rounded to the millisecond.
/// [`parse`] reads it back.
pub fn format(at: Duration) -> String {
    let millis = (at.as_nanos() + 500_000) / 1_000_000;
    let (hours, rest) = (millis / 3_600_000, millis % 3_600_000);
    let (minutes, rest) = (rest / 60_000, rest % 60_000);
    let (seconds, millis) = (rest / 1000, rest % 1000);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{seconds:02}.{millis:03}")
    } else {
        format!("{minutes}:{seconds:02}.{millis:03}")
    }
}

fn unsigned(text: &str) -> Option<Duration> {
    let unit = match text.bytes().last()? {
        b's' => 1,
        b'm' => 60,
        b'h' => 3600,
        _ => return clock(text),
    };
    // The unit is one ASCII byte, so this cuts at a character boundary.
    let number = &text[..text.len() - 1];
    decimal(number, unit)
}

/// Seconds, `m:ss` or `h:mm:ss`, each with an optional fraction of a second.
fn clock(text: &str) -> Option<Duration> {
    let fields: Vec<&str> = text.split(':').collect();
    let (last, leading) = fields.split_last()?;
    let seconds = decimal(last, 1)?;
    if leading.is_empty() {
        return Some(seconds);
    }
    let whole = last.split_once('.').map_or(*last, |(whole, _)| whole);
    sexagesimal(whole)?;
    let before = match leading {
        [minutes] => digits(minutes)?.checked_mul(60)?,
        [hours, minutes] => digits(hours)?
            .checked_mul(3600)?
            .checked_add(sexagesimal(minutes)? * 60)?,
        _ => return None,
    };
    seconds.checked_add(Duration::from_secs(before))
}

/// A field after a colon: two digits, below 60.
fn sexagesimal(text: &str) -> Option<u64> {
    digits(text).filter(|&v| text.len() == 2 && v < 60)
}

/// A number of ASCII digits (at least one) that fits in a `u64`.
fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `whole` or `whole.fraction` of a unit of `unit` seconds, exact to the nanosecond.
fn decimal(text: &str, unit: u64) -> Option<Duration> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let nanos = match fraction {
        Some(fraction) => fraction_nanos(fraction, unit)?,
        None => 0,
    };
    let seconds = digits(whole)?
        .checked_mul(unit)?
        .checked_add(nanos / NANOS_PER_SECOND)?;
    // Below a billion, so it fits.
    Some(Duration::new(seconds, (nanos % NANOS_PER_SECOND) as u32))
}

/// The nanoseconds in the decimal fraction `0.<fraction>` of `unit` seconds, rounded down:
/// ⌊0.fraction × unit × 10⁹⌋, computed on the digits themselves, however many there are.
fn fraction_nanos(fraction: &str, unit: u64) -> Option<u64> {
    if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // The first nine digits count billionths of the unit…
    let (head, tail) = fraction.split_at(fraction.len().min(9));
    let billionths = head
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(9)
        .fold(0, |n, d| n * 10 + u64::from(d - b'0'));
    // …and the digits after them add what they carry into the ninth: ⌊unit × 0.tail⌋, the
    // carry out of multiplying the tail by `unit` digit by digit from its end.
    let carry = tail
        .bytes()
        .rev()
        .fold(0, |carry, d| (u64::from(d - b'0') * unit + carry) / 10);
    billionths.checked_mul(unit)?.checked_add(carry)
}

const NANOS_PER_SECOND_WIDE: u128 = NANOS_PER_SECOND as u128;

/// The frame at time `at` in audio of `sample_rate` frames per second, rounded to the nearest
/// frame (halves up). `None` when it does not fit in a `u64`.
pub fn frame_at(at: Duration, sample_rate: u32) -> Option<u64> {
    let scaled = at.as_nanos().checked_mul(u128::from(sample_rate))?;
    u64::try_from((scaled + NANOS_PER_SECOND_WIDE / 2) / NANOS_PER_SECOND_WIDE).ok()
}

/// The time of frame `frame` in audio of `sample_rate` frames per second (0 for a rate of 0).
pub fn time_of(frame: u64, sample_rate: u32) -> Duration {
    if sample_rate == 0 {
        return Duration::ZERO;
    }
    let nanos = u128::from(frame) * NANOS_PER_SECOND_WIDE / u128::from(sample_rate);
    let seconds = u64::try_from(nanos / NANOS_PER_SECOND_WIDE).unwrap_or(u64::MAX);
    // Below 1e9, so it fits.
    Duration::new(seconds, (nanos % NANOS_PER_SECOND_WIDE) as u32)
}

/// The frames from `from` until `until` (or the end) in audio of `frames` frames at
/// `sample_rate`, each time rounded to the nearest frame; `None` when nothing of the audio is
/// inside.
pub fn clip(
    from: Duration,
    until: Option<Duration>,
    sample_rate: u32,
    frames: u64,
) -> Option<(u64, u64)> {
    let start = frame_at(from, sample_rate).unwrap_or(u64::MAX);
    let end = until.map_or(frames, |u| {
        frame_at(u, sample_rate).unwrap_or(u64::MAX).min(frames)
    });
    (start < frames && start < end).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use proptest::prelude::*;

    fn secs(s: u64, nanos: u32) -> Duration {
        Duration::new(s, nanos)
    }

    #[test]
    fn times_are_read_in_every_form() {
        for (text, want) in [
            ("90", secs(90, 0)),
            ("90.5", secs(90, 500_000_000)),
            ("0", secs(0, 0)),
            ("0.25", secs(0, 250_000_000)),
            (" 1.5 ", secs(1, 500_000_000)),
            ("2s", secs(2, 0)),
            ("90.5s", secs(90, 500_000_000)),
            ("1.823833s", secs(1, 823_833_000)),
            ("25m", secs(1500, 0)),
            ("1.5m", secs(90, 0)),
            ("0.1m", secs(6, 0)),
            ("1h", secs(3600, 0)),
            ("0.5h", secs(1800, 0)),
            ("0.0005h", secs(1, 800_000_000)),
            ("1:30", secs(90, 0)),
            ("0:01.5", secs(1, 500_000_000)),
            ("90:00", secs(5400, 0)),
            ("1:02:03.5", secs(3723, 500_000_000)),
            ("0:00:00", secs(0, 0)),
            ("10:00:00.000000001", secs(36_000, 1)),
            // Finer than a nanosecond is cut off…
            ("1.0000000019", secs(1, 1)),
            ("0.0000000000002h", secs(0, 0)),
            // …exactly: digits past the ninth still count when a unit multiplies them.
            ("0.0000000001h", secs(0, 360)),
            ("0.000000000000277777777777777777778h", secs(0, 1)),
            ("0.000000000000277777777777777777777h", secs(0, 0)),
            ("0.9999999999999999999999m", secs(59, 999_999_999)),
        ] {
            assert_eq!(parse(text), Ok(want), "{text:?}");
        }
    }

    #[test]
    fn what_is_not_a_time_is_refused_naming_the_forms() {
        for bad in [
            "",
            " ",
            "abc",
            "1.",
            ".5",
            "1.5.2",
            "+5",
            "1e3",
            "inf",
            "NaN",
            "1:5",
            "1:60",
            "1:2:03",
            "1:60:00",
            "1:00:60",
            "1:00:00:00",
            ":30",
            "1:",
            "1 30",
            "1:30 s",
            "1:30s",
            "1:02:03h",
            "2 s",
            "2S",
            "2ms",
            "2min",
            "1h30m",
            "s",
            ".5s",
            "5.s",
            "٣",
            "99999999999999999999",
            "18446744073709551615:00",
            "5124095576030432h",
            "307445734561825861m",
            "--5",
            "-",
        ] {
            assert_eq!(
                parse(bad),
                Err(TimeError::NotATime(bad.to_owned())),
                "{bad:?}"
            );
        }
        for negative in ["-5", "-0.5", " -1:30", "-2s"] {
            let e = parse(negative).unwrap_err();
            assert_eq!(e, TimeError::Negative(negative.to_owned()));
            assert!(e.to_string().contains(FORMS), "{e}");
        }
        let e = parse("2ms").unwrap_err();
        assert_eq!(e.code(), "invalid_time");
        assert_eq!(
            e.to_string(),
            "\"2ms\" is not a time: write 90, 90.5, 2s, 25m, 1h, 1:30 or 1:02:03.5"
        );
    }

    #[test]
    fn the_largest_times_are_read_and_one_more_is_refused() {
        assert_eq!(parse("18446744073709551615"), Ok(secs(u64::MAX, 0)));
        assert_eq!(
            parse("18446744073709551615.999999999s"),
            Ok(secs(u64::MAX, 999_999_999))
        );
        assert!(parse("18446744073709551616").is_err());
        assert_eq!(
            parse("5124095576030431h"),
            Ok(secs(5_124_095_576_030_431 * 3600, 0))
        );
        assert!(parse("5124095576030431.000001h").is_ok());
        assert!(parse("5124095576030431.5h").is_err());
    }

    #[test]
    fn times_are_written_so_they_read_back() {
        for (at, text) in [
            (secs(0, 0), "0:00.000"),
            (secs(1, 500_000_000), "0:01.500"),
            (secs(90, 0), "1:30.000"),
            (secs(3723, 500_000_000), "1:02:03.500"),
            (secs(59, 999_600_000), "1:00.000"),
        ] {
            assert_eq!(format(at), text);
        }
    }

    /// ⌊(whole + 0.fraction) × unit × 10⁹⌋ in wide integers, as a reference.
    fn reference(whole: u64, fraction: &str, unit: u64) -> Duration {
        let scale = 10u128.pow(fraction.len() as u32);
        let fraction: u128 = fraction.parse().unwrap_or(0);
        let nanos =
            (u128::from(whole) * scale + fraction) * u128::from(unit) * 1_000_000_000 / scale;
        Duration::new(
            (nanos / 1_000_000_000) as u64,
            (nanos % 1_000_000_000) as u32,
        )
    }

    proptest! {
        #[test]
        fn written_times_read_back_to_the_millisecond(millis in 0u64..1_000_000_000_000) {
            let at = Duration::from_millis(millis);
            prop_assert_eq!(parse(&format(at)), Ok(at));
        }

        #[test]
        fn every_form_reads_back_to_the_nanosecond(
            seconds in 0u64..1_000_000_000_000,
            nanos in 0u32..1_000_000_000,
        ) {
            let at = Duration::new(seconds, nanos);
            let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
            for text in [
                format!("{seconds}.{nanos:09}"),
                format!("{seconds}.{nanos:09}s"),
                format!("{}:{s:02}.{nanos:09}", seconds / 60),
                format!("{h}:{m:02}:{s:02}.{nanos:09}"),
            ] {
                prop_assert_eq!(parse(&text), Ok(at), "{}", text);
            }
            if nanos == 0 {
                prop_assert_eq!(parse(&seconds.to_string()), Ok(at));
                prop_assert_eq!(parse(&format!("{seconds}s")), Ok(at));
            }
        }

        #[test]
        fn minutes_and_hours_with_fractions_are_exact(
            whole in 0u64..100_000,
            fraction in "[0-9]{1,20}",
            unit in prop::sample::select(vec![("s", 1u64), ("m", 60), ("h", 3600)]),
        ) {
            let text = format!("{whole}.{fraction}{}", unit.0);
            prop_assert_eq!(parse(&text), Ok(reference(whole, &fraction, unit.1)), "{}", text);
        }
    }

    #[test]
    fn times_become_the_nearest_frame() {
        assert_eq!(frame_at(secs(1, 500_000_000), 48_000), Some(72_000));
        assert_eq!(frame_at(secs(2, 0), 48_000), Some(96_000));
        assert_eq!(frame_at(Duration::ZERO, 44_100), Some(0));
        // 0.1 s at 44.1 kHz is exactly 4410 frames: no float error.
        assert_eq!(frame_at(secs(0, 100_000_000), 44_100), Some(4_410));
        // Rounded to the nearest frame, halves up.
        let frame = Duration::from_secs(1).as_nanos() as f64 / 48_000.0;
        assert_eq!(frame_at(secs(0, (frame * 0.49) as u32), 48_000), Some(0));
        assert_eq!(frame_at(secs(0, (frame * 0.51) as u32), 48_000), Some(1));
        assert_eq!(frame_at(secs(0, 31_250), 16_000), Some(1)); // exactly half a frame
        assert_eq!(frame_at(secs(0, 31_249), 16_000), Some(0));
        assert_eq!(frame_at(Duration::MAX, u32::MAX), None);
        assert_eq!(time_of(72_000, 48_000), secs(1, 500_000_000));
        assert_eq!(time_of(1, 3), secs(0, 333_333_333));
        assert_eq!(time_of(5, 0), Duration::ZERO);
        for frame in [0u64, 1, 47_999, 72_000, 96_000, 1 << 40] {
            assert_eq!(
                frame_at(time_of(frame, 48_000), 48_000),
                Some(frame),
                "{frame}"
            );
        }
    }

    #[test]
    fn a_clip_is_the_frames_inside_the_audio() {
        let at = Duration::from_millis;
        assert_eq!(clip(at(0), None, 48_000, 96_000), Some((0, 96_000)));
        assert_eq!(
            clip(at(500), Some(at(1_500)), 48_000, 96_000),
            Some((24_000, 72_000))
        );
        // Past the end is clamped to the end; an empty or outside clip is none.
        assert_eq!(
            clip(at(1_000), Some(at(9_000)), 48_000, 96_000),
            Some((48_000, 96_000))
        );
        assert_eq!(clip(at(2_000), None, 48_000, 96_000), None);
        assert_eq!(clip(at(1_000), Some(at(1_000)), 48_000, 96_000), None);
        assert_eq!(clip(at(1_000), Some(at(500)), 48_000, 96_000), None);
        assert_eq!(clip(Duration::MAX, None, u32::MAX, u64::MAX), None);
    }
}
