//! Retention and shredding: what is due for destruction and why, and destroying it provably.
//!
//! "Once the relevant training course has finished, counsellors will destroy any recordings
//! and any transcripts made from them." A recording is due when its course has ended, its
//! consent's destroy-by date has passed, or its consent was withdrawn.
//!
//! A shred destroys every recording of its target (one recording, a course, a client, or a
//! withdrawn consent) in steps, all recordings through each step before the next:
//!
//! 1. **Crypto-erase**: the recording's key is deleted from the OS keyring and looked up again
//!    to check it is gone. From then on every copy of the ciphertext (the file, SSD remnants,
//!    backups) is unreadable: NIST SP 800-88 calls this cryptographic erase.
//! 2. **Overwrite**: the file is overwritten once with random bytes, synced, renamed to a
//!    random name, unlinked, and the folder synced.
//! 3. **Rows**: the recording's rows and its bookmarks are deleted (SQLite's `secure_delete`
//!    is on), with an audit entry each; the database is vacuumed afterwards.
//! 4. **Database re-key**: the SQLCipher database is encrypted again under a fresh random key
//!    and the old key deleted from the keyring ([`crate::store::vault::Vault::rekey`]), so a
//!    copy of the database taken before the shred no longer opens: text is crypto-erased as
//!    audio is.
//! 5. **Memory**: a shred never loads a key or audio; its buffers hold random bytes only.
//! 6. **Certificate**: signed with the counsellor's key, listing what was destroyed, how, the
//!    checks made afterwards, and the plaintext copies still outstanding.
//!
//! A shred is a job stored in the vault before anything is destroyed, and each step of each
//! recording is recorded as it completes. If a step fails (the keyring locked halfway, a file
//! that cannot be removed), the shred stops and says exactly what was destroyed and what
//! remains; running it again finishes the job and issues one certificate for all of it.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use rusqlite::{params, OptionalExtension};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::Date;
use uuid::Uuid;

use crate::course::format_date;
use crate::retention::certificate::{self, Certificate, CertificateError, OutstandingCopy, Signed};
use crate::store::audit::EventKind;
use crate::store::keys::{KeyError, KeyName, KeyWatch};
use crate::store::signing::Domain;
use crate::store::vault::{Vault, VaultError, RECORDINGS};
use crate::ErrorCode;

/// How many days ahead `due` warns of destruction dates.
pub const DEFAULT_REMINDER_DAYS: i64 = 14;

/// What to shred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One recording, by id.
    Recording(String),
    /// Every recording of a course, by course id.
    Course(String),
    /// Every recording of a client, by client code.
    Client(String),
    /// Every recording made under a consent (the withdrawal cascade), by consent id.
    Consent(String),
}

impl Target {
    fn kind(&self) -> &'static str {
        match self {
            Target::Recording(_) => "recording",
            Target::Course(_) => "course",
            Target::Client(_) => "client",
            Target::Consent(_) => "consent",
        }
    }

    fn id(&self) -> &str {
        match self {
            Target::Recording(id)
            | Target::Course(id)
            | Target::Client(id)
            | Target::Consent(id) => id.trim(),
        }
    }
}

/// What went wrong shredding.
#[derive(Debug, thiserror::Error)]
pub enum ShredError {
    /// The target does not exist.
    #[error("there is no {kind} {id}")]
    NotFound {
        /// `recording`, `course`, `client` or `consent`.
        kind: &'static str,
        /// What was asked for.
        id: String,
    },
    /// The target holds nothing to destroy.
    #[error("there is nothing to shred for {kind} {id}: it has no recordings")]
    Nothing {
        /// `recording`, `course`, `client` or `consent`.
        kind: &'static str,
        /// What was asked for.
        id: String,
    },
    /// A recording of the target is still being made.
    #[error("recording {0} is still being made: stop it before shredding")]
    StillRecording(String),
    /// A step failed part-way: some recordings are destroyed, some remain. Running the same
    /// shred again finishes it.
    #[error("{0}")]
    Partial(Box<Stopped>),
    /// A certificate could not be made or read.
    #[error(transparent)]
    Certificate(#[from] CertificateError),
    /// A vault problem.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Where a shred stopped, and what it had done by then.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Stopped {
    /// The shred job, resumed by the next run.
    pub shred_id: String,
    /// The step that failed.
    pub step: &'static str,
    /// The recording it failed on.
    pub recording_id: String,
    /// Why.
    pub cause: String,
    /// Recordings fully destroyed.
    pub destroyed: Vec<String>,
    /// Recordings not yet fully destroyed.
    pub remaining: Vec<String>,
    /// Of those, the ones whose key is already erased (unreadable, even if not yet removed).
    pub key_erased: Vec<String>,
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |ids: &[String]| {
            if ids.is_empty() {
                "none".to_owned()
            } else {
                ids.join(", ")
            }
        };
        write!(
            f,
            "the shred stopped at the {} step of recording {}: {}. Fully destroyed so far: {}; \
             not yet fully destroyed: {}",
            self.step,
            self.recording_id,
            self.cause,
            list(&self.destroyed),
            list(&self.remaining)
        )?;
        if !self.key_erased.is_empty() {
            write!(
                f,
                " (of these, already unreadable because their keys are erased: {})",
                list(&self.key_erased)
            )?;
        }
        f.write_str(". Put the problem right and run the same shred again to finish it")
    }
}

