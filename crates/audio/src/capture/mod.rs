//! Capture from a real input device: cpal's callback → a lock-free single-producer,
//! single-consumer ring buffer → the writer thread.
//!
//! The device is opened in a configuration it offers itself ([`choice`]), and the callback only
//! copies whole frames, as the device delivers them, into the ring: it takes no lock, allocates
//! nothing, converts nothing and does no I/O. When the ring is full, whole frames are dropped
//! and counted as overruns. The writer turns what it takes from the ring into the stored format
//! ([`convert`]: 16-bit, mixed down to mono or copied to stereo). The callback also stamps the
//! time it last ran, so the writer can tell that a device vanished even when cpal's error
//! callback stays silent; silence is counted only while the writer itself runs ([`wake`]), so
//! that a computer that slept is not taken for a vanished device.

pub mod choice;
pub mod convert;
pub mod wake;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::SampleFormat;

use crate::devices;
use crate::seal::Format;
use choice::{Choice, Offer};
use convert::{Conversion, Stored};

/// How many seconds of audio the ring buffer holds between the callback and the writer, at
/// least.
pub const RING_SECONDS: u32 = 4;

/// How many bytes of audio the ring buffer holds, at least: as much as PulseAudio keeps for a
/// capture stream (4 MiB). A SessionVault frozen for a while is handed all of it at once on
/// waking, faster than any writer takes it.
pub const RING_BYTES: usize = 4 << 20;

/// How many pieces a second a PulseAudio capture stream is asked to deliver (50 ms each, one
/// meter window).
const PULSE_FRAGMENTS_PER_SECOND: u32 = 20;

/// The writer is woken when 1/this of a second of audio waits in the ring (40 ms: a little
/// under one PulseAudio fragment, so each fragment wakes it once).
const WAKES_PER_SECOND: usize = 25;

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
    /// The device offers no configuration whose samples can be stored.
    #[error(
        "the input device offers no sample format SessionVault can record ({0}): choose \
         another microphone (see `sessionvault devices`)"
    )]
    NoFormat(String),
    /// The device refused to start.
    #[error("the input device could not be started: {0}")]
    Device(String),
}

/// An open, running capture.
pub struct Capture {
    // Dropping the stream stops the callback.
    _stream: cpal::Stream,
    ring: Box<dyn Ring>,
    format: Format,
    device_id: String,
    conversion: Conversion,
    shared: Shared,
    /// How long the device has delivered nothing, counted while the writer runs.
    silence: wake::Silence,
}

impl Capture {
    /// Opens `device` (a `host:id` from `sessionvault devices`, or the preferred host's
    /// default input) in a configuration of its own ([`choice::choose`]) at its own rate, to
    /// store `channels` channels, and starts it.
    ///
    /// Errors: [`CaptureError`].
    pub fn open(device: Option<&str>, channels: u16) -> Result<Capture, CaptureError> {
        let device = find_device(device)?;
        let device_id = device
            .id()
            .map(|id| id.to_string())
            .unwrap_or_else(|_| "unknown".to_owned());
        let offer = offer_of(&device)?;
        let choice = choice::choose(&offer, channels).ok_or_else(|| {
            CaptureError::NoFormat(offer.default.as_ref().map_or_else(
                || "none listed".to_owned(),
                |c| c.sample_format().to_string(),
            ))
        })?;
        let format = Format {
            sample_rate: choice.sample_rate,
            channels,
        };
        let conversion = Conversion {
            device_format: choice.sample_format,
            device_channels: choice.channels,
            channels,
        };
        wake::start_clock();
        let opened_ms = wake::clock_ms();
        let shared = Shared {
            overruns: Arc::new(AtomicU64::new(0)),
            first_drop_at: Arc::new(AtomicU64::new(u64::MAX)),
            received: Arc::new(AtomicU64::new(0)),
            failed: Arc::new(AtomicBool::new(false)),
            failure: Arc::new(std::sync::Mutex::new(None)),
            last_callback_ms: Arc::new(AtomicU64::new(opened_ms)),
            writer: Arc::new(std::sync::OnceLock::new()),
        };

        let mut stream_config = cpal::StreamConfig {
            channels: choice.channels,
            sample_rate: choice.sample_rate,
            buffer_size: cpal::BufferSize::Default,
        };
        if is_pulseaudio(&device) {
            // Small pieces, so the live meter moves smoothly: PulseAudio otherwise hands a
            // capture stream over about every 2 s.
            stream_config.buffer_size =
                cpal::BufferSize::Fixed(choice.sample_rate / PULSE_FRAGMENTS_PER_SECOND);
        }
        let (stream, ring) = open_stream(&device, &stream_config, &choice, channels, &shared)?;
        stream
            .play()
            .map_err(|e| CaptureError::Device(e.to_string()))?;
        tracing::info!(
            device = %device_id,
            rate = format.sample_rate,
            channels,
            device_channels = choice.channels,
            device_format = %choice.sample_format,
            "capture started"
        );
        Ok(Capture {
            _stream: stream,
            ring,
            format,
            device_id,
            conversion,
            shared,
            silence: wake::Silence::new(opened_ms),
        })
    }

