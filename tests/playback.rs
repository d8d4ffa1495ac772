//! Listening on real devices: sample-exact seeking in sealed recordings (ALSA's file plugin
//! for exact signals, a kill -9 for a recovered one), playback heard through a private
//! PulseAudio server's null sink at the right pitch and speed, the position kept consistent
//! through pause, seek and speed changes, refusals outside the consent, damaged audio never
//! played, and one audit entry per listening with the ranges heard.

use std::path::Path;
use std::process::{Child, Command};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{
    alone, cli, json, new_vault, run, spawn_recording, supervision_consent, AlsaFileInput, Offers,
    PulseServer,
};
use sessionvault_core::clock::SystemClock;
use sessionvault_core::disclosure::{self, Recipient, Use};
use sessionvault_core::sessions::player::{Options, Player};
use sessionvault_core::sessions::recording;
use sessionvault_core::store::vault::Vault;

fn open_vault(dir: &Path) -> Vault {
    Vault::open(dir, Arc::new(SystemClock)).expect("open the vault")
}

/// Records `seconds` of the private server's 440 Hz sine source; the recording id.
fn record_tone(dir: &Path, pulse: &PulseServer, seconds: u32, channels: u16) -> String {
    let consent = supervision_consent(dir);
    let (out, stdout, stderr) = run(cli(dir)
        .args(["--json", "record", "--consent", &consent, "--duration"])
        .arg(format!("{seconds}s"))
        .args(["--channels", &channels.to_string()])
        .env("PULSE_SERVER", &pulse.address));
    assert!(out.status.success(), "{stderr}");
    json(&stdout)["id"].as_str().unwrap().to_owned()
}

/// The recordings' `recording.played` and `recording.play_started` audit entries.
fn listening_entries(dir: &Path) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
    let (out, stdout, stderr) = run(cli(dir).args(["--json", "audit", "list"]));
    assert!(out.status.success(), "{stderr}");
    let entries = json(&stdout).as_array().unwrap().clone();
    let of = |kind: &str| {
        entries
            .iter()
            .filter(|e| e["kind"] == kind)
            .cloned()
            .collect::<Vec<_>>()
    };
    (of("recording.played"), of("recording.play_started"))
}

fn details(entry: &serde_json::Value) -> serde_json::Value {
    match &entry["details"] {
        serde_json::Value::String(text) => json(text),
        other => other.clone(),
    }
}

#[test]
fn seeking_reads_exactly_the_samples_at_any_point_in_mono_stereo_and_recovered_recordings() {
    for channels in [1u16, 2] {
        seek_in_a_sealed_recording(channels);
    }
    seek_in_a_recovered_recording();
}

