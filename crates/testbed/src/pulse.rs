//! A private PulseAudio server with a sine source, for recording in real time without touching
//! the machine's own audio.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A private PulseAudio server with a null sink and, as the default source, a 440 Hz sine (or
/// another source, see the constructors), on its own socket; stopped when dropped. Reached by
/// setting `PULSE_SERVER` to [`PulseServer::address`] (and `PULSE_COOKIE` to
/// [`PulseServer::cookie`] for a process with a fresh `HOME`).
pub struct PulseServer {
    child: Child,
    dir: tempfile::TempDir,
    /// The `PULSE_SERVER` value that reaches it.
    pub address: String,
    /// An authentication cookie for clients (`PULSE_COOKIE`). The server lets anyone in, but
    /// the native PulseAudio client cpal uses sends an empty cookie when it finds none (a
    /// fresh `HOME` has none), which the server refuses; then the app falls back to ALSA.
    pub cookie: PathBuf,
}

impl PulseServer {
    /// Starts the server and waits until it answers.
    pub fn start() -> PulseServer {
        Self::start_with(
            "load-module module-sine-source source_name=svsine frequency=440 rate=48000\n\
             set-default-source svsine\n",
        )
    }

    /// Starts a server whose default source is the 440 Hz sine, with a second microphone
    /// beside it: `svother`, a 1000 Hz sine (a headset just plugged in).
    pub fn with_second_source() -> PulseServer {
        Self::start_with(
            "load-module module-sine-source source_name=svsine frequency=440 rate=48000\n\
             load-module module-sine-source source_name=svother frequency=1000 rate=48000\n\
             set-default-source svsine\n",
        )
    }

    /// Starts a server whose default source is a pipe of the given format (PulseAudio's
    /// `module-pipe-source`, e.g. `format=s32le rate=44100 channels=2`): a microphone whose own
    /// format is that, delivering exactly the bytes written to [`PulseServer::pipe`], unpaced.
    pub fn with_pipe_source(spec: &str) -> PulseServer {
        Self::start_with(&format!(
            "load-module module-pipe-source source_name=svpipe file=@DIR@/source.fifo {spec}\n\
             set-default-source svpipe\n"
        ))
    }

    /// Runs `pactl` with `args` against this server; whether it succeeded, and what it printed.
    pub fn pactl(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new("pactl")
            .args(args)
            .env("PULSE_SERVER", &self.address)
            .output()
            .expect("pactl must be installed");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    }

    /// The server's process id (to freeze it, as a sleeping computer does).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The pipe feeding the source of [`PulseServer::with_pipe_source`].
    pub fn pipe(&self) -> PathBuf {
        self.dir.path().join("source.fifo")
    }

    /// Starts the server with the null sink and `sources` (script lines; `@DIR@` is the
    /// server's own folder) and waits until it answers.
    fn start_with(sources: &str) -> PulseServer {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("native");
        let script = dir.path().join("test.pa");
        std::fs::write(
            &script,
            format!(
                "load-module module-native-protocol-unix socket={} auth-anonymous=1\n\
                 load-module module-null-sink sink_name=svsink\n\
                 {}set-default-sink svsink\n",
                socket.display(),
                sources.replace("@DIR@", &dir.path().display().to_string())
            ),
        )
        .unwrap();
        let mut child = Command::new("pulseaudio")
            .args(["-n", "-F"])
            .arg(&script)
            .args([
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--log-target=stderr",
            ])
            .env("HOME", dir.path())
            .env("PULSE_RUNTIME_PATH", dir.path().join("run"))
            .env("XDG_RUNTIME_DIR", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            // Off the session bus: two servers would fight over one D-Bus name.
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
            .env_remove("DISPLAY")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pulseaudio must be installed");
        let address = format!("unix:{}", socket.display());
        let cookie = dir.path().join("cookie");
        std::fs::write(&cookie, [0x5a_u8; 256]).unwrap();
        for _ in 0..100 {
            let ok = Command::new("pactl")
                .arg("info")
                .env("PULSE_SERVER", &address)
                .output()
                .is_ok_and(|o| o.status.success());
            if ok {
                return PulseServer {
                    child,
                    dir,
                    address,
                    cookie,
                };
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the private PulseAudio server did not start");
    }
}

impl Drop for PulseServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
