//! Creating and opening a vault: real SQLCipher, real keyring, and the errors a counsellor
//! sees when something is wrong.

use sessionvault_core::ErrorCode;
use std::sync::Arc;

use crate::common::{cli, contains, files_under, new_vault, run, secret_tool_search};
use sessionvault_core::clock::SystemClock;
use sessionvault_core::store::db::Database;
use sessionvault_core::store::keys::{KeyName, VaultKeys};
use sessionvault_core::store::vault::{Vault, VaultError, DATABASE};
use uuid::Uuid;

fn keys_of(id: &str) -> VaultKeys {
    VaultKeys::for_vault(Uuid::parse_str(id).expect("uuid"))
}

#[test]
fn init_then_reopen_reports_a_ready_vault() {
    let (_tmp, dir, id) = new_vault();
    let (out, stdout, stderr) = run(cli(&dir).args(["--json", "status"]));
    assert!(out.status.success(), "status failed: {stderr}");
    let status: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(status["vault"], "ready");
    assert_eq!(status["vault_id"], id.as_str());
    assert_eq!(status["keyring"]["reachable"], true);
    assert_eq!(status["keyring"]["unlocked"], true);
    assert_eq!(
        status["database"]["schema_version"],
        sessionvault_core::store::db::latest_version()
    );
    assert_eq!(status["database"]["audit_entries"], 1);
    assert!(status["signing_key"]
        .as_str()
        .unwrap()
        .starts_with("SHA256:"));
    assert!(status["problem"].is_null());

    let vault = Vault::open(&dir, Arc::new(SystemClock)).expect("reopen through the core");
    assert_eq!(vault.id().to_string(), id);
    assert_eq!(
        Some(vault.public_key().fingerprint().as_str()),
        status["signing_key"].as_str()
    );
}

#[test]
fn the_database_is_encrypted_and_holds_no_readable_content() {
    let (_tmp, dir, id) = new_vault();
    let marker = format!("SV-PLAINTEXT-MARKER-{}", Uuid::new_v4());
    {
        // Write a marker through a connection opened with the key from the real keyring.
        let key = keys_of(&id).get(KeyName::Database).unwrap();
        let db = Database::open(&dir.join(DATABASE), &key).unwrap();
        db.conn()
            .execute_batch(&format!(
                "CREATE TABLE scratch(t TEXT); INSERT INTO scratch VALUES ('{marker}');"
            ))
            .unwrap();
        // While the connection is open the WAL holds the write: it must be encrypted too.
        for file in files_under(&dir) {
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                !contains(&bytes, marker.as_bytes()),
                "{} holds the marker",
                file.display()
            );
        }
    }
    let files = files_under(&dir);
    assert!(!files.is_empty());
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes.starts_with(b"SQLite format 3"),
            "{} is plain SQLite",
            file.display()
        );
        assert!(
            !contains(&bytes, marker.as_bytes()),
            "{} holds the marker",
            file.display()
        );
        assert!(
            !contains(&bytes, b"vault_meta"),
            "{} shows the schema",
            file.display()
        );
    }
    // And the marker is really there for whoever holds the key.
    let key = keys_of(&id).get(KeyName::Database).unwrap();
    let db = Database::open(&dir.join(DATABASE), &key).unwrap();
    let found: String = db
        .conn()
        .query_row("SELECT t FROM scratch", [], |r| r.get(0))
        .unwrap();
    assert_eq!(found, marker);
}

#[test]
fn a_wrong_database_key_gives_the_wrong_key_error() {
    let (_tmp, dir, id) = new_vault();
    keys_of(&id).put(KeyName::Database, &[0x5a; 32]).unwrap();
    let (out, stdout, stderr) = run(cli(&dir).args(["--json", "status"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("cannot be decrypted with the key in the keyring"),
        "{stderr}"
    );
    let status: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(status["problem"]["code"], "wrong_key");
    assert!(matches!(
        Vault::open(&dir, Arc::new(SystemClock)),
        Err(VaultError::Database(
            sessionvault_core::store::db::DbError::WrongKey
        ))
    ));
}

#[test]
fn a_key_deleted_from_the_keyring_is_reported_as_missing() {
    let (_tmp, dir, id) = new_vault();
    let service = format!("sessionvault/{id}");
    // Delete it from outside the process, as a user with a keyring tool would.
    let status = std::process::Command::new("secret-tool")
        .args(["clear", "service", &service, "username", "database-key"])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(!secret_tool_search(&service).contains("database-key"));
    let (out, _stdout, stderr) = run(cli(&dir).arg("status"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("the database key of this vault is not in the keyring"),
        "{stderr}"
    );
    assert!(matches!(
        Vault::open(&dir, Arc::new(SystemClock)),
        Err(VaultError::Key(
            sessionvault_core::store::keys::KeyError::Missing {
                name: KeyName::Database
            }
        ))
    ));
}

#[test]
fn a_replaced_signing_key_is_refused() {
    let (_tmp, dir, id) = new_vault();
    keys_of(&id).put(KeyName::Signing, &[7u8; 32]).unwrap();
    let err = Vault::open(&dir, Arc::new(SystemClock)).unwrap_err();
    assert_eq!(err.code(), "signing_key_mismatch");
}

#[test]
fn missing_folder_and_non_vault_folder_have_their_own_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nowhere");
    let (out, _o, stderr) = run(cli(&missing).arg("audit").arg("verify"));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("there is no vault at"), "{stderr}");
    assert!(
        !missing.exists(),
        "a read command must not create the folder"
    );

    let other = tmp.path().join("photos");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("holiday.txt"), b"not a vault").unwrap();
    let (out, stdout, stderr) = run(cli(&other).args(["--json", "audit", "verify"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("is not a SessionVault vault"), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["error"]["code"], "not_a_vault");

    // init refuses a folder with other files, and changes nothing there.
    let (out, _o, stderr) = run(cli(&other).arg("init"));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("already holds other files"), "{stderr}");
    assert_eq!(files_under(&other), vec![other.join("holiday.txt")]);
}

#[test]
fn init_twice_is_refused_and_keeps_the_first_vault() {
    let (_tmp, dir, id) = new_vault();
    let (out, _o, stderr) = run(cli(&dir).arg("init"));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("a vault already exists"), "{stderr}");
    let vault = Vault::open(&dir, Arc::new(SystemClock)).unwrap();
    assert_eq!(vault.id().to_string(), id);
}

#[test]
fn several_vaults_coexist_in_one_keyring() {
    let (_a, dir_a, id_a) = new_vault();
    let (_b, dir_b, id_b) = new_vault();
    assert_ne!(id_a, id_b);
    let a = Vault::open(&dir_a, Arc::new(SystemClock)).unwrap();
    let b = Vault::open(&dir_b, Arc::new(SystemClock)).unwrap();
    assert_ne!(a.public_key(), b.public_key());
    // Swapping in the other vault's database key is caught as a wrong key.
    let key_b = keys_of(&id_b).get(KeyName::Database).unwrap();
    keys_of(&id_a).put(KeyName::Database, &key_b).unwrap();
    assert_eq!(
        Vault::open(&dir_a, Arc::new(SystemClock))
            .unwrap_err()
            .code(),
        "wrong_key"
    );
}