impl ErrorCode for ShredError {
    fn code(&self) -> &'static str {
        match self {
            ShredError::NotFound { kind: "course", .. } => "course_not_found",
            ShredError::NotFound {
                kind: "consent", ..
            } => "consent_not_found",
            ShredError::NotFound { kind: "client", .. } => "client_not_found",
            ShredError::NotFound { .. } => "recording_not_found",
            ShredError::Nothing { .. } => "nothing_to_shred",
            ShredError::StillRecording(_) => "still_recording",
            ShredError::Partial(_) => "shred_incomplete",
            ShredError::Certificate(e) => e.code(),
            ShredError::Vault(e) => e.code(),
        }
    }
}

impl From<rusqlite::Error> for ShredError {
    fn from(e: rusqlite::Error) -> Self {
        ShredError::Vault(crate::store::db::DbError::from(e).into())
    }
}

impl From<crate::store::db::DbError> for ShredError {
    fn from(e: crate::store::db::DbError) -> Self {
        ShredError::Vault(e.into())
    }
}

impl From<crate::store::audit::AuditError> for ShredError {
    fn from(e: crate::store::audit::AuditError) -> Self {
        ShredError::Vault(e.into())
    }
}

impl From<time::error::Format> for ShredError {
    fn from(e: time::error::Format) -> Self {
        ShredError::Vault(crate::store::audit::AuditError::from(e).into())
    }
}

/// One recording due for destruction, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Due {
    /// The recording.
    pub recording_id: String,
    /// The client code.
    pub client_code: String,
    /// The consent it was made under.
    pub consent_id: String,
    /// Its course, if any.
    pub course_id: Option<String>,
    /// `course_ended`, `destroy_by_passed`, `consent_withdrawn`, or `due_soon`.
    pub reason: &'static str,
    /// The date it became (or becomes) due, YYYY-MM-DD.
    pub due_on: String,
    /// Whether the date has passed (false only for `due_soon`).
    pub overdue: bool,
    /// The reason in words.
    pub detail: String,
}

/// Everything due for destruction (overdue first, then by date), and what becomes due within
/// `within_days`, by the vault's clock.
///
/// Errors: [`ShredError::Vault`].
pub fn due(vault: &Vault, within_days: i64) -> Result<Vec<Due>, ShredError> {
    let today = vault.now().date();
    let conn = vault.db().conn();
    let mut stmt = conn.prepare(
        "SELECT r.id, r.client_code, r.consent_id, r.course_id, c.destroy_by, co.ends_on,
                co.name, w.withdrawn_at
         FROM recordings r
         JOIN consents c ON c.id = r.consent_id
         LEFT JOIN courses co ON co.id = r.course_id
         LEFT JOIN consent_withdrawals w ON w.consent_id = r.consent_id
         WHERE r.state != 'recording'",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, Option<String>>(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, client_code, consent_id, course_id, destroy_by, ends_on, course_name, withdrawn) =
            row?;
        let parse = |text: &Option<String>| {
            text.as_deref()
                .and_then(|t| crate::course::parse_date(t).ok())
        };
        // The earliest of the dates that apply: a course's end, the destroy-by date.
        let mut dates: Vec<(Date, &'static str, String)> = Vec::new();
        if let Some(end) = parse(&ends_on) {
            dates.push((
                end,
                "course_ended",
                format!(
                    "the course {:?} ended on {}",
                    course_name.clone().unwrap_or_default(),
                    format_date(end)
                ),
            ));
        }
        if let Some(by) = parse(&destroy_by) {
            dates.push((
                by,
                "destroy_by_passed",
                format!(
                    "the consent's destroy-by date {} has passed",
                    format_date(by)
                ),
            ));
        }
        dates.sort_by_key(|d| d.0);
        let item = |reason, due_on: String, overdue, detail| Due {
            recording_id: id.clone(),
            client_code: client_code.clone(),
            consent_id: consent_id.clone(),
            course_id: course_id.clone(),
            reason,
            due_on,
            overdue,
            detail,
        };
        if let Some(at) = withdrawn {
            let on = at.get(..10).unwrap_or(&at).to_owned();
            out.push(item(
                "consent_withdrawn",
                on.clone(),
                true,
                format!("the client withdrew consent on {on}"),
            ));
        } else if let Some((date, reason, detail)) = dates.into_iter().next() {
            // A course's recordings are due the day after it ends; a destroy-by date is the
            // last day they may be kept.
            let due_on = if reason == "course_ended" {
                date.next_day().unwrap_or(date)
            } else {
                date
            };
            if due_on <= today {
                out.push(item(reason, format_date(due_on), true, detail));
            } else if (due_on - today).whole_days() <= within_days {
                let days = (due_on - today).whole_days();
                out.push(item(
                    "due_soon",
                    format_date(due_on),
                    false,
                    format!(
                        "due for destruction in {days} day(s), on {}",
                        format_date(due_on)
                    ),
                ));
            }
        }
    }
    out.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then(a.due_on.cmp(&b.due_on))
            .then(a.recording_id.cmp(&b.recording_id))
    });
    Ok(out)
}

