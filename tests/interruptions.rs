//! Recording through the interruptions of a real laptop, with a real-time PulseAudio: the
//! computer sleeping (or SessionVault frozen) in the middle of a session, and the desktop
//! switching to another microphone.
//!
//! A process frozen with SIGSTOP and woken with SIGCONT is what a suspended laptop looks like
//! to the processes on it. The recording must carry on from the same microphone, keep
//! everything before the freeze, put nothing in place of what never came, and mark the
//! interruption where it happened.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{
    cli, files_under, frequency, json, new_vault, run, spawn_recording, supervision_consent,
    PulseServer,
};

const RATE: u32 = 48_000;

/// Starts `sessionvault record` for `duration` from `pulse`'s default source, under a new
/// consent in the vault at `dir`; returns once its file exists.
fn start_recording(dir: &Path, pulse: &PulseServer, duration: &str) -> std::process::Child {
    let consent = supervision_consent(dir);
    spawn_recording(
        cli(dir)
            .args([
                "--json",
                "record",
                "--consent",
                &consent,
                "--duration",
                duration,
            ])
            .env("PULSE_SERVER", &pulse.address),
        dir,
    )
}

/// Waits until the recording's file holds more than its headers and a first age chunk (64 KiB):
/// the writer is running.
fn wait_until_sealing(dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let sealed: u64 = files_under(&dir.join("recordings"))
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        if sealed > 64 * 1024 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the writer never sealed any audio"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `signal` (`-STOP`, `-CONT`) to each of `pids`.
fn signal(signal: &str, pids: &[u32]) {
    let mut kill = Command::new("kill");
    kill.arg(signal);
    for pid in pids {
        kill.arg(pid.to_string());
    }
    assert!(kill.status().unwrap().success());
}

/// The recording's mono samples, through a WAV export.
fn exported(dir: &Path, scratch: &Path, id: &str) -> Vec<i16> {
    let wav = scratch.join(format!("{id}.wav"));
    let (o, _, stderr) = run(cli(dir).args(["export", id, "--wav", "--out"]).arg(&wav));
    assert!(o.status.success(), "{stderr}");
    let mut reader = hound::WavReader::open(&wav).unwrap();
    assert_eq!(reader.spec().sample_rate, RATE);
    assert_eq!(reader.spec().channels, 1);
    reader.samples::<i16>().map(Result::unwrap).collect()
}

/// Where a 440 Hz sine at [`RATE`] breaks: the frames at which a sample is not what the two
/// before it predict (a sine obeys `s[n] = 2 cos(w) s[n-1] - s[n-2]`; 16-bit rounding is a
/// few units, a cut or a repeat is thousands).
fn breaks_in_tone(samples: &[i16]) -> Vec<usize> {
    let c = 2.0 * (2.0 * std::f64::consts::PI * 440.0 / f64::from(RATE)).cos();
    let mut breaks: Vec<usize> = Vec::new();
    for i in 2..samples.len() {
        let predicted = c * f64::from(samples[i - 1]) - f64::from(samples[i - 2]);
        if (predicted - f64::from(samples[i])).abs() > 300.0
            && breaks.last().is_none_or(|&b| i - b > 10)
        {
            breaks.push(i);
        }
    }
    breaks
}

/// Records 16 s of the sine source, freezing the recorder (and `also`, e.g. the sound server)
/// from about 4 s in for 8 s; returns the finished summary, the exported samples and the
/// recorder's messages.
fn record_through_a_freeze(
    pulse: &PulseServer,
    dir: &Path,
    scratch: &Path,
    also: &[u32],
) -> (serde_json::Value, Vec<i16>, String) {
    let child = start_recording(dir, pulse, "16s");
    // Freeze a recording that runs: once its writer has sealed audio (a machine under load may
    // take seconds to get from creating the file to the writer's first turn), 3 s later.
    wait_until_sealing(dir);
    std::thread::sleep(Duration::from_secs(3));
    let mut frozen = vec![child.id()];
    frozen.extend_from_slice(also);
    signal("-STOP", &frozen);
    std::thread::sleep(Duration::from_secs(8));
    // The server first, as a waking system's sound service is back before its clients run.
    frozen.reverse();
    signal("-CONT", &frozen);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "the recording did not carry on: {stderr}"
    );
    let summary = json(&String::from_utf8_lossy(&out.stdout));
    let samples = exported(dir, scratch, summary["id"].as_str().unwrap());
    (summary, samples, stderr)
}

