//! The vault's keys live in the real OS keyring (Secret Service here), and a missing or locked
//! keyring gives its own clear error and leaves no key material on disk.

use std::path::Path;
use std::process::Command;

use crate::common::{cli, files_under, new_vault, run, secret_tool_search};

#[test]
fn the_keys_are_in_the_secret_service_as_seen_from_another_process() {
    let (_tmp, dir, id) = new_vault();
    let found = secret_tool_search(&format!("sessionvault/{id}"));
    assert!(found.contains("username = database-key"), "{found}");
    assert!(found.contains("username = signing-key"), "{found}");
    // Nothing but the encrypted database, the marker and the lock file is on disk: no key file.
    let mut names: Vec<String> = files_under(&dir)
        .iter()
        .map(|f| f.strip_prefix(&dir).unwrap().display().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["vault.db", "vault.json", "vault.lock"]);
    // The lock file holds at most the vault's re-key generation: 8 bytes, no key.
    assert!(std::fs::metadata(dir.join("vault.lock")).unwrap().len() <= 8);
    let marker = std::fs::read_to_string(dir.join("vault.json")).unwrap();
    assert!(!marker.to_lowercase().contains("key"), "{marker}");
}

/// Runs `sessionvault ARGS` with no D-Bus session to reach.
fn without_dbus(vault: &Path, args: &[&str]) -> (i32, String) {
    let (out, _stdout, stderr) = run(cli(vault)
        .args(args)
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/sessionvault-test-bus",
        )
        .env_remove("DISPLAY"));
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn without_a_secret_service_init_and_status_fail_clearly_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (code, stderr) = without_dbus(&dir, &["init"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("the system keyring could not be reached"),
        "{stderr}"
    );
    assert!(!dir.exists(), "init wrote {:?}", files_under(&dir));

    let (code, stderr) = without_dbus(&dir, &["status"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("the system keyring could not be reached"),
        "{stderr}"
    );

    // An existing vault cannot be opened either, and says why.
    let (_tmp, dir, _id) = new_vault();
    let (code, stderr) = without_dbus(&dir, &["status"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("the system keyring could not be reached"),
        "{stderr}"
    );
}

/// Runs `sessionvault ARGS` in a D-Bus session of its own whose keyring is locked: a GNOME
/// Keyring unlocked once (so its login collection exists), then locked through the Secret
/// Service's own `Lock` call. With `init_first`, a vault is created before the lock.
fn with_locked_keyring(vault: &Path, init_first: bool, args: &[&str]) -> (i32, String) {
    let home = tempfile::tempdir().unwrap();
    let script = r#"
        printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 97
        for _ in $(seq 50); do
          dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
            | grep -q "boolean true" && break
          sleep 0.1
        done
        if [ -n "$INIT_FIRST" ]; then "$1" --vault "$3" init >/dev/null || exit 96; fi
        dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
            org.freedesktop.Secret.Service.Lock \
            array:objpath:/org/freedesktop/secrets/collection/login >/dev/null || exit 98
        exec "$@"
    "#;
    let out = Command::new("dbus-run-session")
        .args([
            "--",
            "sh",
            "-c",
            script,
            "sh",
            env!("CARGO_BIN_EXE_sessionvault"),
            "--vault",
        ])
        .arg(vault)
        .args(args)
        .env("INIT_FIRST", if init_first { "1" } else { "" })
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_RUNTIME_DIR", home.path())
        .env_remove("DISPLAY")
        .output()
        .expect("dbus-run-session (package dbus) must be installed");
    let code = out.status.code().unwrap_or(-1);
    assert!(
        ![96, 97, 98].contains(&code),
        "could not prepare a locked keyring ({code})"
    );
    (code, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn with_a_locked_keyring_init_and_status_fail_clearly_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (code, stderr) = with_locked_keyring(&dir, false, &["init"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("the system keyring is locked"), "{stderr}");
    assert!(!dir.exists(), "init wrote {:?}", files_under(&dir));

    let (code, stderr) = with_locked_keyring(&dir, false, &["status"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("the system keyring is locked"), "{stderr}");
    assert!(!dir.exists());
}

#[test]
fn with_a_locked_keyring_an_existing_vault_does_not_open() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (code, stderr) = with_locked_keyring(&dir, true, &["--json", "status"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("the system keyring is locked"), "{stderr}");
    assert!(
        dir.join("vault.json").is_file(),
        "the vault made before the lock is kept"
    );
}

/// Runs `sessionvault --vault VAULT ARGS` on a private D-Bus session whose keyring daemon (an
/// unlocked GNOME Keyring, started by D-Bus activation as on a desktop) is frozen while the
/// command's first request is on its way, and then killed: the request in flight is answered
/// by the bus with "recipient disconnected", as when GNOME Keyring aborts.
/// Returns the exit code, stderr, and whether a new daemon answers the bus afterwards.
fn with_keyring_killed_mid_request(vault: &Path, args: &[&str]) -> (i32, String, bool) {
    let home = tempfile::tempdir().unwrap();
    let services = home.path().join("data/dbus-1/services");
    std::fs::create_dir_all(&services).unwrap();
    let start = home.path().join("start-keyring");
    std::fs::write(
        &start,
        "#!/bin/sh\nprintf pw | exec gnome-keyring-daemon --foreground --unlock --components=secrets\n",
    )
    .unwrap();
    std::fs::set_permissions(&start, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    std::fs::write(
        services.join("org.freedesktop.secrets.service"),
        format!(
            "[D-BUS Service]\nName=org.freedesktop.secrets\nExec={}\n",
            start.display()
        ),
    )
    .unwrap();
    let script = r#"
        daemon() {
          dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets \
            2>/dev/null | awk '/uint32/ { print $2 }'
        }
        "$1" --vault "$3" init >/dev/null 2>&1 || exit 96
        first=$(daemon); [ -n "$first" ] || exit 97
        kill -STOP "$first"
        "$@" & child=$!
        # The command's first socket is its D-Bus connection; its first request follows at
        # once and waits on the frozen daemon (for at most 2 s, the client's own timeout).
        for _ in $(seq 200); do
          ls -l /proc/$child/fd 2>/dev/null | grep -q 'socket:' && break
          sleep 0.01
        done
        sleep 0.5
        kill -KILL "$first"
        wait "$child"; code=$?
        echo "daemons: $first $(daemon)"
        exit $code
    "#;
    let out = Command::new("dbus-run-session")
        .args([
            "--",
            "sh",
            "-c",
            script,
            "sh",
            env!("CARGO_BIN_EXE_sessionvault"),
            "--vault",
        ])
        .arg(vault)
        .args(args)
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_RUNTIME_DIR", home.path())
        .env_remove("DISPLAY")
        .output()
        .expect("dbus-run-session (package dbus) must be installed");
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        ![96, 97].contains(&code),
        "could not stage the keyring's crash ({code}): {stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let daemons: Vec<&str> = stdout
        .lines()
        .find_map(|l| l.strip_prefix("daemons: "))
        .map(|l| l.split_whitespace().collect())
        .unwrap_or_default();
    let restarted = matches!(daemons.as_slice(), [first, second] if first != second);
    (code, stderr, restarted)
}

#[test]
fn a_keyring_daemon_that_dies_mid_request_is_asked_again_once_it_is_back() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (code, stderr, restarted) =
        with_keyring_killed_mid_request(&dir, &["--json", "recordings", "list"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(restarted, "no new keyring daemon answers: {stderr}");
    assert!(
        stderr.contains("the keyring did not answer; asking once more"),
        "the request in flight did not meet the crash: {stderr}"
    );
}