/// One recording in a shred, with how far its destruction has got.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Item {
    /// The recording.
    pub recording_id: String,
    /// The client code.
    pub client_code: String,
    /// The consent it was made under.
    pub consent_id: String,
    /// Its course, if any.
    pub course_id: Option<String>,
    /// When it was recorded.
    pub recorded_at: String,
    /// Frames of audio. An item saved by a shred that stopped part-way before lengths were
    /// kept in frames reads as 0, with a rate of 0 (length unknown).
    #[serde(default)]
    pub frames: u64,
    /// Frames per second.
    #[serde(default)]
    pub sample_rate: u32,
    /// SHA-256 of the sealed file, hex (empty if never finished).
    pub ciphertext_sha256: String,
    /// Size of the sealed file in bytes.
    pub bytes: u64,
    /// Bookmarks it has.
    pub bookmarks: u64,
    /// Transcripts made from it (destroyed with it).
    #[serde(default)]
    pub transcripts: u64,
    /// Step 1 done: its key is gone from the keyring.
    pub key_erased: bool,
    /// Step 2 done: its file was overwritten and removed.
    pub file_destroyed: bool,
    /// Step 3 done: its rows are deleted.
    pub rows_deleted: bool,
}

impl Item {
    fn done(&self) -> bool {
        self.key_erased && self.file_destroyed && self.rows_deleted
    }
}

/// What a shred of a target will destroy, before anything is destroyed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Preview {
    /// What is shredded.
    pub target: certificate::Target,
    /// Every recording that goes, with its bookmarks, waveform and rows.
    pub items: Vec<Item>,
    /// The counsellor's case studies that go too (a course's, or those about only the
    /// shredded client); `rows_absent` is false until they are gone.
    pub case_studies: Vec<certificate::DestroyedCaseStudy>,
    /// Plaintext copies made from them that the counsellor must destroy too.
    pub outstanding_copies: Vec<OutstandingCopy>,
    /// What stays, and why (the organisation's case studies, and a counsellor's case study
    /// that is also about other clients, each by id).
    pub kept: Vec<String>,
    /// The id of an unfinished shred of this target that running it will finish.
    pub resumes: Option<String>,
}

/// Progress of a running shred, for a progress bar.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Progress {
    /// `crypto-erase`, `overwrite`, `rows`, `vacuum`, `certificate`.
    pub step: &'static str,
    /// The recording just done, if the step is per recording.
    pub recording_id: Option<String>,
    /// Units of work done so far, of `total` (three per recording, and two at the end).
    pub done: usize,
    /// All units of work.
    pub total: usize,
}

/// How long the steps took, for the record and the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Timings {
    /// Step 1 for all recordings, in seconds.
    pub crypto_erase_seconds: f64,
    /// Step 2 for all recordings, in seconds.
    pub overwrite_seconds: f64,
    /// Bytes overwritten in step 2.
    pub overwritten_bytes: u64,
    /// Step 3 for all recordings, in seconds.
    pub rows_seconds: f64,
    /// Checkpoint and vacuum, in seconds.
    pub vacuum_seconds: f64,
    /// The database's re-key under a fresh key, in seconds.
    pub rekey_seconds: f64,
}

/// A finished shred.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Outcome {
    /// The signed certificate.
    pub certificate: Signed,
    /// How long the steps took in this run.
    pub timings: Timings,
}

const KEPT: &[&str] = &[
    "Consent records and withdrawals are kept: they are the evidence of what each client \
     agreed to, and hold no audio.",
    "Case studies the organisation keeps as permanent records are never shredded by a \
     recording, course or client shred.",
    "The audit log keeps its entries, which hold ids, times and hashes only.",
];

const METHOD: &[&str] = &[
    "1. Cryptographic erase (NIST SP 800-88 Rev. 1): each recording's age X25519 key was \
     deleted from the OS keyring and looked up again to check it is gone; every copy of its \
     ciphertext, including backups and SSD remnants, can no longer be decrypted.",
    "2. Overwrite: each sealed file was overwritten once with random bytes, synced to disk, \
     renamed to a random name, unlinked, and its folder synced.",
    "3. Rows: each recording's database rows, its bookmarks, transcripts and waveform (and the \
     counsellor's case studies the shred covers) were deleted in the SQLCipher database with \
     secure_delete on; the database was checkpointed and vacuumed.",
    "4. Database re-key: the vault's SQLCipher database was encrypted again under a fresh \
     random 256-bit key, the old key was deleted from the OS keyring, and the database file \
     was checked to no longer open with the old key; every copy of the database taken before \
     this shred (backups, sync folders, snapshots), with the transcripts, bookmark notes and \
     case studies it held, can no longer be decrypted.",
    "5. Memory: the shred loaded no key and no audio; its buffers held random bytes only.",
];

/// What the database's re-key makes unreadable in every copy taken before the shred.
const DATABASE_ERASED: &str = "Every copy of the vault's database made before this shred \
    (a backup, a sync folder, a snapshot) is encrypted under a key that no longer exists: the \
    transcripts, bookmark notes, case studies and consent records it held, including those of \
    what this shred destroyed, can no longer be read from it.";

