//! A private PulseAudio server with a sine source, for recording in real time without touching
//! the machine's own audio.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A private PulseAudio server with a null sink and a 440 Hz sine source as the default
/// source, on its own socket; stopped when dropped. The app reaches it through cpal's
/// PulseAudio host when its `PULSE_SERVER` is [`PulseServer::address`] (see [`AppEnv::pulse`](crate::AppEnv::pulse)).
pub struct PulseServer {
    child: Child,
    _dir: tempfile::TempDir,
    /// The `PULSE_SERVER` value that reaches it.
    pub address: String,
    /// An authentication cookie for clients (`PULSE_COOKIE`). The server lets anyone in, but
    /// the native PulseAudio client cpal uses sends an empty cookie when it finds none (a
    /// fresh HOME has none), which the server refuses; then the app falls back to ALSA.
    pub cookie: PathBuf,
}

impl PulseServer {
    /// Starts the server and waits until it answers.
    pub fn start() -> PulseServer {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("native");
        let script = dir.path().join("test.pa");
        std::fs::write(
            &script,
            format!(
                "load-module module-native-protocol-unix socket={} auth-anonymous=1\n\
                 load-module module-null-sink sink_name=svsink\n\
                 load-module module-sine-source source_name=svsine frequency=440 rate=48000\n\
                 set-default-source svsine\nset-default-sink svsink\n",
                socket.display()
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
                    _dir: dir,
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
