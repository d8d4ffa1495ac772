//! Destruction certificates: what a shred destroyed, how, the checks made afterwards, and the
//! plaintext copies still outstanding, signed with the counsellor's key.
//!
//! A certificate's signed bytes (its *body*) are its JSON as serde_json writes a
//! [`serde_json::Value`] of it (compact, keys in order), tagged with
//! [`Domain::DestructionCertificate`]. Those exact bytes are kept: in the database's
//! `certificates.body` column, and as the `body` string of an exported certificate. Checking a
//! certificate always checks the signature over the bytes kept, then reads them; a certificate
//! is never parsed and written again to find what was signed, since a number need not come
//! back byte for byte. (Certificates exported before the body was carried are the one
//! exception: see [`export`].)
//!
//! Durations are whole frames and their rate ([`FORMAT`], `.../2`); certificates of
//! [`FORMAT_1`] hold seconds as a float and are still read and checked.
//!
//! Certificates hold ids, client codes (pseudonyms), the course name, durations and hashes:
//! never a client's name, a note or audio.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension};

use crate::store::signing::{Domain, PublicKey};
use crate::store::vault::{Vault, VaultError};
use crate::ErrorCode;

pub mod export;
pub mod pdf;
mod save;

pub use export::{to_json, verify_export, verify_json};
pub use save::{save_certificate, CertificateFormat, CertificateSaveError, SavedCertificate};

/// The format name written into every certificate issued now: durations in frames.
pub const FORMAT: &str = "sessionvault-destruction-certificate/2";

/// The format of certificates issued before durations were kept in frames: seconds as a
/// float. Still read and checked.
pub const FORMAT_1: &str = "sessionvault-destruction-certificate/1";

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
    /// How much audio: frames and their rate (format 2), or seconds (format 1).
    #[serde(flatten)]
    pub length: Length,
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

impl Destroyed {
    /// Seconds of audio, as shown to people: frames over rate, or the seconds a format-1
    /// certificate holds. `None` when the rate is not known (0).
    pub fn seconds(&self) -> Option<f64> {
        self.length.seconds()
    }
}

/// How much audio a destroyed recording held. In the JSON its fields stand beside the
/// recording's other fields: `"frames"` and `"sample_rate"`, or `"seconds"`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Length {
    /// Whole frames and frames per second, exact (format 2).
    Frames {
        /// Frames of audio (one sample per channel).
        frames: u64,
        /// Frames per second; 0 only for a recording whose rate was never known.
        sample_rate: u32,
    },
    /// Seconds as a float, as format-1 certificates hold them.
    Seconds {
        /// Seconds of audio.
        seconds: f64,
    },
}

impl Length {
    /// Seconds of audio; `None` when the rate is 0.
    pub fn seconds(&self) -> Option<f64> {
        match *self {
            Length::Frames { sample_rate: 0, .. } => None,
            Length::Frames {
                frames,
                sample_rate,
            } => Some(frames as f64 / f64::from(sample_rate)),
            Length::Seconds { seconds } => Some(seconds),
        }
    }
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

/// The crypto-erase of the vault's database by a shred: it was encrypted again under a fresh
/// key and the old key deleted, so every copy taken before the shred no longer opens.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DatabaseErased {
    /// The database was re-encrypted under a fresh random 256-bit key.
    pub rekeyed: bool,
    /// Checked afterwards: the old key no longer opens the database file.
    pub old_key_refused: bool,
    /// Checked afterwards: the keyring holds the new key only (the old one, and the re-key's
    /// next-key entry, are gone).
    pub old_key_deleted: bool,
    /// What is unreadable in every earlier copy, in words.
    pub erased: String,
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
    /// [`FORMAT`] for every certificate issued now; [`FORMAT_1`] for those issued before.
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
    /// What was crypto-erased of the database itself, and checked afterwards. Left out of
    /// the JSON when absent (certificates issued before databases were re-keyed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseErased>,
    /// Copies the vault knows of that still exist outside it.
    pub outstanding_copies: Vec<OutstandingCopy>,
    /// What was deliberately kept, and why.
    pub kept: Vec<String>,
    /// The signer's Ed25519 public key, hex.
    pub public_key: String,
    /// Its fingerprint, to compare with the counsellor's.
    pub fingerprint: String,
}

