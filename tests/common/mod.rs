//! Shared helpers of the integration tests: running the real `sessionvault` binary against a
//! throw-away vault, asking the real Secret Service from outside the process, and running a
//! test that changes the process's environment alone in a process of its own ([`alone`]).
//! The private PulseAudio server and the looks from outside (files, the keyring) are the
//! window tests' too: they come from `sessionvault-testbed`.
//!
//! These tests need the real OS keyring. `scripts/test.sh` runs them inside a private D-Bus
//! session with an unlocked GNOME Keyring (`scripts/with-keyring.sh`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use sessionvault_testbed::{contains, files_under, secret_tool_search, PulseServer};

/// The `sessionvault` binary built for these tests, with no vault folder and no PulseAudio
/// server from the environment: a test names its own (`.env("PULSE_SERVER", ...)` after this
/// wins).
pub fn cli(vault: &Path) -> Command {
    require_session_bus();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sessionvault"));
    cmd.arg("--vault")
        .arg(vault)
        .env_remove("SESSIONVAULT_DIR")
        .env_remove("PULSE_SERVER");
    cmd
}

/// The variable that tells this test binary it was started by [`alone`]; its value is the name
/// of the one test to run.
const ALONE: &str = "SESSIONVAULT_TEST_ALONE";

/// Runs `body`, the body of the calling test, alone in a process of its own, so that it may
/// change what the whole process shares (its environment: `PULSE_SERVER` for audio recorded or
/// played in this process) without reaching the tests running beside it on other threads, or
/// the commands they start.
///
/// The test binary is started again with this test only (`NAME --exact --nocapture`) and
/// [`ALONE`] set to its name; there `body` runs. Here the test passes when that process passed
/// having run exactly one test, and what it printed is printed here. Call it from the `#[test]`
/// function itself: the test's name is the name libtest gives the thread it runs on.
pub fn alone(body: fn()) {
    let name = std::thread::current()
        .name()
        .expect("libtest names a test's thread after the test")
        .to_owned();
    match std::env::var_os(ALONE) {
        Some(alone) if alone == name.as_str() => return body(),
        // Never started again from a process that was itself started to run one test alone.
        Some(alone) => panic!("{name} ran in a process started to run {alone:?} alone"),
        None => {}
    }
    let binary = std::env::current_exe().expect("the path of this test binary");
    let (out, stdout, stderr) = run(Command::new(binary)
        .args([name.as_str(), "--exact", "--nocapture"])
        .env(ALONE, &name)
        .env_remove("PULSE_SERVER"));
    print!("{stdout}");
    eprint!("{stderr}");
    assert!(out.status.success(), "{name} failed in its own process");
    let result = stdout.lines().find(|line| line.starts_with("test result:"));
    assert!(
        result.is_some_and(|line| line.contains(" 1 passed;")),
        "{name} did not run exactly once in its own process: {result:?}"
    );
}

/// Fails the test with directions when no D-Bus session (and so no keyring) is there.
pub fn require_session_bus() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "these tests need the real Secret Service: run them through scripts/test.sh or \
         scripts/with-keyring.sh cargo test"
    );
}

/// How long one command of a test may take before the test fails: far longer than any command
/// here needs, so that only a hang (a keyring prompt nobody can answer, a lost lock) reaches
/// it, and it fails that test instead of stalling the whole run.
pub const COMMAND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(240);

/// Runs a command with nothing on its standard input and returns its output, with stdout and
/// stderr as text. Kills it and fails the test if it runs longer than [`COMMAND_TIMEOUT`].
pub fn run(cmd: &mut Command) -> (Output, String, String) {
    use std::io::Read;
    use std::process::Stdio;
    use wait_timeout::ChildExt;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run command");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let status = match child
        .wait_timeout(COMMAND_TIMEOUT)
        .expect("wait for command")
    {
        Some(status) => status,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
            panic!(
                "{cmd:?} did not finish within {} s and was killed; it printed:\n{stderr}",
                COMMAND_TIMEOUT.as_secs()
            );
        }
    };
    let out = Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

