//! Copies made outside the vault — plaintext WAV exports, age-encrypted shares, transcript and
//! case-study exports, and consent PDFs (which hold the client's name and signature) — and
//! recording that one was destroyed.
//!
//! Every export, share and consent PDF is stored as a copy when it is made (written as a
//! [`crate::copies::private_file::PrivateFile`]: mode 0600, whole or absent). Until the
//! counsellor records that it was destroyed ([`mark_destroyed`]), it is *outstanding*: shred
//! previews and destruction certificates list it, because shredding the vault's recording cannot
//! reach it. Copies outlive the recordings they were made from (a shredded recording's copies are
//! still listed), and a copy's row is never deleted: `destroyed_at` is set once.

//!
//! - [`private_file`]: every file written outside the vault: 0600, whole or absent.

pub mod private_file;

use std::path::Path;

use rusqlite::{params, OptionalExtension};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::copies::private_file::Written;
use crate::store::audit::{AuditError, EventKind};
use crate::store::db::DbError;
use crate::store::vault::{Vault, VaultError};

/// A copy made outside the vault.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Copy {
    /// The copy's id.
    pub id: String,
    /// The recording it was made from (which may since have been shredded); `None` for a copy
    /// of something that is not a recording.
    pub recording_id: Option<String>,
    /// The consent record it was made of, for a consent PDF; `None` otherwise.
    pub consent_id: Option<String>,
    /// `wav-export` (plaintext), `share` (age-encrypted), `transcript-txt|docx|pdf`,
    /// `case-study-docx|pdf` or `consent-pdf`.
    pub kind: String,
    /// When it was made (RFC 3339).
    pub made_at: String,
    /// Where it was written, as given when it was made.
    pub location: String,
    /// SHA-256 of the file written, hex.
    pub sha256: String,
    /// For a share: who it was shared with (`tutor`, `student`, `supervisor`).
    pub role: Option<String>,
    /// For a share: where the clip starts in the recording, in seconds.
    pub from_seconds: Option<f64>,
    /// For a share: where it ends, in seconds.
    pub until_seconds: Option<f64>,
    /// For a share: the recipients' fingerprints, or `passphrase`.
    pub recipients: Vec<String>,
    /// When the counsellor recorded that it was destroyed; `None` while outstanding.
    pub destroyed_at: Option<String>,
}

impl Copy {
    /// Whether it still exists outside the vault, as far as is known.
    pub fn outstanding(&self) -> bool {
        self.destroyed_at.is_none()
    }
}

/// What went wrong with copies.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// No copy has this id.
    #[error("there is no copy with id {0}: see `sessionvault copies list`")]
    NotFound(String),
    /// The copy was already recorded as destroyed.
    #[error("copy {id} was already recorded as destroyed on {at}")]
    AlreadyDestroyed {
        /// The copy.
        id: String,
        /// When it was recorded as destroyed.
        at: String,
    },
    /// A vault problem.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl crate::ErrorCode for CopyError {
    fn code(&self) -> &'static str {
        match self {
            CopyError::NotFound(_) => "copy_not_found",
            CopyError::AlreadyDestroyed { .. } => "copy_already_destroyed",
            CopyError::Vault(e) => e.code(),
        }
    }
}

crate::store::vault::vault_variant_from!(CopyError: rusqlite::Error, DbError, AuditError);

/// The columns [`row`] reads, in its order.
pub(crate) const COLUMNS: &str = "id, recording_id, kind, made_at, location, sha256, role, \
     from_seconds, until_seconds, recipients, destroyed_at, consent_id";

/// A copy from a row of [`COLUMNS`].
pub(crate) fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Copy> {
    Ok(Copy {
        id: r.get(0)?,
        recording_id: r.get(1)?,
        kind: r.get(2)?,
        made_at: r.get(3)?,
        location: r.get(4)?,
        sha256: hex::encode(r.get::<_, Vec<u8>>(5)?),
        role: r.get(6)?,
        from_seconds: r.get(7)?,
        until_seconds: r.get(8)?,
        recipients: r
            .get::<_, Option<String>>(9)?
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default(),
        destroyed_at: r.get(10)?,
        consent_id: r.get(11)?,
    })
}

/// Which copies to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    /// Only the copies of this recording.
    pub recording_id: Option<&'a str>,
    /// Only those still outstanding.
    pub outstanding: bool,
}

/// The copies matching `filter`, oldest first.
///
/// Errors: [`CopyError::Vault`].
pub fn list(vault: &Vault, filter: Filter<'_>) -> Result<Vec<Copy>, CopyError> {
    let conn = vault.db().conn();
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM copies
         WHERE (?1 IS NULL OR recording_id = ?1) AND (?2 = 0 OR destroyed_at IS NULL)
         ORDER BY made_at, id"
    ))?;
    let rows = stmt.query_map(
        params![filter.recording_id.map(str::trim), filter.outstanding],
        row,
    )?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// One copy.
