//! The audit log: an append-only, hash-chained, signed record of what happened in the vault.
//!
//! Each entry holds the time, an event kind, an optional subject id and JSON details, and the
//! hash of the entry before it. Its own hash is SHA-256 over the domain tag and a canonical byte
//! form of those fields, and the counsellor's key signs that byte form. A separate signed *head*
//! names the last entry's sequence number and hash, so removing entries from the end is caught
//! as surely as editing, removing or reordering entries in the middle.
//!
//! The first entry is always the vault's creation, naming the vault's id, so a log emptied
//! of every entry and of its head fails too.
//!
//! The table also refuses `UPDATE` and `DELETE` through triggers; the chain is what proves
//! integrity when someone bypasses them.
//!
//! Entries carry ids and counts only — never client names, notes or key material.

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::store::canonical::Encoder;
use crate::store::signing::{Domain, PublicKey, Signer};

/// The hash that the first entry names as its predecessor.
pub const GENESIS: [u8; 32] = [0u8; 32];

/// The kinds of event the log records. Later capabilities add kinds here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// The vault was created.
    VaultCreated,
    /// A training course was added.
    CourseAdded,
    /// A client granted consent (a signed record was made).
    ConsentGranted,
    /// A client declined consent (the decline was recorded).
    ConsentDeclined,
    /// A client withdrew consent (a signed withdrawal was appended).
    ConsentWithdrawn,
    /// The PDF of a consent record was made.
    ConsentPdfMade,
    /// A recording started.
    RecordingStarted,
    /// A recording was paused (paused time is not recorded).
    RecordingPaused,
    /// A paused recording was resumed.
    RecordingResumed,
    /// A recording carried on after the computer slept or SessionVault was held up: where,
    /// for how long, and how much audio never came.
    RecordingInterrupted,
    /// A recording stopped and was sealed.
    RecordingStopped,
    /// A recording stopped by a fault (device gone, disk full, keyring gone); what was
    /// recorded is sealed.
    RecordingFaulted,
    /// A recording cut short by a crash was recovered and re-sealed.
    RecordingRecovered,
    /// A plaintext copy of a recording was exported: an outstanding copy.
    RecordingExported,
    /// Playback of a recording began: who for, and from where (logged before any audio is
    /// heard, so a listening is on record even if the player is killed).
    RecordingPlayStarted,
    /// A recording was listened to: who for, and which ranges were heard.
    RecordingPlayed,
    /// A bookmark was added to a recording.
    BookmarkAdded,
    /// A bookmark's time or note was changed.
    BookmarkEdited,
    /// A bookmark was removed.
    BookmarkRemoved,
    /// A recording was destroyed (key erased, file overwritten and removed, rows deleted).
    RecordingShredded,
    /// A shred finished and its destruction certificate was signed.
    CertificateIssued,
    /// An outstanding plaintext copy was recorded as destroyed by the counsellor.
    CopyDestroyed,
    /// A setting of the vault was changed (its name and new value, never personal data).
    SettingChanged,
    /// A recording (or a range of it) was shared as an age-encrypted WAV: an outstanding copy,
    /// with the role, the range and the recipients' fingerprints.
    RecordingShared,
    /// Everything held about one client code was exported for subject access (code and
    /// counts only).
    ClientExported,
    /// A transcript of a recording (or of an excerpt of it) was started (ids and range only).
    TranscriptCreated,
    /// A transcript's segments, speaker key or anonymisation list were saved (ids and counts
    /// only, never text).
    TranscriptEdited,
    /// A transcript was exported (TXT, DOCX or PDF): an outstanding copy.
    TranscriptExported,
    /// A case study was started (ids, owner and client codes only).
    CaseStudyCreated,
    /// A case study's text, clients or anonymisation list were saved (ids only).
    CaseStudyEdited,
    /// A case study was marked final: it is never edited again.
    CaseStudyFinalised,
    /// A case study was exported (DOCX or PDF): an outstanding copy.
    CaseStudyExported,
    /// A counsellor's case study was destroyed by a course or client shred.
    CaseStudyShredded,
    /// A transcript was deleted by the counsellor (ids and the segment count only).
    TranscriptRemoved,
}