    /// The format the samples arrive in.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The device's id.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// How the stored audio is made from what the device delivers.
    pub fn conversion(&self) -> Conversion {
        self.conversion
    }

    /// Stored samples lost because the ring was full, counted only when a drop fell inside the
    /// first `frames` frames (what the writer took); drops after the point where the writer
    /// stopped cost the recording nothing.
    pub fn overruns_within(&self, frames: u64) -> u64 {
        if self.shared.first_drop_at.load(Ordering::Relaxed) < frames {
            self.shared.overruns.load(Ordering::Relaxed) * u64::from(self.format.channels)
        } else {
            0
        }
    }

    /// Moves up to `out.capacity()` stored samples' worth of waiting frames into `out` (which
    /// is cleared first), converted to the stored format. Returns how many samples it holds.
    pub fn drain_into(&mut self, out: &mut Vec<i16>) -> usize {
        out.clear();
        let frames = out.capacity() / usize::from(self.format.channels).max(1);
        self.ring.drain(frames, out);
        out.len()
    }

    /// Waits until the device has delivered a meter window of audio (40 ms or more) since the
    /// last [`Self::drain_into`], or `longest` has passed, whichever comes first. The callback
    /// wakes the thread that waits here, so a writer that has drained everything sleeps until
    /// there is work instead of looking again and again.
    pub fn wait_for_audio(&self, longest: Duration) {
        self.shared.writer.get_or_init(std::thread::current);
        std::thread::park_timeout(longest);
    }

    /// Frames the device has delivered so far, kept or dropped.
    pub fn received(&self) -> u64 {
        self.shared.received.load(Ordering::Relaxed)
    }

    /// Why the device stopped, if it did: its error callback fired, or it has not delivered
    /// anything for `silence_limit` (a vanished device does not always report an error).
    /// Called once per turn of the writer: silence is counted only across turns, at most
    /// [`wake::WAKE_GAP_MS`] a turn, so the time the computer slept never counts.
    pub fn failure(&mut self, silence_limit: Duration) -> Option<String> {
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
        let last = self.shared.last_callback_ms.load(Ordering::Relaxed);
        let since = Duration::from_millis(self.silence.update(last, wake::clock_ms()));
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
    /// Frames dropped because the ring was full.
    overruns: Arc<AtomicU64>,
    /// How many frames had been pushed when the first one was dropped.
    first_drop_at: Arc<AtomicU64>,
    /// Frames the device delivered, kept or dropped.
    received: Arc<AtomicU64>,
    failed: Arc<AtomicBool>,
    failure: Arc<std::sync::Mutex<Option<String>>>,
    /// [`wake::clock_ms`] when the callback last ran.
    last_callback_ms: Arc<AtomicU64>,
    /// The thread waiting in [`Capture::wait_for_audio`], once one has.
    writer: Arc<std::sync::OnceLock<std::thread::Thread>>,
}

/// The input device `text` names, or the preferred host's default input.
fn find_device(text: Option<&str>) -> Result<cpal::Device, CaptureError> {
    match text {
        Some(text) => {
            let id: cpal::DeviceId = text
                .parse()
                .map_err(|_| CaptureError::NoDevice(text.to_owned()))?;
            cpal::host_from_id(id.host())
                .ok()
                .and_then(|host| host.device_by_id(&id))
                .ok_or_else(|| CaptureError::NoDevice(text.to_owned()))
        }
        None => devices::preferred_host()
            .default_input_device()
            .ok_or_else(|| CaptureError::NoDevice("(default)".to_owned())),
    }
}

/// What `device` reports about itself, for [`choice::choose`].
fn offer_of(device: &cpal::Device) -> Result<Offer, CaptureError> {
    let ranges = device
        .supported_input_configs()
        .map_err(|e| CaptureError::Device(e.to_string()))?
        .collect();
    // ALSA's default is cpal's guess from the list; the other hosts report the format the
    // device is in (PulseAudio's source format, WASAPI's mix format, CoreAudio's current one).
    let default_is_native = device
        .id()
        .map(|id| !default_is_a_guess(id.host()))
        .unwrap_or(false);
    Ok(Offer {
        ranges,
        default: device.default_input_config().ok(),
        default_is_native,
    })
}

/// Whether `host`'s default input configuration is a guess from the device's list (ALSA's:
/// cpal ranks the list) rather than the format the device is in.
#[cfg(any(
    target_os = "linux",
    target_os = "dragonfly",
    target_os = "freebsd",
    target_os = "netbsd"
))]
fn default_is_a_guess(host: cpal::HostId) -> bool {
    host == cpal::HostId::Alsa
}

