//! Drives the real SessionVault window through WebDriver: `tauri-driver` in front of
//! WebKitWebDriver, which starts the built app binary. The tests live in `tests/`; this library
//! holds what they share: starting the app with its own folders and environment, waiting for and
//! working the page's elements, screenshots, an accessibility check with axe-core, and a private
//! PulseAudio server with a sine source for recording in real time.
//!
//! Needs, as `scripts/test.sh` arranges: a display (Xvfb), a D-Bus session with an unlocked
//! keyring, `tauri-driver` on the PATH (or `TAURI_DRIVER`), WebKitWebDriver, the app built
//! (`cargo build`; or `SESSIONVAULT_APP` naming the binary), `npm ci` run in `e2e/` (axe-core),
//! and `pulseaudio`/`pactl` for the recording journey.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::ffi::{OsStr, OsString};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use tokio::sync::{Mutex, MutexGuard};

/// How long a step may take before a test gives up: WebKit under Xvfb on two cores is slow.
pub const PATIENCE: Duration = Duration::from_secs(45);

/// The app binary to drive.
pub fn app_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("SESSIONVAULT_APP") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target.join("debug/sessionvault-app");
    assert!(
        path.is_file(),
        "the app is not built at {}: run `cargo build --locked` first (scripts/test.sh does)",
        path.display()
    );
    path
}

/// Where screenshots and accessibility reports for people to look at are saved (ignored by
/// git).
pub fn artifacts_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../artifacts");
    std::fs::create_dir_all(&dir).expect("create artifacts/");
    dir
}

/// One window test at a time: they share the display and one D-Bus session (where the app's
/// single-instance guard lives), and a WebKitWebDriver session is heavy. Each test holds this
/// for its whole run; `scripts/test.sh` also runs this crate with `--test-threads=1`.
pub async fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::const_new(());
    LOCK.lock().await
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A running `tauri-driver`, killed when dropped.
pub struct Driver {
    child: Child,
    /// The WebDriver URL to connect to.
    pub url: String,
}

impl Driver {
    /// Starts `tauri-driver` on free loopback ports, with `envs` added to the environment the
    /// app inherits, and waits until it accepts connections.
    pub fn start(envs: &[(&str, &OsStr)]) -> Driver {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "the window test needs a display: run it through scripts/test.sh (Xvfb)"
        );
        let port = free_port();
        let native_port = free_port();
        let program = std::env::var_os("TAURI_DRIVER").unwrap_or_else(|| "tauri-driver".into());
        let mut cmd = Command::new(&program);
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .stdin(Stdio::null());
        for (key, value) in envs {
            cmd.env(key, value);
        }
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!("could not start {program:?} ({e}): install it with `cargo install tauri-driver --locked`")
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not start listening"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A WebDriver session that starts the app.
    pub async fn session(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".to_owned(),
            json!({ "application": app_binary() }),
        );
        // tauri-driver listens before the native driver behind it is ready: retry a while.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            // A new session waits for the app's window; an app that never shows one (another
            // instance holding the single-instance name, say) would make it wait for ever.
            let mut builder = fantoccini::ClientBuilder::new(connector);
            builder.capabilities(caps.clone());
            let connecting = builder.connect(&self.url);
            match tokio::time::timeout(Duration::from_secs(90), connecting).await {
                Err(_) => panic!(
                    "the app's window did not come up within 90 s (is another SessionVault \
                     still running in this D-Bus session?)"
                ),
                Ok(Ok(client)) => return client,
                Ok(Err(fantoccini::error::NewSessionError::FailedC(e)))
                    if Instant::now() < deadline =>
                {
                    eprintln!("WebDriver not ready yet ({e}); retrying");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Ok(Err(e)) => panic!("could not start a WebDriver session with the app: {e}"),
            }
        }
    }
}

impl Drop for Driver {
    /// Asks tauri-driver to stop with SIGTERM, on which it also stops the WebKitWebDriver it
    /// started (a SIGKILL would leave that running); kills it if it does not stop.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
        ACCESSIBILITY_FAILURES
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
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
    /// test if [`look`] found serious or critical accessibility violations on the way.
    pub async fn close(self) {
        let failures = self.shut().await;
        assert_accessible(&failures);
    }

    /// The ids of the app's processes: the shell and its webview's helpers.
    pub fn processes(&self) -> Vec<u32> {
        processes_with(&self.marker)
    }

