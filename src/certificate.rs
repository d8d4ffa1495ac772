//! Destruction certificates: what a shred destroyed, how, the checks made afterwards, and the
//! plaintext copies still outstanding, signed with the counsellor's key.
//!
//! The signed bytes are the certificate's JSON as serde_json writes a [`serde_json::Value`]
//! (compact), tagged with [`Domain::DestructionCertificate`]. An exported certificate carries
//! that body, the signature and the public key, so anyone can check it with `sessionvault
//! certificate verify FILE` and compare the key's fingerprint with the counsellor's; any edit
//! of the body makes the check fail.
//!
//! Certificates hold ids, client codes (pseudonyms), the course name, durations and hashes:
//! never a client's name, a note or audio.

use rusqlite::OptionalExtension;

use crate::signing::{Domain, PublicKey};
use crate::vault::{Vault, VaultError};

pub mod pdf;

/// The format name written into every certificate.
pub const FORMAT: &str = "sessionvault-destruction-certificate/1";

/// What was shredded: one recording, a course, a client, or a withdrawn consent.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    /// `recording`, `course`, `client` or `consent`.
    pub kind: String,
    /// The recording id, course id, client code or consent id.
    pub id: String,
    /// The course's name, when the target is a course.
    pub label: Option<String>,
}

/// One recording destroyed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Destroyed {
    /// The recording id.
    pub recording_id: String,
    /// The client code.
    pub client_code: String,
    /// The consent it was made under.
    pub consent_id: String,
    /// Its course, if any.
    pub course_id: Option<String>,
    /// When it was recorded.
    pub recorded_at: String,
    /// Seconds of audio.
    pub seconds: f64,
    /// SHA-256 of the sealed file, hex (empty if it was never finished).
    pub ciphertext_sha256: String,
    /// Bookmarks destroyed with it.
    pub bookmarks: u64,
    /// Transcripts destroyed with it. Left out of the JSON when none, so certificates issued
    /// before transcripts existed verify unchanged.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub transcripts: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A counsellor's case study destroyed by a course or client shred.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DestroyedCaseStudy {
    /// The case study id.
    pub case_study_id: String,
    /// The client codes it was about.
    pub client_codes: Vec<String>,
    /// The course it was written for, if any.
    pub course_id: Option<String>,
    /// Checked afterwards: no row of it is left in the database.
    pub rows_absent: bool,
}

/// The checks made after destroying one recording.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Check {
    /// The recording id.
    pub recording_id: String,
    /// Looking its key up in the OS keyring finds nothing.
    pub key_lookup_fails: bool,
    /// Its file is no longer in the vault.
    pub file_absent: bool,
    /// No row of it (recording, bookmarks) is left in the database.
    pub rows_absent: bool,
}

/// A plaintext copy made earlier (an export or a share) that the counsellor must destroy too.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OutstandingCopy {
    /// The copy's id.
    pub copy_id: String,
    /// The recording it was made from.
    pub recording_id: String,
    /// `wav-export`, or a share.
    pub kind: String,
    /// When it was made.
    pub made_at: String,
    /// Where it was written (as typed by the counsellor) or who it was sent to.
    pub location: String,
    /// SHA-256 of the copy, hex.
    pub sha256: String,
    /// For a share: who it was shared with (`tutor`, `student`, `supervisor`). Left out of
    /// the JSON when empty, so certificates issued before sharing existed verify unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// For a share: the fingerprints of the age recipients it was encrypted to (or
    /// `passphrase`). Left out of the JSON when empty, as `role`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// For an export of a case study (then `recording_id` is empty): the case study. Left out
    /// of the JSON when empty, as `role`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_study_id: Option<String>,
    /// For a consent PDF (then `recording_id` is empty): the consent record. Left out of the
    /// JSON when empty, as `role`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_id: Option<String>,
}

