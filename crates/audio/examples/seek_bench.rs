//! Time from a seek to the first decoded samples in a sealed two-hour recording (release
//! build). Used by `scripts/bench-seek.sh`.
//!
//! Outside any timing, seals two hours of 48 kHz stereo (deterministic noise, as
//! `seal_bench` makes it) through [`SealedWriter`] into DIR, then opens it ONCE with
//! [`SealedAudio::open`]: opening reads the header and seeks to the end of the age stream to
//! learn the length, which a player does once per file, so it is not part of a seek's cost (it
//! is timed on its own, for contrast). Then, for ten positions spread over the recording (0 %,
//! 11 %, ..., 99 % of its frames), visited in a fixed order in which no position follows one
//! next to it, times `seek_frame` plus `read_samples` of 1024 frames with [`Instant`]: the
//! time to the first decoded samples. One warm-up pass, then RUNS timed passes. Every read is
//! checked against the samples regenerated from the same noise, outside the timing, so a wrong
//! read cannot pass for a fast one.
//!
//! The file has just been written, so it is in the page cache: this measures decryption and
//! seeking, not a cold disk's access time.
//!
//! Usage: `seek_bench DIR [RUNS]` (RUNS defaults to 15).

use std::fs::File;
use std::io::Write;
use std::time::Instant;

mod bench_audio;

use bench_audio::{blocks, BLOCKS, BLOCK_FRAMES, CHANNELS, RATE};
use sessionvault_audio::seal::{Format, RecordingKey, SealedAudio, SealedWriter};

const SECONDS: u64 = 2 * 60 * 60;
/// Frames read after each seek.
const READ_FRAMES: usize = 1024;
/// Positions in percent of the frames: 0, 11, ..., 99.
const PERCENTS: [u64; 10] = [0, 11, 22, 33, 44, 55, 66, 77, 88, 99];
/// The order the positions are visited in (indices into PERCENTS): no index follows one next
/// to it, the wrap from the last to the first included.
const ORDER: [usize; 10] = [0, 5, 9, 3, 7, 1, 6, 2, 8, 4];

/// The interleaved samples of `frames` frames from frame `from` of the cycled blocks.
fn expected(blocks: &[Vec<i16>], from: u64, frames: usize) -> Vec<i16> {
    let ch = usize::from(CHANNELS);
    (from..from + frames as u64)
        .flat_map(|f| {
            let block = &blocks[(f / BLOCK_FRAMES) as usize % BLOCKS];
            let at = (f % BLOCK_FRAMES) as usize * ch;
            block[at..at + ch].iter().copied()
        })
        .collect()
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, runs) = match args.as_slice() {
        [_, dir] => (dir, 15),
        [_, dir, runs] => (dir, runs.parse::<usize>()?),
        _ => return Err("usage: seek_bench DIR [RUNS]".into()),
    };
    if runs == 0 {
        return Err("RUNS must be at least 1".into());
    }
    let path = std::path::Path::new(dir).join("seek-bench.age");
    let format = Format {
        sample_rate: RATE,
        channels: CHANNELS,
    };
    let key = RecordingKey::generate();
    let blocks = blocks();

    // The recording, made outside any timing.
    let start = Instant::now();
    let mut writer = SealedWriter::create(File::create(&path)?, &key, format)?;
    for block in blocks.iter().cycle().take(SECONDS as usize * 10) {
        writer.write_samples(block)?;
    }
    let sealed = writer.finish()?;
    println!(
        "recording: {SECONDS} s of {RATE} Hz stereo, {} frames, {} bytes sealed in {:.1} s \
         (not timed below)",
        sealed.frames,
        sealed.bytes,
        start.elapsed().as_secs_f64()
    );

    // Opening, for contrast: not part of a seek.
    let mut opens = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let audio = SealedAudio::open(&path, &key)?;
        opens.push(start.elapsed().as_secs_f64() * 1e3);
        if audio.frames() != sealed.frames {
            return Err(
                format!("opened {} frames, sealed {}", audio.frames(), sealed.frames).into(),
            );
        }
    }
    println!(
        "open (SealedAudio::open: header, then a seek to the end of the stream to learn its \
         length; once per file, not part of a seek): median {:.3} ms over {runs}",
        median(&opens)
    );

    let mut audio = SealedAudio::open(&path, &key)?;
    let frames = audio.frames();
    let positions: Vec<u64> = PERCENTS.iter().map(|p| frames * p / 100).collect();
    let wanted: Vec<Vec<i16>> = positions
        .iter()
        .map(|&p| expected(&blocks, p, READ_FRAMES))
        .collect();
    let mut out = vec![0i16; READ_FRAMES * usize::from(CHANNELS)];
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(runs); positions.len()];
    // Pass 0 is the warm-up, not recorded.
    for pass in 0..=runs {
        for &i in &ORDER {
            let start = Instant::now();
            audio.seek_frame(positions[i]);
            let n = audio.read_samples(&mut out)?;
            let elapsed = start.elapsed().as_secs_f64() * 1e3;
            if out[..n] != wanted[i][..] {
                return Err(format!(
                    "wrong samples at frame {} ({} %): {n} read",
                    positions[i], PERCENTS[i]
                )
                .into());
            }
            if pass > 0 {
                times[i].push(elapsed);
            }
        }
    }

    println!(
        "seek_frame + read_samples of {READ_FRAMES} frames, {runs} timed passes after 1 warm-up \
         pass, visiting {:?} %, every read checked:",
        ORDER.map(|i| PERCENTS[i])
    );
    for (i, t) in times.iter().enumerate() {
        let min = t.iter().copied().fold(f64::INFINITY, f64::min);
        let max = t.iter().copied().fold(0.0, f64::max);
        println!(
            "  {:>2} %  frame {:>9}: median {:.3} ms  (min {:.3}, max {:.3})",
            PERCENTS[i],
            positions[i],
            median(t),
            min,
            max
        );
    }
    let all: Vec<f64> = times.iter().flatten().copied().collect();
    let overall = median(&all);
    let first = median(&times[0]);
    let last = median(&times[times.len() - 1]);
    println!(
        "median of all {} seeks: {overall:.3} ms (goal <= 5 ms: {})",
        all.len(),
        if overall <= 5.0 { "met" } else { "NOT met" }
    );
    let ratio = last / first;
    println!(
        "median at 99 % / median at 0 %: {last:.3} / {first:.3} = {ratio:.2} (goal <= 1.5: {})",
        if ratio <= 1.5 { "met" } else { "NOT met" }
    );
    std::io::stdout().flush()?;
    Ok(())
}