/// Checks the interruption mark on the summary, in `recordings list` and in the audit log,
/// and returns it.
fn the_interruption(dir: &Path, summary: &serde_json::Value) -> serde_json::Value {
    assert_eq!(summary["state"], "complete", "{summary}");
    assert!(summary["fault"].is_null(), "{summary}");
    let pauses = summary["pauses"].as_array().unwrap();
    assert_eq!(pauses.len(), 1, "one interruption: {summary}");
    let mark = pauses[0].clone();
    assert_eq!(mark["event"], "interrupted", "{mark}");
    let seconds = mark["seconds"].as_f64().unwrap();
    assert!(
        (seconds - 8.0).abs() <= 0.5,
        "no audio came for {seconds} s"
    );
    let after = mark["after_seconds"].as_f64().unwrap();
    // The freeze comes 3 s after the writer first sealed audio, which is soon after it starts.
    assert!((2.0..=6.0).contains(&after), "interrupted {after} s in");

    let (_, list, _) = run(cli(dir).args(["--json", "recordings", "list"]));
    assert_eq!(json(&list)[0]["pauses"][0], mark, "{list}");
    let (_, words, _) = run(cli(dir).args(["recordings", "list"]));
    assert!(words.contains("interrupted 0:0"), "{words}");
    let (_, log, _) = run(cli(dir).args(["--json", "audit", "list"]));
    let log = json(&log);
    let entry = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "recording.interrupted")
        .unwrap_or_else(|| panic!("no recording.interrupted in the audit log: {log}"));
    let details = json(entry["details"].as_str().unwrap());
    assert_eq!(details["frame"], mark["frame"], "{entry}");
    assert_eq!(
        details["missing_seconds"], mark["missing_seconds"],
        "{entry}"
    );
    assert_eq!(entry["subject"], summary["id"], "{entry}");
    mark
}

#[test]
fn a_frozen_recorder_carries_on_and_keeps_what_the_server_held() {
    let pulse = PulseServer::start();
    let (tmp, dir, _id) = new_vault();
    let (summary, samples, stderr) = record_through_a_freeze(&pulse, &dir, tmp.path(), &[]);
    let mark = the_interruption(&dir, &summary);
    // The server kept the 8 s while the recorder was frozen and handed them over on waking:
    // nothing is missing, and the tone runs unbroken through the mark, as the source made it.
    assert_eq!(mark["missing_seconds"], 0.0, "{mark}");
    assert_eq!(summary["overruns"], 0, "{summary}");
    assert_eq!(samples.len(), 16 * RATE as usize);
    assert_eq!(breaks_in_tone(&samples), Vec::<usize>::new());
    // The source hands over its first 2 s at once, so the audio is ahead of the clock.
    let frame = mark["frame"].as_u64().unwrap() as f64 / f64::from(RATE);
    assert!((3.0..=7.0).contains(&frame), "marked at {frame} s of audio");
    assert!(
        stderr.contains("interrupted") && stderr.contains("carries on"),
        "{stderr}"
    );
}

#[test]
fn a_sleeping_computer_with_its_sound_server_frozen_too_carries_on() {
    let pulse = PulseServer::start();
    let (tmp, dir, _id) = new_vault();
    let (summary, samples, _) = record_through_a_freeze(&pulse, &dir, tmp.path(), &[pulse.pid()]);
    let mark = the_interruption(&dir, &summary);
    assert_eq!(samples.len(), 16 * RATE as usize);
    // PulseAudio's sine source makes up on waking the time it missed, so the tone is whole;
    // a real microphone delivers nothing for it (see the test of a source that loses audio).
    assert_eq!(breaks_in_tone(&samples), Vec::<usize>::new());
    assert_eq!(summary["overruns"], 0, "{summary}");
    assert!(mark["missing_seconds"].as_f64().is_some(), "{mark}");
}