/// A destruction certificate's content: everything that is signed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Certificate {
    /// Always [`FORMAT`].
    pub format: String,
    /// The certificate id.
    pub id: String,
    /// The vault it was issued by.
    pub vault_id: String,
    /// When it was signed (RFC 3339).
    pub issued_at: String,
    /// What was shredded.
    pub target: Target,
    /// The recordings destroyed.
    pub destroyed: Vec<Destroyed>,
    /// The counsellor's case studies destroyed. Left out of the JSON when none, so
    /// certificates issued before case studies existed verify unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub case_studies: Vec<DestroyedCaseStudy>,
    /// How, step by step.
    pub method: Vec<String>,
    /// The checks made afterwards, one per recording.
    pub checks: Vec<Check>,
    /// Copies the vault knows of that still exist outside it.
    pub outstanding_copies: Vec<OutstandingCopy>,
    /// What was deliberately kept, and why.
    pub kept: Vec<String>,
    /// The signer's Ed25519 public key, hex.
    pub public_key: String,
    /// Its fingerprint, to compare with the counsellor's.
    pub fingerprint: String,
}

/// A certificate with its signature: what is stored and exported as JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Signed {
    /// The signed content.
    pub certificate: Certificate,
    /// The Ed25519 signature over [`signed_bytes`], hex.
    pub signature: String,
}

/// What went wrong with a certificate.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    /// No certificate has this id.
    #[error("there is no certificate with id {0}: see `sessionvault certificate list`")]
    NotFound(String),
    /// The file is not a certificate.
    #[error("this is not a SessionVault destruction certificate: {0}")]
    NotACertificate(String),
    /// The signature does not match the content: it was edited after signing.
    #[error(
        "the certificate does not verify: its content was changed after it was signed, or the \
         signature is not the counsellor's"
    )]
    Altered,
    /// It verifies, but with another key than the one expected.
    #[error("the certificate was signed by another key ({found}), not by {expected}")]
    OtherSigner {
        /// The fingerprint in the certificate.
        found: String,
        /// The fingerprint expected.
        expected: String,
    },
    /// A vault problem.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl CertificateError {
    /// A stable, machine-readable name for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            CertificateError::NotFound(_) => "certificate_not_found",
            CertificateError::NotACertificate(_) => "not_a_certificate",
            CertificateError::Altered => "certificate_altered",
            CertificateError::OtherSigner { .. } => "certificate_other_signer",
            CertificateError::Vault(e) => e.code(),
        }
    }
}

impl From<rusqlite::Error> for CertificateError {
    fn from(e: rusqlite::Error) -> Self {
        CertificateError::Vault(crate::db::DbError::from(e).into())
    }
}

/// The bytes a certificate's signature covers.
///
/// Errors: [`CertificateError::NotACertificate`] if it cannot be written as JSON.
pub fn signed_bytes(certificate: &Certificate) -> Result<Vec<u8>, CertificateError> {
    serde_json::to_value(certificate)
        .and_then(|value| serde_json::to_vec(&value))
        .map_err(|e| CertificateError::NotACertificate(e.to_string()))
}

/// Checks an exported certificate (the JSON of [`Signed`]): its signature over its content
/// with the key it names, and, when `expected` is given, that this is the expected key.
/// Returns the certificate.
///
/// Errors: [`CertificateError::NotACertificate`], [`CertificateError::Altered`],
/// [`CertificateError::OtherSigner`].
pub fn verify_json(text: &str, expected: Option<&PublicKey>) -> Result<Signed, CertificateError> {
    let signed: Signed =
        serde_json::from_str(text).map_err(|e| CertificateError::NotACertificate(e.to_string()))?;
    if signed.certificate.format != FORMAT {
        return Err(CertificateError::NotACertificate(format!(
            "unknown format {:?}",
            signed.certificate.format
        )));
    }
    let key_bytes =
        hex::decode(&signed.certificate.public_key).map_err(|_| CertificateError::Altered)?;
    let key = PublicKey::from_bytes(&key_bytes).map_err(|_| CertificateError::Altered)?;
    let signature = hex::decode(&signed.signature).map_err(|_| CertificateError::Altered)?;
    key.verify(
        Domain::DestructionCertificate,
        &signed_bytes(&signed.certificate)?,
        &signature,
    )
    .map_err(|_| CertificateError::Altered)?;
    if key.fingerprint() != signed.certificate.fingerprint {
        return Err(CertificateError::Altered);
    }
    if let Some(expected) = expected {
        if expected.to_bytes() != key.to_bytes() {
            return Err(CertificateError::OtherSigner {
                found: key.fingerprint(),
                expected: expected.fingerprint(),
            });
        }
    }
    Ok(signed)
}