impl EventKind {
    /// The stable name stored in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::VaultCreated => "vault.created",
            EventKind::CourseAdded => "course.added",
            EventKind::ConsentGranted => "consent.granted",
            EventKind::ConsentDeclined => "consent.declined",
            EventKind::ConsentWithdrawn => "consent.withdrawn",
            EventKind::ConsentPdfMade => "consent.pdf_made",
            EventKind::RecordingStarted => "recording.started",
            EventKind::RecordingPaused => "recording.paused",
            EventKind::RecordingResumed => "recording.resumed",
            EventKind::RecordingInterrupted => "recording.interrupted",
            EventKind::RecordingStopped => "recording.stopped",
            EventKind::RecordingFaulted => "recording.faulted",
            EventKind::RecordingRecovered => "recording.recovered",
            EventKind::RecordingExported => "recording.exported",
            EventKind::RecordingPlayStarted => "recording.play_started",
            EventKind::RecordingPlayed => "recording.played",
            EventKind::BookmarkAdded => "bookmark.added",
            EventKind::BookmarkEdited => "bookmark.edited",
            EventKind::BookmarkRemoved => "bookmark.removed",
            EventKind::RecordingShredded => "recording.shredded",
            EventKind::CertificateIssued => "certificate.issued",
            EventKind::CopyDestroyed => "copy.destroyed",
            EventKind::SettingChanged => "setting.changed",
            EventKind::RecordingShared => "recording.shared",
            EventKind::ClientExported => "client.exported",
            EventKind::TranscriptCreated => "transcript.created",
            EventKind::TranscriptEdited => "transcript.edited",
            EventKind::TranscriptExported => "transcript.exported",
            EventKind::CaseStudyCreated => "case_study.created",
            EventKind::CaseStudyEdited => "case_study.edited",
            EventKind::CaseStudyFinalised => "case_study.finalised",
            EventKind::CaseStudyExported => "case_study.exported",
            EventKind::CaseStudyShredded => "case_study.shredded",
            EventKind::TranscriptRemoved => "transcript.removed",
        }
    }
}

/// How the log was found broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Break {
    /// The entry's content does not match its hash: it was edited.
    Edited,
    /// The entry's hash is consistent but its signature is not the counsellor's: it was forged
    /// or re-hashed after editing.
    Forged,
    /// A sequence number is missing: an entry was removed.
    Missing,
    /// The entry does not name the entry before it: entries were removed or reordered.
    OutOfOrder,
    /// The log ends before the signed head says it should: entries were removed from the end.
    Truncated,
    /// The signed head is missing or its signature does not verify.
    BadHead,
    /// The log does not begin with the vault's creation (naming this vault's id): it was
    /// emptied, or its first entries were removed.
    NoCreation,
}

/// What went wrong reading or checking the log.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Verification found the log altered at entry `seq`.
    #[error("the audit log has been altered at entry {seq}: {}", describe(*.problem))]
    Broken {
        /// The sequence number where the problem shows.
        seq: u64,
        /// What was found.
        problem: Break,
    },
    /// Details could not be written as JSON.
    #[error("audit details could not be encoded: {0}")]
    Encode(#[from] serde_json::Error),
    /// A time could not be formatted.
    #[error("audit time could not be formatted: {0}")]
    Time(#[from] time::error::Format),
    /// The database failed.
    #[error("the audit log could not be read or written: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

fn describe(problem: Break) -> &'static str {
    match problem {
        Break::Edited => "its content no longer matches its hash (it was edited)",
        Break::Forged => "its signature is not the counsellor's (it was forged or re-hashed)",
        Break::Missing => "it is missing (an entry was removed)",
        Break::OutOfOrder => {
            "it does not follow the entry before it (entries were removed or reordered)"
        }
        Break::Truncated => {
            "the log ends before its signed head (entries were removed from the end)"
        }
        Break::BadHead => "the signed head of the log is missing or not the counsellor's",
        Break::NoCreation => {
            "the log's first entry, the vault's creation, is missing (the log was emptied or \
             its first entries were removed)"
        }
    }
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// Position in the log, from 1.
    pub seq: u64,
    /// When it happened (RFC 3339, UTC).
    pub at: String,
    /// The event kind, as stored (see [`EventKind::as_str`]).
    pub kind: String,
    /// The id the event concerns, if any.
    pub subject: Option<String>,
    /// JSON details (ids and counts only).
    pub details: String,
    /// Hash of the previous entry, hex.
    #[serde(serialize_with = "as_hex")]
    pub prev_hash: Vec<u8>,
    /// This entry's hash, hex.
    #[serde(serialize_with = "as_hex")]
    pub hash: Vec<u8>,
    /// The counsellor's signature.
    #[serde(skip)]
    pub signature: Vec<u8>,
}

fn as_hex<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(bytes))
}

