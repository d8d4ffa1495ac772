//! Recording from microphones of every shape: the device is opened in a format of its own and
//! the writer makes the stored audio (16-bit, mono or stereo), sample-exact against the input.
//! Devices are ALSA plugin chains (`multi` fixes the channel count, `lfloat` offers float only,
//! `plug` offers everything) and PulseAudio pipe sources, whose own format is what they are
//! given (32-bit at 44.1 kHz, 16 kHz mono, stereo float).

use std::io::Write;
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{
    cli, files_under, json, new_vault, run, supervision_consent, AlsaFileInput, Offers, PulseServer,
};

/// The recording `id` exported and read back: (rate, channels, samples).
fn exported(dir: &Path, id: &str) -> (u32, u16, Vec<i16>) {
    let out = dir.parent().unwrap().join(format!("{id}.wav"));
    let (o, _s, stderr) = run(cli(dir).args(["export", id, "--wav", "--out"]).arg(&out));
    assert!(o.status.success(), "{stderr}");
    let mut reader = hound::WavReader::open(&out).unwrap();
    let spec = reader.spec();
    let samples = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    (spec.sample_rate, spec.channels, samples)
}

/// The mean of each frame's channels, rounded to nearest with halves up: what a mono recording
/// of a multi-channel device must hold.
fn mixed_down(interleaved: &[i16], channels: usize) -> Vec<i16> {
    interleaved
        .chunks_exact(channels)
        .map(|f| {
            let sum: i64 = f.iter().map(|&s| i64::from(s)).sum();
            let n = channels as i64;
            (2 * sum + n).div_euclid(2 * n) as i16
        })
        .collect()
}

/// Records `args` from the ALSA device `input`; the summary printed.
fn record_alsa(dir: &Path, input: &AlsaFileInput, args: &[&str]) -> serde_json::Value {
    let consent = supervision_consent(dir);
    let (out, stdout, stderr) = run(input
        .apply(&mut cli(dir))
        .args(["--json", "record", "--consent", &consent])
        .args(args));
    assert!(out.status.success(), "{stderr}");
    json(&stdout)
}

#[test]
fn a_stereo_device_recorded_as_mono_is_the_exact_mean_of_its_channels() {
    // The stereo device, the same behind ALSA's plug (the default of a system without a sound
    // server: recording mono through it used to lose a piece of every period), and a stereo
    // microphone that offers float samples only.
    for offers in [Offers::Any, Offers::ThroughPlug, Offers::FloatOnly] {
        let (_tmp, dir, _id) = new_vault();
        let input = AlsaFileInput::device(48_000 * 2 * 3, 2, offers);
        let summary = record_alsa(&dir, &input, &["--duration", "2s"]);
        assert_eq!(summary["state"], "complete", "{summary}");
        assert_eq!(summary["channels"], 1);
        assert_eq!(summary["device_channels"], 2, "{offers:?}: {summary}");
        let conversion = match offers {
            Offers::FloatOnly => "f32 samples to 16-bit; 2 channels mixed down to mono",
            _ => "2 channels mixed down to mono",
        };
        assert_eq!(summary["conversion"], conversion, "{summary}");
        let (rate, channels, samples) = exported(&dir, summary["id"].as_str().unwrap());
        assert_eq!((rate, channels, samples.len()), (48_000, 1, 96_000));
        let want = mixed_down(&input.samples()[..192_000], 2);
        let first_difference = samples.iter().zip(&want).position(|(a, b)| a != b);
        assert_eq!(
            first_difference, None,
            "{offers:?}: the mono recording differs from the mean of the input's channels"
        );
    }
}

#[test]
fn a_mono_device_recorded_as_stereo_has_its_channel_on_both_sides() {
    let (_tmp, dir, _id) = new_vault();
    let input = AlsaFileInput::device(48_000 * 3, 1, Offers::Any);
    let summary = record_alsa(&dir, &input, &["--duration", "2s", "--channels", "2"]);
    assert_eq!(summary["device_channels"], 1, "{summary}");
    assert_eq!(summary["conversion"], "mono copied to 2 channels");
    let (rate, channels, samples) = exported(&dir, summary["id"].as_str().unwrap());
    assert_eq!((rate, channels, samples.len()), (48_000, 2, 192_000));
    let want: Vec<i16> = input.samples()[..96_000]
        .iter()
        .flat_map(|&s| [s, s])
        .collect();
    assert!(
        samples == want,
        "the stereo recording is not the mono input twice"
    );
}

/// A microphone of its own format, through a PulseAudio pipe source.
struct PipeDevice {
    /// PulseAudio's `format=`.
    format: &'static str,
    rate: u32,
    channels: usize,
}

impl PipeDevice {
    /// The bytes of `frames` frames of a known signal in this format, and the signal as the
    /// 16-bit samples each one must become.
    fn signal(&self, frames: usize) -> (Vec<u8>, Vec<i16>) {
        let samples: Vec<i16> = (0..frames * self.channels)
            .map(|i| (((i * 7919 + i / self.channels * 31) % 65536) as i32 - 32768) as i16)
            .collect();
        let bytes = samples
            .iter()
            .flat_map(|&s| match self.format {
                "s16le" => s.to_le_bytes().to_vec(),
                // The 16-bit value in the top bits, and noise in the low bits it must drop.
                "s32le" => ((i32::from(s) << 16) | 0x5a5a).to_le_bytes().to_vec(),
                "float32le" => (f32::from(s) / 32768.0).to_le_bytes().to_vec(),
                other => panic!("no such test format {other}"),
            })
            .collect();
        (bytes, samples)
    }
}

