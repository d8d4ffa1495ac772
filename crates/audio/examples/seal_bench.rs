//! Seals generated audio through the recording pipeline's writer (WAV header, 16-bit PCM,
//! age stream, a sync at least every second) and reports how long it took. Used by
//! `scripts/bench-seal.sh`, which sets it side by side with the `age` command encrypting the
//! same bytes.
//!
//! Usage: `seal_bench sealed OUT SECONDS` seals SECONDS of 48 kHz stereo into OUT;
//!        `seal_bench plain OUT SECONDS` writes the same audio as a plain WAV (the `age`
//!        command's input; made once, outside the timing).

use std::fs::File;
use std::io::Write;
use std::time::Instant;

mod bench_audio;

use bench_audio::{blocks, CHANNELS, RATE};
use sessionvault_audio::seal::{Format, RecordingKey, SealedWriter};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, mode, out, seconds] = args.as_slice() else {
        return Err("usage: seal_bench sealed|plain OUT SECONDS".into());
    };
    let seconds: u64 = seconds.parse()?;
    let format = Format {
        sample_rate: RATE,
        channels: CHANNELS,
    };
    match mode.as_str() {
        "sealed" => {
            let key = RecordingKey::generate();
            let blocks = blocks();
            let start = Instant::now();
            let mut writer = SealedWriter::create(File::create(out)?, &key, format)?;
            for block in blocks.iter().cycle().take(seconds as usize * 10) {
                writer.write_samples(block)?;
            }
            let sealed = writer.finish()?;
            let elapsed = start.elapsed().as_secs_f64();
            println!(
                "sealed {} frames ({} bytes) in {elapsed:.3} s: {:.0}x real time",
                sealed.frames,
                sealed.bytes,
                seconds as f64 / elapsed
            );
        }
        "plain" => {
            let spec = hound::WavSpec {
                channels: CHANNELS,
                sample_rate: RATE,
                bits_per_sample: 16,
                sample_format: hound::SampleFormat::Int,
            };
            let mut wav = hound::WavWriter::new(std::io::BufWriter::new(File::create(out)?), spec)?;
            for block in blocks().iter().cycle().take(seconds as usize * 10) {
                for &s in block {
                    wav.write_sample(s)?;
                }
            }
            wav.finalize()?;
        }
        _ => return Err("mode is sealed or plain".into()),
    }
    std::io::stdout().flush()?;
    Ok(())
}