/// The stored certificate `id`, checked against the vault's key.
///
/// Errors: [`CertificateError::NotFound`], [`CertificateError::Altered`] (the stored copy
/// was edited), [`CertificateError::Vault`].
pub fn get(vault: &Vault, id: &str) -> Result<Signed, CertificateError> {
    let row: Option<(String, Vec<u8>)> = vault
        .db()
        .conn()
        .query_row(
            "SELECT body, signature FROM certificates WHERE id = ?1",
            [id.trim()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (body, signature) = row.ok_or_else(|| CertificateError::NotFound(id.to_owned()))?;
    let certificate: Certificate =
        serde_json::from_str(&body).map_err(|_| CertificateError::Altered)?;
    let signed = Signed {
        certificate,
        signature: hex::encode(signature),
    };
    let text = to_json(&signed)?;
    verify_json(&text, Some(&vault.public_key()))
}

/// Every certificate of the vault, oldest first.
///
/// Errors: as [`get`].
pub fn list(vault: &Vault) -> Result<Vec<Signed>, CertificateError> {
    let ids: Vec<String> = {
        let conn = vault.db().conn();
        let mut stmt = conn.prepare("SELECT id FROM certificates ORDER BY issued_at, id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    ids.iter().map(|id| get(vault, id)).collect()
}

/// The certificate as exported JSON (pretty-printed; the signature covers the content, not
/// the layout).
///
/// Errors: [`CertificateError::NotACertificate`] if it cannot be written.
pub fn to_json(signed: &Signed) -> Result<String, CertificateError> {
    serde_json::to_string_pretty(signed)
        .map_err(|e| CertificateError::NotACertificate(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::Signer;

    fn sample(signer: &Signer) -> Signed {
        let key = signer.public_key();
        let certificate = Certificate {
            format: FORMAT.to_owned(),
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
                seconds: 600.5,
                ciphertext_sha256: "ab".repeat(32),
                bookmarks: 2,
                transcripts: 0,
            }],
            case_studies: vec![],
            method: vec!["crypto-erase".to_owned()],
            checks: vec![Check {
                recording_id: "r1".to_owned(),
                key_lookup_fails: true,
                file_absent: true,
                rows_absent: true,
            }],
            outstanding_copies: vec![],
            kept: vec![],
            public_key: hex::encode(key.to_bytes()),
            fingerprint: key.fingerprint(),
        };
        let signature = signer.sign(
            Domain::DestructionCertificate,
            &signed_bytes(&certificate).unwrap(),
        );
        Signed {
            certificate,
            signature: hex::encode(signature),
        }
    }

    #[test]
    fn a_signed_certificate_verifies_and_any_edit_fails() {
        let signer = Signer::from_seed(&[7; 32]);
        let text = to_json(&sample(&signer)).unwrap();
        let back = verify_json(&text, Some(&signer.public_key())).unwrap();
        assert_eq!(back.certificate.destroyed[0].client_code, "C-101");
        for (from, to) in [
            ("C-101", "C-102"),
            ("600.5", "60.5"),
            ("\"file_absent\": true", "\"file_absent\": false"),
            ("Diploma", "Diplomb"),
        ] {
            let edited = text.replacen(from, to, 1);
            assert_ne!(edited, text);
            assert!(
                matches!(verify_json(&edited, None), Err(CertificateError::Altered)),
                "{from} -> {to}"
            );
        }
    }

    #[test]
    fn another_signer_is_named_and_garbage_is_not_a_certificate() {
        let signer = Signer::from_seed(&[7; 32]);
        let other = Signer::from_seed(&[8; 32]);
        let text = to_json(&sample(&signer)).unwrap();
        assert!(matches!(
            verify_json(&text, Some(&other.public_key())),
            Err(CertificateError::OtherSigner { .. })
        ));
        assert_eq!(
            verify_json("{}", None).unwrap_err().code(),
            "not_a_certificate"
        );
        // A re-signed certificate with a swapped key but the old fingerprint fails.
        let mut forged = sample(&other);
        forged.certificate.fingerprint = signer.public_key().fingerprint();
        assert!(matches!(
            verify_json(&to_json(&forged).unwrap(), None),
            Err(CertificateError::Altered)
        ));
    }
}