/// The ids of the recordings the target covers.
fn recordings_of(vault: &Vault, target: &Target) -> Result<Vec<String>, ShredError> {
    let conn = vault.db().conn();
    let (exists, select): (&str, &str) = match target {
        Target::Recording(_) => (
            "SELECT count(*) FROM recordings WHERE id = ?1",
            "SELECT id FROM recordings WHERE id = ?1",
        ),
        Target::Course(_) => (
            "SELECT count(*) FROM courses WHERE id = ?1",
            "SELECT id FROM recordings WHERE course_id = ?1 ORDER BY started_at, id",
        ),
        Target::Client(_) => (
            "SELECT count(*) FROM consents WHERE client_code = ?1",
            "SELECT id FROM recordings WHERE client_code = ?1 ORDER BY started_at, id",
        ),
        Target::Consent(_) => (
            "SELECT count(*) FROM consents WHERE id = ?1",
            "SELECT id FROM recordings WHERE consent_id = ?1 ORDER BY started_at, id",
        ),
    };
    let found: i64 = conn.query_row(exists, [target.id()], |r| r.get(0))?;
    let mut stmt = conn.prepare(select)?;
    let ids = stmt
        .query_map([target.id()], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    if found == 0 && ids.is_empty() {
        return Err(ShredError::NotFound {
            kind: target.kind(),
            id: target.id().to_owned(),
        });
    }
    Ok(ids)
}

fn item_of(vault: &Vault, id: &str) -> Result<Item, ShredError> {
    let conn = vault.db().conn();
    let item = conn.query_row(
        "SELECT r.id, r.client_code, r.consent_id, r.course_id, r.started_at, r.frames,
                r.sample_rate, r.ciphertext_sha256, r.ciphertext_bytes, r.state,
                (SELECT count(*) FROM bookmarks b WHERE b.recording_id = r.id),
                (SELECT count(*) FROM transcripts t WHERE t.recording_id = r.id)
         FROM recordings r WHERE r.id = ?1",
        [id],
        |r| {
            let frames: u64 = r.get(5)?;
            let rate: u32 = r.get(6)?;
            let sha: Option<Vec<u8>> = r.get(7)?;
            let state: String = r.get(9)?;
            Ok((
                Item {
                    recording_id: r.get(0)?,
                    client_code: r.get(1)?,
                    consent_id: r.get(2)?,
                    course_id: r.get(3)?,
                    recorded_at: r.get(4)?,
                    frames,
                    sample_rate: rate,
                    ciphertext_sha256: sha.map(hex::encode).unwrap_or_default(),
                    bytes: r.get::<_, Option<u64>>(8)?.unwrap_or(0),
                    bookmarks: r.get(10)?,
                    transcripts: r.get(11)?,
                    key_erased: false,
                    file_destroyed: false,
                    rows_deleted: false,
                },
                state,
            ))
        },
    )?;
    if item.1 == "recording" {
        return Err(ShredError::StillRecording(item.0.recording_id));
    }
    Ok(item.0)
}

fn label_of(vault: &Vault, target: &Target) -> Option<String> {
    match target {
        Target::Course(id) => crate::course::get(vault, id).ok().map(|c| c.name),
        _ => None,
    }
}

/// An unfinished shred of this target: (id, its items).
fn unfinished(vault: &Vault, target: &Target) -> Result<Option<(String, Vec<Item>)>, ShredError> {
    let row: Option<(String, String)> = vault
        .db()
        .conn()
        .query_row(
            "SELECT id, items FROM shreds
             WHERE target_kind = ?1 AND target_id = ?2 AND finished_at IS NULL
             ORDER BY started_at LIMIT 1",
            params![target.kind(), target.id()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.map(|(id, items)| (id, serde_json::from_str(&items).unwrap_or_default())))
}

fn outstanding_copies(vault: &Vault, items: &[Item]) -> Result<Vec<OutstandingCopy>, ShredError> {
    let conn = vault.db().conn();
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM copies
         WHERE recording_id = ?1 AND destroyed_at IS NULL ORDER BY made_at, id",
        crate::retention::copies::COLUMNS
    ))?;
    let mut out = Vec::new();
    for item in items {
        let rows = stmt.query_map([&item.recording_id], crate::retention::copies::row)?;
        for row in rows {
            let copy = row?;
            out.push(OutstandingCopy {
                copy_id: copy.id,
                recording_id: copy.recording_id.unwrap_or_default(),
                kind: copy.kind,
                made_at: copy.made_at,
                location: copy.location,
                sha256: copy.sha256,
                role: copy.role,
                recipients: copy.recipients,
                case_study_id: None,
                consent_id: None,
            });
        }
    }
    Ok(out)
}

/// The outstanding copies of the consent records a client or consent shred is about: their
/// PDFs, which hold the client's name and signature. (The records themselves are kept.)
fn consent_copies(vault: &Vault, target: &Target) -> Result<Vec<OutstandingCopy>, ShredError> {
    let consents = match target {
        Target::Client(_) => "SELECT id FROM consents WHERE client_code = ?1",
        Target::Consent(_) => "SELECT id FROM consents WHERE id = ?1",
        Target::Recording(_) | Target::Course(_) => return Ok(Vec::new()),
    };
    let conn = vault.db().conn();
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM copies
         WHERE consent_id IN ({consents}) AND destroyed_at IS NULL ORDER BY made_at, id",
        crate::retention::copies::COLUMNS
    ))?;
    let rows = stmt.query_map([target.id()], crate::retention::copies::row)?;
    let mut out = Vec::new();
    for row in rows {
        let copy = row?;
        out.push(OutstandingCopy {
            copy_id: copy.id,
            recording_id: String::new(),
            kind: copy.kind,
            made_at: copy.made_at,
            location: copy.location,
            sha256: copy.sha256,
            role: None,
            recipients: Vec::new(),
            case_study_id: None,
            consent_id: copy.consent_id,
        });
    }
    Ok(out)
}