/// A certificate with its signature: what is stored, shown and exported as JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Signed {
    /// The signed content, read from [`Signed::body`].
    pub certificate: Certificate,
    /// The exact bytes the signature covers, as text: the certificate's compact JSON as it
    /// was signed.
    pub body: String,
    /// The Ed25519 signature over `body`, hex.
    pub signature: String,
}

/// One stored certificate as [`list`] gives it: checked, or the reason it does not check.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Listed {
    /// It verifies.
    Valid(Box<Signed>),
    /// It does not verify: shown as damaged, never as a certificate.
    Damaged(Damaged),
}

/// A stored certificate that does not verify, named by its row.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Damaged {
    /// The certificate id of the row.
    pub id: String,
    /// When the row says it was issued.
    pub issued_at: String,
    /// The error's code (`certificate_altered`, `not_a_certificate`).
    pub code: &'static str,
    /// What is wrong, in words: "This certificate does not verify: ...".
    pub message: String,
}

/// Why a certificate that does not match its signature is refused.
const ALTERED: &str =
    "its content was changed after it was signed, or the signature is not the counsellor's";

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
    #[error("the certificate does not verify: {ALTERED}")]
    Altered,
    /// It verifies, but with another key than the one expected.
    #[error("the certificate was signed by another key ({found}), not by {expected}")]
    OtherSigner {
        /// The fingerprint of the key that signed it.
        found: String,
        /// The fingerprint expected.
        expected: String,
    },
    /// Checked outside the vault without saying whose key should have signed it.
    #[error(
        "to check a certificate outside the counsellor's vault, say whose key must have \
         signed it: ask the counsellor for their key's fingerprint (`sessionvault status` shows \
         it as the signing key), then run `sessionvault certificate verify FILE --signer \
         FINGERPRINT`"
    )]
    SignerRequired,
    /// What was given as a fingerprint is not one.
    #[error(
        "{0:?} is not a key fingerprint: it has 32 hexadecimal digits, written as \
         `sessionvault status` prints it (SHA256:xxxx:xxxx:...), with or without the \
         separators"
    )]
    InvalidFingerprint(String),
    /// A vault problem.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl ErrorCode for CertificateError {
    fn code(&self) -> &'static str {
        match self {
            CertificateError::NotFound(_) => "certificate_not_found",
            CertificateError::NotACertificate(_) => "not_a_certificate",
            CertificateError::Altered => "certificate_altered",
            CertificateError::OtherSigner { .. } => "certificate_other_signer",
            CertificateError::SignerRequired => "signer_required",
            CertificateError::InvalidFingerprint(_) => "invalid_fingerprint",
            CertificateError::Vault(e) => e.code(),
        }
    }
}

crate::store::vault::vault_variant_from!(CertificateError: rusqlite::Error);

/// The body of a new certificate: the exact text its signature is to cover, and to be kept
/// beside it.
///
/// Errors: [`CertificateError::NotACertificate`] if it cannot be written as JSON.
pub fn signed_bytes(certificate: &Certificate) -> Result<String, CertificateError> {
    serde_json::to_value(certificate)
        .and_then(|value| serde_json::to_string(&value))
        .map_err(|e| CertificateError::NotACertificate(e.to_string()))
}

/// Checks a certificate kept as its exact signed `body` and `signature` (as the database
/// keeps them) against `key`, then reads it.
///
/// Errors: [`CertificateError::Altered`] when the signature does not match `body` and `key`
/// or the body names another key; [`CertificateError::NotACertificate`] when a body that
/// does verify is not a certificate this version can read.
pub fn verify_stored(
    body: &[u8],
    signature: &[u8],
    key: &PublicKey,
) -> Result<Signed, CertificateError> {
    key.verify(Domain::DestructionCertificate, body, signature)
        .map_err(|_| CertificateError::Altered)?;
    let body = std::str::from_utf8(body).map_err(|_| CertificateError::Altered)?;
    let certificate = read(body)?;
    if certificate.public_key != hex::encode(key.to_bytes())
        || certificate.fingerprint != key.fingerprint()
    {
        return Err(CertificateError::Altered);
    }
    Ok(Signed {
        certificate,
        body: body.to_owned(),
        signature: hex::encode(signature),
    })
}

