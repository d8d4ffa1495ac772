use super::*;
use crate::store::db::Database;
use rand::SeedableRng;
use serde_json::json;

/// A database of the vault `id-0`, whose log is still empty.
fn setup() -> (tempfile::TempDir, Database, Signer) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::create(&dir.path().join("a.db"), &[9u8; 32]).unwrap();
    let signer = Signer::generate(&mut rand::rngs::StdRng::seed_from_u64(3));
    db.conn()
        .execute(
            "INSERT INTO vault_meta (id, vault_id, created_at, signing_public_key)
             VALUES (1, 'id-0', '2027-01-15T10:00:00Z', ?1)",
            [&signer.public_key().to_bytes()[..]],
        )
        .unwrap();
    (dir, db, signer)
}

fn fill(db: &mut Database, signer: &Signer, n: u64) {
    for i in 0..n {
        let at = OffsetDateTime::from_unix_timestamp(1_800_000_000 + i as i64).unwrap();
        append(
            db.conn_mut(),
            signer,
            at,
            EventKind::VaultCreated,
            Some(&format!("id-{i}")),
            &json!({ "n": i }),
        )
        .unwrap();
    }
}

#[test]
fn canonical_form_separates_fields() {
    let a = canonical(&GENESIS, "t", "ab", None, "{}");
    let b = canonical(&GENESIS, "t", "a", Some("b"), "{}");
    let c = canonical(&GENESIS, "t", "ab", Some(""), "{}");
    assert_ne!(a, b);
    assert_ne!(a, c);
}

#[test]
fn intact_log_verifies_and_empty_log_fails() {
    let (_d, mut db, signer) = setup();
    assert!(matches!(
        verify(db.conn(), &signer.public_key()),
        Err(AuditError::Broken {
            seq: 1,
            problem: Break::NoCreation
        })
    ));
    fill(&mut db, &signer, 4);
    let v = verify(db.conn(), &signer.public_key()).unwrap();
    assert_eq!(v.entries, 4);
    let e = entries(db.conn()).unwrap();
    assert_eq!(e[1].prev_hash, e[0].hash);
    assert_eq!(v.head, hex::encode(&e[3].hash));
}

#[test]
fn the_first_entry_must_be_this_vaults_creation() {
    let first = |kind, subject: &str| {
        let (_d, mut db, signer) = setup();
        let at = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        append(db.conn_mut(), &signer, at, kind, Some(subject), &json!({})).unwrap();
        fill(&mut db, &signer, 2);
        verify(db.conn(), &signer.public_key()).map(|v| v.entries)
    };
    assert_eq!(first(EventKind::VaultCreated, "id-0").unwrap(), 3);
    for (kind, subject) in [
        (EventKind::CourseAdded, "id-0"),
        (EventKind::VaultCreated, "another-vault"),
    ] {
        assert!(
            matches!(
                first(kind, subject),
                Err(AuditError::Broken {
                    seq: 1,
                    problem: Break::NoCreation
                })
            ),
            "{kind:?} {subject}"
        );
    }
}

#[test]
fn another_key_does_not_verify() {
    let (_d, mut db, signer) = setup();
    fill(&mut db, &signer, 2);
    let other = Signer::generate(&mut rand::rngs::StdRng::seed_from_u64(4));
    assert!(matches!(
        verify(db.conn(), &other.public_key()),
        Err(AuditError::Broken {
            seq: 1,
            problem: Break::Forged
        })
    ));
}

#[test]
fn tail_truncation_is_detected_through_the_head() {
    let (_d, mut db, signer) = setup();
    fill(&mut db, &signer, 3);
    db.conn()
        .execute_batch("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 3;")
        .unwrap();
    assert!(matches!(
        verify(db.conn(), &signer.public_key()),
        Err(AuditError::Broken {
            seq: 3,
            problem: Break::Truncated
        })
    ));
}