/// Records 3 s of the exact signal in `channels` channels and checks that reads after seeks to
/// frames all over it give exactly its samples.
fn seek_in_a_sealed_recording(channels: u16) {
    let (_tmp, dir, _id) = new_vault();
    let consent = supervision_consent(&dir);
    let input = AlsaFileInput::device(48_000 * 4 * usize::from(channels), channels, Offers::Any);
    let (out, stdout, stderr) = run(input
        .apply(&mut cli(&dir))
        .args([
            "--json",
            "record",
            "--consent",
            &consent,
            "--duration",
            "3s",
        ])
        .args(["--channels", &channels.to_string()]));
    assert!(out.status.success(), "{stderr}");
    let id = json(&stdout)["id"].as_str().unwrap().to_owned();
    let expected: Vec<i16> = input
        .signal
        .chunks(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();

    let vault = open_vault(&dir);
    let cleared = disclosure::clear(&vault, &id, Recipient::Counsellor, Use::Listening).unwrap();
    let mut audio = recording::open_audio(&vault, &cleared).unwrap();
    assert_eq!(audio.frames(), 144_000);
    let ch = usize::from(channels);
    for frame in [143_000usize, 0, 70_001, 16_383, 16_384, 1, 99_999, 143_999] {
        audio.seek_frame(frame as u64);
        let mut got = vec![0i16; 500 * ch];
        let n = audio.read_samples(&mut got).unwrap();
        let want = &expected[frame * ch..(frame + 500).min(144_000) * ch];
        assert_eq!(&got[..n], want, "{channels} channel(s), frame {frame}");
    }
}

/// Checks that in a recording cut by kill -9 and recovered, seeks agree with reading it
/// straight through, and its waveform is worked out from the audio.
fn seek_in_a_recovered_recording() {
    // A recording cut by kill -9 and recovered: seeks agree with reading it straight through.
    let pulse = PulseServer::start();
    let (_tmp, dir, _id) = new_vault();
    let consent = supervision_consent(&dir);
    let mut child = spawn_recording(
        cli(&dir)
            .args(["record", "--consent", &consent, "--channels", "2"])
            .env("PULSE_SERVER", &pulse.address),
        &dir,
    );
    std::thread::sleep(Duration::from_secs(3));
    child.kill().unwrap();
    child.wait().unwrap();
    let (_, stdout, _) = run(cli(&dir).args(["--json", "recordings", "list"]));
    let list = json(&stdout);
    assert_eq!(list[0]["state"], "recovered", "{list}");
    let id = list[0]["id"].as_str().unwrap();
    let vault = open_vault(&dir);
    let cleared = disclosure::clear(&vault, id, Recipient::Counsellor, Use::Listening).unwrap();
    let mut audio = recording::open_audio(&vault, &cleared).unwrap();
    let frames = audio.frames() as usize;
    // Its waveform was not stored (the recorder was killed): it is worked out from the audio.
    let waveform = recording::waveform(&vault, id).unwrap();
    assert_eq!(waveform.peaks.len(), frames / 2400, "one peak per 50 ms");
    assert!(
        waveform.peaks[5..].iter().all(|&p| p > 8000),
        "the tone's peaks"
    );
    assert!(frames > 48_000, "{frames} frames kept");
    let mut whole = vec![0i16; frames * 2];
    assert_eq!(audio.read_samples(&mut whole).unwrap(), frames * 2);
    for frame in [frames - 300, 0, frames / 2, 16_383, frames / 3 + 1] {
        audio.seek_frame(frame as u64);
        let mut got = vec![0i16; 600];
        let n = audio.read_samples(&mut got).unwrap();
        assert_eq!(
            &got[..n],
            &whole[frame * 2..(frame * 2 + 600).min(frames * 2)],
            "recovered, frame {frame}"
        );
    }
}

/// Captures the private server's null sink as mono 16-bit 48 kHz samples until stopped.
fn capture_sink(pulse: &PulseServer, out: &Path) -> Child {
    Command::new("parec")
        .args([
            "-d",
            "svsink.monitor",
            "--format=s16le",
            "--rate=48000",
            "--channels=1",
            "--raw",
        ])
        .arg(out)
        .env("PULSE_SERVER", &pulse.address)
        .spawn()
        .expect("parec (pulseaudio-utils) must be installed")
}

/// The captured tone: (seconds from its first to its last loud sample, frequency in Hz).
fn heard_tone(path: &Path) -> (f64, f64) {
    let bytes = std::fs::read(path).unwrap();
    let samples: Vec<i16> = bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    let loud: Vec<usize> = (0..samples.len())
        .filter(|&i| samples[i].unsigned_abs() > 2000)
        .collect();
    assert!(!loud.is_empty(), "nothing was heard");
    let (first, last) = (loud[0], loud[loud.len() - 1]);
    let tone = &samples[first..last];
    let rising: Vec<usize> = (1..tone.len())
        .filter(|&i| tone[i - 1] < 0 && tone[i] >= 0)
        .collect();
    let span = (rising[rising.len() - 1] - rising[0]) as f64;
    let frequency = (rising.len() - 1) as f64 * 48_000.0 / span;
    ((last - first) as f64 / 48_000.0, frequency)
}

#[test]
fn playback_is_heard_at_the_recorded_pitch_and_the_speed_asked_for() {
    let pulse = PulseServer::start();
    let (tmp, dir, _id) = new_vault();
    let id = record_tone(&dir, &pulse, 4, 2);
    // The waveform the recorder stored: 4 s at 20 peaks a second.
    let (out, stdout, stderr) = run(cli(&dir).args(["--json", "recordings", "peaks", &id]));
    assert!(out.status.success(), "{stderr}");
    let peaks = json(&stdout)["peaks"].as_array().unwrap().clone();
    assert_eq!(peaks.len(), 80);
    assert!(
        peaks.iter().all(|p| p.as_u64().unwrap() > 8000),
        "{peaks:?}"
    );
    for speed in [1.0, 1.5] {
        let heard = tmp.path().join(format!("heard-{speed}.raw"));
        let mut parec = capture_sink(&pulse, &heard);
        std::thread::sleep(Duration::from_millis(500));
        let (out, _stdout, stderr) = run(cli(&dir)
            .args(["--json", "play", &id, "--listener", "supervisor", "--speed"])
            .arg(speed.to_string())
            .env("PULSE_SERVER", &pulse.address));
        std::thread::sleep(Duration::from_millis(500));
        let _ = parec.kill();
        let _ = parec.wait();
        assert!(out.status.success(), "{stderr}");
        let (seconds, frequency) = heard_tone(&heard);
        assert!(
            (frequency - 440.0).abs() <= 440.0 * 0.02,
            "{speed}x: heard {frequency} Hz"
        );
        let expected = 4.0 / speed;
        assert!(
            (seconds - expected).abs() <= expected * 0.03,
            "{speed}x: heard {seconds} s, expected {expected} s"
        );
    }
}

#[test]
fn pausing_seeking_and_changing_speed_keep_the_position_consistent() {
    alone(the_position_stays_consistent);
}

/// The test's body, in a process of its own: the player runs in this process, through cpal's
/// PulseAudio host pointed at the private server by the process's environment.
fn the_position_stays_consistent() {
    let pulse = PulseServer::start();
    let (_tmp, dir, _id) = new_vault();
    let id = record_tone(&dir, &pulse, 4, 1);
    // Set before the player opens any device.
    std::env::set_var("PULSE_SERVER", &pulse.address);
    let mut vault = open_vault(&dir);
    let player = Player::open(&mut vault, &id, &Options::default()).unwrap();

    play_for_a_second_from_the_start(&player);
    let paused_at = pause_seek_and_play_at_double_speed(&player);
    follow_to_the_end_at_normal_speed(&player);

    let listening = player.finish(&mut vault).unwrap();
    let ranges: Vec<(f64, f64)> = listening
        .ranges
        .iter()
        .map(|h| (h.from_seconds, h.to_seconds))
        .collect();
    assert_eq!(ranges.len(), 3, "{ranges:?}");
    near(ranges[0].0, 0.0, 0.0, "first range start");
    near(ranges[0].1, paused_at, 0.1, "first range end");
    near(ranges[1].0, 1.0, 0.0, "second range start");
    near(ranges[2].1, 4.0, 0.0, "last range end");
    drop(vault);

    let (played, started) = listening_entries(&dir);
    assert_eq!((played.len(), started.len()), (1, 1));
    let logged = details(&played[0]);
    assert_eq!(logged["listener"], "self");
    assert_eq!(logged["ranges"].as_array().unwrap().len(), 3, "{logged}");
}

/// Checks that a position `got` is within `slack` seconds of `want`; `what` names the moment.
fn near(got: f64, want: f64, slack: f64, what: &str) {
    assert!(
        (got - want).abs() <= slack,
        "{what}: at {got} s, expected {want} s"
    );
}

/// Checks that `player` opened paused at the start, then plays and keeps time for a second.
fn play_for_a_second_from_the_start(player: &Player) {
    // Opened paused at the start.
    std::thread::sleep(Duration::from_millis(300));
    let p = player.position();
    assert!(!p.playing && p.seconds == 0.0, "{p:?}");

    player.play();
    // A fresh null sink holds its first block of audio for a while before it asks for more;
    // time from the moment the position starts moving.
    let deadline = Instant::now() + Duration::from_secs(5);
    while player.position().seconds == 0.0 {
        assert!(Instant::now() < deadline, "playback never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    let (moved_at, from) = (Instant::now(), player.position().seconds);
    std::thread::sleep(Duration::from_millis(1000));
    let expected = from + moved_at.elapsed().as_secs_f64();
    near(
        player.position().seconds,
        expected,
        0.15,
        "after 1 s of play",
    );
}

/// Pauses `player` (the position holds), seeks while paused, and plays from 1 s at double
/// speed, checking the position each time; where it was paused.
fn pause_seek_and_play_at_double_speed(player: &Player) -> f64 {
    player.pause();
    std::thread::sleep(Duration::from_millis(100));
    let paused_at = player.position().seconds;
    std::thread::sleep(Duration::from_millis(500));
    near(player.position().seconds, paused_at, 0.01, "while paused");

    // A seek reports its target at once and keeps it while paused.
    player.seek(Duration::from_secs(3));
    assert_eq!(player.position().seconds, 3.0);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(player.position().seconds, 3.0);

    // Double speed from 1 s: half a second of playing covers a second of the recording.
    player.seek(Duration::from_secs(1));
    player.set_speed(2.0).unwrap();
    assert_eq!(player.position().seconds, 1.0);
    player.play();
    std::thread::sleep(Duration::from_millis(500));
    near(player.position().seconds, 2.0, 0.3, "after 0.5 s at 2x");
    paused_at
}

/// Follows `player` back at normal speed to the end: positions only move forward, about 20
/// reports a second.
fn follow_to_the_end_at_normal_speed(player: &Player) {
    // Back to normal speed; positions only move forward to the end.
    player.set_speed(1.0).unwrap();
    let mut positions = Vec::new();
    let stop = AtomicBool::new(false);
    let failure = player.follow(Duration::from_millis(50), &stop, &mut |p| {
        positions.push(p.seconds)
    });
    assert_eq!(failure, None);
    assert!(positions.windows(2).all(|w| w[0] <= w[1]), "{positions:?}");
    assert_eq!(positions.last().copied(), Some(4.0));
    // About 20 reports a second.
    assert!(positions.len() >= 20, "{} reports", positions.len());
}

#[test]
fn each_listening_is_logged_once_with_whom_and_the_range_heard() {
    let pulse = PulseServer::start();
    let (_tmp, dir, _id) = new_vault();
    let id = record_tone(&dir, &pulse, 3, 1);
    for (from, until, listener) in [("1", "2.5", "supervisor"), ("0:00.5", "1", "self")] {
        let (out, stdout, stderr) = run(cli(&dir)
            .args([
                "--json",
                "play",
                &id,
                "--from",
                from,
                "--until",
                until,
                "--listener",
            ])
            .arg(listener)
            .env("PULSE_SERVER", &pulse.address));
        assert!(out.status.success(), "{stderr}");
        assert_eq!(json(&stdout)["listener"], listener);
    }
    // Jumping to a bookmark: playing starts at its time.
    let (out, stdout, stderr) = run(cli(&dir).args([
        "--json",
        "bookmark",
        "add",
        &id,
        "--at",
        "2",
        "--note",
        "the turning point",
    ]));
    assert!(out.status.success(), "{stderr}");
    let mark = json(&stdout)["id"].as_str().unwrap().to_owned();
    let (out, stdout, stderr) = run(cli(&dir)
        .args(["--json", "play", &id, "--bookmark", &mark, "--for", "0.5"])
        .env("PULSE_SERVER", &pulse.address));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        json(&stdout)["ranges"],
        serde_json::json!([{"from_seconds": 2.0, "to_seconds": 2.5}])
    );

    let (played, started) = listening_entries(&dir);
    assert_eq!((played.len(), started.len()), (3, 3));
    let first = details(&played[0]);
    assert_eq!(first["listener"], "supervisor");
    assert_eq!(first["ranges"], serde_json::json!([[1.0, 2.5]]));
    let second = details(&played[1]);
    assert_eq!(second["listener"], "self");
    assert_eq!(second["ranges"], serde_json::json!([[0.5, 1.0]]));
    assert_eq!(played[0]["subject"], id.as_str());
    assert_eq!(
        run(cli(&dir).args(["audit", "verify"])).0.status.code(),
        Some(0)
    );
}

#[test]
fn listening_is_refused_for_whom_the_client_did_not_consent_to_and_after_withdrawal() {
    let pulse = PulseServer::start();
    let (_tmp, dir, _id) = new_vault();
    let id = record_tone(&dir, &pulse, 1, 1);
    let play = |listener: &str| {
        let (out, stdout, _stderr) = run(cli(&dir)
            .args(["--json", "play", &id, "--listener", listener])
            .env("PULSE_SERVER", &pulse.address));
        (
            out.status.code(),
            json(&stdout)["error"]["code"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        )
    };
    // The consent names the supervisor only.
    assert_eq!(play("tutor"), (Some(1), "not_in_audience".to_owned()));
    assert_eq!(play("student"), (Some(1), "not_in_audience".to_owned()));
    assert_eq!(play("friend"), (Some(1), "invalid_listener".to_owned()));

    let (_, stdout, _) = run(cli(&dir).args(["--json", "recordings", "list"]));
    let consent = json(&stdout)[0]["consent_id"].as_str().unwrap().to_owned();
    let (out, _, stderr) = run(cli(&dir).args(["consent", "withdraw", &consent, "--reason", "x"]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(play("self"), (Some(1), "consent_withdrawn".to_owned()));
    assert_eq!(
        play("supervisor"),
        (Some(1), "consent_withdrawn".to_owned())
    );

    let (played, started) = listening_entries(&dir);
    assert!(
        played.is_empty() && started.is_empty(),
        "refusals logged as listening"
    );
}

#[test]
fn damaged_audio_stops_playback_with_an_integrity_error_and_is_never_played() {
    let pulse = PulseServer::start();
    let (tmp, dir, _id) = new_vault();
    let id = record_tone(&dir, &pulse, 4, 1);
    let file = dir.join("recordings").join(format!("{id}.age"));
    let mut bytes = std::fs::read(&file).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&file, &bytes).unwrap();

    let heard = tmp.path().join("heard.raw");
    let mut parec = capture_sink(&pulse, &heard);
    std::thread::sleep(Duration::from_millis(500));
    let (out, stdout, stderr) = run(cli(&dir)
        .args(["--json", "play", &id])
        .env("PULSE_SERVER", &pulse.address));
    std::thread::sleep(Duration::from_millis(300));
    let _ = parec.kill();
    let _ = parec.wait();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stderr.contains("damaged or was altered"), "{stderr}");

    // What was heard is the intact tone up to the damaged chunk, and nothing after it.
    let (seconds, frequency) = heard_tone(&heard);
    assert!((frequency - 440.0).abs() <= 440.0 * 0.02, "{frequency} Hz");
    assert!(seconds > 0.5 && seconds < 3.0, "heard {seconds} s");
    let (played, _) = listening_entries(&dir);
    let logged = details(&played[0]);
    assert!(logged["fault"].as_str().unwrap().contains("damaged"));
    let to = logged["ranges"][0][1].as_f64().unwrap();
    assert!(
        (to - seconds).abs() < 0.3,
        "logged to {to} s, heard {seconds} s"
    );
}
