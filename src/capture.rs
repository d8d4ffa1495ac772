//! Capture from a real input device: cpal's callback → a lock-free single-producer,
//! single-consumer ring buffer → the writer thread.
//!
//! The callback converts whatever sample format the device gives to 16-bit PCM and pushes it
//! into the ring; it takes no lock, allocates nothing and does no I/O. When the ring is full,
//! samples are dropped and counted as overruns. The callback also stamps the time it last ran,
//! so the writer can tell that a device vanished even when cpal's error callback stays silent.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{Sample, SampleFormat, SizedSample};

use crate::audio;
use crate::seal::Format;

/// How many seconds of audio the ring buffer holds between the callback and the writer.
pub const RING_SECONDS: u32 = 4;

/// How many pieces a second a PulseAudio capture stream is asked to deliver (50 ms each, one
/// meter window).
const PULSE_FRAGMENTS_PER_SECOND: u32 = 20;

/// Whether `device` belongs to cpal's native PulseAudio host.
fn is_pulseaudio(device: &cpal::Device) -> bool {
    #[cfg(target_os = "linux")]
    if let Ok(id) = device.id() {
        return id.host() == cpal::HostId::PulseAudio;
    }
    let _ = device;
    false
}

/// What went wrong opening or running a capture.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// No input device with this id, or none at all.
    #[error("no input device {0}: see `sessionvault devices`")]
    NoDevice(String),
    /// The device cannot give the requested channels.
    #[error("the input device cannot record {channels} channel(s): try --channels {other}")]
    Channels {
        /// Requested.
        channels: u16,
        /// The other choice.
        other: u16,
    },
    /// The device refused to start.
    #[error("the input device could not be started: {0}")]
    Device(String),
}

/// An open, running capture.
pub struct Capture {
    // Dropping the stream stops the callback.
    _stream: cpal::Stream,
    consumer: rtrb::Consumer<i16>,
    format: Format,
    device_id: String,
    device_format: SampleFormat,
    shared: Shared,
    /// Where to look the device up again while recording, on hosts that move a stream to
    /// another device when its own goes away (PulseAudio does, silently).
    presence: Option<(cpal::Host, cpal::DeviceId)>,
}