/// What shredding `target` would destroy, without destroying anything. If an earlier shred of
/// the same target stopped part-way, the preview shows what it has left to do.
///
/// Errors: [`ShredError::NotFound`], [`ShredError::StillRecording`], [`ShredError::Vault`].
pub fn preview(vault: &Vault, target: &Target) -> Result<Preview, ShredError> {
    let resumed = unfinished(vault, target)?;
    let mut items = resumed
        .as_ref()
        .map(|(_, items)| items.clone())
        .unwrap_or_default();
    // A shred that stopped after deleting its target's rows still has its items to finish.
    let ids = match recordings_of(vault, target) {
        Err(ShredError::NotFound { .. }) if resumed.is_some() => Vec::new(),
        other => other?,
    };
    for id in ids {
        if !items.iter().any(|i| i.recording_id == id) {
            items.push(item_of(vault, &id)?);
        }
    }
    let plan = case_study_plan(vault, target)?;
    let mut outstanding_copies = outstanding_copies(vault, &items)?;
    outstanding_copies.extend(case_study_copies(vault, &plan.destroy)?);
    outstanding_copies.extend(consent_copies(vault, target)?);
    let mut kept: Vec<String> = KEPT.iter().map(|k| (*k).to_owned()).collect();
    kept.extend(plan.kept);
    Ok(Preview {
        target: certificate::Target {
            kind: target.kind().to_owned(),
            id: target.id().to_owned(),
            label: label_of(vault, target),
        },
        items,
        case_studies: plan
            .destroy
            .into_iter()
            .map(|s| certificate::DestroyedCaseStudy {
                case_study_id: s.id,
                client_codes: s.clients,
                course_id: s.course_id,
                rows_absent: false,
            })
            .collect(),
        outstanding_copies,
        kept,
        resumes: resumed.map(|(id, _)| id),
    })
}

/// What the shred of `target` does to case studies: a course shred destroys the counsellor's
/// case studies of the course, a client shred those about only that client; the
/// organisation's are kept, and so is a counsellor's that is also about other clients (both
/// named under "kept"). Recording and consent shreds leave case studies alone.
fn case_study_plan(
    vault: &Vault,
    target: &Target,
) -> Result<crate::documents::case_study::ShredPlan, ShredError> {
    let plan = match target {
        Target::Course(id) => {
            crate::documents::case_study::shred_plan(vault, Some(id.trim()), None)
        }
        Target::Client(code) => {
            crate::documents::case_study::shred_plan(vault, None, Some(code.trim()))
        }
        Target::Recording(_) | Target::Consent(_) => Ok(Default::default()),
    };
    plan.map_err(|e| match e {
        crate::documents::case_study::CaseStudyError::Vault(e) => ShredError::Vault(e),
        other => ShredError::Vault(VaultError::Database(crate::store::db::DbError::Sqlite(
            rusqlite::Error::InvalidParameterName(other.to_string()),
        ))),
    })
}