/// The result of a successful verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verified {
    /// How many entries were checked.
    pub entries: u64,
    /// The hash of the last entry, hex.
    pub head: String,
}

/// The canonical byte form of an entry's content, the input of its hash and signature.
fn canonical(
    prev_hash: &[u8],
    at: &str,
    kind: &str,
    subject: Option<&str>,
    details: &str,
) -> Vec<u8> {
    Encoder::new()
        .raw(prev_hash)
        .text(at)
        .text(kind)
        .opt_text(subject)
        .text(details)
        .finish()
}

fn entry_hash(message: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(Domain::AuditEntry.tag());
    h.update(message);
    h.finalize().into()
}

fn head_message(seq: u64, hash: &[u8]) -> Vec<u8> {
    let mut out = seq.to_be_bytes().to_vec();
    out.extend_from_slice(hash);
    out
}

/// Appends one event, signed by `signer`, and moves the signed head to it, in its own
/// transaction. Returns the new entry's sequence number.
///
/// `details` must hold ids and counts only, never names, notes or key material.
///
/// Errors: [`AuditError::Sqlite`], [`AuditError::Encode`], [`AuditError::Time`].
pub fn append(
    conn: &mut Connection,
    signer: &Signer,
    at: OffsetDateTime,
    kind: EventKind,
    subject: Option<&str>,
    details: &serde_json::Value,
) -> Result<u64, AuditError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let seq = append_in(&tx, signer, at, kind, subject, details)?;
    tx.commit()?;
    Ok(seq)
}

/// Appends one event inside the caller's transaction, so the event and the change it records
/// are committed together or not at all. Returns the new entry's sequence number.
///
/// Errors: as [`append`].
pub fn append_in(
    tx: &Connection,
    signer: &Signer,
    at: OffsetDateTime,
    kind: EventKind,
    subject: Option<&str>,
    details: &serde_json::Value,
) -> Result<u64, AuditError> {
    let at = at.to_offset(time::UtcOffset::UTC).format(&Rfc3339)?;
    let details = serde_json::to_string(details)?;
    let (last_seq, prev_hash): (u64, Vec<u8>) = tx
        .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?
        .unwrap_or((0, GENESIS.to_vec()));
    let seq = last_seq + 1;
    let message = canonical(&prev_hash, &at, kind.as_str(), subject, &details);
    let hash = entry_hash(&message);
    let signature = signer.sign(Domain::AuditEntry, &message);
    tx.execute(
        "INSERT INTO audit_log (seq, at, kind, subject, details, prev_hash, hash, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            seq,
            at,
            kind.as_str(),
            subject,
            details,
            prev_hash,
            &hash[..],
            &signature[..]
        ],
    )?;
    let head_signature = signer.sign(Domain::AuditHead, &head_message(seq, &hash));
    tx.execute(
        "INSERT INTO audit_head (id, seq, hash, signature) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
                                       signature = excluded.signature",
        params![seq, &hash[..], &head_signature[..]],
    )?;
    tracing::info!(seq, kind = kind.as_str(), "audit entry appended");
    Ok(seq)
}

/// How many entries the log holds.
///
/// Errors: [`AuditError::Sqlite`].
pub fn count(conn: &Connection) -> Result<u64, AuditError> {
    Ok(conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?)
}