    /// Ends the WebDriver session (which closes the app) and stops the driver; gives the
    /// accessibility violations [`look`] found on the way, for [`assert_accessible`] later.
    pub async fn shut(self) -> Vec<String> {
        let _ = self.client.close().await;
        drop(self._driver);
        end_processes_with(&self.marker).await;
        std::mem::take(
            &mut *ACCESSIBILITY_FAILURES
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        )
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

/// Fails the test on the accessibility violations that [`Window::shut`] gave.
pub fn assert_accessible(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "accessibility violations on {} screen(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

impl std::ops::Deref for Window {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

/// Polls `check` every 200 ms until it gives `Ok`, or gives `Err` with `what` and the last
/// reason after `patience`.
pub async fn try_poll<T, F, Fut>(what: &str, patience: Duration, mut check: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + patience;
    loop {
        let why = match check().await {
            Ok(value) => return Ok(value),
            Err(why) => why,
        };
        if Instant::now() >= deadline {
            return Err(format!(
                "gave up waiting for {what} after {patience:?}: {why}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Fails the test with `why`, after saving a screenshot of the window as
/// `artifacts/failed-<time>.png` and printing the page's text, so the failure can be seen.
pub async fn give_up(client: &Client, why: &str) -> ! {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let name = format!("failed-{stamp}");
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(artifacts_dir().join(format!("{name}.png")), png);
    }
    let body = body_text(client).await;
    panic!("{why}\n(screenshot: artifacts/{name}.png)\n--- the page's text ---\n{body}\n---");
}

/// Polls `check` until it gives `Ok` (see [`try_poll`], with [`PATIENCE`]); on giving up, fails
/// the test through [`give_up`].
pub async fn poll<T, F, Fut>(client: &Client, what: &str, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    poll_for(client, what, PATIENCE, check).await
}

/// [`poll`] with its own patience.
pub async fn poll_for<T, F, Fut>(client: &Client, what: &str, patience: Duration, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    match try_poll(what, patience, check).await {
        Ok(value) => value,
        Err(why) => give_up(client, &why).await,
    }
}

/// Waits until `attribute` of the element at `css` equals `want` (or, for `None`, until its
/// text does), and returns it.
pub async fn wait_for(client: &Client, css: &str, attribute: Option<&str>, want: &str) -> String {
    poll(client, &format!("{css} to show {want:?}"), || async {
        let element = client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("not found: {e}"))?;
        let value = match attribute {
            Some(name) => element.attr(name).await.ok().flatten(),
            None => element.text().await.ok(),
        }
        .unwrap_or_default();
        if value == want {
            Ok(value)
        } else {
            Err(format!("last {value:?}"))
        }
    })
    .await
}

/// Waits until the element at `css` is there and displayed; returns it.
pub async fn wait_displayed(client: &Client, css: &str) -> fantoccini::elements::Element {
    poll(client, &format!("{css} to be displayed"), || async {
        let element = client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("not found: {e}"))?;
        match element.is_displayed().await {
            Ok(true) => Ok(element),
            Ok(false) => Err("there but not displayed".to_owned()),
            Err(e) => Err(e.to_string()),
        }
    })
    .await
}

/// Waits until no element at `css` is displayed (absent or hidden).
pub async fn wait_hidden(client: &Client, css: &str) {
    poll(client, &format!("{css} to be hidden"), || async {
        match client.find(Locator::Css(css)).await {
            Err(_) => Ok(()),
            Ok(element) => match element.is_displayed().await {
                Ok(false) | Err(_) => Ok(()),
                Ok(true) => Err("still displayed".to_owned()),
            },
        }
    })
    .await
}

/// Whether an element at `css` is there and displayed, now.
pub async fn is_displayed(client: &Client, css: &str) -> bool {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.is_displayed().await.unwrap_or(false),
        Err(_) => false,
    }
}

/// Whether the element at `css` is enabled, now (fails the test when it is not there).
pub async fn is_enabled(client: &Client, css: &str) -> bool {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.is_enabled().await.unwrap_or(false),
        Err(e) => give_up(client, &format!("{css} is not there: {e}")).await,
    }
}

/// How many elements match `css`, now.
pub async fn count(client: &Client, css: &str) -> usize {
    client
        .find_all(Locator::Css(css))
        .await
        .map(|all| all.len())
        .unwrap_or(0)
}

/// The visible text of the element at `css` (fails the test when it is not there).
pub async fn text(client: &Client, css: &str) -> String {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.text().await.unwrap_or_default(),
        Err(e) => give_up(client, &format!("{css} is not there: {e}")).await,
    }
}

/// Waits until the element at `css` has non-empty visible text, and returns it.
pub async fn wait_text(client: &Client, css: &str) -> String {
    poll(client, &format!("{css} to have text"), || async {
        let element = client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("not found: {e}"))?;
        let text = element.text().await.unwrap_or_default();
        if text.trim().is_empty() {
            Err("empty".to_owned())
        } else {
            Ok(text)
        }
    })
    .await
}

/// Waits until the element at `css` has attribute `name` set and non-empty; returns its value.
pub async fn wait_attr(client: &Client, css: &str, name: &str) -> String {
    poll(client, &format!("{css}[{name}] to be set"), || async {
        let element = client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("not found: {e}"))?;
        match element.attr(name).await {
            Ok(Some(value)) if !value.is_empty() => Ok(value),
            other => Err(format!("{other:?}")),
        }
    })
    .await
}

/// Waits until the element at `css` is displayed and enabled, then clicks it as a person would
/// (a WebDriver element click, which scrolls it into view and fails if something covers it).
pub async fn click(client: &Client, css: &str) {
    poll(client, &format!("{css} to be clickable"), || async {
        let element = client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("not found: {e}"))?;
        if !element.is_displayed().await.unwrap_or(false) {
            return Err("not displayed".to_owned());
        }
        if !element.is_enabled().await.unwrap_or(false) {
            return Err("disabled".to_owned());
        }
        element.click().await.map_err(|e| format!("click: {e}"))
    })
    .await
}

