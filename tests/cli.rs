//! The command line's contract: exit status 0, 1 or 2, reasons on stderr, JSON on request.

use crate::common::{cli, run};

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, _o, stderr) = run(cli(tmp.path()).arg("no-such-command"));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no-such-command"), "{stderr}");

    let (out, _o, _e) = run(cli(tmp.path()).args(["audit"]));
    assert_eq!(out.status.code(), Some(2));

    let (out, stdout, _e) = run(cli(tmp.path()).arg("--help"));
    assert_eq!(out.status.code(), Some(0));
    for command in ["init", "status", "devices", "audit"] {
        assert!(stdout.contains(command), "help lacks {command}: {stdout}");
    }
}

#[test]
fn the_vault_folder_comes_from_the_environment_when_not_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("from-env");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sessionvault"))
        .args(["--json", "init"])
        .env("SESSIONVAULT_DIR", &dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("vault.json").is_file());
}

#[test]
fn devices_lists_the_audio_hosts_as_json() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, stdout, stderr) = run(cli(tmp.path()).args(["--json", "devices"]));
    assert!(out.status.success(), "{stderr}");
    let hosts: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let hosts = hosts.as_array().unwrap();
    assert!(!hosts.is_empty(), "cpal found no audio host");
    assert_eq!(
        hosts.iter().filter(|h| h["preferred"] == true).count(),
        1,
        "exactly one host is the one SessionVault uses: {stdout}"
    );
    #[cfg(target_os = "linux")]
    assert!(hosts.iter().any(|h| h["host"] == "ALSA"), "{stdout}");
}