///
/// Errors: [`CopyError::NotFound`], [`CopyError::Vault`].
pub fn get(vault: &Vault, id: &str) -> Result<Copy, CopyError> {
    vault
        .db()
        .conn()
        .query_row(
            &format!("SELECT {COLUMNS} FROM copies WHERE id = ?1"),
            [id.trim()],
            row,
        )
        .optional()?
        .ok_or_else(|| CopyError::NotFound(id.to_owned()))
}

/// The copies made of the consent records of client `client_code` (their PDFs), oldest
/// first.
///
/// Errors: [`CopyError::Vault`].
pub fn of_client_consents(vault: &Vault, client_code: &str) -> Result<Vec<Copy>, CopyError> {
    let conn = vault.db().conn();
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM copies
         WHERE consent_id IN (SELECT id FROM consents WHERE client_code = ?1)
         ORDER BY made_at, id"
    ))?;
    let rows = stmt.query_map([client_code.trim()], row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// What a new copy was made of, and how its making is logged.
pub(crate) struct NewCopy<'a> {
    /// The copy's kind, e.g. `wav-export`, `transcript-pdf`, `consent-pdf`.
    pub(crate) kind: &'a str,
    /// The recording it was made from, if any.
    pub(crate) recording_id: Option<&'a str>,
    /// The transcript, for a transcript export.
    pub(crate) transcript_id: Option<&'a str>,
    /// The case study, for a case-study export.
    pub(crate) case_study_id: Option<&'a str>,
    /// The consent record, for a consent PDF.
    pub(crate) consent_id: Option<&'a str>,
    /// The audit event that logs it.
    pub(crate) event: EventKind,
    /// The audit entry's subject (the recording, transcript, case study or consent id).
    pub(crate) subject: &'a str,
}

/// Records the file just written to `out` as an outstanding copy, with its audit entry (ids,
/// kind, size and hash only), in one transaction; returns the copy's id. If that fails, the
/// file is removed again, so no copy is left outside the vault unrecorded.
///
/// Errors: [`VaultError`] (the database or the audit log).
pub(crate) fn record(
    vault: &mut Vault,
    out: &Path,
    written: &Written,
    of: &NewCopy<'_>,
) -> Result<String, VaultError> {
    let copy_id = Uuid::new_v4().to_string();
    let recorded = (|| -> Result<(), VaultError> {
        let change = vault.change()?;
        let made_at = change.now.format(&Rfc3339).map_err(AuditError::from)?;
        change
            .tx
            .execute(
                "INSERT INTO copies (id, recording_id, kind, made_at, location, sha256,
                                     transcript_id, case_study_id, consent_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    copy_id,
                    of.recording_id,
                    of.kind,
                    made_at,
                    out.display().to_string(),
                    &written.sha256[..],
                    of.transcript_id,
                    of.case_study_id,
                    of.consent_id
                ],
            )
            .map_err(DbError::from)?;
        let mut details = json!({
            "copy_id": copy_id,
            "kind": of.kind,
            "bytes": written.bytes,
            "sha256": written.sha256_hex(),
        });
        for (name, id) in [
            ("recording_id", of.recording_id),
            ("consent_id", of.consent_id),
        ] {
            if let Some(id) = id {
                details[name] = json!(id);
            }
        }
        change.log(of.event, Some(of.subject), &details)?;
        change.commit()?;
        Ok(())
    })();
    if let Err(e) = recorded {
        if let Err(removal) = std::fs::remove_file(out) {
            tracing::warn!(error = %removal, "could not remove a copy that was not recorded");
        }
        return Err(e);
    }
    tracing::info!(copy = %copy_id, subject = %of.subject, kind = %of.kind, "copy written");
    Ok(copy_id)
}

/// Records that copy `id` was destroyed (by the counsellor, or by its recipient, who said so):
/// sets its `destroyed_at` and logs `copy.destroyed`. From then on it is no longer listed as
/// outstanding on shred previews and certificates. SessionVault cannot reach the copy itself:
/// this records what the counsellor states.
///
/// Errors: [`CopyError::NotFound`], [`CopyError::AlreadyDestroyed`], [`CopyError::Vault`].
pub fn mark_destroyed(vault: &mut Vault, id: &str) -> Result<Copy, CopyError> {
    let copy = get(vault, id)?;
    if let Some(at) = copy.destroyed_at {
        return Err(CopyError::AlreadyDestroyed { id: copy.id, at });
    }
    let change = vault.change()?;
    let at = change.now.format(&Rfc3339).map_err(AuditError::from)?;
    change.tx.execute(
        "UPDATE copies SET destroyed_at = ?2 WHERE id = ?1 AND destroyed_at IS NULL",
        params![copy.id, at],
    )?;
    change.log(
        EventKind::CopyDestroyed,
        Some(&copy.id),
        &json!({ "recording_id": copy.recording_id, "kind": copy.kind }),
    )?;
    change.commit()?;
    tracing::info!(copy = %copy.id, "copy recorded as destroyed");
    get(vault, &copy.id)
}