impl Capture {
    /// Opens `device` (a `host:id` from `sessionvault devices`, or the preferred host's
    /// default input) for `channels` channels at the device's default rate, and starts it.
    ///
    /// Errors: [`CaptureError`].
    pub fn open(device: Option<&str>, channels: u16) -> Result<Capture, CaptureError> {
        let device = match device {
            Some(text) => {
                let id: cpal::DeviceId = text
                    .parse()
                    .map_err(|_| CaptureError::NoDevice(text.to_owned()))?;
                cpal::host_from_id(id.host())
                    .ok()
                    .and_then(|host| host.device_by_id(&id))
                    .ok_or_else(|| CaptureError::NoDevice(text.to_owned()))?
            }
            None => audio::preferred_host()
                .default_input_device()
                .ok_or_else(|| CaptureError::NoDevice("(default)".to_owned()))?,
        };
        let presence = device.id().ok().and_then(|id| {
            #[cfg(target_os = "linux")]
            if id.host() == cpal::HostId::PulseAudio {
                return cpal::host_from_id(id.host()).ok().map(|host| (host, id));
            }
            let _ = id;
            None
        });
        let device_id = device
            .id()
            .map(|id| id.to_string())
            .unwrap_or_else(|_| "unknown".to_owned());
        let default = device
            .default_input_config()
            .map_err(|e| CaptureError::Device(e.to_string()))?;
        let ranges: Vec<_> = device
            .supported_input_configs()
            .map_err(|e| CaptureError::Device(e.to_string()))?
            .filter(|r| r.channels() == channels)
            .collect();
        // 16-bit is what is stored: take it when the device offers it, so nothing is converted.
        let pick = ranges
            .iter()
            .find(|r| r.sample_format() == SampleFormat::I16)
            .or_else(|| {
                ranges
                    .iter()
                    .find(|r| r.sample_format() == default.sample_format())
            })
            .or_else(|| ranges.first())
            .ok_or(CaptureError::Channels {
                channels,
                other: if channels == 1 { 2 } else { 1 },
            })?;
        let config = pick
            .try_with_sample_rate(default.sample_rate())
            .unwrap_or_else(|| pick.with_max_sample_rate());
        let format = Format {
            sample_rate: config.sample_rate(),
            channels,
        };
        let capacity = (format.sample_rate * u32::from(channels) * RING_SECONDS) as usize;
        let (producer, consumer) = rtrb::RingBuffer::new(capacity);
        let shared = Shared {
            overruns: Arc::new(AtomicU64::new(0)),
            first_drop_at: Arc::new(AtomicU64::new(u64::MAX)),
            failed: Arc::new(AtomicBool::new(false)),
            failure: Arc::new(std::sync::Mutex::new(None)),
            last_callback_ms: Arc::new(AtomicU64::new(0)),
            started: Instant::now(),
        };
        let device_format = config.sample_format();
        let mut stream_config = config.config();
        if is_pulseaudio(&device) {
            // Small pieces, so the live meter moves smoothly: PulseAudio otherwise hands a
            // capture stream over about every 2 s.
            stream_config.buffer_size =
                cpal::BufferSize::Fixed(format.sample_rate / PULSE_FRAGMENTS_PER_SECOND);
        }
        let stream = match device_format {
            SampleFormat::I16 => build::<i16>(&device, &stream_config, producer, &shared),
            SampleFormat::F32 => build::<f32>(&device, &stream_config, producer, &shared),
            SampleFormat::I32 => build::<i32>(&device, &stream_config, producer, &shared),
            SampleFormat::U16 => build::<u16>(&device, &stream_config, producer, &shared),
            SampleFormat::I8 => build::<i8>(&device, &stream_config, producer, &shared),
            SampleFormat::U8 => build::<u8>(&device, &stream_config, producer, &shared),
            SampleFormat::F64 => build::<f64>(&device, &stream_config, producer, &shared),
            other => Err(CaptureError::Device(format!(
                "its sample format {other} is not supported"
            ))),
        }?;
        stream
            .play()
            .map_err(|e| CaptureError::Device(e.to_string()))?;
        tracing::info!(device = %device_id, rate = format.sample_rate, channels, "capture started");
        Ok(Capture {
            _stream: stream,
            consumer,
            format,
            device_id,
            device_format,
            shared,
            presence,
        })
    }

    /// Why the device is to be taken as gone although audio still arrives: it is no longer
    /// listed by a host that moves streams elsewhere (PulseAudio carries on from another source
    /// when a microphone is unplugged, and the session would go on from the wrong one). Asks
    /// the host, so it is for a periodic check, not for every block.
    pub fn device_gone(&self) -> Option<String> {
        let (host, id) = self.presence.as_ref()?;
        if host.device_by_id(id).is_some() {
            return None;
        }
        Some(format!(
            "the input device {} is no longer there: it may have been unplugged",
            self.device_id
        ))
    }

    /// The format the samples arrive in.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The device's id.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The sample format the device delivers (converted to 16-bit on the way).
    pub fn device_format(&self) -> String {
        self.device_format.to_string()
    }

    /// Samples dropped because the ring was full, counted only when a drop fell inside the
    /// first `consumed` samples (what the writer took); drops of samples after the point where
    /// the writer stopped cost the recording nothing.
    pub fn overruns_within(&self, consumed: u64) -> u64 {
        if self.shared.first_drop_at.load(Ordering::Relaxed) < consumed {
            self.shared.overruns.load(Ordering::Relaxed)
        } else {
            0
        }
    }

