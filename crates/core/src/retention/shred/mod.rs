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

use std::time::Instant;

use rand::RngCore;
use rusqlite::OptionalExtension;

use crate::retention::certificate::{self, CertificateError, OutstandingCopy, Signed};
use crate::store::vault::{Vault, VaultError};
use crate::ErrorCode;

mod certify;
mod due;
mod plan;
mod steps;

pub use due::{due, Due};
pub use plan::preview;
use steps::Job;

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

crate::store::vault::vault_variant_from!(ShredError: rusqlite::Error, crate::store::db::DbError);

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
    let mut job = Job::start(vault, target, &plan, progress)?;
    tracing::info!(shred = %job.id, recordings = job.items.len(), "shred started");
    // 1. Crypto-erase, all recordings first: from here on none of them can be decrypted.
    job.crypto_erase(vault)?;
    // 2. Overwrite and remove the files.
    job.overwrite(vault, rng)?;
    // 3. Delete the rows, each with its audit entry, and the case studies the shred covers.
    job.delete_rows(vault, &plan.case_studies)?;
    job.vacuum(vault)?;
    // 4. The database under a fresh key, the old key deleted.
    let rekeyed = job.rekey(vault, rng)?;
    // The checks, made now, and the signed certificate.
    let certificate = certify::issue(vault, target, &job, plan, &rekeyed)?;
    job.tell("certificate", None);
    tracing::info!(shred = %job.id, certificate = %certificate.certificate.id, "shred finished");
    Ok(Outcome {
        certificate,
        timings: job.timings,
    })
}
