//! What the whole app costs while it records with the Record screen in view, beside the
//! command-line recorder on the same source in the same run: CPU time of every process of the
//! app (the shell, WebKit's web and network processes), and the samples each recorder lost.
//! With `SESSIONVAULT_BENCH_BUSY=1` another process keeps one core busy meanwhile (the long
//! overrun run). With `SESSIONVAULT_BENCH_SPEECH=1` the source is a tone whose level changes
//! every 50 ms, as speech's does, instead of the steady sine: the meter's figure then changes
//! as it would with a client speaking. A measurement, not a test: it is ignored by
//! `cargo test` and run by `scripts/bench-app-cpu.sh`, which prints the figures.

use std::time::Duration;

use sessionvault_e2e::{
    app_binary, create_vault, one_at_a_time, start_recording, supervision_consent, wait_attr,
    AppEnv, PulseServer,
};

/// CPU seconds (user + system) of `pid` so far, and its name.
fn cpu_of(pid: u32) -> Option<(String, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (name, rest) = stat.split_once(") ")?;
    let name = name.split_once(" (")?.1.to_owned();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some((name, ticks / 100.0))
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement: run scripts/bench-app-cpu.sh"]
async fn cpu_of_the_app_recording_with_the_record_screen_in_view() {
    let settings = BenchSettings::from_env();
    let _one = one_at_a_time().await;
    let pulse = PulseServer::start();
    let _speech = settings.speech.then(|| SpeechLikeLevels::play(&pulse));
    let mut env = AppEnv::new().pulse(&pulse);
    if settings.compositing {
        // As the app drew before it turned WebKit's compositor off (src-tauri/src/drawing.rs).
        env = env.env("WEBKIT_DISABLE_COMPOSITING_MODE", "0");
    }
    let window = env.launch().await;
    let client = &window.client;
    create_vault(client, &env.vault_dir(), None).await;
    let consent = supervision_consent(client, "C-5101", "Bench Client").await;
    measure_the_app_idle_on_home(&window).await;
    start_recording(client, &consent, 3.0, None).await;
    // The command-line recorder on the same source, for the same time, in its own vault.
    let cli_vault = tempfile::tempdir().unwrap();
    let cli = start_the_command_line_recorder(cli_vault.path(), &pulse, &settings);
    let busy_core = settings.busy.then(keep_a_core_busy);
    // Past both starts (and the sine source's 2 s prefill).
    tokio::time::sleep(Duration::from_secs(5)).await;
    measure_the_record_screen_in_view_and_away(&window, &cli.recorder, &settings).await;
    let cli_summary = stop_both_recorders(window, cli.recorder, busy_core).await;
    print_frames_and_overruns(&cli.program, &env, &pulse, &settings, cli_summary);
}

/// How long each stretch is measured and whether a core is kept busy meanwhile.
struct BenchSettings {
    /// Seconds measured with the Record screen in view.
    seconds: u64,
    /// Seconds measured with Home in view while the recording goes on (0: not measured).
    away_seconds: u64,
    /// Whether another process keeps one core busy.
    busy: bool,
    /// Whether the source's level changes as speech's does ([`SpeechLikeLevels`]).
    speech: bool,
    /// Whether the webview draws through WebKit's compositor (the app turns it off).
    compositing: bool,
}

impl BenchSettings {
    /// Reads `SESSIONVAULT_BENCH_SECONDS`, `SESSIONVAULT_BENCH_AWAY_SECONDS`,
    /// `SESSIONVAULT_BENCH_BUSY`, `SESSIONVAULT_BENCH_SPEECH` and
    /// `SESSIONVAULT_BENCH_COMPOSITING`.
    fn from_env() -> BenchSettings {
        let seconds: u64 = std::env::var("SESSIONVAULT_BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(300);
        let away_seconds: u64 = std::env::var("SESSIONVAULT_BENCH_AWAY_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(seconds);
        let busy = std::env::var("SESSIONVAULT_BENCH_BUSY").is_ok_and(|v| v == "1");
        let speech = std::env::var("SESSIONVAULT_BENCH_SPEECH").is_ok_and(|v| v == "1");
        let compositing = std::env::var("SESSIONVAULT_BENCH_COMPOSITING").is_ok_and(|v| v == "1");
        BenchSettings {
            seconds,
            away_seconds,
            busy,
            speech,
            compositing,
        }
    }
}

/// A 440 Hz tone whose level jumps every 50 ms to somewhere between −45 and −6 dBFS, as
/// speech's does, played by `pacat` into the server's null sink, whose monitor becomes the
/// default source: the meter's figure changes with almost every reading. Stopped when dropped.
struct SpeechLikeLevels {
    player: std::process::Child,
}

impl SpeechLikeLevels {
    const RATE: usize = 48_000;

    fn play(pulse: &PulseServer) -> SpeechLikeLevels {
        use std::io::Write;
        let mut player = std::process::Command::new("pacat")
            .args(["--playback", "--raw", "--format=s16le", "--rate=48000"])
            .args(["--channels=2", "--device=svsink", "--latency-msec=100"])
            .env("PULSE_SERVER", &pulse.address)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("pacat (pulseaudio-utils) must be installed");
        let mut stdin = player.stdin.take().expect("pacat's stdin");
        std::thread::spawn(move || {
            // Writes until pacat is stopped: its pipe then refuses the next block.
            let mut seed = 0x2545_f491_u32;
            let mut frame = 0usize;
            loop {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let dbfs = -45.0 + f64::from(seed >> 8) / f64::from(1u32 << 24) * 39.0;
                let block = Self::block(&mut frame, 10f64.powf(dbfs / 20.0));
                if stdin.write_all(&block).is_err() {
                    return;
                }
            }
        });
        let (ok, said) = pulse.pactl(&["set-default-source", "svsink.monitor"]);
        assert!(
            ok,
            "the null sink's monitor could not be the default source: {said}"
        );
        SpeechLikeLevels { player }
    }

    /// 50 ms of the stereo tone at `gain`, as 16-bit little-endian samples.
    fn block(frame: &mut usize, gain: f64) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(Self::RATE / 20 * 4);
        for _ in 0..Self::RATE / 20 {
            let phase = *frame as f64 * 440.0 / Self::RATE as f64 * std::f64::consts::TAU;
            let sample = (phase.sin() * gain * 32_767.0) as i16;
            bytes.extend_from_slice(&sample.to_le_bytes());
            bytes.extend_from_slice(&sample.to_le_bytes());
            *frame += 1;
        }
        bytes
    }
}

impl Drop for SpeechLikeLevels {
    fn drop(&mut self) {
        let _ = self.player.kill();
        let _ = self.player.wait();
    }
}

/// Measures the idle app with Home in view, unless `SESSIONVAULT_BENCH_IDLE_SECONDS` is 0.
async fn measure_the_app_idle_on_home(window: &sessionvault_e2e::Window) {
    let client = &window.client;
    // First the app doing nothing: Home in view, no recording. What WebKit costs by itself.
    let idle_seconds: u64 = std::env::var("SESSIONVAULT_BENCH_IDLE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    if idle_seconds > 0 {
        sessionvault_e2e::go(client, "home").await;
        let app = app_processes(window);
        settled(&app).await;
        let idle = measure(&app, None, idle_seconds).await;
        idle.print("nothing recording, Home in view");
    }
}

/// The command-line recorder running beside the app: the program and its recording process.
struct CommandLineRecorder {
    program: std::path::PathBuf,
    recorder: std::process::Child,
}

/// Starts the command-line recorder with a vault and consent of its own, to outlast both stretches.
fn start_the_command_line_recorder(
    cli_vault: &std::path::Path,
    pulse: &PulseServer,
    settings: &BenchSettings,
) -> CommandLineRecorder {
    let (seconds, away_seconds) = (settings.seconds, settings.away_seconds);
    let cli = app_binary().with_file_name("sessionvault");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(&cli)
            .arg("--vault")
            .arg(cli_vault.join("v"))
            .args(args)
            .env("PULSE_SERVER", &pulse.address)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    run(&["init"]);
    let signature = cli_vault.join("s.svg");
    std::fs::write(
        &signature,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><path d="M1 1 L9 9" stroke="black"/></svg>"#,
    )
    .unwrap();
    let cli_consent = run(&[
        "consent",
        "new",
        "--client",
        "C-5102",
        "--destroy-by",
        "2099-01-01",
        "--purpose",
        "supervision",
        "--case-study",
        "none",
        "--client-name",
        "Bench",
        "--counsellor-name",
        "Bench",
        "--client-signature",
        signature.to_str().unwrap(),
    ]);
    let recorder = std::process::Command::new(&cli)
        .arg("--vault")
        .arg(cli_vault.join("v"))
        .args([
            "--json",
            "record",
            "--consent",
            &cli_consent,
            "--channels",
            "1",
            "--duration",
        ])
        .arg(format!("{}s", seconds + away_seconds + 60))
        .env("PULSE_SERVER", &pulse.address)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    CommandLineRecorder {
        program: cli,
        recorder,
    }
}

/// Starts a process that keeps one core busy.
fn keep_a_core_busy() -> std::process::Child {
    std::process::Command::new("sha256sum")
        .arg("/dev/zero")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Measures the recording app with the Record screen in view, then with Home, and prints the costs.
async fn measure_the_record_screen_in_view_and_away(
    window: &sessionvault_e2e::Window,
    recorder: &std::process::Child,
    settings: &BenchSettings,
) {
    let client = &window.client;
    let (seconds, away_seconds) = (settings.seconds, settings.away_seconds);
    let app = app_processes(window);
    settled(&app).await;
    let in_view = measure(&app, Some(recorder.id()), seconds).await;
    in_view.print("Record screen in view");
    // The same recording with Home in view: the window is sent no level reports and draws no
    // meter. The difference is what the meter costs, its messages and its drawing.
    let away = if away_seconds > 0 {
        sessionvault_e2e::go(client, "home").await;
        settled(&app).await;
        let away = measure(&app, Some(recorder.id()), away_seconds).await;
        away.print("Home in view, no meter drawn");
        sessionvault_e2e::go(client, "record").await;
        Some(away)
    } else {
        None
    };
    println!(
        "the window adds {:.3} s per minute over the recorder itself (goal: no more than {:.3})",
        in_view.app - in_view.cli.unwrap_or(0.0),
        in_view.cli.unwrap_or(0.0)
    );
    if let Some(away) = away {
        println!(
            "the meter costs {:.3} s per minute (Record screen minus Home, same recording)",
            in_view.app - away.app
        );
    }
}

/// Stops both recorders (Ctrl-C, Stop), closes the window; returns the command line's summary.
async fn stop_both_recorders(
    window: sessionvault_e2e::Window,
    recorder: std::process::Child,
    mut busy_core: Option<std::process::Child>,
) -> serde_json::Value {
    let client = &window.client;
    // Both recorders stop as a counsellor stops them: Ctrl-C, and the Stop button.
    interrupt(recorder.id());
    let cli_summary: serde_json::Value =
        serde_json::from_slice(&recorder.wait_with_output().unwrap().stdout).unwrap();
    sessionvault_e2e::click(client, "#record-stop").await;
    wait_attr(client, "#record-result", "data-recording-id").await;
    window.close().await;
    if let Some(busy_core) = busy_core.as_mut() {
        let _ = busy_core.kill();
        let _ = busy_core.wait();
    }
    cli_summary
}

/// Prints the frames and overruns of the app's recording and of the command-line recorder's.
fn print_frames_and_overruns(
    cli: &std::path::Path,
    env: &AppEnv,
    pulse: &PulseServer,
    settings: &BenchSettings,
    cli_summary: serde_json::Value,
) {
    let busy = settings.busy;
    let listed: serde_json::Value = serde_json::from_str(&run_in(
        cli,
        &env.vault_dir(),
        &pulse.address,
        &["--json", "recordings", "list"],
    ))
    .unwrap();
    let app_recording = &listed.as_array().unwrap()[0];
    let busy_words = if busy { ", one core busy" } else { "" };
    for (who, summary) in [("app", app_recording), ("command line", &cli_summary)] {
        println!(
            "{who} recording{busy_words}: {} frames, overruns {} (goal 0)",
            summary["frames"], summary["overruns"]
        );
    }
}

/// CPU seconds per minute over one stretch of the run.
struct Stretch {
    /// Each app process: its name and its CPU seconds per minute.
    processes: Vec<(String, f64)>,
    /// The whole app.
    app: f64,
    /// The command-line recorder, when one ran.
    cli: Option<f64>,
}

impl Stretch {
    fn print(&self, what: &str) {
        for (name, used) in &self.processes {
            println!("  app process {name}: {used:.3} s CPU per minute");
        }
        println!(
            "whole app while recording, {what}: {:.3} s CPU per minute",
            self.app
        );
        if let Some(cli) = self.cli {
            println!("command-line recorder, same source, same stretch: {cli:.3} s CPU per minute");
        }
    }
}

/// The app's own processes, not the WebDriver ones that started it.
fn app_processes(window: &sessionvault_e2e::Window) -> Vec<u32> {
    window
        .processes()
        .into_iter()
        .filter(|&p| cpu_of(p).is_some_and(|(name, _)| !name.to_lowercase().contains("driver")))
        .collect()
}

/// Waits until the app has settled after a change of screen. For a few seconds after one,
/// WebKit lays out, draws and (under Xvfb, whose GL is software) compiles shaders: a cost of
/// the change, not of the screen staying in view, and a short stretch would be mostly that.
/// Settled: three seconds in a row under 5% of a core, or a minute gone by.
async fn settled(app: &[u32]) {
    let used = || -> f64 { app.iter().filter_map(|&p| cpu_of(p)).map(|(_, s)| s).sum() };
    let mut quiet = 0;
    for _ in 0..60 {
        let before = used();
        tokio::time::sleep(Duration::from_secs(1)).await;
        quiet = if used() - before < 0.05 { quiet + 1 } else { 0 };
        if quiet == 3 {
            return;
        }
    }
    println!("(the app did not settle within a minute; measuring anyway)");
}

/// The CPU the app's processes and the command-line recorder (if one runs) use over the next
/// `seconds`.
async fn measure(app: &[u32], recorder: Option<u32>, seconds: u64) -> Stretch {
    let recorder_cpu = || recorder.and_then(cpu_of).map(|(_, used)| used);
    let before: Vec<_> = app.iter().filter_map(|&p| cpu_of(p)).collect();
    let recorder_before = recorder_cpu();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let after: Vec<_> = app.iter().filter_map(|&p| cpu_of(p)).collect();
    let recorder_after = recorder_cpu();
    let per_minute = 60.0 / seconds as f64;
    let processes: Vec<(String, f64)> = before
        .iter()
        .zip(&after)
        .map(|((name, b), (_, a))| (name.clone(), (a - b) * per_minute))
        .collect();
    Stretch {
        app: processes.iter().map(|(_, used)| used).sum(),
        cli: recorder_before
            .zip(recorder_after)
            .map(|(b, a)| (a - b) * per_minute),
        processes,
    }
}

/// Asks `pid` to stop as Ctrl-C does.
fn interrupt(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// `sessionvault --vault VAULT ARGS` on the test's PulseAudio; its stdout.
fn run_in(cli: &std::path::Path, vault: &std::path::Path, pulse: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(cli)
        .arg("--vault")
        .arg(vault)
        .args(args)
        .env("PULSE_SERVER", pulse)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