    /// Moves up to `out.capacity()` waiting samples (whole frames only) into `out`, which is
    /// cleared first. Returns how many samples were moved.
    pub fn drain_into(&mut self, out: &mut Vec<i16>) -> usize {
        out.clear();
        let channels = usize::from(self.format.channels);
        let available = self.consumer.slots().min(out.capacity());
        let whole = available / channels * channels;
        if whole == 0 {
            return 0;
        }
        if let Ok(chunk) = self.consumer.read_chunk(whole) {
            let (a, b) = chunk.as_slices();
            out.extend_from_slice(a);
            out.extend_from_slice(b);
            chunk.commit_all();
        }
        out.len()
    }

    /// Why the device stopped, if it did: its error callback fired, or it has not delivered
    /// anything for `silence_limit` (a vanished device does not always report an error).
    pub fn failure(&self, silence_limit: Duration) -> Option<String> {
        if self.shared.failed.load(Ordering::Relaxed) {
            let message = self
                .shared
                .failure
                .lock()
                .ok()
                .and_then(|m| m.clone())
                .unwrap_or_else(|| "the device reported an error".to_owned());
            return Some(message);
        }
        let last = Duration::from_millis(self.shared.last_callback_ms.load(Ordering::Relaxed));
        let since = self.shared.started.elapsed().saturating_sub(last);
        if since > silence_limit {
            return Some(format!(
                "the input device stopped delivering audio ({} s without data): it may have \
                 been unplugged",
                since.as_secs()
            ));
        }
        None
    }
}

/// What the callbacks share with the writer.
struct Shared {
    overruns: Arc<AtomicU64>,
    /// How many samples had been pushed when the first one was dropped.
    first_drop_at: Arc<AtomicU64>,
    failed: Arc<AtomicBool>,
    failure: Arc<std::sync::Mutex<Option<String>>>,
    last_callback_ms: Arc<AtomicU64>,
    started: Instant,
}

/// A device sample that can be stored: converted to 16-bit PCM.
trait Stored: SizedSample + Send + 'static {
    /// The nearest 16-bit sample. Floats are scaled by 32768 and rounded to nearest (so a
    /// 16-bit value that went through float comes back exactly) and clamped to the 16-bit range.
    fn stored(self) -> i16;
}

impl Stored for i16 {
    fn stored(self) -> i16 {
        self
    }
}

impl Stored for f32 {
    fn stored(self) -> i16 {
        (self * 32768.0).round().clamp(-32768.0, 32767.0) as i16
    }
}

impl Stored for f64 {
    fn stored(self) -> i16 {
        (self * 32768.0).round().clamp(-32768.0, 32767.0) as i16
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

stored_by_cpal!(i32, u16, i8, u8);

fn build<T: Stored>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut producer: rtrb::Producer<i16>,
    shared: &Shared,
) -> Result<cpal::Stream, CaptureError> {
    let overruns = shared.overruns.clone();
    let first_drop_at = shared.first_drop_at.clone();
    let mut pushed = 0u64;
    let last = shared.last_callback_ms.clone();
    let started = shared.started;
    let failed = shared.failed.clone();
    let failure = shared.failure.clone();
    device
        .build_input_stream::<T, _, _>(
            *config,
            move |data: &[T], _info| {
                // Real-time path: no locks, no allocation, no I/O.
                let mut dropped = 0u64;
                for &sample in data {
                    if producer.push(sample.stored()).is_ok() {
                        pushed += 1;
                    } else {
                        if dropped == 0 {
                            let _ = first_drop_at.compare_exchange(
                                u64::MAX,
                                pushed,
                                Ordering::Relaxed,
                                Ordering::Relaxed,
                            );
                        }
                        dropped += 1;
                    }
                }
                if dropped > 0 {
                    overruns.fetch_add(dropped, Ordering::Relaxed);
                }
                last.store(started.elapsed().as_millis() as u64, Ordering::Relaxed);
            },
            move |error| {
                // Not the audio path: taking a lock here is fine.
                if let Ok(mut slot) = failure.lock() {
                    slot.get_or_insert_with(|| error.to_string());
                }
                failed.store(true, Ordering::Relaxed);
            },
            None,
        )
        .map_err(|e| CaptureError::Device(e.to_string()))
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
        assert_eq!(i16::MIN.stored(), i16::MIN);
    }
}