/// Creates a vault in a new temporary folder through `sessionvault init --json`; returns the
/// folder guard, the vault folder and the vault id.
pub fn new_vault() -> (tempfile::TempDir, PathBuf, String) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("vault");
    let (out, stdout, stderr) = run(cli(&dir).args(["--json", "init"]));
    assert!(out.status.success(), "init failed: {stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("init prints JSON");
    let id = json["vault_id"].as_str().expect("vault_id").to_owned();
    (tmp, dir, id)
}

/// A granted consent (without a course, for supervision) in the vault at `dir`; its id.
pub fn supervision_consent(dir: &Path) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let signature = tmp.path().join("signature.svg");
    std::fs::write(
        &signature,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 40"><path d="M5 30 L40 5 L90 35" stroke="black" fill="none"/></svg>"#,
    )
    .unwrap();
    let (out, stdout, stderr) = run(cli(dir)
        .args([
            "--json",
            "consent",
            "new",
            "--client",
            "C-101",
            "--destroy-by",
            "2099-01-01",
            "--purpose",
            "supervision",
            "--audience",
            "supervisor",
            "--case-study",
            "none",
            "--client-name",
            "Test Client",
            "--counsellor-name",
            "Test Counsellor",
            "--client-signature",
        ])
        .arg(&signature));
    assert!(out.status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    json["id"].as_str().unwrap().to_owned()
}

/// A known signal: 16-bit little-endian samples no two neighbours alike.
pub fn signal(samples: usize) -> Vec<u8> {
    (0..samples)
        .flat_map(|i| ((((i * 7919) % 65536) as i32 - 32768) as i16).to_le_bytes())
        .collect()
}

/// An ALSA configuration whose default capture device reads `signal` from a file, with no
/// sound card and no server.
pub struct AlsaFileInput {
    dir: tempfile::TempDir,
    /// The signal's 16-bit little-endian bytes, interleaved as the device's channels.
    pub signal: Vec<u8>,
}

/// The sample format the ALSA file device offers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Offers {
    /// Any format, so 16-bit is taken as is.
    Any,
    /// Only floating point, as many laptop microphones do: the file plugin sits on ALSA's
    /// `lfloat` plugin, which offers float formats only, and reads the signal as f32 values
    /// `s / 32768`, which the recorder must turn back into exactly `s`.
    FloatOnly,
    /// Everything, through ALSA's `plug` over a file of the device's channels in 16-bit at
    /// 48 kHz (`slave { format S16_LE rate 48000 channels N }`), as `default` is on a system
    /// without a sound server.
    ThroughPlug,
}

impl AlsaFileInput {
    /// A mono device giving the first `samples` samples of [`signal`] as 16-bit audio.
    pub fn new(samples: usize) -> AlsaFileInput {
        Self::device(samples, 1, Offers::Any)
    }

    /// A device of exactly `channels` channels (ALSA's `multi` plugin allows no other count)
    /// giving the first `samples` samples of [`signal`], interleaved, in the formats `offers`.
    pub fn device(samples: usize, channels: u16, offers: Offers) -> AlsaFileInput {
        let dir = tempfile::tempdir().unwrap();
        let signal = signal(samples);
        let bindings: String = (0..channels)
            .map(|c| format!(" bindings.{c} {{ slave a channel {c} }}"))
            .collect();
        let exactly = format!(
            "{{ type multi slaves.a.pcm \"null\" slaves.a.channels {channels}{bindings} }}"
        );
        let file = |slave: &str, infile: &str| {
            format!(
                "pcm.svtest_in {{ type file slave.pcm {slave} file \"/dev/null\" infile \"{}\" format \"raw\" }}\n",
                dir.path().join(infile).display()
            )
        };
        let (infile, conf) = match offers {
            Offers::Any => (signal.clone(), file(&exactly, "signal.raw")),
            Offers::FloatOnly => (
                signal
                    .chunks(2)
                    .flat_map(|b| {
                        (f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0).to_le_bytes()
                    })
                    .collect(),
                file(
                    &format!("{{ type lfloat slave {{ pcm {exactly} format S16_LE }} }}"),
                    "signal.raw",
                ),
            ),
            Offers::ThroughPlug => (
                signal.clone(),
                file("\"null\"", "signal.raw")
                    + &format!(
                        "pcm.svtest_plug {{ type plug slave {{ pcm \"svtest_in\" format S16_LE rate 48000 channels {channels} }} }}\n"
                    ),
            ),
        };
        let capture = if offers == Offers::ThroughPlug {
            "svtest_plug"
        } else {
            "svtest_in"
        };
        std::fs::write(dir.path().join("signal.raw"), &infile).unwrap();
        std::fs::write(
            dir.path().join("test.conf"),
            conf + &format!(
                "pcm.!default {{ type asym playback.pcm \"null\" capture.pcm \"{capture}\" }}\n"
            ),
        )
        .unwrap();
        AlsaFileInput { dir, signal }
    }