/// Types `value` into the text field at `css` after clearing it, through real key events.
pub async fn type_into(client: &Client, css: &str, value: &str) {
    let element = wait_displayed(client, css).await;
    element
        .clear()
        .await
        .unwrap_or_else(|e| panic!("clear {css}: {e}"));
    element
        .send_keys(value)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

/// Sets the value of the field at `css` (a `<select>`, a date input) and fires `input` and
/// `change` as a person's choice would. WebKitGTK opens native pop-ups for selects and date
/// pickers that WebDriver cannot work, so this goes through the DOM. For a `<select>` the value
/// must be one of its options (waited for).
pub async fn set_value(client: &Client, css: &str, value: &str) {
    wait_displayed(client, css).await;
    poll(
        client,
        &format!("{css} to take the value {value:?}"),
        || async {
            let done = client
                .execute(
                    r#"const [css, value] = arguments;
                   const el = document.querySelector(css);
                   if (!el) return "not found";
                   if (el.disabled) return "disabled";
                   if (el.tagName === "SELECT" &&
                       !Array.from(el.options).some((o) => o.value === value)) {
                     return "no option " + JSON.stringify(value) + " among " +
                       JSON.stringify(Array.from(el.options).map((o) => o.value));
                   }
                   el.focus();
                   el.value = value;
                   el.dispatchEvent(new Event("input", { bubbles: true }));
                   el.dispatchEvent(new Event("change", { bubbles: true }));
                   return el.value === value ? "ok" : "value is " + JSON.stringify(el.value);"#,
                    vec![json!(css), json!(value)],
                )
                .await
                .map_err(|e| e.to_string())?;
            match done.as_str() {
                Some("ok") => Ok(()),
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await
}

/// Ticks or unticks the checkbox or radio at `css` by clicking it when needed.
pub async fn set_checked(client: &Client, css: &str, checked: bool) {
    let element = wait_displayed(client, css).await;
    if element.is_selected().await.unwrap_or(false) != checked {
        click(client, css).await;
    }
    poll(
        client,
        &format!("{css} to be checked={checked}"),
        || async {
            let now = client
                .find(Locator::Css(css))
                .await
                .map_err(|e| e.to_string())?
                .is_selected()
                .await
                .map_err(|e| e.to_string())?;
            if now == checked {
                Ok(())
            } else {
                Err(format!("checked={now}"))
            }
        },
    )
    .await
}

/// Goes to a screen through the navigation (`#nav-<name>`) and waits until its section
/// (`[data-screen=<name>]`) is shown.
pub async fn go(client: &Client, screen: &str) {
    click(client, &format!("#nav-{screen}")).await;
    wait_screen(client, screen).await;
}

/// Waits until the screen `name`'s section is shown and its title filled.
pub async fn wait_screen(client: &Client, name: &str) {
    wait_displayed(client, &format!("section[data-screen={name}]")).await;
}

/// Runs `script` as the body of an async function in the page through WebDriver's
/// execute-async, where `done` (the last argument) takes the answer.
pub async fn run_async(client: &Client, script: &str, args: Vec<Value>) -> Value {
    client
        .execute_async(script, args)
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}"))
}

/// Calls a command of the shell from the page, as the UI does: `Ok(answer)` or `Err(error)`
/// with the command's `{code, message}`.
pub async fn invoke(client: &Client, command: &str, args: Value) -> Result<Value, Value> {
    invoke_with_channels(client, command, args, &[]).await
}

/// [`invoke`], with a fresh Tauri `Channel` (whose messages are dropped) as each of the
/// arguments named in `channels` (such as `onEvent`).
pub async fn invoke_with_channels(
    client: &Client,
    command: &str,
    args: Value,
    channels: &[&str],
) -> Result<Value, Value> {
    let answer = run_async(
        client,
        r#"const [command, args, channels, done] = arguments;
           for (const name of channels) {
             const ch = new window.__TAURI__.core.Channel();
             ch.onmessage = () => {};
             args[name] = ch;
           }
           window.__TAURI__.core.invoke(command, args).then(
             (value) => done({ ok: value === undefined ? null : value }),
             (error) => done({ err: error === undefined ? null : error }));"#,
        vec![json!(command), args, json!(channels)],
    )
    .await;
    match answer {
        Value::Object(mut map) if map.contains_key("ok") => Ok(map.remove("ok").unwrap()),
        Value::Object(mut map) if map.contains_key("err") => Err(map.remove("err").unwrap()),
        other => panic!("unexpected answer from invoke({command}): {other}"),
    }
}

/// The page's `document.body.innerText`.
pub async fn body_text(client: &Client) -> String {
    client
        .execute("return document.body.innerText;", vec![])
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Saves a PNG of the window as `artifacts/<name>.png`, after giving the webview a moment to
/// paint what the DOM already shows.
pub async fn screenshot(client: &Client, name: &str) {
    tokio::time::sleep(Duration::from_millis(400)).await;
    let png = client
        .screenshot()
        .await
        .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
    std::fs::write(artifacts_dir().join(format!("{name}.png")), png).expect("save screenshot");
}

/// axe-core's source, from `e2e/node_modules` (`npm ci` in `e2e/` installs it).
fn axe_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "axe-core is not installed at {} ({e}): run `npm ci` in e2e/ \
                 (scripts/test.sh and scripts/install-deps.sh --test do)",
                path.display()
            )
        })
    })
}