/// Reads a certificate's body, of a known format with the durations of that format.
fn read(body: &str) -> Result<Certificate, CertificateError> {
    let certificate: Certificate =
        serde_json::from_str(body).map_err(|e| CertificateError::NotACertificate(e.to_string()))?;
    let frames = match certificate.format.as_str() {
        FORMAT => true,
        FORMAT_1 => false,
        other => {
            return Err(CertificateError::NotACertificate(format!(
                "unknown format {other:?}"
            )))
        }
    };
    if certificate
        .destroyed
        .iter()
        .any(|d| matches!(d.length, Length::Frames { .. }) != frames)
    {
        return Err(CertificateError::NotACertificate(format!(
            "durations that do not belong to format {:?}",
            certificate.format
        )));
    }
    Ok(certificate)
}

/// The bytes of a column as it is stored, text or blob (an edited row may hold either).
fn bytes(value: ValueRef<'_>) -> Vec<u8> {
    match value {
        ValueRef::Text(b) | ValueRef::Blob(b) => b.to_vec(),
        ValueRef::Integer(n) => n.to_string().into_bytes(),
        ValueRef::Real(x) => x.to_string().into_bytes(),
        ValueRef::Null => Vec::new(),
    }
}

/// One row of the `certificates` table: id, issued_at, body, signature.
type Row = (String, String, Vec<u8>, Vec<u8>);

const ROW: &str = "SELECT id, issued_at, body, signature FROM certificates";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        String::from_utf8_lossy(&bytes(r.get_ref(0)?)).into_owned(),
        String::from_utf8_lossy(&bytes(r.get_ref(1)?)).into_owned(),
        bytes(r.get_ref(2)?),
        bytes(r.get_ref(3)?),
    ))
}

/// The certificate `id` stored in `conn`, checked against `key`.
fn stored(conn: &Connection, key: &PublicKey, id: &str) -> Result<Signed, CertificateError> {
    let (_, _, body, signature) = conn
        .query_row(&format!("{ROW} WHERE id = ?1"), [id.trim()], row)
        .optional()?
        .ok_or_else(|| CertificateError::NotFound(id.to_owned()))?;
    verify_stored(&body, &signature, key)
}

/// The stored certificate `id`, checked against the vault's key over the exact bytes that
/// were signed.
///
/// Errors: [`CertificateError::NotFound`], [`CertificateError::Altered`] (the stored copy
/// was edited), [`CertificateError::NotACertificate`], [`CertificateError::Vault`].
pub fn get(vault: &Vault, id: &str) -> Result<Signed, CertificateError> {
    stored(vault.db().conn(), &vault.public_key(), id)
}

/// Every certificate stored in `conn`, oldest first, each checked against `key`.
fn stored_all(conn: &Connection, key: &PublicKey) -> Result<Vec<Listed>, CertificateError> {
    let mut stmt = conn.prepare(&format!("{ROW} ORDER BY issued_at, id"))?;
    let rows = stmt.query_map([], row)?.collect::<Result<Vec<Row>, _>>()?;
    Ok(rows
        .into_iter()
        .map(
            |(id, issued_at, body, signature)| match verify_stored(&body, &signature, key) {
                Ok(signed) => Listed::Valid(Box::new(signed)),
                Err(e) => Listed::Damaged(Damaged {
                    id,
                    issued_at,
                    code: e.code(),
                    message: damage(&e),
                }),
            },
        )
        .collect())
}

/// A damaged certificate's problem, in words.
fn damage(e: &CertificateError) -> String {
    match e {
        CertificateError::Altered => format!("This certificate does not verify: {ALTERED}."),
        other => format!("This certificate does not verify: {other}."),
    }
}

/// Every certificate of the vault, oldest first: one entry per stored certificate, the
/// certificate when it verifies, else what is wrong with it. One damaged certificate does not
/// hide the others.
///
/// Errors: [`CertificateError::Vault`] when the database cannot be read.
pub fn list(vault: &Vault) -> Result<Vec<Listed>, CertificateError> {
    stored_all(vault.db().conn(), &vault.public_key())
}

#[cfg(test)]
mod tests;