/// The outstanding copies of case studies that a shred destroys.
fn case_study_copies(
    vault: &Vault,
    studies: &[crate::documents::case_study::Parties],
) -> Result<Vec<OutstandingCopy>, ShredError> {
    let conn = vault.db().conn();
    let mut stmt = conn.prepare(
        "SELECT id, kind, made_at, location, sha256 FROM copies
         WHERE case_study_id = ?1 AND destroyed_at IS NULL ORDER BY made_at, id",
    )?;
    let mut out = Vec::new();
    for study in studies {
        let rows = stmt.query_map([&study.id], |r| {
            Ok(OutstandingCopy {
                copy_id: r.get(0)?,
                recording_id: String::new(),
                kind: r.get(1)?,
                made_at: r.get(2)?,
                location: r.get(3)?,
                sha256: hex::encode(r.get::<_, Vec<u8>>(4)?),
                role: None,
                recipients: Vec::new(),
                case_study_id: Some(study.id.clone()),
                consent_id: None,
            })
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}

fn recording_path(vault: &Vault, id: &str) -> PathBuf {
    vault.dir().join(RECORDINGS).join(format!("{id}.age"))
}

/// Overwrites `path` once with random bytes, syncs it, renames it to a random name, unlinks
/// it and syncs the folder. A file already gone counts as done. Returns the bytes overwritten.
fn overwrite_and_remove<R: RngCore>(path: &Path, rng: &mut R) -> std::io::Result<u64> {
    let mut file = match OpenOptions::new().write(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    let mut buf = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        rng.fill_bytes(&mut buf[..n]);
        file.write_all(&buf[..n])?;
        left -= n as u64;
    }
    file.sync_all()?;
    drop(file);
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut name = [0u8; 16];
    rng.fill_bytes(&mut name);
    let renamed = dir.join(format!("{}.shredded", hex::encode(name)));
    fs::rename(path, &renamed)?;
    File::open(dir)?.sync_all()?;
    fs::remove_file(&renamed)?;
    File::open(dir)?.sync_all()?;
    Ok(len)
}

fn save_items(vault: &Vault, shred_id: &str, items: &[Item]) -> Result<(), ShredError> {
    let text = serde_json::to_string(items)
        .map_err(|e| ShredError::Certificate(CertificateError::NotACertificate(e.to_string())))?;
    vault.db().conn().execute(
        "UPDATE shreds SET items = ?2 WHERE id = ?1",
        params![shred_id, text],
    )?;
    Ok(())
}

fn partial(
    shred_id: &str,
    items: &[Item],
    step: &'static str,
    at: &str,
    cause: String,
) -> ShredError {
    let ids = |pick: &dyn Fn(&Item) -> bool| -> Vec<String> {
        items
            .iter()
            .filter(|i| pick(i))
            .map(|i| i.recording_id.clone())
            .collect()
    };
    ShredError::Partial(Box::new(Stopped {
        shred_id: shred_id.to_owned(),
        step,
        recording_id: at.to_owned(),
        cause,
        destroyed: ids(&|i| i.done()),
        remaining: ids(&|i| !i.done()),
        key_erased: ids(&|i| i.key_erased && !i.done()),
    }))
}

/// Deletes the recording's key and looks it up again; true when it is gone.
fn key_gone(vault: &Vault, watch: &mut KeyWatch, id: &str) -> Result<bool, KeyError> {
    let uuid = Uuid::parse_str(id).map_err(|_| KeyError::Failed {
        detail: format!("{id} is not a recording id"),
    })?;
    vault.keys().delete(KeyName::Recording(uuid))?;
    Ok(!watch.exists(KeyName::Recording(uuid))?)
}

/// How long the shred after a withdrawal waits for a recording still being made under the
/// consent to stop (it stops by itself within
/// [`crate::sessions::recording::CONSENT_CHECK_INTERVAL`] of the withdrawal, and then seals what it
/// has).
pub const RECORDING_STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Waits until no recording is still being made under consent `consent_id`: after its
/// withdrawal, one running in this process or another SessionVault on this vault stops by
/// itself once it sees the withdrawal. One a crash left unfinished is re-sealed. Waits at most
/// [`RECORDING_STOP_WAIT`].
///
/// Errors: [`ShredError::StillRecording`] when a recording did not stop in time,
/// [`ShredError::Vault`].
pub fn await_recordings_stopped(vault: &mut Vault, consent_id: &str) -> Result<(), ShredError> {
    let deadline = Instant::now() + RECORDING_STOP_WAIT;
    loop {
        let running: Option<String> = vault
            .db()
            .conn()
            .query_row(
                "SELECT id FROM recordings WHERE consent_id = ?1 AND state = 'recording'
                 ORDER BY started_at LIMIT 1",
                [consent_id.trim()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(running) = running else {
            return Ok(());
        };
        if Instant::now() >= deadline {
            return Err(ShredError::StillRecording(running));
        }
        // One no live process holds any more (a crash) is re-sealed now; live ones are left.
        if let Err(e) = crate::sessions::recording::recover_unfinished(vault) {
            tracing::warn!(
                code = e.code(),
                "recovery before the withdrawal's shred failed"
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Destroys everything recorded under consent `consent_id` after its withdrawal, as
/// [`shred`] with [`Target::Consent`], once [`await_recordings_stopped`]. Returns `None` when
/// nothing was recorded under the consent.
///
/// Errors: [`ShredError::StillRecording`] when a recording did not stop in time; as
/// [`shred`] otherwise.
pub fn after_withdrawal<R: RngCore + rand::CryptoRng>(
    vault: &mut Vault,
    consent_id: &str,
    rng: &mut R,
    progress: &mut dyn FnMut(Progress),
) -> Result<Option<Outcome>, ShredError> {
    await_recordings_stopped(vault, consent_id)?;
    let target = Target::Consent(consent_id.trim().to_owned());
    if preview(vault, &target)?.items.is_empty() {
        return Ok(None);
    }
    shred(vault, &target, rng, progress).map(Some)
}

/// Destroys everything of `target` (see the module documentation for the steps), reporting
/// progress to `progress`, and returns the signed certificate. Finishes an earlier shred of
/// the same target that stopped part-way. `rng` supplies the overwrite bytes and names.
///
/// Errors: [`ShredError::NotFound`], [`ShredError::Nothing`], [`ShredError::StillRecording`];
/// [`ShredError::Partial`] when a step fails, saying what was destroyed and what remains
/// (run again to finish); [`ShredError::Vault`], [`ShredError::Certificate`].
pub fn shred<R: RngCore + rand::CryptoRng>(
    vault: &mut Vault,
    target: &Target,
    rng: &mut R,
    progress: &mut dyn FnMut(Progress),
) -> Result<Outcome, ShredError> {
    let plan = preview(vault, target)?;
    if plan.items.is_empty() && plan.case_studies.is_empty() {
        return Err(ShredError::Nothing {
            kind: target.kind(),
            id: target.id().to_owned(),
        });
    }
    let mut items = plan.items;
    let shred_id = match plan.resumes {
        Some(id) => {
            save_items(vault, &id, &items)?;
            id
        }
        None => {
            let id = Uuid::new_v4().to_string();
            let text = serde_json::to_string(&items).map_err(|e| {
                ShredError::Certificate(CertificateError::NotACertificate(e.to_string()))
            })?;
            let started = vault.now().format(&Rfc3339)?;
            vault.db().conn().execute(
                "INSERT INTO shreds (id, target_kind, target_id, started_at, items)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, target.kind(), target.id(), started, text],
            )?;
            id
        }
    };
    tracing::info!(shred = %shred_id, recordings = items.len(), "shred started");
    let total = items.len() * 3 + plan.case_studies.len() + 3;
    let mut done = items
        .iter()
        .map(|i| {
            usize::from(i.key_erased) + usize::from(i.file_destroyed) + usize::from(i.rows_deleted)
        })
        .sum::<usize>();
    let mut timings = Timings::default();

    // 1. Crypto-erase, all recordings first: from here on none of them can be decrypted.
    let started = Instant::now();
    let mut watch = vault.keys().watch();
    for index in 0..items.len() {
        if items[index].key_erased {
            continue;
        }
        let id = items[index].recording_id.clone();
        match key_gone(vault, &mut watch, &id) {
            Ok(true) => {}
            Ok(false) => {
                return Err(partial(
                    &shred_id,
                    &items,
                    "crypto-erase",
                    &id,
                    "its key is still in the keyring after being deleted".to_owned(),
                ))
            }
            Err(e) => {
                return Err(partial(
                    &shred_id,
                    &items,
                    "crypto-erase",
                    &id,
                    e.to_string(),
                ))
            }
        }
        items[index].key_erased = true;
        save_items(vault, &shred_id, &items)?;
        done += 1;
        progress(Progress {
            step: "crypto-erase",
            recording_id: Some(id),
            done,
            total,
        });
    }
    timings.crypto_erase_seconds = started.elapsed().as_secs_f64();

    // 2. Overwrite and remove the files, with bytes from a fast generator seeded by `rng`.
    let started = Instant::now();
    let mut fill = StdRng::from_rng(&mut *rng).map_err(|e| {
        partial(
            &shred_id,
            &items,
            "overwrite",
            "",
            format!("no random bytes for overwriting ({e})"),
        )
    })?;
    for index in 0..items.len() {
        if items[index].file_destroyed {
            continue;
        }
        let id = items[index].recording_id.clone();
        let path = recording_path(vault, &id);
        match overwrite_and_remove(&path, &mut fill) {
            Ok(bytes) => timings.overwritten_bytes += bytes,
            Err(e) => {
                return Err(partial(
                    &shred_id,
                    &items,
                    "overwrite",
                    &id,
                    format!("its file {} could not be destroyed ({e})", path.display()),
                ))
            }
        }
        items[index].file_destroyed = true;
        save_items(vault, &shred_id, &items)?;
        done += 1;
        progress(Progress {
            step: "overwrite",
            recording_id: Some(id),
            done,
            total,
        });
    }
    timings.overwrite_seconds = started.elapsed().as_secs_f64();

    // 3. Delete the rows, each with its audit entry.
    let started = Instant::now();
    for index in 0..items.len() {
        if items[index].rows_deleted {
            continue;
        }
        let item = items[index].clone();
        {
            let change = vault.change()?;
            change.tx.execute(
                "DELETE FROM bookmarks WHERE recording_id = ?1",
                [&item.recording_id],
            )?;
            change.tx.execute(
                "DELETE FROM transcript_segments WHERE transcript_id IN
                     (SELECT id FROM transcripts WHERE recording_id = ?1)",
                [&item.recording_id],
            )?;
            change.tx.execute(
                "DELETE FROM transcripts WHERE recording_id = ?1",
                [&item.recording_id],
            )?;
            change
                .tx
                .execute("DELETE FROM recordings WHERE id = ?1", [&item.recording_id])?;
            change.log(
                EventKind::RecordingShredded,
                Some(&item.recording_id),
                &json!({
                    "shred_id": shred_id,
                    "ciphertext_sha256": item.ciphertext_sha256,
                }),
            )?;
            items[index].rows_deleted = true;
            let text = serde_json::to_string(&items).map_err(|e| {
                ShredError::Certificate(CertificateError::NotACertificate(e.to_string()))
            })?;
            change.tx.execute(
                "UPDATE shreds SET items = ?2 WHERE id = ?1",
                params![shred_id, text],
            )?;
            change.commit()?;
        }
        done += 1;
        progress(Progress {
            step: "rows",
            recording_id: Some(item.recording_id),
            done,
            total,
        });
    }
    // The counsellor's case studies the shred covers, each with its audit entry.
    for study in &plan.case_studies {
        let change = vault.change()?;
        change.tx.execute(
            "DELETE FROM case_study_clients WHERE case_study_id = ?1",
            [&study.case_study_id],
        )?;
        change.tx.execute(
            "DELETE FROM case_studies WHERE id = ?1 AND owner = 'counsellor'",
            [&study.case_study_id],
        )?;
        change.log(
            EventKind::CaseStudyShredded,
            Some(&study.case_study_id),
            &json!({ "shred_id": shred_id, "clients": study.client_codes }),
        )?;
        change.commit()?;
        done += 1;
        progress(Progress {
            step: "case-studies",
            recording_id: None,
            done,
            total,
        });
    }
    timings.rows_seconds = started.elapsed().as_secs_f64();

    // Freed pages out of the WAL and the file.
    let started = Instant::now();
    vault.db().conn().execute_batch(
        "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);",
    )?;
    timings.vacuum_seconds = started.elapsed().as_secs_f64();
    done += 1;
    progress(Progress {
        step: "vacuum",
        recording_id: None,
        done,
        total,
    });

    // 4. The database under a fresh key, the old key deleted: every earlier copy of it
    // (backups, sync folders, snapshots) with the text just deleted no longer opens.
    let started = Instant::now();
    let rekeyed = vault.rekey(&mut *rng).map_err(|e| {
        partial(
            &shred_id,
            &items,
            "database re-key",
            "",
            format!("the database could not be re-encrypted under a new key ({e})"),
        )
    })?;
    timings.rekey_seconds = started.elapsed().as_secs_f64();
    done += 1;
    progress(Progress {
        step: "re-key",
        recording_id: None,
        done,
        total,
    });

    // The checks, made now, for the certificate.
    let mut checks = Vec::new();
    for item in &items {
        let key_lookup_fails = Uuid::parse_str(&item.recording_id)
            .ok()
            .map(|uuid| matches!(vault.keys().contains(KeyName::Recording(uuid)), Ok(false)))
            .unwrap_or(false);
        // (The full lookup, as a reader of the key would make it: not just a search.)
        let file_absent = !recording_path(vault, &item.recording_id).exists();
        let rows: i64 = vault.db().conn().query_row(
            "SELECT (SELECT count(*) FROM recordings WHERE id = ?1)
                  + (SELECT count(*) FROM bookmarks WHERE recording_id = ?1)
                  + (SELECT count(*) FROM transcripts WHERE recording_id = ?1)",
            [&item.recording_id],
            |r| r.get(0),
        )?;
        checks.push(certificate::Check {
            recording_id: item.recording_id.clone(),
            key_lookup_fails,
            file_absent,
            rows_absent: rows == 0,
        });
    }

    let mut case_studies = plan.case_studies.clone();
    for study in &mut case_studies {
        let rows: i64 = vault.db().conn().query_row(
            "SELECT (SELECT count(*) FROM case_studies WHERE id = ?1)
                  + (SELECT count(*) FROM case_study_clients WHERE case_study_id = ?1)",
            [&study.case_study_id],
            |r| r.get(0),
        )?;
        study.rows_absent = rows == 0;
    }
    let mut outstanding_copies = outstanding_copies(vault, &items)?;
    outstanding_copies.extend(
        plan.outstanding_copies
            .into_iter()
            .filter(|c| c.case_study_id.is_some()),
    );
    outstanding_copies.extend(consent_copies(vault, target)?);
    let key = vault.public_key();
    let vault_id = vault.id().to_string();
    let certificate_id = Uuid::new_v4().to_string();
    let change = vault.change()?;
    let certificate = Certificate {
        format: certificate::FORMAT.to_owned(),
        id: certificate_id.clone(),
        vault_id,
        issued_at: change.now.format(&Rfc3339)?,
        target: plan.target,
        destroyed: items
            .iter()
            .map(|i| certificate::Destroyed {
                recording_id: i.recording_id.clone(),
                client_code: i.client_code.clone(),
                consent_id: i.consent_id.clone(),
                course_id: i.course_id.clone(),
                recorded_at: i.recorded_at.clone(),
                length: certificate::Length::Frames {
                    frames: i.frames,
                    sample_rate: i.sample_rate,
                },
                ciphertext_sha256: i.ciphertext_sha256.clone(),
                bookmarks: i.bookmarks,
                transcripts: i.transcripts,
            })
            .collect(),
        case_studies,
        method: METHOD.iter().map(|m| (*m).to_owned()).collect(),
        checks,
        database: Some(certificate::DatabaseErased {
            rekeyed: true,
            old_key_refused: rekeyed.old_key_refused,
            old_key_deleted: rekeyed.old_key_deleted,
            erased: DATABASE_ERASED.to_owned(),
        }),
        outstanding_copies,
        kept: plan.kept,
        public_key: hex::encode(key.to_bytes()),
        fingerprint: key.fingerprint(),
    };
    let body = certificate::signed_bytes(&certificate)?;
    let signature = change.sign(Domain::DestructionCertificate, body.as_bytes());
    change.tx.execute(
        "INSERT INTO certificates (id, shred_id, issued_at, body, signature)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            certificate_id,
            shred_id,
            certificate.issued_at,
            body,
            signature.to_vec()
        ],
    )?;
    change.tx.execute(
        "UPDATE shreds SET finished_at = ?2, certificate_id = ?3 WHERE id = ?1",
        params![shred_id, certificate.issued_at, certificate_id],
    )?;
    change.log(
        EventKind::CertificateIssued,
        Some(&certificate_id),
        &json!({
            "shred_id": shred_id,
            "target": certificate.target.kind,
            "recordings": certificate.destroyed.len(),
            "outstanding_copies": certificate.outstanding_copies.len(),
        }),
    )?;
    change.commit()?;
    done += 1;
    progress(Progress {
        step: "certificate",
        recording_id: None,
        done,
        total,
    });
    tracing::info!(shred = %shred_id, certificate = %certificate_id, "shred finished");
    Ok(Outcome {
        certificate: Signed {
            certificate,
            body,
            signature: hex::encode(signature),
        },
        timings,
    })
}