#[test]
fn microphones_of_their_own_format_and_rate_are_recorded_exactly_at_that_rate() {
    for (device, device_format, channels) in pipe_devices() {
        let spec = format!(
            "format={} rate={} channels={}",
            device.format, device.rate, device.channels
        );
        let pulse = PulseServer::with_pipe_source(&spec);
        let (_tmp, dir, _id) = new_vault();
        let consent = supervision_consent(&dir);
        let seconds = 2;
        let mut child = cli(&dir)
            .args(["--json", "record", "--consent", &consent, "--duration"])
            .arg(format!("{seconds}s"))
            .args(["--channels", &channels.to_string()])
            .env("PULSE_SERVER", &pulse.address)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let samples =
            feed_the_pipe_until_the_recording_ends(&mut child, &pulse, &dir, &device, &spec);
        let out = child.wait_with_output().unwrap();
        let summary = check_summary(&out, &device, device_format, &spec);
        let recorded = Recorded {
            channels,
            seconds,
            samples,
        };
        check_recorded_exactly(&dir, &summary, &device, recorded, &spec);
    }
}

/// The pipe devices tried: each with the sample format the recording must report for it and
/// the channels it is recorded in.
fn pipe_devices() -> [(PipeDevice, &'static str, usize); 3] {
    [
        // A USB microphone at 44.1 kHz that delivers 32-bit samples.
        (
            PipeDevice {
                format: "s32le",
                rate: 44_100,
                channels: 2,
            },
            "i32",
            1,
        ),
        // A Bluetooth headset in its headset profile: mono at 16 kHz.
        (
            PipeDevice {
                format: "s16le",
                rate: 16_000,
                channels: 1,
            },
            "i16",
            1,
        ),
        // A microphone in float. (Four channels through a pipe source are still remixed by
        // the server on the way, whatever the stream's channel map; not yet understood.)
        (
            PipeDevice {
                format: "float32le",
                rate: 48_000,
                channels: 2,
            },
            "f32",
            1,
        ),
    ]
}

/// Feeds `device`'s pipe source (`spec`) silence until the recording `child` makes its file in
/// `dir`, then the signal, and waits for the recording to end; the signal as 16-bit samples.
fn feed_the_pipe_until_the_recording_ends(
    child: &mut Child,
    pulse: &PulseServer,
    dir: &Path,
    device: &PipeDevice,
    spec: &str,
) -> Vec<i16> {
    // A pipe source starts a stream only once data comes, and drops what comes before a
    // stream is there: silence is fed, paced, until the recording's file exists, then
    // 2.5 s of the signal. The recording is that silence, then the signal.
    let frames = device.rate as usize * 5 / 2;
    let (bytes, samples) = device.signal(frames);
    let mut pipe = std::fs::OpenOptions::new()
        .write(true)
        .open(pulse.pipe())
        .expect("open the pipe source");
    let silence = vec![0u8; bytes.len() / frames * device.rate as usize / 100];
    let deadline = Instant::now() + Duration::from_secs(20);
    while files_under(&dir.join("recordings")).is_empty() {
        assert!(
            Instant::now() < deadline,
            "{spec}: the recording never started"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "{spec}: the recording ended"
        );
        pipe.write_all(&silence).unwrap();
        std::thread::sleep(Duration::from_millis(10));
    }
    pipe.write_all(&bytes).unwrap();
    drop(pipe);
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "{spec}: the recording did not end"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    samples
}

/// Checks that the recording of `device` (`spec`) succeeded and that its summary names the
/// device's rate, format and channels; the summary.
fn check_summary(
    out: &Output,
    device: &PipeDevice,
    device_format: &str,
    spec: &str,
) -> serde_json::Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{spec}: {stderr}");
    let summary = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(summary["state"], "complete", "{spec}: {summary}");
    assert_eq!(summary["sample_rate"], device.rate, "{spec}: {summary}");
    assert_eq!(summary["device_format"], device_format, "{spec}: {summary}");
    assert_eq!(
        summary["device_channels"], device.channels,
        "{spec}: {summary}"
    );
    summary
}

/// What a recording from a pipe device was asked to hold: its channels and seconds, and the
/// signal fed, as 16-bit samples.
struct Recorded {
    channels: usize,
    seconds: usize,
    samples: Vec<i16>,
}

/// Checks that the recording in `summary`, exported, is at `device`'s rate and holds the
/// signal fed, after the silence, sample for sample in the channels asked for.
fn check_recorded_exactly(
    dir: &Path,
    summary: &serde_json::Value,
    device: &PipeDevice,
    recorded: Recorded,
    spec: &str,
) {
    let Recorded {
        channels,
        seconds,
        samples,
    } = recorded;
    let (rate, got_channels, got) = exported(dir, summary["id"].as_str().unwrap());
    assert_eq!((rate, usize::from(got_channels)), (device.rate, channels));
    let want: Vec<i16> = match (device.channels, channels) {
        (from, 1) if from > 1 => mixed_down(&samples, from),
        (from, 2) if from > 2 => samples
            .chunks_exact(from)
            .flat_map(|f| [f[0], f[1]])
            .collect(),
        _ => samples,
    };
    let stored = seconds * device.rate as usize * channels;
    assert_eq!(got.len(), stored, "{spec}");
    // The signal's first sample is -32768: the silence ends where it starts.
    let start = got.iter().position(|&s| s != 0).unwrap_or(got.len());
    assert!(
        start % channels == 0 && start < stored / 2,
        "{spec}: the signal starts at sample {start}"
    );
    let heard = &got[start..];

    let first_difference = heard.iter().zip(&want).position(|(a, b)| a != b);
    assert_eq!(first_difference, None, "{spec} as {channels} channel(s)");
}
