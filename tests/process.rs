//! The command line turns core dumps off as it starts: a running `sessionvault record` has a
//! core file size limit of 0, soft and hard, even when it was started with a higher one.

use std::process::Command;

use crate::common::{
    new_vault, require_session_bus, spawn_recording, supervision_consent, AlsaFileInput,
};

/// The soft and hard values of the "Max core file size" line of `/proc/<pid>/limits`.
fn core_limits(pid: u32) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find_map(|l| l.strip_prefix("Max core file size"))
        .unwrap_or_else(|| panic!("no core file size in {limits}"));
    let mut values = line.split_whitespace();
    (
        values.next().unwrap().to_owned(),
        values.next().unwrap().to_owned(),
    )
}

#[cfg(target_os = "linux")]
#[test]
fn a_running_cli_has_core_dumps_off() {
    require_session_bus();
    let (_soft, hard) = core_limits(std::process::id());
    assert_ne!(
        hard, "0",
        "this test needs a hard core limit above 0 to tell the CLI's own setting from the inherited one"
    );
    let (_tmp, dir, _id) = new_vault();
    let consent = supervision_consent(&dir);
    let input = AlsaFileInput::new(48_000 * 60);
    // Started through a shell that raises the soft limit to the hard one, as a user might.
    let mut cmd = Command::new("sh");
    cmd.args(["-c", r#"ulimit -S -c "$(ulimit -H -c)" && exec "$0" "$@""#])
        .arg(env!("CARGO_BIN_EXE_sessionvault"))
        .arg("--vault")
        .arg(&dir)
        .args(["record", "--consent", &consent])
        .env_remove("SESSIONVAULT_DIR");
    let child = spawn_recording(input.apply(&mut cmd), &dir);
    let limits = core_limits(child.id());
    assert!(Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(limits, ("0".to_owned(), "0".to_owned()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
