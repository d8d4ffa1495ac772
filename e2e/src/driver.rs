//! Where the app is and how its window is reached: the built app binary, the folder for
//! screenshots and reports, the lock that lets one window test run at a time, and
//! `tauri-driver`, started on free loopback ports and stopped when dropped.

use std::ffi::OsStr;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::Client;
use serde_json::json;
use tokio::sync::{Mutex, MutexGuard};

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
/// for its whole run. The tests are threads of one test binary, each with a tokio runtime of its
/// own: one lock in a static serves them all, because a tokio `Mutex` holds nothing tied to a
/// runtime (a waiting test is woken through its task's waker, not a runtime's timer or I/O), and
/// the guard is dropped when a failing test unwinds.
pub async fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::const_new(());
    LOCK.lock().await
}

/// Two different free loopback ports: both are held until both are chosen, so the second can
/// never be the first again (tauri-driver's native driver would then fail to listen on it,
/// and every request would fail until the test gave up).
fn two_free_ports() -> (u16, u16) {
    let bind = || TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    let (first, second) = (bind(), bind());
    let port = |l: &TcpListener| l.local_addr().expect("a bound port").port();
    (port(&first), port(&second))
}

/// Whether something listens on the loopback `port`.
fn listening(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// Starts `tauri-driver` on `port`, with its native driver (WebKitWebDriver) on `native_port`
/// and `envs` added to the environment the app inherits.
fn spawn_tauri_driver(port: u16, native_port: u16, envs: &[(&str, &OsStr)]) -> Child {
    let program = std::env::var_os("TAURI_DRIVER").unwrap_or_else(|| "tauri-driver".into());
    let mut cmd = Command::new(&program);
    cmd.args([
        "--port",
        &port.to_string(),
        "--native-port",
        &native_port.to_string(),
    ])
    .stdin(Stdio::null())
    // How the webview draws is the app's choice (src-tauri/src/drawing.rs), not the
    // caller's, unless a test sets it.
    .env_remove("WEBKIT_DISABLE_COMPOSITING_MODE")
    // tauri-driver's errors carry no backtrace: a failing native driver would otherwise fill
    // the log with one per retried request.
    .env("RUST_LIB_BACKTRACE", "0");
    for (key, value) in envs {
        cmd.env(key, value);
    }
    cmd.spawn().unwrap_or_else(|e| {
        panic!("could not start {program:?} ({e}): install it with `cargo install tauri-driver --locked`")
    })
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
        // A port another process takes between choosing and listening is chosen again.
        for _ in 0..3 {
            let (port, native_port) = two_free_ports();
            let mut child = spawn_tauri_driver(port, native_port, envs);
            let deadline = Instant::now() + Duration::from_secs(20);
            while !(listening(port) && listening(native_port)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            if listening(port) && listening(native_port) {
                return Driver {
                    child,
                    url: format!("http://127.0.0.1:{port}"),
                };
            }
            eprintln!("tauri-driver or its native driver did not listen on {port} and {native_port}; trying other ports");
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("tauri-driver and WebKitWebDriver did not start listening on three pairs of ports")
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use super::one_at_a_time;

    /// A runtime of its own, as each `#[tokio::test]` has.
    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .unwrap()
    }

    #[test]
    fn the_lock_lets_one_test_in_at_a_time_across_runtimes_and_a_failed_test_lets_go() {
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (inside, most) = (inside.clone(), most.clone());
                std::thread::spawn(move || {
                    runtime().block_on(async {
                        for _ in 0..3 {
                            let _one = one_at_a_time().await;
                            let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            inside.fetch_sub(1, Ordering::SeqCst);
                        }
                    })
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(
            most.load(Ordering::SeqCst),
            1,
            "two tests held the lock at once"
        );

        let failed = std::thread::spawn(|| {
            runtime().block_on(async {
                let _one = one_at_a_time().await;
                panic!("a test fails while it holds the lock");
            })
        })
        .join();
        assert!(failed.is_err());
        runtime().block_on(async {
            let _one = tokio::time::timeout(Duration::from_secs(5), one_at_a_time())
                .await
                .expect("the lock is free again after a test failed holding it");
        });
    }
}
