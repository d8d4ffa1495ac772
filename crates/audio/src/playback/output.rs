//! The output device's side of playback: the device found and opened at the recording's rate
//! and channels, and the real-time callback that takes samples from the ring.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{SampleFormat, SizedSample};

use super::{PlaybackError, Shared, DEVICE_BUFFER_MS};
use crate::seal::Format;

/// A sample type the output device takes.
trait OutputSample: SizedSample + Send + 'static {
    fn from_float(sample: f32) -> Self;
}

impl OutputSample for f32 {
    fn from_float(sample: f32) -> Self {
        sample
    }
}

impl OutputSample for i16 {
    fn from_float(sample: f32) -> Self {
        (sample * 32768.0).round().clamp(-32768.0, 32767.0) as i16
    }
}

/// Finds the device and starts a stream on it that plays from `consumer`.
pub(super) fn open_output(
    device: Option<&str>,
    format: Format,
    consumer: rtrb::Consumer<f32>,
    shared: &Arc<Shared>,
) -> Result<cpal::Stream, PlaybackError> {
    let device = match device {
        Some(text) => {
            let id: cpal::DeviceId = text
                .parse()
                .map_err(|_| PlaybackError::Device(format!("there is no device {text}")))?;
            cpal::host_from_id(id.host())
                .ok()
                .and_then(|host| host.device_by_id(&id))
                .ok_or_else(|| PlaybackError::Device(format!("there is no device {text}")))?
        }
        None => crate::devices::preferred_host()
            .default_output_device()
            .ok_or_else(|| PlaybackError::Device("there is no output device".to_owned()))?,
    };
    let ranges: Vec<_> = device
        .supported_output_configs()
        .map_err(|e| PlaybackError::Device(e.to_string()))?
        .filter(|r| {
            r.channels() == format.channels
                && (r.min_sample_rate()..=r.max_sample_rate()).contains(&format.sample_rate)
        })
        .collect();
    let pick = ranges
        .iter()
        .find(|r| r.sample_format() == SampleFormat::F32)
        .or_else(|| {
            ranges
                .iter()
                .find(|r| r.sample_format() == SampleFormat::I16)
        })
        .ok_or_else(|| {
            PlaybackError::Device(format!(
                "it cannot play {} channel(s) at {} Hz",
                format.channels, format.sample_rate
            ))
        })?;
    let config = pick.with_sample_rate(format.sample_rate);
    let mut stream_config = config.config();
    // Ask for small device buffers: a server that asks for seconds of audio at once (PulseAudio
    // does by default) would otherwise outrun the ring and hear gaps.
    let wanted = format.sample_rate / 1000 * DEVICE_BUFFER_MS;
    stream_config.buffer_size = match config.buffer_size() {
        cpal::SupportedBufferSize::Range { min, max } => {
            cpal::BufferSize::Fixed(wanted.clamp(*min, *max))
        }
        cpal::SupportedBufferSize::Unknown => cpal::BufferSize::Fixed(wanted),
    };
    let stream = match config.sample_format() {
        SampleFormat::F32 => build::<f32>(&device, &stream_config, consumer, shared),
        _ => build::<i16>(&device, &stream_config, consumer, shared),
    }?;
    stream
        .play()
        .map_err(|e| PlaybackError::Device(e.to_string()))?;
    Ok(stream)
}

fn build<T: OutputSample>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut consumer: rtrb::Consumer<f32>,
    shared: &Arc<Shared>,
) -> Result<cpal::Stream, PlaybackError> {
    let channels = usize::from(config.channels);
    let rate = f64::from(config.sample_rate);
    let callback_shared = shared.clone();
    let error_shared = shared.clone();
    device
        .build_output_stream::<T, _, _>(
            *config,
            move |data: &mut [T], info: &cpal::OutputCallbackInfo| {
                // Real-time path: no locks, no allocation, no I/O.
                let shared = &callback_shared;
                shared.last_callback_ms.store(
                    shared.started.elapsed().as_millis() as u64,
                    Ordering::Relaxed,
                );
                if shared.flush.load(Ordering::Acquire) {
                    if let Ok(chunk) = consumer.read_chunk(consumer.slots()) {
                        chunk.commit_all();
                    }
                    shared.played.store(0, Ordering::Release);
                    shared.flush.store(false, Ordering::Release);
                }
                let silence = T::from_float(0.0);
                if !shared.playing.load(Ordering::Relaxed) {
                    data.fill(silence);
                    return;
                }
                let stamp = info.timestamp();
                let held = stamp.playback.duration_since(stamp.callback).as_secs_f64() * rate;
                shared.latency.store(held as u64, Ordering::Relaxed);
                let volume = f32::from_bits(shared.volume.load(Ordering::Relaxed));
                let take = consumer.slots().min(data.len()) / channels * channels;
                if let Ok(chunk) = consumer.read_chunk(take) {
                    let (a, b) = chunk.as_slices();
                    for (out, &sample) in data.iter_mut().zip(a.iter().chain(b)) {
                        *out = T::from_float(if volume == 1.0 {
                            sample
                        } else {
                            sample * volume
                        });
                    }
                    chunk.commit_all();
                }
                data[take..].fill(silence);
                shared
                    .played
                    .fetch_add((take / channels) as u64, Ordering::AcqRel);
            },
            move |error| {
                // Not the audio path: taking a lock here is fine.
                if let Ok(mut slot) = error_shared.device_failure.lock() {
                    slot.get_or_insert_with(|| error.to_string());
                }
            },
            None,
        )
        .map_err(|e| PlaybackError::Device(e.to_string()))
}
