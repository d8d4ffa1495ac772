//! Shredding crypto-erases text too: after every shred the database is encrypted again under a
//! fresh key and the old key leaves the keyring, so a copy of `vault.db` taken before the shred
//! (a backup, a sync folder, a snapshot) no longer opens. A crash at any step of the re-key
//! leaves a vault that opens; other SessionVaults writing to the vault meanwhile lose nothing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::{
    cli, json, new_vault, record_from_file, run, secret_tool_search, spawn_recording,
    supervision_consent, transcript_with_a_line, PulseServer,
};
use sessionvault_core::clock::SystemClock;
use sessionvault_core::store::audit::EventKind;
use sessionvault_core::store::db::{Database, DbError};
use sessionvault_core::store::keys::{KeyName, VaultKeys};
use sessionvault_core::store::vault::{Vault, DATABASE};

fn keys(vault_id: &str) -> VaultKeys {
    VaultKeys::for_vault(uuid::Uuid::parse_str(vault_id).unwrap())
}

/// A recording under a new supervision consent, with a transcript line holding `words`.
fn recording_with_words(dir: &Path, words: &str) -> String {
    let consent = supervision_consent(dir);
    let recording = record_from_file(dir, &consent, 1);
    transcript_with_a_line(dir, &recording, words);
    recording
}

/// A copy of the database as a backup would take it (the file and its write-ahead log).
fn copy_database(dir: &Path, to: &Path) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    let copy = to.join("vault.db");
    std::fs::copy(dir.join(DATABASE), &copy).unwrap();
    if dir.join("vault.db-wal").exists() {
        std::fs::copy(dir.join("vault.db-wal"), to.join("vault.db-wal")).unwrap();
    }
    copy
}

/// The transcript lines a database holds, opened with `key`.
fn transcript_lines(path: &Path, key: &[u8]) -> Result<Vec<String>, DbError> {
    let db = Database::open(path, key)?;
    let mut stmt = db.conn().prepare("SELECT text FROM transcript_segments")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[test]
fn a_copy_of_the_database_taken_before_a_shred_no_longer_opens() {
    let (tmp, dir, vault_id) = new_vault();
    let recording = recording_with_words(&dir, "my brother Marigold left in May");
    let backup = copy_database(&dir, &tmp.path().join("backup"));
    let before = keys(&vault_id).get(KeyName::Database).unwrap();
    // The copy is a real one: today it opens with the key in the keyring and shows the words.
    assert_eq!(
        transcript_lines(&backup, &before).unwrap(),
        ["my brother Marigold left in May"]
    );

    let (o, stdout, stderr) =
        run(cli(&dir).args(["--json", "shred", "recording", &recording, "--yes"]));
    assert!(o.status.success(), "{stderr}");
    let outcome = json(&stdout);
    let certificate = &outcome["certificate"]["certificate"];
    let method = certificate["method"].to_string();
    assert!(method.contains("Database re-key"), "{method}");
    let database = &certificate["database"];
    assert_eq!(database["rekeyed"], true, "{certificate}");
    assert_eq!(database["old_key_refused"], true, "{certificate}");
    assert_eq!(database["old_key_deleted"], true, "{certificate}");
    assert!(
        database["erased"].as_str().unwrap().contains("transcripts"),
        "{certificate}"
    );

    let now = keys(&vault_id).get(KeyName::Database).unwrap();
    assert_ne!(
        now.as_slice(),
        before.as_slice(),
        "the database key was not replaced"
    );
    assert!(matches!(
        transcript_lines(&backup, &now),
        Err(DbError::WrongKey)
    ));
    let entries = secret_tool_search(&format!("sessionvault/{vault_id}"));
    assert!(!entries.contains("database-key-next"), "{entries}");
    // The vault itself carries on under the new key.
    for args in [["audit", "verify"], ["consent", "list"]] {
        let (o, _, stderr) = run(cli(&dir).args(args));
        assert!(o.status.success(), "{args:?}: {stderr}");
    }
}

#[test]
fn a_crash_at_any_step_of_the_rekey_leaves_a_vault_that_opens_and_the_shred_finishes() {
    for step in [
        "rekey:next-key-stored",
        "rekey:rekeyed",
        "rekey:key-replaced",
    ] {
        let (tmp, dir, vault_id) = new_vault();
        let recording = recording_with_words(&dir, "something private");
        let backup = copy_database(&dir, &tmp.path().join("backup"));
        let (o, _, stderr) = run(cli(&dir)
            .args(["shred", "recording", &recording, "--yes"])
            .env("SESSIONVAULT_TEST_CRASH_AT", step));
        assert!(!o.status.success(), "{step}: it did not stop: {stderr}");
        assert!(stderr.contains(step), "{step}: {stderr}");
        // The vault opens, whichever key it is under now, and its log is whole.
        let (o, _, stderr) = run(cli(&dir).args(["audit", "verify"]));
        assert!(o.status.success(), "{step}: {stderr}");
        // Running the shred again finishes it, with a certificate.
        let (o, stdout, stderr) =
            run(cli(&dir).args(["--json", "shred", "recording", &recording, "--yes"]));
        assert!(o.status.success(), "{step}: {stderr}");
        assert!(
            json(&stdout)["certificate"]["signature"].is_string(),
            "{step}"
        );
        let entries = secret_tool_search(&format!("sessionvault/{vault_id}"));
        assert!(!entries.contains("database-key-next"), "{step}: {entries}");
        let now = keys(&vault_id).get(KeyName::Database).unwrap();
        assert!(
            matches!(transcript_lines(&backup, &now), Err(DbError::WrongKey)),
            "{step}: the copy still opens"
        );
        let (o, stdout, _) = run(cli(&dir).args(["--json", "certificate", "list"]));
        assert!(o.status.success(), "{step}");
        assert!(!json(&stdout).as_array().unwrap().is_empty(), "{step}");
    }
}

#[test]
fn a_recording_running_during_another_shred_is_sealed_into_the_rekeyed_database() {
    let (_tmp, dir, _) = new_vault();
    let old = recording_with_words(&dir, "to be destroyed");
    let consent = supervision_consent(&dir);
    let pulse = PulseServer::start();
    let mut recorder = {
        let mut cmd = cli(&dir);
        cmd.args(["--json", "record", "--consent", &consent])
            .env("PULSE_SERVER", &pulse.address);
        spawn_recording(&mut cmd, &dir)
    };
    std::thread::sleep(Duration::from_millis(1200));
    let (o, _, stderr) = run(cli(&dir).args(["shred", "recording", &old, "--yes"]));
    assert!(o.status.success(), "{stderr}");
    // It keeps recording through the re-key, and its end is written to the new database.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        recorder.try_wait().unwrap().is_none(),
        "the recording stopped"
    );
    let pid = recorder.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let out = recorder.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let summary = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(summary["state"], "complete", "{summary}");
    assert!(summary["seconds"].as_f64().unwrap() > 3.0, "{summary}");
    let (o, stdout, _) = run(cli(&dir).args(["--json", "recordings", "list"]));
    assert!(o.status.success());
    let list = json(&stdout);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["state"], "complete");
    let (o, _, stderr) = run(cli(&dir).args(["audit", "verify"]));
    assert!(o.status.success(), "{stderr}");
}

