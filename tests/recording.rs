//! Sealed recording from real devices: bit-exact through ALSA's file plugin, real time through
//! a private PulseAudio, nothing in plaintext on disk, crash recovery after kill -9, and the
//! consent gate.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sessionvault_core::clock::SystemClock;
use sessionvault_core::sessions::recording;
use sessionvault_core::store::vault::Vault;

use crate::common::{
    self, cli, contains, files_under, frequency, json, new_vault, run, spawn_recording,
    supervision_consent, AlsaFileInput, Offers, PulseServer,
};

fn export(dir: &Path, id: &str, out: &Path) {
    let (o, _s, stderr) = run(cli(dir).args(["export", id, "--wav", "--out"]).arg(out));
    assert!(o.status.success(), "{stderr}");
}

/// Reads a WAV with hound: (rate, channels, samples).
fn read_wav(path: &Path) -> (u32, u16, Vec<i16>) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    let samples = reader.samples::<i16>().map(Result::unwrap).collect();
    (spec.sample_rate, spec.channels, samples)
}

#[test]
fn a_known_signal_is_recorded_bit_exact_in_mono_and_stereo_with_no_plaintext_on_disk() {
    for (channels, offers) in [
        (1u16, Offers::Any),
        (2, Offers::Any),
        (2, Offers::FloatOnly),
    ] {
        let (_tmp, dir, _id) = new_vault();
        let consent = supervision_consent(&dir);
        let input = AlsaFileInput::device(48_000 * 3 * usize::from(channels), channels, offers);
        let private_tmp = tempfile::tempdir().unwrap();
        let (out, stdout, stderr) = run(input
            .apply(&mut cli(&dir))
            .args([
                "--json",
                "record",
                "--consent",
                &consent,
                "--duration",
                "2s",
                "--channels",
            ])
            .arg(channels.to_string())
            .env("TMPDIR", private_tmp.path()));
        assert!(out.status.success(), "{stderr}");
        let summary = json(&stdout);
        assert_eq!(summary["state"], "complete");
        assert_eq!(summary["frames"], 96_000);
        assert_eq!(summary["overruns"], 0);
        let (device_format, conversion) = match offers {
            Offers::FloatOnly => ("f32", "f32 samples to 16-bit"),
            _ => ("i16", "none"),
        };
        assert_eq!(summary["device_format"], device_format, "{summary}");
        assert_eq!(summary["device_channels"], channels, "{summary}");
        assert_eq!(summary["conversion"], conversion, "{summary}");
        let id = summary["id"].as_str().unwrap();

        // Nothing under the vault or the temp folder holds a WAV header or the input's PCM.
        let probe = &input.signal[100_000..100_064];
        for file in files_under(&dir) {
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                !contains(&bytes, b"RIFF") && !contains(&bytes, b"WAVE"),
                "{}",
                file.display()
            );
            assert!(
                !contains(&bytes, probe),
                "{} holds the input's PCM",
                file.display()
            );
        }
        assert!(
            files_under(private_tmp.path()).is_empty(),
            "temp files were left"
        );

        let wav = _tmp.path().join("export.wav");
        export(&dir, id, &wav);
        let (rate, got_channels, samples) = read_wav(&wav);
        assert_eq!((rate, got_channels), (48_000, channels));
        let expected: Vec<i16> = input.signal[..samples.len() * 2]
            .chunks(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        assert_eq!(samples.len(), 96_000 * usize::from(channels));
        assert!(
            samples == expected,
            "the recording ({channels} channels, device gives {device_format}) differs from \
             the input"
        );
    }
}

/// Exports recording `id` into `scratch`, checks that it holds the sine source's 440 Hz tone
/// (within 1 %), and returns how many seconds it holds.
fn exported_tone(dir: &Path, scratch: &Path, id: &str) -> f64 {
    let wav = scratch.join(format!("{id}.wav"));
    export(dir, id, &wav);
    let (rate, channels, samples) = read_wav(&wav);
    assert_eq!(channels, 1);
    let f = frequency(&samples, rate);
    assert!((f - 440.0).abs() <= 4.4, "{f} Hz");
    samples.len() as f64 / f64::from(rate)
}

#[test]
fn five_seconds_from_a_real_time_source_have_the_right_length_and_tone() {
    let pulse = PulseServer::start();
    let (tmp, dir, _id) = new_vault();
    let consent = supervision_consent(&dir);
    let (out, stdout, stderr) = run(cli(&dir)
        .args([
            "--json",
            "record",
            "--consent",
            &consent,
            "--duration",
            "5s",
        ])
        .env("PULSE_SERVER", &pulse.address));
    assert!(out.status.success(), "{stderr}");
    let summary = json(&stdout);
    assert_eq!(summary["device"], "pulseaudio:svsine", "{summary}");
    let seconds = exported_tone(&dir, tmp.path(), summary["id"].as_str().unwrap());
    assert!((seconds - 5.0).abs() <= 0.1, "{seconds} s");
}

