use super::*;

fn key(b: u8) -> [u8; KEY_LEN] {
    [b; KEY_LEN]
}

#[test]
fn create_then_open_with_same_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.db");
    let db = Database::create(&path, &key(1)).unwrap();
    assert_eq!(db.version().unwrap(), latest_version());
    drop(db);
    let db = Database::open(&path, &key(1)).unwrap();
    assert_eq!(db.version().unwrap(), latest_version());
}

#[test]
fn wrong_key_is_its_own_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.db");
    drop(Database::create(&path, &key(1)).unwrap());
    assert!(matches!(
        Database::open(&path, &key(2)),
        Err(DbError::WrongKey)
    ));
}

#[test]
fn bad_key_length_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Database::create(&dir.path().join("v.db"), &[1u8; 16]),
        Err(DbError::BadKey)
    ));
}

#[test]
fn pragmas_are_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::create(&dir.path().join("v.db"), &key(3)).unwrap();
    let get = |p: &str| -> String {
        db.conn()
            .query_row(&format!("PRAGMA {p}"), [], |r| {
                r.get::<_, rusqlite::types::Value>(0)
            })
            .map(|v| format!("{v:?}"))
            .unwrap()
    };
    assert_eq!(get("secure_delete"), "Integer(1)");
    assert_eq!(get("foreign_keys"), "Integer(1)");
    assert_eq!(get("journal_mode"), "Text(\"wal\")");
}

#[test]
fn each_migration_steps_one_version_and_older_databases_are_migrated_on_open() {
    let dir = tempfile::tempdir().unwrap();
    for start in 0..latest_version() {
        let path = dir.path().join(format!("v{start}.db"));
        let db = Database::create_at_version(&path, &key(4), start).unwrap();
        assert_eq!(db.version().unwrap(), start);
        drop(db);
        let db = Database::open(&path, &key(4)).unwrap();
        assert_eq!(db.version().unwrap(), latest_version());
        let tables: i64 = db
            .conn()
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('vault_meta','audit_log','audit_head','courses','consents','consent_withdrawals','recordings','copies')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 8);
    }
}

#[test]
fn copies_keep_their_rows_through_migration_9_and_may_name_a_consent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v8.db");
    let db = Database::create_at_version(&path, &key(7), 8).unwrap();
    db.conn()
        .execute(
            "INSERT INTO copies (id, recording_id, kind, made_at, location, sha256,
                                 transcript_id)
             VALUES ('c1', 'r1', 'transcript-txt', 't', 'x.txt', x'00', 't1')",
            [],
        )
        .unwrap();
    drop(db);
    let db = Database::open(&path, &key(7)).unwrap();
    let row: (String, Option<String>, Option<String>) = db
        .conn()
        .query_row(
            "SELECT recording_id, transcript_id, consent_id FROM copies WHERE id = 'c1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(row, ("r1".to_owned(), Some("t1".to_owned()), None));
    db.conn()
        .execute(
            "INSERT INTO copies (id, kind, made_at, location, sha256, consent_id)
             VALUES ('c2', 'consent-pdf', 't', 'c.pdf', x'00', 'k1')",
            [],
        )
        .unwrap();
    assert!(db
        .conn()
        .execute(
            "INSERT INTO copies (id, kind, made_at, location, sha256)
             VALUES ('c3', 'consent-pdf', 't', 'c.pdf', x'00')",
            [],
        )
        .is_err());
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.db");
    let db = Database::create(&path, &key(5)).unwrap();
    db.conn()
        .pragma_update(None, "user_version", latest_version() + 1)
        .unwrap();
    drop(db);
    assert!(matches!(
        Database::open(&path, &key(5)),
        Err(DbError::TooNew { found, .. }) if found == latest_version() + 1
    ));
}

#[test]
fn audit_log_rejects_update_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::create(&dir.path().join("v.db"), &key(6)).unwrap();
    db.conn()
        .execute(
            "INSERT INTO audit_log VALUES (1, 't', 'k', NULL, '{}', x'00', x'00', x'00')",
            [],
        )
        .unwrap();
    assert!(db
        .conn()
        .execute("UPDATE audit_log SET kind = 'x'", [])
        .is_err());
    assert!(db.conn().execute("DELETE FROM audit_log", []).is_err());
}