/// Two SessionVaults writing to one vault at once (the window and the command line, say):
/// this test process appends to the audit log every few milliseconds while the CLI adds
/// bookmarks;
/// every write of both lands, and the log stays whole.
#[test]
fn two_processes_writing_at_once_lose_nothing() {
    let (_tmp, dir, _) = new_vault();
    let consent = supervision_consent(&dir);
    let recording = record_from_file(&dir, &consent, 2);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (dir, done) = (dir.clone(), done.clone());
        std::thread::spawn(move || {
            let mut vault = Vault::open(&dir, std::sync::Arc::new(SystemClock)).unwrap();
            let (mut written, mut failed) = (0u64, Vec::new());
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                match vault.log(
                    EventKind::SettingChanged,
                    None,
                    &serde_json::json!({ "test": written }),
                ) {
                    Ok(_) => written += 1,
                    Err(e) => failed.push(e.to_string()),
                }
                // A busy window: a write every few milliseconds (a window writes far less).
                std::thread::sleep(std::time::Duration::from_millis(3));
            }
            (written, failed)
        })
    };
    const ADDS: usize = 20;
    let mut cli_failures = Vec::new();
    for i in 0..ADDS {
        let (o, _, stderr) = run(cli(&dir).args([
            "bookmark",
            "add",
            &recording,
            "--at",
            &format!("1.{i:02}"),
            "--note",
            &format!("note {i}"),
        ]));
        if !o.status.success() {
            cli_failures.push(stderr);
        }
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let (written, failed) = writer.join().unwrap();
    assert!(
        cli_failures.is_empty(),
        "{} CLI writes failed: {cli_failures:?}",
        cli_failures.len()
    );
    assert!(
        failed.is_empty(),
        "{} writes of the other process failed: {:?}",
        failed.len(),
        &failed[..failed.len().min(3)]
    );
    assert!(
        written > 50,
        "the other process wrote only {written} entries"
    );
    let (o, stdout, _) = run(cli(&dir).args(["--json", "bookmark", "list", &recording]));
    assert!(o.status.success());
    assert_eq!(json(&stdout).as_array().unwrap().len(), ADDS);
    let (o, stdout, stderr) = run(cli(&dir).args(["--json", "audit", "verify"]));
    assert!(o.status.success(), "{stderr}");
    assert!(json(&stdout)["entries"].as_u64().unwrap() >= written + ADDS as u64);
}