/// The WCAG rules axe runs: 2.0, 2.1 and 2.2 at levels A and AA.
pub const AXE_TAGS: &[&str] = &[
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa",
];

/// Serious or critical accessibility violations that [`look`] found and that are reported when
/// the window closes ([`Window::close`]).
static ACCESSIBILITY_FAILURES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Checks what the window shows now with axe-core (WCAG 2.x A and AA rules), saves the full
/// result as `artifacts/axe-<screen>.json`, and fails the test on any violation of impact
/// "serious" or "critical", naming the rules, the elements and the help. Returns the result.
///
/// The page's CSP (`script-src 'self'`) forbids inline scripts and `eval`, so axe cannot be
/// added as a `<script>` element or evaluated from a string inside the page. Instead axe's
/// source is sent as the body of the WebDriver script itself: WebKitWebDriver evaluates it as
/// the automation, outside the page's CSP, and axe needs no `eval` of its own. The app's CSP is
/// untouched.
pub async fn axe_check(client: &Client, screen: &str) -> Value {
    let (result, failure) = axe_run(client, screen).await;
    if let Some(failure) = failure {
        panic!("{failure}");
    }
    result
}

/// Runs axe and saves its result; gives the result and, when there are serious or critical
/// violations, the report of them.
async fn axe_run(client: &Client, screen: &str) -> (Value, Option<String>) {
    let loaded = client
        .execute(
            "return typeof window.axe === 'object' && !!window.axe.run;",
            vec![],
        )
        .await
        .unwrap_or(Value::Bool(false));
    if loaded != Value::Bool(true) {
        let script = format!(
            "{}\n;return typeof window.axe === 'object' ? 'loaded' : typeof axe;",
            axe_source()
        );
        let answer = client
            .execute(&script, vec![])
            .await
            .unwrap_or_else(|e| panic!("injecting axe-core through WebDriver failed: {e}"));
        assert_eq!(
            answer.as_str(),
            Some("loaded"),
            "axe-core did not load into the page: {answer}"
        );
    }
    let result = run_async(
        client,
        r#"const [tags, done] = arguments;
           window.axe
             .run(document, {
               runOnly: { type: "tag", values: tags },
               resultTypes: ["violations"],
             })
             .then((r) => done({ ok: JSON.parse(JSON.stringify(r)) }),
                   (e) => done({ err: String(e && e.stack || e) }));"#,
        vec![json!(AXE_TAGS)],
    )
    .await;
    let result = match result {
        Value::Object(mut map) if map.contains_key("ok") => map.remove("ok").unwrap(),
        other => panic!("axe.run failed on {screen}: {other}"),
    };
    std::fs::write(
        artifacts_dir().join(format!("axe-{screen}.json")),
        serde_json::to_vec_pretty(&result).unwrap(),
    )
    .expect("save the axe result");
    let violations = result["violations"].as_array().cloned().unwrap_or_default();
    let mut report = String::new();
    let mut failing = 0;
    for v in &violations {
        let impact = v["impact"].as_str().unwrap_or("?");
        let serious = matches!(impact, "serious" | "critical");
        if serious {
            failing += 1;
        }
        report.push_str(&format!(
            "\n{} [{impact}] {} — {}\n",
            v["id"].as_str().unwrap_or("?"),
            v["help"].as_str().unwrap_or(""),
            v["helpUrl"].as_str().unwrap_or("")
        ));
        for node in v["nodes"].as_array().into_iter().flatten() {
            report.push_str(&format!(
                "    {} {}\n      {}\n",
                node["target"],
                node["html"].as_str().unwrap_or(""),
                node["failureSummary"]
                    .as_str()
                    .unwrap_or("")
                    .replace('\n', "\n      ")
            ));
        }
    }
    if !violations.is_empty() {
        eprintln!("axe on {screen}: {} violation(s){report}", violations.len());
    }
    let failure = (failing > 0).then(|| {
        format!(
            "axe found {failing} serious or critical accessibility violation(s) on {screen}:{report}"
        )
    });
    (result, failure)
}