    /// The signal as 16-bit samples.
    pub fn samples(&self) -> Vec<i16> {
        self.signal
            .chunks(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect()
    }

    /// Points `cmd` at this device (and away from any PulseAudio server).
    pub fn apply<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env(
            "ALSA_CONFIG_PATH",
            format!(
                "/usr/share/alsa/alsa.conf:{}",
                self.dir.path().join("test.conf").display()
            ),
        )
        // A dead server, so neither cpal's PulseAudio host nor ALSA's pulse plugin takes over.
        .env("PULSE_SERVER", "unix:/nonexistent/sessionvault-test")
    }
}

/// Starts `cmd` (a `sessionvault record` without a duration) in the background with its output
/// piped, and returns once its recording file exists under the vault `dir`.
pub fn spawn_recording(cmd: &mut Command, dir: &Path) -> std::process::Child {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start sessionvault record");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while files_under(&dir.join("recordings")).is_empty() {
        if let Ok(Some(status)) = child.try_wait() {
            let out = child
                .wait_with_output()
                .expect("the ended recording's output");
            panic!(
                "the recording ended before it started ({status}): {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            panic!("the recording never started");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child
}

/// Records `seconds` whole seconds of the known signal under `consent` from the ALSA file
/// input (no sound card, no pacing); returns the recording id.
pub fn record_from_file(dir: &Path, consent: &str, seconds: usize) -> String {
    let input = AlsaFileInput::new(48_000 * (seconds + 1));
    let (out, stdout, stderr) = run(input
        .apply(&mut cli(dir))
        .args(["--json", "record", "--consent", consent, "--duration"])
        .arg(format!("{seconds}s")));
    assert!(out.status.success(), "record failed: {stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).expect("record prints JSON");
    summary["id"].as_str().expect("a recording id").to_owned()
}

/// Zero crossings per second of a mono signal at `rate`.
pub fn frequency(samples: &[i16], rate: u32) -> f64 {
    let rising = samples.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
    rising as f64 / (samples.len() as f64 / f64::from(rate))
}

/// `text` as JSON; fails the test, showing the text, when it is not.
pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Runs a command that must succeed; its standard output as JSON.
pub fn ok_json(cmd: &mut Command) -> serde_json::Value {
    let (out, stdout, stderr) = run(cmd);
    assert!(out.status.success(), "{stderr}");
    json(&stdout)
}

/// A new transcript of `recording` with one line, `words`, said by `C:` at 0.5 s; its id.
pub fn transcript_with_a_line(dir: &Path, recording: &str, words: &str) -> String {
    let transcript = ok_json(cli(dir).args(["--json", "transcript", "new", recording]))["id"]
        .as_str()
        .expect("a transcript id")
        .to_owned();
    let line = [
        "transcript",
        "add",
        &transcript,
        "--at",
        "0.5",
        "--speaker",
        "C:",
    ];
    ok_json(cli(dir).args(["--json"]).args(line).args(["--text", words]));
    transcript
}