/// Whether `host`'s default input configuration is a guess (never, on this system).
#[cfg(not(any(
    target_os = "linux",
    target_os = "dragonfly",
    target_os = "freebsd",
    target_os = "netbsd"
)))]
fn default_is_a_guess(_host: cpal::HostId) -> bool {
    false
}

/// The writer's side of the ring, whatever the device's sample type.
trait Ring: Send {
    /// Appends up to `frames` waiting frames to `out`, converted to the stored format.
    fn drain(&mut self, frames: usize, out: &mut Vec<i16>);
}

/// The consumer of a ring of device samples of type `T`.
struct RingOf<T> {
    consumer: rtrb::Consumer<T>,
    device_channels: usize,
    channels: usize,
}

impl<T: Stored> Ring for RingOf<T> {
    fn drain(&mut self, frames: usize, out: &mut Vec<i16>) {
        let whole = self.consumer.slots() / self.device_channels;
        let take = whole.min(frames) * self.device_channels;
        if take == 0 {
            return;
        }
        if let Ok(chunk) = self.consumer.read_chunk(take) {
            let (a, b) = chunk.as_slices();
            // The ring holds whole frames only, so each slice ends on a frame boundary.
            convert::append_frames(a, self.device_channels, self.channels, out);
            convert::append_frames(b, self.device_channels, self.channels, out);
            chunk.commit_all();
        }
    }
}

/// Builds the input stream for the chosen sample format, with its ring.
fn open_stream(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    choice: &Choice,
    channels: u16,
    shared: &Shared,
) -> Result<(cpal::Stream, Box<dyn Ring>), CaptureError> {
    use cpal::{I24, U24};
    let args = (device, config, channels, shared);
    match choice.sample_format {
        SampleFormat::I16 => build::<i16>(args),
        SampleFormat::F32 => build::<f32>(args),
        SampleFormat::I32 => build::<i32>(args),
        SampleFormat::I24 => build::<I24>(args),
        SampleFormat::F64 => build::<f64>(args),
        SampleFormat::U16 => build::<u16>(args),
        SampleFormat::U24 => build::<U24>(args),
        SampleFormat::U32 => build::<u32>(args),
        SampleFormat::I64 => build::<i64>(args),
        SampleFormat::U64 => build::<u64>(args),
        SampleFormat::I8 => build::<i8>(args),
        SampleFormat::U8 => build::<u8>(args),
        other => Err(CaptureError::NoFormat(other.to_string())),
    }
}

fn build<T: Stored>(
    (device, config, channels, shared): (&cpal::Device, &cpal::StreamConfig, u16, &Shared),
) -> Result<(cpal::Stream, Box<dyn Ring>), CaptureError> {
    let device_channels = usize::from(config.channels.max(1));
    let capacity = (config.sample_rate as usize * device_channels * RING_SECONDS as usize)
        .max(RING_BYTES / std::mem::size_of::<T>().max(1));
    let (mut producer, consumer) = rtrb::RingBuffer::<T>::new(capacity);
    let overruns = shared.overruns.clone();
    let first_drop_at = shared.first_drop_at.clone();
    let mut pushed = 0u64;
    let received = shared.received.clone();
    let last = shared.last_callback_ms.clone();
    let failed = shared.failed.clone();
    let failure = shared.failure.clone();
    let writer = shared.writer.clone();
    // A meter window (1/25 s) of device samples: when that much waits, the writer is woken.
    let wake_at = (config.sample_rate as usize / WAKES_PER_SECOND * device_channels).min(capacity);
    let stream = device
        .build_input_stream::<T, _, _>(
            *config,
            move |data: &[T], _info| {
                // Real-time path: no locks, no allocation, no conversion, no I/O. Whole
                // frames only, so a full ring never shifts the channels.
                let now = wake::clock_ms();
                let frames = data.len() / device_channels;
                let before = received.load(Ordering::Relaxed);
                let fit = (producer.slots() / device_channels).min(frames);
                if fit > 0 {
                    if let Ok(chunk) = producer.write_chunk_uninit(fit * device_channels) {
                        chunk.fill_from_iter(data.iter().copied());
                    }
                    pushed += fit as u64;
                }
                if fit < frames {
                    let _ = first_drop_at.compare_exchange(
                        u64::MAX,
                        pushed,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    );
                    overruns.fetch_add((frames - fit) as u64, Ordering::Relaxed);
                }
                received.store(before + frames as u64, Ordering::Relaxed);
                last.store(now, Ordering::Relaxed);
                if capacity - producer.slots() >= wake_at {
                    // Lock-free: a system call only when the writer is asleep.
                    if let Some(writer) = writer.get() {
                        writer.unpark();
                    }
                }
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
        .map_err(|e| CaptureError::Device(e.to_string()))?;
    let ring = RingOf {
        consumer,
        device_channels,
        channels: usize::from(channels),
    };
    Ok((stream, Box::new(ring)))
}
