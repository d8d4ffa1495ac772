//! Shared helpers of the integration tests: running the real `sessionvault` binary against a
//! throw-away vault, and asking the real Secret Service from outside the process.
//!
//! These tests need the real OS keyring. `scripts/test.sh` runs them inside a private D-Bus
//! session with an unlocked GNOME Keyring (`scripts/with-keyring.sh`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `sessionvault` binary built for these tests.
pub fn cli(vault: &Path) -> Command {
    require_session_bus();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sessionvault"));
    cmd.arg("--vault").arg(vault).env_remove("SESSIONVAULT_DIR");
    cmd
}

/// Fails the test with directions when no D-Bus session (and so no keyring) is there.
pub fn require_session_bus() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "these tests need the real Secret Service: run them through scripts/test.sh or \
         scripts/with-keyring.sh cargo test"
    );
}

/// Runs a command and returns its output, with stdout and stderr as text.
pub fn run(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.output().expect("run command");
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

/// What `secret-tool search --all service SERVICE` prints: the real Secret Service, asked from
/// another process.
pub fn secret_tool_search(service: &str) -> String {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "--unlock", "service", service])
        .output()
        .expect("secret-tool (libsecret-tools) must be installed");
    // secret-tool prints attributes on stderr and the secret on stdout.
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
