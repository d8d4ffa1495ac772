//! The live level meter keeps up with a real-time source: level readings arrive spread over
//! time, about twenty a second, not in bursts of seconds. A counsellor watches this meter to
//! see that the microphone works; a meter that jumps every two seconds cannot show it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{alone, new_vault, supervision_consent, PulseServer};
use sessionvault_audio::meter::Event;
use sessionvault_core::clock::SystemClock;
use sessionvault_core::consent;
use sessionvault_core::sessions::recording::{self, Control, Options};
use sessionvault_core::store::vault::Vault;

#[test]
fn levels_from_a_real_time_source_arrive_steadily_about_twenty_a_second() {
    alone(levels_arrive_steadily);
}

/// The test's body, in a process of its own: it records in this process, through cpal's
/// PulseAudio host pointed at the private server by the process's environment.
fn levels_arrive_steadily() {
    let pulse = PulseServer::start();
    std::env::set_var("PULSE_SERVER", &pulse.address);
    // The microphone: the null sink's monitor, into which a tone plays in real time. (The sine
    // source cannot serve here: it makes its audio in blocks of about 2 s.)
    let tmp = tempfile::tempdir().unwrap();
    let tone = tmp.path().join("tone.raw");
    let samples: Vec<u8> = (0..48_000 * 20)
        .flat_map(|i| {
            let phase = 2.0 * std::f64::consts::PI * 440.0 * f64::from(i) / 48_000.0;
            ((12_000.0 * phase.sin()) as i16).to_le_bytes()
        })
        .collect();
    std::fs::write(&tone, samples).unwrap();
    let mut player = std::process::Command::new("pacat")
        .args([
            "--raw",
            "--rate=48000",
            "--channels=1",
            "--format=s16le",
            "-d",
            "svsink",
        ])
        .arg(&tone)
        .spawn()
        .expect("pacat (pulseaudio-utils) must be installed");
    let status = std::process::Command::new("pactl")
        .args(["set-default-source", "svsink.monitor"])
        .status()
        .unwrap();
    assert!(status.success());
    let (_tmp, dir, _) = new_vault();
    let consent_id = supervision_consent(&dir);
    let mut vault = Vault::open(&dir, Arc::new(SystemClock)).expect("open the vault");
    let consent = consent::verify(&vault, &consent_id).expect("the consent verifies");

    let mut arrivals = Vec::new();
    let mut peaks = Vec::new();
    let summary = recording::record(
        &mut vault,
        consent,
        &Options {
            device: None,
            channels: 1,
            duration: Some(Duration::from_secs(4)),
        },
        &Control::default(),
        &mut |event| {
            if let Event::Level(level) = event {
                arrivals.push(Instant::now());
                peaks.push(level.peak_dbfs);
            }
        },
    )
    .expect("record 4 s");
    let _ = player.kill();
    let _ = player.wait();

    assert_eq!(summary.state, "complete");
    assert_eq!(summary.frames, 4 * u64::from(summary.sample_rate));
    assert_eq!(summary.overruns, 0);
    // Twenty readings a second of recorded audio, each with the tone's level.
    assert!(
        (78..=82).contains(&arrivals.len()),
        "{} readings",
        arrivals.len()
    );
    assert!(peaks.iter().skip(2).all(|p| *p > -30.0), "{peaks:?}");
    // Steady: after the first reading, never more than a third of a second without one.
    let longest = arrivals
        .windows(2)
        .map(|w| w[1] - w[0])
        .max()
        .unwrap_or_default();
    assert!(
        longest < Duration::from_millis(330),
        "the meter went {longest:?} without a reading"
    );
}
