//! The writer loop of a running recording: it drains the ring the device fills, meters,
//! seals, and stops on the duration, a stop request, or a fault (the device failing, a write
//! error, the key gone, the consent withdrawn or ended).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::marks::Marks;
use super::{
    Control, PausePoint, CONSENT_CHECK_INTERVAL, DEVICE_SILENCE_LIMIT, KEY_CHECK_INTERVAL,
    WRITER_IDLE,
};
use sessionvault_audio::capture::Capture;
use sessionvault_audio::meter::{self, Meter};
use sessionvault_audio::seal::{self, Format, SealedWriter};

/// What a running recording checks now and then, each answering why it must stop, if it must.
pub(super) struct Checks<'a> {
    /// Every [`KEY_CHECK_INTERVAL`]: the recording's key is still in the keyring.
    pub(super) key: &'a mut dyn FnMut() -> Option<String>,
    /// Every [`CONSENT_CHECK_INTERVAL`]: the consent still holds.
    pub(super) consent: &'a mut dyn FnMut() -> Option<String>,
}

/// How the writer loop ended.
pub(super) struct Ended {
    /// The finished file, unless finishing it failed.
    pub(super) sealed: Option<seal::Sealed>,
    /// What stopped the recording early, if anything.
    pub(super) fault: Option<String>,
    pub(super) overruns: u64,
    pub(super) peaks: Vec<u8>,
    pub(super) pauses: Vec<PausePoint>,
}

/// The writer loop: drains the ring, meters, seals, and stops on duration, `stop`, or a fault
/// (the device failing, a write error, the key gone, the consent withdrawn or ended).
pub(super) fn run(
    mut capture: Capture,
    mut writer: SealedWriter,
    format: Format,
    duration: Option<Duration>,
    control: &Control,
    on_event: &mut dyn FnMut(meter::Event),
    checks: &mut Checks<'_>,
) -> Ended {
    let channels = usize::from(format.channels);
    // Exact: the nearest frame of the duration as given, never through a float.
    let target_frames =
        duration.map(|d| crate::timecode::frame_at(d, format.sample_rate).unwrap_or(u64::MAX));
    let mut meter = Meter::new(format.sample_rate, format.channels);
    let mut buffer = Zeroizing::new(Vec::with_capacity(
        format.sample_rate as usize / 10 * channels,
    ));
    let mut fault = None;
    let mut last = LastChecked::now();
    let mut marks = Marks::new(format.sample_rate);
    loop {
        marks.turn(control, &capture, writer.frames(), on_event);
        let n = capture.drain_into(&mut buffer);
        if n > 0 && marks.paused() {
            // Paused: what arrives is not recorded.
            buffer.iter_mut().for_each(|s| *s = 0);
        } else if n > 0 {
            let mut take = n;
            if let Some(target) = target_frames {
                let left = target.saturating_sub(writer.frames()) as usize * channels;
                take = take.min(left);
            }
            meter.feed(&buffer[..take], on_event);
            if let Err(e) = writer.write_samples(&buffer[..take]) {
                fault = Some(e.to_string());
                break;
            }
        }
        // Sealed chunks go to the disk now, not when the next one is ready.
        if let Err(e) = writer.flush() {
            fault = Some(e.to_string());
            break;
        }
        if target_frames.is_some_and(|t| writer.frames() >= t)
            || control.stop.load(Ordering::Relaxed)
        {
            break;
        }
        if let Some(failure) = fault_now(&mut capture, checks, &mut last) {
            fault = Some(failure);
            break;
        }
        marks.turn_done();
        if n == 0 {
            capture.wait_for_audio(WRITER_IDLE);
        }
    }
    let overruns = capture.overruns_within(writer.frames());
    let pauses = marks.finish(on_event);
    drop(capture);
    let peaks = meter.peaks_bytes();
    finish(writer, fault, overruns, peaks, pauses)
}

/// Finishes the sealed file; a failure to finish it is the recording's fault, unless an
/// earlier one stopped it.
fn finish(
    writer: SealedWriter,
    fault: Option<String>,
    overruns: u64,
    peaks: Vec<u8>,
    pauses: Vec<PausePoint>,
) -> Ended {
    match writer.finish() {
        Ok(sealed) => Ended {
            sealed: Some(sealed),
            fault,
            overruns,
            peaks,
            pauses,
        },
        Err(e) => Ended {
            sealed: None,
            fault: Some(fault.unwrap_or_else(|| e.to_string())),
            overruns,
            peaks,
            pauses,
        },
    }
}

/// When the key and the consent were last checked.
struct LastChecked {
    key: Instant,
    consent: Instant,
}

impl LastChecked {
    fn now() -> LastChecked {
        LastChecked {
            key: Instant::now(),
            consent: Instant::now(),
        }
    }
}

/// Why the recording must stop now, if it must: the device failed or went silent, or (when
/// their checks are due) the key is gone or the consent no longer holds.
fn fault_now(
    capture: &mut Capture,
    checks: &mut Checks<'_>,
    last: &mut LastChecked,
) -> Option<String> {
    if let Some(failure) = capture.failure(DEVICE_SILENCE_LIMIT) {
        return Some(failure);
    }
    if last.key.elapsed() >= KEY_CHECK_INTERVAL {
        last.key = Instant::now();
        if let Some(failure) = (checks.key)() {
            return Some(failure);
        }
    }
    if last.consent.elapsed() >= CONSENT_CHECK_INTERVAL {
        last.consent = Instant::now();
        if let Some(refused) = (checks.consent)() {
            return Some(refused);
        }
    }
    None
}