/// Reads every entry, oldest first.
///
/// Errors: [`AuditError::Sqlite`].
pub fn entries(conn: &Connection) -> Result<Vec<Entry>, AuditError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, kind, subject, details, prev_hash, hash, signature
         FROM audit_log ORDER BY seq",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Entry {
            seq: r.get(0)?,
            at: r.get(1)?,
            kind: r.get(2)?,
            subject: r.get(3)?,
            details: r.get(4)?,
            prev_hash: r.get(5)?,
            hash: r.get(6)?,
            signature: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Checks the whole log against the counsellor's public key: every entry's hash and signature,
/// the chain from each entry to the one before it, contiguous sequence numbers, the signed
/// head, and that the first entry is the creation of the vault named in `vault_meta`.
///
/// Errors: [`AuditError::Broken`] naming the first problem found (with
/// [`Break::NoCreation`] at entry 1 for an empty log), [`AuditError::Sqlite`].
pub fn verify(conn: &Connection, key: &PublicKey) -> Result<Verified, AuditError> {
    let vault_id: Option<String> = conn
        .query_row("SELECT vault_id FROM vault_meta WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    let mut prev_hash = GENESIS.to_vec();
    let mut expected_seq = 1u64;
    for entry in entries(conn)? {
        check_entry(&entry, expected_seq, &prev_hash, key, vault_id.as_deref()).map_err(
            |problem| AuditError::Broken {
                seq: expected_seq,
                problem,
            },
        )?;
        prev_hash = entry.hash;
        expected_seq += 1;
    }
    let last_seq = expected_seq - 1;
    if last_seq == 0 {
        return Err(AuditError::Broken {
            seq: 1,
            problem: Break::NoCreation,
        });
    }
    check_head(conn, key, last_seq, &prev_hash)?;
    Ok(Verified {
        entries: last_seq,
        head: hex::encode(prev_hash),
    })
}

/// Checks one entry: its place in the sequence, its hash, its signature, its link to the entry
/// before, and (the first) that it creates the vault named in `vault_meta`.
fn check_entry(
    entry: &Entry,
    expected_seq: u64,
    prev_hash: &[u8],
    key: &PublicKey,
    vault_id: Option<&str>,
) -> Result<(), Break> {
    if entry.seq != expected_seq {
        return Err(Break::Missing);
    }
    let message = canonical(
        &entry.prev_hash,
        &entry.at,
        &entry.kind,
        entry.subject.as_deref(),
        &entry.details,
    );
    if entry_hash(&message)[..] != entry.hash[..] {
        return Err(Break::Edited);
    }
    if key
        .verify(Domain::AuditEntry, &message, &entry.signature)
        .is_err()
    {
        return Err(Break::Forged);
    }
    if entry.prev_hash != prev_hash {
        return Err(Break::OutOfOrder);
    }
    if entry.seq == 1 && !is_creation_of(entry, vault_id) {
        return Err(Break::NoCreation);
    }
    Ok(())
}

/// Checks the signed head against the last entry, `last_seq` with hash `last_hash`.
fn check_head(
    conn: &Connection,
    key: &PublicKey,
    last_seq: u64,
    last_hash: &[u8],
) -> Result<(), AuditError> {
    let head: Option<(u64, Vec<u8>, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash, signature FROM audit_head WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match head {
        None => {
            return Err(AuditError::Broken {
                seq: last_seq,
                problem: Break::BadHead,
            })
        }
        Some((seq, hash, signature)) => {
            if key
                .verify(Domain::AuditHead, &head_message(seq, &hash), &signature)
                .is_err()
            {
                return Err(AuditError::Broken {
                    seq,
                    problem: Break::BadHead,
                });
            }
            if seq > last_seq {
                return Err(AuditError::Broken {
                    seq: last_seq + 1,
                    problem: Break::Truncated,
                });
            }
            if seq < last_seq || hash != last_hash {
                return Err(AuditError::Broken {
                    seq,
                    problem: Break::OutOfOrder,
                });
            }
        }
    }
    Ok(())
}

/// Whether `entry` records the creation of the vault with id `vault_id`.
fn is_creation_of(entry: &Entry, vault_id: Option<&str>) -> bool {
    entry.kind == EventKind::VaultCreated.as_str()
        && vault_id.is_some()
        && entry.subject.as_deref() == vault_id
}

#[cfg(test)]
mod tests;