/// Screenshot and accessibility check of what is shown, under one name. A serious or critical
/// violation does not stop the journey here, so every screen gets its picture and its check:
/// it is kept and fails the test when the window closes ([`Window::close`]).
pub async fn look(client: &Client, name: &str) {
    screenshot(client, name).await;
    let (_, failure) = axe_run(client, name).await;
    if let Some(failure) = failure {
        ACCESSIBILITY_FAILURES
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(failure);
    }
}

/// Draws a signature on the element at `css` with WebDriver pointer actions: a mouse moves to
/// it, presses, moves through a few strokes, and releases, twice.
pub async fn draw_signature(client: &Client, css: &str) {
    use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
    let pad = wait_displayed(client, css).await;
    let (_, _, width, height) = pad.rectangle().await.expect("the signature pad's size");
    let (w, h) = (width / 2.0 - 8.0, height / 2.0 - 8.0);
    // Offsets from the pad's centre, as fractions of its half-size.
    let strokes: [&[(f64, f64)]; 2] = [
        &[
            (-0.85, 0.3),
            (-0.6, -0.5),
            (-0.4, 0.4),
            (-0.2, -0.3),
            (0.0, 0.35),
            (0.2, -0.4),
        ],
        &[(0.3, 0.2), (0.5, -0.3), (0.65, 0.3), (0.8, -0.1)],
    ];
    let mut mouse = MouseActions::new("signing-mouse".to_owned());
    for stroke in strokes {
        let (x, y) = stroke[0];
        mouse = mouse.then(PointerAction::MoveToElement {
            element: pad.clone(),
            duration: Some(Duration::from_millis(50)),
            x: (x * w).round(),
            y: (y * h).round(),
        });
        mouse = mouse.then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        });
        for &(x, y) in &stroke[1..] {
            mouse = mouse.then(PointerAction::MoveToElement {
                element: pad.clone(),
                duration: Some(Duration::from_millis(80)),
                x: (x * w).round(),
                y: (y * h).round(),
            });
        }
        mouse = mouse.then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    }
    client
        .perform_actions(mouse)
        .await
        .expect("draw the signature with pointer actions");
    let _ = client.release_actions().await;
}

/// Reads a time shown as `H:MM:SS`, `M:SS` or `M:SS.t` as seconds.
pub fn parse_clock(text: &str) -> Option<f64> {
    let text = text.trim();
    // Take the first thing that looks like a clock, so "0:05 / 0:07" reads as 5.
    let clock: String = text
        .split(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .find(|part| part.contains(':'))?
        .to_owned();
    let mut seconds = 0.0;
    for part in clock.split(':') {
        seconds = seconds * 60.0 + part.parse::<f64>().ok()?;
    }
    Some(seconds)
}

/// What `secret-tool search --all --unlock service SERVICE` prints (attributes and secrets):
/// the real Secret Service, asked from another process.
pub fn secret_tool_search(service: &str) -> String {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "--unlock", "service", service])
        .output()
        .expect("secret-tool (libsecret-tools) must be installed");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The vault id written in `vault.json` of the vault folder `dir`.