#[test]
fn after_kill_9_the_recording_is_recovered_and_its_audio_kept() {
    let pulse = PulseServer::start();
    let (tmp, dir, _id) = new_vault();
    let consent = supervision_consent(&dir);
    // Wait until the recording has begun, then let it run a few seconds.
    let mut child = spawn_recording(
        cli(&dir)
            .args(["record", "--consent", &consent])
            .env("PULSE_SERVER", &pulse.address),
        &dir,
    );
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(4));
    let elapsed = started.elapsed().as_secs_f64();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    // Looking changes nothing: `status` opens the vault without recovering it.
    let (out, _, stderr) = run(cli(&dir).args(["--json", "status"]));
    assert!(out.status.success(), "{stderr}");
    let looked = Vault::open(&dir, Arc::new(SystemClock)).expect("open the vault");
    assert_eq!(recording::list(&looked).unwrap()[0].state, "recording");
    drop(looked);

    let (out, stdout, stderr) = run(cli(&dir).args(["--json", "recordings", "list"]));
    assert!(out.status.success(), "{stderr}");
    let list = json(&stdout);
    assert_eq!(list[0]["state"], "recovered", "{list}");
    let id = list[0]["id"].as_str().unwrap();
    let (_, log, _) = run(cli(&dir).args(["--json", "audit", "list"]));
    assert!(log.contains("recording.recovered"));

    let seconds = exported_tone(&dir, tmp.path(), id);
    // At most about a second (plus the chunk in progress) is lost.
    assert!(
        seconds >= elapsed - 2.0 && seconds > 1.0,
        "kept {seconds} s of about {elapsed} s"
    );
    assert_eq!(
        run(cli(&dir).args(["audit", "verify"])).0.status.code(),
        Some(0)
    );
}

fn recording_count(dir: &Path) -> usize {
    let (_, stdout, _) = run(cli(dir).args(["--json", "recordings", "list"]));
    json(&stdout).as_array().unwrap().len()
}

