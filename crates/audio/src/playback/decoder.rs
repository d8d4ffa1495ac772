//! The decoder's side of playback: a thread that decrypts blocks from the current position,
//! stretches them to the speed, and pushes them into the ring, taking up seeks and speed
//! changes.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::{Shared, BLOCK_FRAMES};
use crate::seal::SealedAudio;
use crate::stretch::{self, Stretcher};

/// The decoder thread: decrypts and converts blocks from the current position into the ring
/// until the end of the range, taking up seeks and speed changes, until told to stop. At the
/// end it overwrites the ring with silence.
pub(super) fn decode(
    mut audio: SealedAudio,
    mut producer: rtrb::Producer<f32>,
    shared: &Shared,
    end: u64,
    speed: f64,
) {
    let format = audio.format();
    let channels = usize::from(format.channels);
    let mut block = Zeroizing::new(vec![0i16; BLOCK_FRAMES * channels]);
    let mut out: Zeroizing<Vec<f32>> = Zeroizing::new(Vec::with_capacity(
        (BLOCK_FRAMES as f64 / stretch::MIN_SPEED) as usize * channels * 2,
    ));
    let mut position = audio.frame_position();
    let mut stretcher = start_segment(&mut audio, position, speed, &mut block);
    while !shared.stop.load(Ordering::Relaxed) {
        let request = shared.timeline().pending;
        if let Some((frame, new_speed)) = request {
            // Note what was heard up to here, have the queue dropped, then start again there.
            let played = shared.played.load(Ordering::Acquire);
            let heard_until = shared.timeline().source_at(played);
            shared.flush.store(true, Ordering::Release);
            wait_for_flush(shared);
            position = frame.min(end);
            stretcher = start_segment(&mut audio, position, new_speed, &mut block);
            let mut timeline = shared.timeline();
            timeline.restart(position, new_speed, heard_until);
            timeline.pending = None;
            continue;
        }
        if shared.timeline().decoded_all {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        out.clear();
        let left = end.saturating_sub(position) as usize;
        // At the end of the range (or of intact audio) the stretcher gives up its tail.
        let (produced, finished) = if left == 0 {
            (stretcher.finish(&mut out), true)
        } else {
            let want = left.min(BLOCK_FRAMES) * channels;
            match audio.read_samples(&mut block[..want]) {
                Ok(0) => (stretcher.finish(&mut out), true),
                Ok(n) => {
                    position += (n / channels) as u64;
                    (stretcher.process(&block[..n], &mut out), false)
                }
                Err(e) => {
                    shared.timeline().fault = Some(e.to_string());
                    (stretcher.finish(&mut out), true)
                }
            }
        };
        if !push_all(&mut producer, &out, shared) {
            continue;
        }
        let mut timeline = shared.timeline();
        timeline.output_total += produced as u64;
        let mark = (timeline.output_total, position);
        timeline.marks.push_back(mark);
        timeline.decoded_all = finished;
    }
    scrub(&mut producer, shared);
}

/// Moves the reader to `frame`, primes a new stretcher with the audio just before it, and
/// returns the stretcher.
fn start_segment(audio: &mut SealedAudio, frame: u64, speed: f64, block: &mut [i16]) -> Stretcher {
    let format = audio.format();
    let channels = usize::from(format.channels);
    // `speed` was checked before it got here; normal speed is the safe answer otherwise.
    let mut stretcher = Stretcher::new(format.channels, format.sample_rate, speed)
        .unwrap_or_else(|_| Stretcher::normal(format.channels));
    let preroll = (stretcher.preroll_frames() as u64).min(frame);
    if preroll > 0 && preroll as usize <= block.len() / channels {
        audio.seek_frame(frame - preroll);
        let want = preroll as usize * channels;
        if let Ok(n) = audio.read_samples(&mut block[..want]) {
            stretcher.preroll(&block[..n]);
        }
    }
    audio.seek_frame(frame);
    stretcher
}

/// Waits (briefly) for the callback to drop the queue. If the callback is not running (the
/// device is gone), gives up after a second: nothing is being heard then anyway.
fn wait_for_flush(shared: &Shared) {
    let deadline = Instant::now() + Duration::from_secs(1);
    while shared.flush.load(Ordering::Acquire) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Pushes every sample of `samples` into the ring, waiting for room. Returns false when a seek,
/// a speed change or stop came first (the rest is dropped).
fn push_all(producer: &mut rtrb::Producer<f32>, samples: &[f32], shared: &Shared) -> bool {
    let mut done = 0;
    while done < samples.len() {
        if shared.stop.load(Ordering::Relaxed) || shared.timeline().pending.is_some() {
            return false;
        }
        let room = producer.slots().min(samples.len() - done);
        if room == 0 {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        if let Ok(chunk) = producer.write_chunk_uninit(room) {
            chunk.fill_from_iter(samples[done..done + room].iter().copied());
        }
        done += room;
    }
    true
}

/// Overwrites every slot of the ring with silence, so no decrypted audio stays in freed memory.
fn scrub(producer: &mut rtrb::Producer<f32>, shared: &Shared) {
    shared.flush.store(true, Ordering::Release);
    wait_for_flush(shared);
    let capacity = producer.buffer().capacity();
    if producer.slots() == capacity {
        if let Ok(chunk) = producer.write_chunk_uninit(capacity) {
            chunk.fill_from_iter(std::iter::repeat(0.0));
        }
    }
}