pub fn vault_id(dir: &Path) -> String {
    let marker: Value = serde_json::from_slice(
        &std::fs::read(dir.join("vault.json")).expect("the vault's vault.json"),
    )
    .expect("vault.json is JSON");
    marker["vault_id"].as_str().expect("vault_id").to_owned()
}

/// Every file under `dir`, recursively (symbolic links not followed).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => out.extend(files_under(&path)),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
    out
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The files under `dirs` that hold any of `needles`, in UTF-8 or UTF-16 (little-endian, as
/// some browser stores keep strings); each with the needle found.
pub fn files_holding(dirs: &[PathBuf], needles: &[&str]) -> Vec<(PathBuf, String)> {
    let mut found = vec![];
    for dir in dirs {
        for file in files_under(dir) {
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            for needle in needles {
                let utf16: Vec<u8> = needle.encode_utf16().flat_map(u16::to_le_bytes).collect();
                if contains(&bytes, needle.as_bytes()) || contains(&bytes, &utf16) {
                    found.push((file.clone(), (*needle).to_owned()));
                }
            }
        }
    }
    found
}

/// A private PulseAudio server with a null sink and a 440 Hz sine source as the default
/// source, on its own socket; stopped when dropped. The app reaches it through cpal's
/// PulseAudio host when its `PULSE_SERVER` is [`PulseServer::address`] (see [`AppEnv::pulse`]).
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

// ---------------------------------------------------------------------------------------------
// Steps of the journeys that several tests share. `shots` names the screenshots and axe reports
// they take (`Some("journey")` gives `journey-<screen>`); `None` takes none.

fn shot_name(shots: Option<&str>, name: &str) -> Option<String> {
    shots.map(|prefix| format!("{prefix}-{name}"))
}

/// Screenshot and accessibility check under `<prefix>-<name>` when `shots` asks for them.
pub async fn maybe_look(client: &Client, shots: Option<&str>, name: &str) {
    if let Some(name) = shot_name(shots, name) {
        look(client, &name).await;
    }
}

/// The date `days` from today as `YYYY-MM-DD`, as the page's clock sees it (local time).
pub async fn date_in_days(client: &Client, days: i64) -> String {
    client
        .execute(
            r#"const d = new Date(Date.now() + arguments[0] * 86400000);
               const p = (n) => String(n).padStart(2, "0");
               return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;"#,
            vec![json!(days)],
        )
        .await
        .expect("the page's date")
        .as_str()
        .expect("a date")
        .to_owned()
}

/// On a first run, creates the vault from the vault screen and goes to Home. Returns the vault
/// id (read from the vault folder `vault_dir`).
pub async fn create_vault(client: &Client, vault_dir: &Path, shots: Option<&str>) -> String {
    wait_for(client, "#status-vault", Some("data-state"), "absent").await;
    wait_displayed(client, "#create-vault").await;
    maybe_look(client, shots, "vault-first-run").await;
    click(client, "#create-vault").await;
    wait_for(client, "#status-vault", Some("data-state"), "ready").await;
    maybe_look(client, shots, "vault").await;
    go(client, "home").await;
    vault_id(vault_dir)
}

/// Adds a course on Home; returns its id (from `#course-list li[data-course-id]`).
pub async fn add_course(client: &Client, name: &str, ends_on: &str) -> String {
    wait_screen(client, "home").await;
    type_into(client, "#course-name", name).await;
    set_value(client, "#course-ends", ends_on).await;
    click(client, "#course-add").await;
    poll(client, &format!("the course {name:?} in #course-list"), || async {
        let found = client
            .execute(
                r##"const name = arguments[0];
                   const li = Array.from(document.querySelectorAll("#course-list li[data-course-id]"))
                     .find((li) => li.textContent.includes(name));
                   return li ? li.dataset.courseId : null;"##,
                vec![json!(name)],
            )
            .await
            .map_err(|e| e.to_string())?;
        found
            .as_str()
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| "not listed yet".to_owned())
    })
    .await
}

