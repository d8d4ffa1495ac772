//! Certificates signed, stored in a real SQLCipher database, exported, and checked; every
//! edit fails; durations of any frame count and rate come back exactly.

use proptest::prelude::*;
use rusqlite::params;

use super::*;
use crate::store::db::Database;
use crate::store::signing::Signer;

/// A course certificate destroying one recording of `length`, named as signed by `named`.
fn content(named: &PublicKey, format: &str, length: Length) -> Certificate {
    Certificate {
        format: format.to_owned(),
        id: "c1".to_owned(),
        vault_id: "v1".to_owned(),
        issued_at: "2026-11-27T10:00:00Z".to_owned(),
        target: Target {
            kind: "course".to_owned(),
            id: "k1".to_owned(),
            label: Some("Diploma".to_owned()),
        },
        destroyed: vec![Destroyed {
            recording_id: "r1".to_owned(),
            client_code: "C-101".to_owned(),
            consent_id: "s1".to_owned(),
            course_id: Some("k1".to_owned()),
            recorded_at: "2026-10-01T09:00:00Z".to_owned(),
            length,
            ciphertext_sha256: "ab".repeat(32),
            bookmarks: 2,
            transcripts: 0,
        }],
        case_studies: vec![],
        method: vec!["crypto-erase".to_owned()],
        database: None,
        checks: vec![Check {
            recording_id: "r1".to_owned(),
            key_lookup_fails: true,
            file_absent: true,
            rows_absent: true,
        }],
        outstanding_copies: vec![],
        kept: vec![],
        public_key: hex::encode(named.to_bytes()),
        fingerprint: named.fingerprint(),
    }
}

fn sign(signer: &Signer, certificate: Certificate) -> Signed {
    let body = signed_bytes(&certificate).unwrap();
    let signature = signer.sign(Domain::DestructionCertificate, body.as_bytes());
    Signed {
        certificate,
        body,
        signature: hex::encode(signature),
    }
}

fn frames(frames: u64, sample_rate: u32) -> Length {
    Length::Frames {
        frames,
        sample_rate,
    }
}

fn sample(signer: &Signer) -> Signed {
    let key = signer.public_key();
    sign(signer, content(&key, FORMAT, frames(28_824_000, 48_000)))
}

/// The JSON the code before format 2 exported: `certificate` and `signature`, no body.
fn old_export(signer: &Signer, seconds: f64) -> String {
    let key = signer.public_key();
    let signed = sign(signer, content(&key, FORMAT_1, Length::Seconds { seconds }));
    serde_json::to_string_pretty(&serde_json::json!({
        "certificate": signed.certificate,
        "signature": signed.signature,
    }))
    .unwrap()
}

/// A vault database in a new temporary folder.
fn database() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::create(&dir.path().join("vault.db"), &[9; 32]).unwrap();
    (dir, db)
}

/// Stores `signed` as a shred does.
fn store(db: &Database, signed: &Signed) {
    let c = &signed.certificate;
    db.conn()
        .execute(
            "INSERT INTO shreds (id, target_kind, target_id, started_at, items)
             VALUES (?1, 'course', 'k1', ?2, '[]')",
            params![format!("shred-{}", c.id), c.issued_at],
        )
        .unwrap();
    db.conn()
        .execute(
            "INSERT INTO certificates (id, shred_id, issued_at, body, signature)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                c.id,
                format!("shred-{}", c.id),
                c.issued_at,
                signed.body,
                hex::decode(&signed.signature).unwrap()
            ],
        )
        .unwrap();
}

