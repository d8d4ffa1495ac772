//! One run of the app: the folders and environment it gets ([`AppEnv`]), its window in a
//! WebDriver session ([`Window`]), and making sure every process it started has ended before the
//! next test starts its own.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use fantoccini::Client;

use crate::driver::Driver;
use crate::look::{assert_accessible, clear_accessibility_failures, take_accessibility_failures};
use sessionvault_testbed::PulseServer;

/// The folders and environment one run of the app gets: its own vault folder, its own HOME and
/// XDG folders (so every file the webview leaves behind is known and can be searched), a folder
/// that save commands write into (`SESSIONVAULT_SAVE_DIR`), and no PulseAudio server unless one
/// is given.
pub struct AppEnv {
    tmp: tempfile::TempDir,
    envs: Vec<(String, OsString)>,
}

impl AppEnv {
    /// Fresh folders in a new temporary folder; nothing is created in them yet but the home and
    /// XDG folders.
    pub fn new() -> AppEnv {
        let tmp = tempfile::tempdir().expect("tempdir");
        let env = AppEnv { tmp, envs: vec![] };
        for dir in [
            env.home(),
            env.xdg_data_home(),
            env.xdg_cache_home(),
            env.xdg_config_home(),
            env.xdg_runtime_dir(),
            env.save_dir(),
        ] {
            std::fs::create_dir_all(dir).expect("create the app's folders");
        }
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                env.xdg_runtime_dir(),
                std::fs::Permissions::from_mode(0o700),
            )
            .expect("a private runtime folder");
        }
        let envs = vec![
            ("SESSIONVAULT_DIR".to_owned(), env.vault_dir().into()),
            ("SESSIONVAULT_SAVE_DIR".to_owned(), env.save_dir().into()),
            ("HOME".to_owned(), env.home().into()),
            ("XDG_DATA_HOME".to_owned(), env.xdg_data_home().into()),
            ("XDG_CACHE_HOME".to_owned(), env.xdg_cache_home().into()),
            ("XDG_CONFIG_HOME".to_owned(), env.xdg_config_home().into()),
            // Where the app keeps its webview's per-run data folder.
            ("XDG_RUNTIME_DIR".to_owned(), env.xdg_runtime_dir().into()),
            // A dead server, so no PulseAudio of the machine's is reached unless a test gives
            // its own with [`AppEnv::pulse`].
            (
                "PULSE_SERVER".to_owned(),
                "unix:/nonexistent/sessionvault-e2e".into(),
            ),
        ];
        AppEnv { envs, ..env }
    }

    /// The vault folder the app is pointed at (`SESSIONVAULT_DIR`); not created beforehand.
    pub fn vault_dir(&self) -> PathBuf {
        self.tmp.path().join("vault")
    }
    /// Where save commands write (`SESSIONVAULT_SAVE_DIR`).
    pub fn save_dir(&self) -> PathBuf {
        self.tmp.path().join("saved")
    }
    /// The app's HOME.
    pub fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }
    /// The app's XDG_DATA_HOME.
    pub fn xdg_data_home(&self) -> PathBuf {
        self.tmp.path().join("xdg-data")
    }
    /// The app's XDG_CACHE_HOME.
    pub fn xdg_cache_home(&self) -> PathBuf {
        self.tmp.path().join("xdg-cache")
    }
    /// The app's XDG_CONFIG_HOME.
    pub fn xdg_config_home(&self) -> PathBuf {
        self.tmp.path().join("xdg-config")
    }

    /// The app's XDG_RUNTIME_DIR (private to the user), where the app keeps its webview's data
    /// for one run (`sessionvault-webview-*`).
    pub fn xdg_runtime_dir(&self) -> PathBuf {
        self.tmp.path().join("xdg-runtime")
    }

    /// The webview's per-run data folders (`sessionvault-webview-*` in the runtime folder) that
    /// exist now.
    pub fn webview_run_folders(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.xdg_runtime_dir())
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("sessionvault-webview-")
            })
            .map(|e| e.path())
            .collect()
    }

    /// Every folder outside the vault where the app or its webview may keep data of its own:
    /// HOME and the XDG data, cache, config and runtime folders (so WebKit's folders under
    /// them, `app.sessionvault.desktop` and the per-run `sessionvault-webview-*`, and whatever
    /// else was left there).
    pub fn webview_folders(&self) -> Vec<PathBuf> {
        [
            self.home(),
            self.xdg_data_home(),
            self.xdg_cache_home(),
            self.xdg_config_home(),
            self.xdg_runtime_dir(),
        ]
        .into_iter()
        .filter(|d| d.exists())
        .collect()
    }

    /// Adds (or replaces) a variable of the app's environment.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> AppEnv {
        self.envs.retain(|(k, _)| k != key);
        self.envs.push((key.to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Points the app's audio at a private PulseAudio server.
    pub fn pulse(self, server: &PulseServer) -> AppEnv {
        let address = server.address.clone();
        self.env("PULSE_SERVER", address)
            .env("PULSE_COOKIE", &server.cookie)
    }

    /// Starts tauri-driver with this environment and a WebDriver session that starts the app.
    pub async fn launch(&self) -> Window {
        let envs: Vec<(&str, &OsStr)> = self
            .envs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_os_str()))
            .collect();
        clear_accessibility_failures();
        let driver = Driver::start(&envs);
        let client = driver.session().await;
        // Waits long enough for a script (axe on a full page takes seconds under Xvfb).
        let _ = client
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(Duration::from_secs(120)),
                None,
                Some(Duration::from_secs(0)),
            ))
            .await;
        let marker = self
            .envs
            .iter()
            .find(|(k, _)| k == "SESSIONVAULT_DIR")
            .map(|(k, v)| {
                let mut m = OsString::from(k);
                m.push("=");
                m.push(v);
                m
            })
            .expect("SESSIONVAULT_DIR is always set");
        Window {
            client,
            _driver: driver,
            marker,
        }
    }
}