/// What a consent taken in the wizard says.
#[derive(Clone, Debug)]
pub struct ConsentSpec<'a> {
    /// The client's code, as typed in the first step.
    pub client_code: &'a str,
    /// The course it is for, or `None` with a `destroy_by` date.
    pub course_id: Option<&'a str>,
    /// The date by which everything must be destroyed (`YYYY-MM-DD`), when no course is chosen.
    pub destroy_by: Option<&'a str>,
    /// The purposes ticked (the form's values, e.g. `supervision`).
    pub purposes: &'a [&'a str],
    /// Who may hear the recordings (the form's values, e.g. `supervisor`).
    pub audience: &'a [&'a str],
    /// The answer about case studies (the form's value).
    pub case_study: &'a str,
    /// The client's name, typed where the client signs.
    pub client_name: &'a str,
    /// The counsellor's name, typed where the counsellor signs.
    pub counsellor_name: &'a str,
    /// Signs with the keyboard alternative (`#signature-from-name`: the typed name made into
    /// the signature) instead of drawing with the mouse.
    pub typed_signature: bool,
}

/// The wizard's current step (`#consent-step[data-step]`).
pub async fn consent_step(client: &Client) -> String {
    wait_attr(client, "#consent-step", "data-step").await
}

/// Clicks `#consent-next` and waits until the wizard shows another step; returns it.
pub async fn consent_next(client: &Client) -> String {
    let before = consent_step(client).await;
    click(client, "#consent-next").await;
    poll(
        client,
        &format!("the wizard to leave step {before}"),
        || async {
            let now = client
                .find(Locator::Css("#consent-step"))
                .await
                .map_err(|e| e.to_string())?
                .attr("data-step")
                .await
                .map_err(|e| e.to_string())?
                .unwrap_or_default();
            if !now.is_empty() && now != before {
                Ok(now)
            } else {
                Err(format!("still on {now:?}"))
            }
        },
    )
    .await
}

/// Opens the consent wizard from Clients and fills its first step.
pub async fn start_consent(client: &Client, spec: &ConsentSpec<'_>, shots: Option<&str>) {
    go(client, "clients").await;
    maybe_look(client, shots, "clients").await;
    click(client, "#consent-new").await;
    wait_screen(client, "consent").await;
    wait_for(client, "#consent-step", Some("data-step"), "setup").await;
    type_into(client, "#consent-client-code", spec.client_code).await;
    set_value(client, "#consent-course", spec.course_id.unwrap_or("")).await;
    if let Some(date) = spec.destroy_by {
        set_value(client, "#consent-destroy-by", date).await;
    }
    maybe_look(client, shots, "consent-setup").await;
}

/// Takes a consent through the whole wizard, the client's signature drawn with the mouse, and
/// returns the signed record's id (`#consent-result-id`).
pub async fn grant_consent(client: &Client, spec: &ConsentSpec<'_>, shots: Option<&str>) -> String {
    start_consent(client, spec, shots).await;
    let mut step = consent_next(client).await;
    while step.starts_with("form-") {
        maybe_look(client, shots, &format!("consent-{step}")).await;
        step = consent_next(client).await;
    }
    assert_eq!(
        step, "choices",
        "after the form's sections comes the choices step"
    );
    for purpose in spec.purposes {
        set_checked(
            client,
            &format!("input[name=purpose][value={purpose}]"),
            true,
        )
        .await;
    }
    for audience in spec.audience {
        set_checked(
            client,
            &format!("input[name=audience][value={audience}]"),
            true,
        )
        .await;
    }
    set_checked(
        client,
        &format!("input[name=case-study][value={}]", spec.case_study),
        true,
    )
    .await;
    maybe_look(client, shots, "consent-choices").await;
    let step = consent_next(client).await;
    assert_eq!(step, "sign");
    type_into(client, "#client-name", spec.client_name).await;
    if spec.typed_signature {
        click(client, "#signature-from-name").await;
    } else {
        draw_signature(client, "#signature-pad").await;
    }
    maybe_look(client, shots, "consent-sign").await;
    let step = consent_next(client).await;
    assert_eq!(step, "countersign", "the signature was not taken");
    type_into(client, "#counsellor-name", spec.counsellor_name).await;
    maybe_look(client, shots, "consent-countersign").await;
    click(client, "#consent-submit").await;
    wait_for(client, "#consent-result", Some("data-state"), "granted").await;
    let id = wait_text(client, "#consent-result-id")
        .await
        .trim()
        .to_owned();
    maybe_look(client, shots, "consent-done").await;
    id
}

