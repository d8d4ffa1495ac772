//! `sessionvault audit verify` passes on an intact log and fails on an edited, a deleted, a
//! reordered or a truncated entry, and on a log emptied of every entry and its head.

use std::path::Path;
use std::sync::Arc;

use crate::common::{cli, new_vault, run};
use serde_json::json;
use sessionvault_core::clock::SystemClock;
use sessionvault_core::store::audit::EventKind;
use sessionvault_core::store::db::Database;
use sessionvault_core::store::keys::{KeyName, VaultKeys};
use sessionvault_core::store::vault::{Vault, DATABASE};
use uuid::Uuid;

/// A vault whose log holds five entries.
fn vault_with_log() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let (tmp, dir, id) = new_vault();
    let mut vault = Vault::open(&dir, Arc::new(SystemClock)).unwrap();
    for n in 0..4 {
        vault
            .log(
                EventKind::VaultCreated,
                Some(&format!("test-{n}")),
                &json!({ "n": n }),
            )
            .unwrap();
    }
    (tmp, dir, id)
}

/// Runs SQL against the vault's database with the key from the keyring, after removing the
/// append-only triggers, as an attacker holding the key could.
fn tamper(dir: &Path, id: &str, sql: &str) {
    let key = VaultKeys::for_vault(Uuid::parse_str(id).unwrap())
        .get(KeyName::Database)
        .unwrap();
    let db = Database::open(&dir.join(DATABASE), &key).unwrap();
    db.conn()
        .execute_batch(&format!(
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; {sql}"
        ))
        .unwrap();
}

fn verify(dir: &Path) -> (i32, String, String) {
    let (out, stdout, stderr) = run(cli(dir).args(["--json", "audit", "verify"]));
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

#[test]
fn an_intact_log_verifies() {
    let (_tmp, dir, _id) = vault_with_log();
    let (code, stdout, stderr) = verify(&dir);
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["entries"], 5);
    let (out, text, _) = run(cli(&dir).args(["audit", "list"]));
    assert!(out.status.success());
    assert_eq!(text.lines().count(), 5);
    assert!(text.contains("vault.created"));
}

#[test]
fn the_append_only_triggers_refuse_edits() {
    let (_tmp, dir, id) = vault_with_log();
    let key = VaultKeys::for_vault(Uuid::parse_str(&id).unwrap())
        .get(KeyName::Database)
        .unwrap();
    let db = Database::open(&dir.join(DATABASE), &key).unwrap();
    assert!(db
        .conn()
        .execute("UPDATE audit_log SET kind = 'x' WHERE seq = 2", [])
        .is_err());
    assert!(db
        .conn()
        .execute("DELETE FROM audit_log WHERE seq = 2", [])
        .is_err());
}

#[test]
fn an_edited_entry_fails() {
    let (_tmp, dir, id) = vault_with_log();
    tamper(
        &dir,
        &id,
        r#"UPDATE audit_log SET details = '{"n":9}' WHERE seq = 3;"#,
    );
    let (code, _stdout, stderr) = verify(&dir);
    assert_eq!(code, 1);
    assert!(stderr.contains("altered at entry 3"), "{stderr}");
    assert!(stderr.contains("edited"), "{stderr}");
}

#[test]
fn a_swapped_signature_fails() {
    let (_tmp, dir, id) = vault_with_log();
    // The content and hash are intact, but the signature is another entry's.
    tamper(
        &dir,
        &id,
        "UPDATE audit_log SET signature = (SELECT signature FROM audit_log WHERE seq = 2) WHERE seq = 4;",
    );
    let (code, _stdout, stderr) = verify(&dir);
    assert_eq!(code, 1);
    assert!(stderr.contains("altered at entry 4"), "{stderr}");
}

#[test]
fn a_deleted_entry_fails() {
    let (_tmp, dir, id) = vault_with_log();
    tamper(&dir, &id, "DELETE FROM audit_log WHERE seq = 2;");
    let (code, stdout, stderr) = verify(&dir);
    assert_eq!(code, 1);
    assert!(stderr.contains("altered at entry 2"), "{stderr}");
    assert!(stderr.contains("removed"), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["error"]["code"], "audit_broken");
}

#[test]
fn a_deleted_and_renumbered_entry_fails() {
    let (_tmp, dir, id) = vault_with_log();
    tamper(
        &dir,
        &id,
        "DELETE FROM audit_log WHERE seq = 2;
         UPDATE audit_log SET seq = seq - 1 WHERE seq > 2;",
    );
    let (code, _stdout, stderr) = verify(&dir);
    assert_eq!(code, 1);
    assert!(stderr.contains("altered at entry 2"), "{stderr}");
}

#[test]
fn reordered_entries_fail() {
    let (_tmp, dir, id) = vault_with_log();
    tamper(
        &dir,
        &id,
        "UPDATE audit_log SET seq = 100 WHERE seq = 2;
         UPDATE audit_log SET seq = 2 WHERE seq = 3;
         UPDATE audit_log SET seq = 3 WHERE seq = 100;",
    );
    let (code, _stdout, stderr) = verify(&dir);
    assert_eq!(code, 1);
    assert!(stderr.contains("altered at entry 2"), "{stderr}");
    assert!(stderr.contains("reordered"), "{stderr}");
}

#[test]
fn a_truncated_log_fails() {
    let (_tmp, dir, id) = vault_with_log();
    tamper(&dir, &id, "DELETE FROM audit_log WHERE seq = 5;");
    let (code, _stdout, stderr) = verify(&dir);
    assert_eq!(code, 1);
    assert!(stderr.contains("removed from the end"), "{stderr}");
}

#[test]
fn an_emptied_log_fails() {
    let (_tmp, dir, id) = vault_with_log();
    tamper(&dir, &id, "DELETE FROM audit_log; DELETE FROM audit_head;");
    let (code, stdout, stderr) = verify(&dir);
    assert_eq!(code, 1, "{stdout}");
    assert!(stderr.contains("altered at entry 1"), "{stderr}");
    assert!(
        stderr.contains("the vault's creation, is missing"),
        "{stderr}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["error"]["code"], "audit_broken");
}