#[test]
fn without_a_valid_consent_nothing_is_recorded() {
    let (_tmp, dir, id) = new_vault();
    let consent = supervision_consent(&dir);
    let input = AlsaFileInput::new(48_000);
    let record = |consent: &str| {
        let (out, stdout, stderr) = run(input.apply(&mut cli(&dir)).args([
            "--json",
            "record",
            "--consent",
            consent,
            "--duration",
            "1s",
        ]));
        let code = if stdout.trim().is_empty() {
            String::new()
        } else {
            json(&stdout)["error"]["code"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        };
        (out.status.code(), code, stderr)
    };

    let (status, code, _) = record("00000000-0000-0000-0000-000000000000");
    assert_eq!((status, code.as_str()), (Some(1), "consent_not_found"));

    let (out, stdout, _) =
        run(cli(&dir).args(["--json", "consent", "decline", "--client", "C-102"]));
    assert!(out.status.success());
    let declined = json(&stdout)["id"].as_str().unwrap().to_owned();
    let (status, code, _) = record(&declined);
    assert_eq!((status, code.as_str()), (Some(1), "consent_declined"));

    let (out, _o, _e) = run(cli(&dir).args(["consent", "withdraw", &consent, "--reason", "no"]));
    assert!(out.status.success());
    let (status, code, stderr) = record(&consent);
    assert_eq!(
        (status, code.as_str()),
        (Some(1), "consent_withdrawn"),
        "{stderr}"
    );

    assert_eq!(recording_count(&dir), 0);
    assert!(files_under(&dir.join("recordings")).is_empty());
    let keys = common::secret_tool_search(&format!("sessionvault/{id}"));
    assert!(!keys.contains("recording-key"), "{keys}");
}

/// Starts `sessionvault record` (no duration) in the background, waits until its file exists
/// and it has run `seconds`, and returns the child and the recording's file.
fn start_recording(cmd: &mut Command, dir: &Path, seconds: u64) -> std::process::Child {
    let child = spawn_recording(cmd, dir);
    std::thread::sleep(Duration::from_secs(seconds));
    child
}

/// Waits for the child to end by itself and returns its exit code and stderr.
fn finish(child: std::process::Child) -> (Option<i32>, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_vanishing_source_stops_the_recording_cleanly_and_keeps_what_was_recorded() {
    // Take away every source, as when the only microphone is unplugged.
    vanishing_source(&["module-null-sink", "module-sine-source"]);
}

#[test]
fn a_source_unplugged_while_another_remains_stops_the_recording_too() {
    // With the null sink's monitor left, PulseAudio moves the stream there and audio keeps
    // arriving, from the wrong source: that too must stop the recording.
    vanishing_source(&["module-sine-source"]);
}

/// Records from a private PulseAudio's sine source, unloads `modules` after two seconds, and
/// checks that the recording stopped as faulted with what it had recorded kept.
fn vanishing_source(modules: &[&str]) {
    let pulse = PulseServer::start();
    let (tmp, dir, _id) = new_vault();
    let consent = supervision_consent(&dir);
    let child = start_recording(
        cli(&dir)
            .args(["record", "--consent", &consent, "--duration", "20s"])
            .env("PULSE_SERVER", &pulse.address),
        &dir,
        2,
    );
    for module in modules {
        let unloaded = Command::new("pactl")
            .args(["unload-module", module])
            .env("PULSE_SERVER", &pulse.address)
            .status()
            .unwrap();
        assert!(unloaded.success());
    }
    let (code, stderr) = finish(child);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("the recording stopped early"), "{stderr}");

    let (_, stdout, _) = run(cli(&dir).args(["--json", "recordings", "list"]));
    let list = json(&stdout);
    assert_eq!(list[0]["state"], "faulted", "{list}");
    assert!(list[0]["fault"].as_str().is_some());
    // What was recorded before the source went is kept: the tone, then at most a moment of
    // whatever PulseAudio moved the stream to before the recorder noticed.
    let wav = tmp.path().join("kept.wav");
    export(&dir, list[0]["id"].as_str().unwrap(), &wav);
    let (rate, _, samples) = read_wav(&wav);
    let seconds = samples.len() as f64 / f64::from(rate);
    assert!(seconds >= 1.5, "kept {seconds} s");
    let f = frequency(&samples[..rate as usize * 3 / 2], rate);
    assert!((f - 440.0).abs() <= 4.4, "{f} Hz");
    let loud_until = samples
        .iter()
        .rposition(|s| s.unsigned_abs() > 1000)
        .unwrap_or(0) as f64
        / f64::from(rate);
    assert!(
        seconds - loud_until <= 1.5,
        "{:.2} s recorded after the source went",
        seconds - loud_until
    );
    let (_, log, _) = run(cli(&dir).args(["--json", "audit", "list"]));
    assert!(log.contains("recording.faulted"));
}

#[test]
fn a_write_failure_stops_the_recording_and_the_prefix_is_recovered() {
    let (tmp, dir, _id) = new_vault();
    let consent = supervision_consent(&dir);
    // Three seconds of signal: less than the ring holds, so no sample of it can be dropped
    // however fast the unpaced plugin delivers (past its end it repeats stale buffers).
    let input = AlsaFileInput::device(48_000 * 2 * 3, 2, Offers::Any);
    // The file size limit stops writes at 2 MB (SIGXFSZ ignored, so writes fail with EFBIG).
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        "trap '' XFSZ; exec prlimit --fsize=2000000 \"$@\"",
        "sh",
        env!("CARGO_BIN_EXE_sessionvault"),
        "--vault",
    ])
    .arg(&dir)
    .args([
        "record",
        "--consent",
        &consent,
        "--channels",
        "2",
        "--duration",
        "15s",
    ]);
    input.apply(&mut cmd);
    let (out, _stdout, stderr) = run(&mut cmd);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("could not be written"), "{stderr}");

    // Opened again without the limit, the vault re-seals what reached the disk.
    let (_, stdout, _) = run(cli(&dir).args(["--json", "recordings", "list"]));
    let list = json(&stdout);
    assert_eq!(list[0]["state"], "recovered", "{list}");
    let wav = tmp.path().join("prefix.wav");
    export(&dir, list[0]["id"].as_str().unwrap(), &wav);
    let (_, _, samples) = read_wav(&wav);
    // 2 MB hold about 5.2 s of 48 kHz stereo; all but the chunk in progress is kept.
    let kept = samples.len() as f64 / 96_000.0;
    assert!(kept > 4.5, "kept {kept} s");
    let expected: Vec<i16> = input
        .signal
        .chunks(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    assert!(
        samples[..expected.len()] == expected[..],
        "the kept prefix differs from the input"
    );
}