#[test]
fn a_new_default_microphone_or_a_move_never_switches_a_running_recording() {
    let pulse = PulseServer::with_second_source();
    let (tmp, dir, _id) = new_vault();
    let child = start_recording(&dir, &pulse, "8s");
    std::thread::sleep(Duration::from_secs(2));
    // A headset is plugged in and the desktop makes it the default...
    let (ok, said) = pulse.pactl(&["set-default-source", "svother"]);
    assert!(ok, "{said}");
    // ...and moves the streams there: the server refuses for this one.
    let (_, outputs) = pulse.pactl(&["list", "short", "source-outputs"]);
    let index = outputs
        .split_whitespace()
        .next()
        .unwrap_or_else(|| panic!("no recording stream: {outputs}"))
        .to_owned();
    let (moved, said) = pulse.pactl(&["move-source-output", &index, "svother"]);
    assert!(
        !moved,
        "the server moved the recording to another microphone: {said}"
    );
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let summary = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(summary["state"], "complete", "{summary}");
    // It says which microphone it recorded from, and all of it is that one's 440 Hz tone.
    assert_eq!(summary["device"], "pulseaudio:svsine", "{summary}");
    let samples = exported(&dir, tmp.path(), summary["id"].as_str().unwrap());
    assert_eq!(samples.len(), 8 * RATE as usize);
    assert_eq!(breaks_in_tone(&samples), Vec::<usize>::new());
    let tail = &samples[5 * RATE as usize..];
    let f = frequency(tail, RATE);
    assert!((f - 440.0).abs() <= 4.4, "the last 3 s are at {f} Hz");
}

/// Sample `i` of a known signal: every one differs from the 65 535 before it, so a cut or a
/// repeat cannot hide.
fn known(i: usize) -> i16 {
    ((i.wrapping_mul(7919).wrapping_add(12_345) % 65_536) as i32 - 32_768) as i16
}

/// Feeds `pipe` (a pipe source's FIFO, opened non-blocking) the known signal at the pace of a
/// microphone, 10 ms at a time, until `done`; a block that does not fit (nobody is reading,
/// as when the computer sleeps) is lost, as a real microphone's would be. Returns the blocks
/// written (`true`) and lost (`false`), in order.
fn feed_like_a_microphone(
    mut pipe: std::fs::File,
    done: &std::sync::atomic::AtomicBool,
) -> Vec<bool> {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    const BLOCK: usize = RATE as usize / 100;
    let started = std::time::Instant::now();
    let mut blocks = Vec::new();
    while !done.load(Ordering::Relaxed) {
        let due = started + Duration::from_millis(10 * blocks.len() as u64);
        if let Some(wait) = due.checked_duration_since(std::time::Instant::now()) {
            std::thread::sleep(wait);
        }
        let first = blocks.len() * BLOCK;
        let bytes: Vec<u8> = (first..first + BLOCK)
            .flat_map(|i| known(i).to_le_bytes())
            .collect();
        // 960 bytes is under PIPE_BUF: written whole or not at all.
        blocks.push(pipe.write(&bytes).is_ok());
    }
    blocks
}

#[test]
fn audio_that_never_came_while_the_computer_slept_is_missing_not_filled() {
    let pulse = PulseServer::with_pipe_source("format=s16le rate=48000 channels=1");
    let (tmp, dir, _id) = new_vault();
    let (summary, samples, blocks) = record_through_a_sleep(&pulse, &dir, tmp.path());
    let mark = the_interruption(&dir, &summary);

    let lost = the_lost_stretch(&blocks);
    let begins = where_the_recording_begins(&blocks, &samples);
    check_the_mark_says_what_never_came(&mark, &lost, begins);
}