/// Grants, through the consent screens, a consent for `client_code` (signed as `client_name`)
/// to be recorded for supervision only, to be destroyed in 90 days; returns its id.
pub async fn supervision_consent(client: &Client, client_code: &str, client_name: &str) -> String {
    let destroy_by = date_in_days(client, 90).await;
    grant_consent(
        client,
        &ConsentSpec {
            client_code,
            course_id: None,
            destroy_by: Some(&destroy_by),
            purposes: &["supervision"],
            audience: &["supervisor"],
            case_study: "none",
            client_name,
            counsellor_name: "Morgan Ellery",
            typed_signature: false,
        },
        None,
    )
    .await
}

/// The recorded time the record screen shows now (`#record-elapsed`), in seconds.
pub async fn elapsed_shown(client: &Client) -> Result<f64, String> {
    let shown = client
        .find(Locator::Css("#record-elapsed"))
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    parse_clock(&shown).ok_or_else(|| format!("#record-elapsed shows {shown:?}"))
}

/// Records under `consent_id` from the record screen for at least `seconds` of recorded time
/// (the private PulseAudio sine source must be the app's default source), checks that the level
/// meter moved, stops, and returns the recording's id (`#record-result[data-recording-id]`).
pub async fn record_for(
    client: &Client,
    consent_id: &str,
    seconds: f64,
    shots: Option<&str>,
) -> String {
    start_recording(client, consent_id, seconds, shots).await;
    click(client, "#record-stop").await;
    let id = wait_attr(client, "#record-result", "data-recording-id").await;
    maybe_look(client, shots, "record-result").await;
    id
}

/// Starts recording under `consent_id` from the record screen and returns once at least
/// `seconds` are recorded and the level meter moved; the recording goes on.
pub async fn start_recording(client: &Client, consent_id: &str, seconds: f64, shots: Option<&str>) {
    go(client, "record").await;
    set_value(client, "#record-consent", consent_id).await;
    poll(client, "#record-start to be enabled", || async {
        let enabled = client
            .find(Locator::Css("#record-start"))
            .await
            .map_err(|e| e.to_string())?
            .is_enabled()
            .await
            .map_err(|e| e.to_string())?;
        if enabled {
            Ok(())
        } else {
            Err("disabled".to_owned())
        }
    })
    .await;
    maybe_look(client, shots, "record-ready").await;
    click(client, "#record-start").await;
    wait_displayed(client, "#record-stop").await;
    let mut looked = shots.is_none();
    let elapsed = poll_for(
        client,
        &format!("#record-elapsed to reach {seconds} s"),
        Duration::from_secs(60) + Duration::from_secs_f64(seconds * 3.0),
        || {
            let looking = !looked;
            looked = true;
            async move {
                if looking {
                    maybe_look(client, shots, "record-recording").await;
                }
                match elapsed_shown(client).await? {
                    s if s >= seconds => Ok(s),
                    s => Err(format!("{s} s recorded")),
                }
            }
        },
    )
    .await;
    eprintln!("recorded {elapsed} s");
    let peak = wait_attr(client, "#record-meter", "data-max-peak").await;
    let peak: f64 = peak
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("#record-meter data-max-peak {peak:?}: {e}"));
    assert!(
        peak > -30.0,
        "the level meter did not move: highest peak {peak} dBFS with a sine source"
    );
}

/// Scrolls the element `#id` to the top of the view (for a screenshot of it).
pub async fn scroll_to(client: &Client, id: &str) {
    client
        .execute(
            "document.getElementById(arguments[0]).scrollIntoView({block: 'start'});",
            vec![json!(id)],
        )
        .await
        .unwrap_or_else(|e| panic!("scroll to #{id}: {e}"));
}

/// Waits until a file ending in `.ext` is in `dir` and no longer growing; returns it.
pub async fn saved_file(client: &Client, dir: &Path, ext: &str) -> PathBuf {
    let mut last: Option<(PathBuf, u64)> = None;
    poll(client, &format!("a .{ext} file in the save folder"), || {
        let found = files_under(dir)
            .into_iter()
            .find(|f| f.extension().is_some_and(|e| e == ext));
        let size = found
            .as_ref()
            .and_then(|f| std::fs::metadata(f).ok())
            .map(|m| m.len());
        let result = match (&found, size, &last) {
            (Some(f), Some(n), Some((p, m))) if p == f && *m == n && n > 0 => Ok(f.clone()),
            (Some(f), Some(n), _) => {
                last = Some((f.clone(), n));
                Err(format!(
                    "{} is {n} bytes, maybe still being written",
                    f.display()
                ))
            }
            _ => Err(format!("the folder holds {:?}", files_under(dir))),
        };
        async move { result }
    })
    .await
}

/// Runs a program and gives its stdout; fails the test with its stderr when it fails.
pub fn run_program(program: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