#[test]
fn a_signed_certificate_verifies_and_any_edit_fails() {
    let signer = Signer::from_seed(&[7; 32]);
    let text = to_json(&sample(&signer)).unwrap();
    let back = verify_json(&text, Some(&signer.public_key())).unwrap();
    assert_eq!(back.certificate.destroyed[0].client_code, "C-101");
    assert_eq!(back.certificate.destroyed[0].seconds(), Some(600.5));
    assert_eq!(back, sample(&signer));
    // The readable copy comes first in the file, so each edit hits it; the second edit of
    // each pair hits the signed body.
    for (from, to) in [
        ("C-101", "C-102"),
        ("28824000", "28824001"),
        ("\"file_absent\": true", "\"file_absent\": false"),
        ("Diploma", "Diplomb"),
        (
            "\\\"client_code\\\":\\\"C-101\\\"",
            "\\\"client_code\\\":\\\"C-102\\\"",
        ),
        ("\\\"frames\\\":28824000", "\\\"frames\\\":28824001"),
    ] {
        let edited = text.replacen(from, to, 1);
        assert_ne!(edited, text, "{from}");
        assert!(
            matches!(verify_json(&edited, None), Err(CertificateError::Altered)),
            "{from} -> {to}"
        );
    }
    // Edited alike in both: the signature fails.
    let both = text.replace("C-101", "C-102");
    assert!(matches!(
        verify_json(&both, None),
        Err(CertificateError::Altered)
    ));
}