impl Default for AppEnv {
    fn default() -> Self {
        AppEnv::new()
    }
}

/// The app's window in a WebDriver session; the driver stops when this is dropped.
pub struct Window {
    /// The WebDriver client.
    pub client: Client,
    _driver: Driver,
    /// `SESSIONVAULT_DIR=<this run's vault>`: found only in the environment of the processes
    /// this window's driver started.
    marker: OsString,
}

impl Window {
    /// Ends the WebDriver session (which closes the app) and stops the driver; then fails the
    /// test if [`look`](crate::look()) found serious or critical accessibility violations on the way.
    pub async fn close(self) {
        let failures = self.shut().await;
        assert_accessible(&failures);
    }

    /// The ids of the app's processes: the shell and its webview's helpers.
    pub fn processes(&self) -> Vec<u32> {
        processes_with(&self.marker)
    }

    /// Ends the WebDriver session (which closes the app) and stops the driver; gives the
    /// accessibility violations [`look`](crate::look()) found on the way, for [`assert_accessible`] later.
    pub async fn shut(self) -> Vec<String> {
        let _ = self.client.close().await;
        drop(self._driver);
        end_processes_with(&self.marker).await;
        take_accessibility_failures()
    }
}

impl std::ops::Deref for Window {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

/// The ids of this user's processes whose environment holds `marker` (`KEY=value`).
fn processes_with(marker: &OsStr) -> Vec<u32> {
    use std::os::unix::ffi::OsStrExt;
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|&b| b == 0).any(|v| v == marker.as_bytes()))
        })
        .collect()
}

/// Waits up to 15 s for the processes this window's driver started (the app and its webview's
/// helpers, known by `marker` in their environment) to end, then kills those left, by id, so
/// the next test's app is not taken for a second instance of this one.
async fn end_processes_with(marker: &OsStr) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let left = processes_with(marker);
        if left.is_empty() {
            return;
        }
        if Instant::now() >= deadline {
            let names: Vec<String> = left
                .iter()
                .map(|pid| {
                    let comm =
                        std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
                    let threads: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/task"))
                        .into_iter()
                        .flatten()
                        .flatten()
                        .filter_map(|t| {
                            let p = t.path();
                            let name = std::fs::read_to_string(p.join("comm")).ok()?;
                            let wchan =
                                std::fs::read_to_string(p.join("wchan")).unwrap_or_default();
                            Some(format!("{}@{}", name.trim(), wchan.trim()))
                        })
                        .collect();
                    format!("{pid} {} threads {threads:?}", comm.trim())
                })
                .collect();
            eprintln!("the app did not end after its session closed; killing {names:?}");
            for pid in left {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