/// Records 12 s from `pulse`'s pipe source, fed like a microphone, while the computer sleeps
/// 8 s in the middle (recorder and sound server stopped); the recording's summary, its
/// samples exported (via `scratch`), and the blocks the feeder wrote and lost.
fn record_through_a_sleep(
    pulse: &PulseServer,
    dir: &Path,
    scratch: &Path,
) -> (serde_json::Value, Vec<i16>, Vec<bool>) {
    use std::os::unix::fs::OpenOptionsExt;
    use std::sync::atomic::{AtomicBool, Ordering};
    // O_NONBLOCK: a full pipe refuses a block instead of holding the feeder up.
    let pipe = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(0o4000)
        .open(pulse.pipe())
        .expect("open the pipe source");
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let feeder = scope.spawn(|| feed_like_a_microphone(pipe, &done));
        let child = start_recording(dir, pulse, "12s");
        std::thread::sleep(Duration::from_secs(3));
        // The computer sleeps: the sound server and the recorder stop, the microphone's
        // audio goes nowhere.
        signal("-STOP", &[child.id(), pulse.pid()]);
        std::thread::sleep(Duration::from_secs(8));
        signal("-CONT", &[pulse.pid(), child.id()]);
        let out = child.wait_with_output().unwrap();
        done.store(true, Ordering::Relaxed);
        let blocks = feeder.join().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "the recording did not carry on: {stderr}"
        );
        let summary = json(&String::from_utf8_lossy(&out.stdout));
        let samples = exported(dir, scratch, summary["id"].as_str().unwrap());
        (summary, samples, blocks)
    })
}

/// The blocks lost while nobody read the pipe, checking they are one stretch of at least 6 s.
fn the_lost_stretch(blocks: &[bool]) -> Vec<usize> {
    // What the microphone made, less what was lost while nobody read it.
    let lost: Vec<usize> = (0..blocks.len()).filter(|&b| !blocks[b]).collect();
    let (first_lost, last_lost) = (lost[0], lost[lost.len() - 1]);
    assert_eq!(
        last_lost - first_lost + 1,
        lost.len(),
        "one stretch lost: {lost:?}"
    );
    assert!(lost.len() >= 600, "only {} blocks were lost", lost.len());
    lost
}

/// Where in the source the recorded `samples` begin, checking they are exactly the source
/// (the `blocks` written) from there on, with the lost stretch cut out.
fn where_the_recording_begins(blocks: &[bool], samples: &[i16]) -> usize {
    let block = RATE as usize / 100;
    let source: Vec<i16> = (0..blocks.len() * block)
        .filter(|i| blocks[i / block])
        .map(known)
        .collect();
    // The recording: what the pipe source delivered before the stream began (the first
    // blocks), then exactly the source from some point on, with the lost stretch cut out:
    // nothing repeated, nothing put in its place.
    // (The signal repeats every 65 536 samples: the start is the place the whole matches.)
    (0..source.len().saturating_sub(samples.len()))
        .filter(|&p| source[p] == samples[0])
        .find(|&p| source[p..p + samples.len()] == samples[..])
        .unwrap_or_else(|| {
            let near = (0..source.len().saturating_sub(samples.len()))
                .filter(|&p| source[p] == samples[0])
                .map(|p| {
                    let differs = samples.iter().zip(&source[p..]).position(|(a, b)| a != b);
                    (p, differs)
                })
                .collect::<Vec<_>>();
            panic!("the recording is not the source less the lost stretch: {near:?}")
        })
}

/// Checks that the interruption's `mark` sits where the audio stops (the recording began at
/// `begins` in the source) and says how much never came (the `lost` blocks).
fn check_the_mark_says_what_never_came(mark: &serde_json::Value, lost: &[usize], begins: usize) {
    let block = RATE as usize / 100;
    let first_lost = lost[0];
    // The mark sits where the audio stops (what the pipe held when the computer slept comes
    // after it), and says how much never came.
    let cut = first_lost * block - begins;
    let frame = mark["frame"].as_u64().unwrap() as usize;
    assert!(
        frame <= cut && cut - frame <= RATE as usize,
        "marked at frame {frame}, the audio was cut at {cut}"
    );
    let missing = mark["missing_seconds"].as_f64().unwrap();
    let lost_seconds = lost.len() as f64 / 100.0;
    eprintln!(
        "lost {lost_seconds} s, said missing {missing} s; audio cut {:.3} s after the mark",
        (cut - frame) as f64 / f64::from(RATE)
    );
    assert!(
        (missing - lost_seconds).abs() <= 0.3,
        "{missing} s said missing, {lost_seconds} s lost"
    );
}