#[test]
fn another_signer_is_named_and_garbage_is_not_a_certificate() {
    let signer = Signer::from_seed(&[7; 32]);
    let other = Signer::from_seed(&[8; 32]);
    let text = to_json(&sample(&signer)).unwrap();
    match verify_json(&text, Some(&other.public_key())) {
        Err(CertificateError::OtherSigner { found, expected }) => {
            assert_eq!(found, signer.public_key().fingerprint());
            assert_eq!(expected, other.public_key().fingerprint());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        verify_json("{}", None).unwrap_err().code(),
        "not_a_certificate"
    );
    // Signed by another key that the certificate names, with the first key's fingerprint.
    let mut forged = content(&other.public_key(), FORMAT, frames(1, 48_000));
    forged.fingerprint = signer.public_key().fingerprint();
    let forged = to_json(&sign(&other, forged)).unwrap();
    assert!(matches!(
        verify_json(&forged, None),
        Err(CertificateError::Altered)
    ));
}

#[test]
fn a_format_2_certificate_without_its_body_is_refused() {
    let signer = Signer::from_seed(&[7; 32]);
    let signed = sample(&signer);
    let stripped = serde_json::json!({
        "certificate": signed.certificate,
        "signature": signed.signature,
    })
    .to_string();
    assert!(matches!(
        verify_json(&stripped, None),
        Err(CertificateError::Altered)
    ));
}

#[test]
fn the_signer_is_required_outside_a_vault_and_matched_by_fingerprint() {
    let signer = Signer::from_seed(&[7; 32]);
    let other = Signer::from_seed(&[8; 32]);
    let text = to_json(&sample(&signer)).unwrap();
    let fp = signer.public_key().fingerprint();
    assert_eq!(
        verify_export(&text, None, None).unwrap_err().code(),
        "signer_required"
    );
    let bare: String = fp[7..].chars().filter(|c| *c != ':').collect();
    for typed in [
        fp.clone(),
        fp.to_uppercase(),
        bare.clone(),
        format!(" {bare} "),
    ] {
        let signed = verify_export(&text, None, Some(&typed)).unwrap();
        assert_eq!(signed.certificate.fingerprint, fp);
    }
    let wrong = other.public_key().fingerprint();
    match verify_export(&text, None, Some(&wrong)) {
        Err(CertificateError::OtherSigner { found, expected }) => {
            assert_eq!((found, expected), (fp.clone(), wrong.clone()));
        }
        other => panic!("{other:?}"),
    }
    // With the vault's key, a --signer given must match too.
    verify_export(&text, Some(&signer.public_key()), None).unwrap();
    verify_export(&text, Some(&signer.public_key()), Some(&bare)).unwrap();
    assert!(verify_export(&text, Some(&signer.public_key()), Some(&wrong)).is_err());
    assert!(verify_export(&text, Some(&other.public_key()), Some(&bare)).is_err());
    for bad in [
        "",
        "SHA256:",
        "abc",
        &format!("{bare}0"),
        &bare.replace('a', "g"),
    ] {
        assert_eq!(
            export::fingerprint(bad).unwrap_err().code(),
            "invalid_fingerprint",
            "{bad}"
        );
    }
}

#[test]
fn an_edited_row_is_listed_as_damaged_and_the_others_still_list() {
    let signer = Signer::from_seed(&[7; 32]);
    let key = signer.public_key();
    let (_dir, db) = database();
    for (n, id) in ["a", "b", "c"].iter().enumerate() {
        let mut certificate = content(&key, FORMAT, frames(n as u64 + 1, 44_100));
        certificate.id = (*id).to_owned();
        store(&db, &sign(&signer, certificate));
    }
    db.conn()
        .execute_batch(
            "DROP TRIGGER certificates_no_update;
             UPDATE certificates SET body = replace(body, 'C-101', 'C-999') WHERE id = 'b';
             UPDATE certificates SET signature = x'00' WHERE id = 'c';",
        )
        .unwrap();
    let listed = stored_all(db.conn(), &key).unwrap();
    assert_eq!(listed.len(), 3);
    assert!(matches!(&listed[0], Listed::Valid(s) if s.certificate.id == "a"));
    for (entry, id) in listed[1..].iter().zip(["b", "c"]) {
        match entry {
            Listed::Damaged(d) => {
                assert_eq!((d.id.as_str(), d.code), (id, "certificate_altered"));
                assert!(d.message.starts_with("This certificate does not verify: "));
                assert_eq!(d.issued_at, "2026-11-27T10:00:00Z");
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(
        stored(db.conn(), &key, "b"),
        Err(CertificateError::Altered)
    ));
    assert!(matches!(
        stored(db.conn(), &key, "zz"),
        Err(CertificateError::NotFound(_))
    ));
    // Checked against another vault's key, every one is damaged.
    let other = Signer::from_seed(&[8; 32]).public_key();
    assert!(stored_all(db.conn(), &other)
        .unwrap()
        .iter()
        .all(|e| matches!(e, Listed::Damaged(_))));
}

/// Frame counts: odd ones, one frame, and huge ones near the limits of u32 and u64.
fn frame_counts() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(1u64),
        1u64..10_000_000,
        (u64::from(u32::MAX) - 1_000)..(u64::from(u32::MAX) + 1_000),
        (u64::MAX - 1_000)..=u64::MAX,
        any::<u64>(),
    ]
}

/// Sample rates from 8 kHz to 192 kHz, the usual ones more often.
fn rates() -> impl Strategy<Value = u32> {
    prop_oneof![
        prop::sample::select(vec![
            8_000u32, 11_025, 16_000, 22_050, 44_100, 48_000, 96_000, 192_000
        ]),
        8_000u32..=192_000,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_duration_is_signed_stored_exported_and_verified_exactly(
        frame_count in frame_counts(),
        rate in rates(),
    ) {
        let signer = Signer::from_seed(&[7; 32]);
        let key = signer.public_key();
        let length = frames(frame_count, rate);
        let signed = sign(&signer, content(&key, FORMAT, length));
        let (_dir, db) = database();
        store(&db, &signed);

        let back = stored(db.conn(), &key, "c1").unwrap();
        prop_assert_eq!(&back, &signed);
        prop_assert_eq!(back.certificate.destroyed[0].length, length);
        let listed = stored_all(db.conn(), &key).unwrap();
        prop_assert_eq!(&listed, &vec![Listed::Valid(Box::new(signed.clone()))]);

        let text = to_json(&back).unwrap();
        let checked = verify_export(&text, None, Some(&key.fingerprint())).unwrap();
        prop_assert_eq!(&checked, &signed);
        let checked = verify_export(&text, Some(&key), None).unwrap();
        prop_assert_eq!(checked.certificate.destroyed[0].length, length);
        let seconds = checked.certificate.destroyed[0].seconds().unwrap();
        prop_assert_eq!(seconds, frame_count as f64 / f64::from(rate));
    }

    #[test]
    fn certificates_exported_before_format_2_verify_whatever_their_seconds(
        frame_count in frame_counts(),
        rate in rates(),
    ) {
        let signer = Signer::from_seed(&[7; 32]);
        let seconds = frame_count as f64 / f64::from(rate);
        let text = old_export(&signer, seconds);
        let signed = verify_export(&text, None, Some(&signer.public_key().fingerprint())).unwrap();
        prop_assert_eq!(signed.certificate.format.as_str(), FORMAT_1);
        prop_assert_eq!(signed.certificate.destroyed[0].seconds(), Some(seconds));
        // Exported again, now with its body, it still verifies.
        let again = verify_json(&to_json(&signed).unwrap(), Some(&signer.public_key())).unwrap();
        prop_assert_eq!(again, signed);
    }
}