#[test]
fn a_key_deleted_mid_recording_stops_it_and_the_sealed_prefix_opens_once_restored() {
    let pulse = PulseServer::start();
    let (tmp, dir, id) = new_vault();
    let consent = supervision_consent(&dir);
    let child = start_recording(
        cli(&dir)
            .args(["record", "--consent", &consent])
            .env("PULSE_SERVER", &pulse.address),
        &dir,
        2,
    );
    let service = format!("sessionvault/{id}");
    let found = common::secret_tool_search(&service);
    let account = found
        .lines()
        .filter_map(|l| l.strip_prefix("attribute.username = "))
        .find(|a| a.starts_with("recording-key/"))
        .expect("the recording's key is in the keyring")
        .to_owned();
    let secret = Command::new("secret-tool")
        .args(["lookup", "service", &service, "username", &account])
        .output()
        .unwrap()
        .stdout;
    assert!(Command::new("secret-tool")
        .args(["clear", "service", &service, "username", &account])
        .status()
        .unwrap()
        .success());
    let (code, stderr) = finish(child);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("removed from the keyring"), "{stderr}");

    // Put the key back as it was; the sealed prefix then opens.
    let mut store = Command::new("secret-tool")
        .args([
            "store",
            "--label",
            "restored",
            "service",
            &service,
            "username",
            &account,
            "target",
            "default",
            "application",
            "rust-keyring",
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(store.stdin.as_mut().unwrap(), &secret).unwrap();
    drop(store.stdin.take());
    assert!(store.wait().unwrap().success());
    let (_, stdout, _) = run(cli(&dir).args(["--json", "recordings", "list"]));
    let list = json(&stdout);
    assert_eq!(list[0]["state"], "faulted", "{list}");
    assert!(exported_tone(&dir, tmp.path(), list[0]["id"].as_str().unwrap()) >= 1.5);
}

#[test]
fn paused_time_is_not_recorded_and_the_pause_points_are_kept() {
    let pulse = PulseServer::start();
    let (_tmp, dir, _id) = new_vault();
    let consent = supervision_consent(&dir);
    let child = start_recording(
        cli(&dir)
            .args([
                "--json",
                "record",
                "--consent",
                &consent,
                "--duration",
                "3s",
            ])
            .env("PULSE_SERVER", &pulse.address),
        &dir,
        1,
    );
    let signal = |name: &str| {
        assert!(Command::new("kill")
            .args([name, &child.id().to_string()])
            .status()
            .unwrap()
            .success());
    };
    signal("-USR1");
    std::thread::sleep(Duration::from_secs(2));
    signal("-USR2");
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(summary["frames"], 3 * 48_000, "{summary}");
    let pauses = summary["pauses"].as_array().unwrap();
    assert_eq!(pauses.len(), 2, "{summary}");
    assert_eq!(pauses[0]["event"], "paused");
    assert_eq!(pauses[1]["event"], "resumed");
    assert_eq!(
        pauses[0]["frame"], pauses[1]["frame"],
        "nothing was recorded while paused"
    );
    let paused_for =
        pauses[1]["after_seconds"].as_f64().unwrap() - pauses[0]["after_seconds"].as_f64().unwrap();
    assert!(paused_for >= 1.8, "paused for {paused_for} s");
    let (_, log, _) = run(cli(&dir).args(["audit", "list"]));
    assert!(
        log.contains("recording.paused") && log.contains("recording.resumed"),
        "{log}"
    );
}

#[test]
fn a_start_that_fails_after_the_key_is_made_leaves_no_key_and_no_file() {
    let (_tmp, dir, vault_id) = new_vault();
    let consent = supervision_consent(&dir);
    let input = AlsaFileInput::new(48_000);
    let service = format!("sessionvault/{vault_id}");
    let start = |device: Option<&str>| {
        let mut cmd = cli(&dir);
        input.apply(&mut cmd).args([
            "--json",
            "record",
            "--consent",
            &consent,
            "--duration",
            "1s",
        ]);
        if let Some(device) = device {
            cmd.args(["--device", device]);
        }
        run(&mut cmd)
    };

    // The device cannot be opened: the key made for the recording is taken back.
    let (out, _stdout, stderr) = start(Some("alsa:svtest-no-such-device"));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!common::secret_tool_search(&service).contains("recording-key"));

    // The file cannot be created (its folder is not a folder): key and file taken back.
    let recordings = dir.join("recordings");
    std::fs::remove_dir(&recordings).unwrap();
    std::fs::write(&recordings, b"").unwrap();
    let (out, _stdout, stderr) = start(None);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        !common::secret_tool_search(&service).contains("recording-key"),
        "a failed start left its key in the keyring"
    );
    assert_eq!(std::fs::read(&recordings).unwrap(), b"");
    assert_eq!(recording_count(&dir), 0);
}
