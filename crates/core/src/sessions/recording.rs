//! Sealed recording: capture under a verified consent, encrypted from the first sample, with
//! crash recovery and deliberate exports.
//!
//! Starting takes a [`VerifiedConsent`] (and verifies it again), makes a fresh age identity for
//! the recording and stores it in the OS keyring *before* the device is opened, then streams
//! device → ring buffer → writer thread → WAV → age → file. The row is written as `recording`
//! first; a crash leaves it so, and the next open of the vault re-seals what survived and marks
//! it `recovered`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use rusqlite::params;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::consent::{self, ConsentError, ConsentWatch, VerifiedConsent};
use crate::disclosure::{self, Cleared, DisclosureError, Recipient, Use};
use crate::store::audit::EventKind;
use crate::store::db::DbError;
use crate::store::keys::{KeyError, KeyName, KeyWatch};
use crate::store::vault::{Vault, VaultError, RECORDINGS};
use crate::ErrorCode;
use sessionvault_audio::capture::{Capture, CaptureError};
use sessionvault_audio::meter::{self, Meter};
use sessionvault_audio::seal::{Format, RecordingKey, SealError, SealedAudio, SealedWriter};

pub mod live;
mod marks;
mod recovery;
mod writer;
use crate::store::register;
pub use crate::store::register::{interruption_words, PausePoint, Summary};
pub use recovery::open_for_use;
pub(crate) use recovery::recover_unfinished;
use writer::{Checks, Ended};

/// How long a device may deliver nothing before the recording stops as faulted.
pub const DEVICE_SILENCE_LIMIT: Duration = Duration::from_secs(3);

/// The longest the writer waits when no audio is waiting. The device's callback wakes it as
/// soon as a meter window of audio has come (see [`Capture::wait_for_audio`]), so this only
/// bounds how soon a stop, a pause or a silent device is noticed when nothing arrives.
const WRITER_IDLE: Duration = Duration::from_millis(250);

/// How often a running recording asks the consent gate again: a withdrawal (here, in the
/// window, or from another SessionVault on this vault) stops it within this time and the
/// next write.
pub const CONSENT_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// How often a running recording checks that its key is still in the keyring.
pub const KEY_CHECK_INTERVAL: Duration = Duration::from_secs(2);

/// What went wrong with a recording.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The consent gate refused (at the start of a recording).
    #[error(transparent)]
    Consent(#[from] ConsentError),
    /// The disclosure gate refused (playing, exporting or reading a recording).
    #[error(transparent)]
    Disclosure(#[from] Box<DisclosureError>),
    /// The device could not be opened.
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// The sealed file could not be written or read.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// The keyring refused (at start: nothing was recorded).
    #[error(transparent)]
    Key(#[from] KeyError),
    /// No recording has this id.
    #[error("there is no recording with id {0}: see `sessionvault recordings list`")]
    NotFound(String),
    /// The recording is still being made.
    #[error("recording {0} is still being made: stop it first")]
    StillRecording(String),
    /// Writing an export failed.
    #[error("could not write {path}: {source}")]
    Export {
        /// Where.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A vault problem.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl ErrorCode for RecordError {
    fn code(&self) -> &'static str {
        match self {
            RecordError::Consent(e) => e.code(),
            RecordError::Disclosure(e) => e.code(),
            RecordError::Capture(_) => "device_failed",
            RecordError::Seal(SealError::Io { .. }) => "write_failed",
            RecordError::Seal(SealError::Integrity { .. }) => "recording_damaged",
            RecordError::Seal(_) => "recording_unreadable",
            RecordError::Key(e) => e.code(),
            RecordError::NotFound(_) => "recording_not_found",
            RecordError::StillRecording(_) => "still_recording",
            RecordError::Export { .. } => "io_failed",
            RecordError::Vault(e) => e.code(),
        }
    }
}

impl From<DisclosureError> for RecordError {
    fn from(e: DisclosureError) -> Self {
        RecordError::Disclosure(Box::new(e))
    }
}

crate::store::vault::vault_variant_from!(RecordError: rusqlite::Error, DbError);

impl From<crate::store::audit::AuditError> for RecordError {
    fn from(e: crate::store::audit::AuditError) -> Self {
        RecordError::Vault(e.into())
    }
}

/// Steering a running recording from another thread or a signal handler: stop, pause and
/// resume requests, each a flag the writer loop takes up within a few milliseconds.
#[derive(Debug, Default)]
pub struct Control {
    /// Set to stop and seal the recording.
    pub stop: std::sync::Arc<AtomicBool>,
    /// Set to pause: audio is not recorded until resumed.
    pub pause: std::sync::Arc<AtomicBool>,
    /// Set to resume after a pause.
    pub resume: std::sync::Arc<AtomicBool>,
}

/// How to record.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// The input device id (`host:id`), or the default input.
    pub device: Option<&'a str>,
    /// 1 or 2.
    pub channels: u16,
    /// Stop after this much recorded audio; without it, record until `stop` is set.
    pub duration: Option<Duration>,
}

fn recording_path(vault: &Vault, id: Uuid) -> PathBuf {
    vault.dir().join(RECORDINGS).join(format!("{id}.age"))
}

fn now_text(vault: &Vault) -> Result<String, RecordError> {
    Ok(vault
        .now()
        .format(&Rfc3339)
        .map_err(crate::store::audit::AuditError::from)?)
}

/// Records under `consent` until `options.duration` of audio is captured or `control.stop` is
/// set, pausing and resuming as `control` asks (paused time is not recorded; the pause points
/// are kept), sending level and warning events to `on_event`. Returns the finished recording.
///
/// Refuses, before the device is opened, when the consent no longer verifies or the keyring
/// cannot take the recording's key. A fault while recording (the device gone, a write error)
/// stops it cleanly: what was recorded is sealed and the recording is marked `faulted`.
///
/// Errors: [`RecordError::Consent`], [`RecordError::Key`], [`RecordError::Capture`],
/// [`RecordError::Seal`], [`RecordError::Vault`].
pub fn record(
    vault: &mut Vault,
    consent: VerifiedConsent,
    options: &Options<'_>,
    control: &Control,
    on_event: &mut dyn FnMut(meter::Event),
) -> Result<Summary, RecordError> {
    // The gate again, now: the consent may have been withdrawn since it was checked.
    let consent = consent::verify(vault, &consent.id().to_string())?;
    let id = Uuid::new_v4();
    let key = RecordingKey::generate();
    let path = recording_path(vault, id);
    vault.keys().put(KeyName::Recording(id), &key.secret())?;
    // Until the start is committed, any failure takes the key and the file away again.
    let mut setup = Setup {
        keys: vault.keys().clone(),
        id,
        path: path.clone(),
        committed: false,
    };
    let capture = Capture::open(options.device, options.channels)?;
    let format = capture.format();
    let (file, lock) = create_locked(&path)?;
    let writer = SealedWriter::create(file, &key, format)?;
    let recipient = key.recipient();
    drop(key);
    store_started(vault, id, &consent, &capture, &recipient)?;
    setup.committed = true;
    tracing::info!(recording = %id, "recording started");

    let mut watch = vault.keys().watch();
    let mut key_check = || key_missing(&mut watch, id);
    let mut consent_watch = ConsentWatch::new(&consent.id().to_string());
    let mut consent_check = || still_consented(vault, &mut consent_watch);
    let ended = writer::run(
        capture,
        writer,
        format,
        options.duration,
        control,
        on_event,
        &mut Checks {
            key: &mut key_check,
            consent: &mut consent_check,
        },
    );
    if let Some(dir) = path.parent() {
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    let (state, frames) = store_ended(vault, id, format, ended)?;
    drop(lock);
    tracing::info!(recording = %id, state, frames, "recording ended");
    get(vault, &id.to_string())
}

/// Creates the recording's file, and a second handle on it holding its lock until the row
/// says how the recording ended: a vault opened meanwhile sees the lock and leaves this live
/// recording alone.
fn create_locked(path: &Path) -> Result<(File, File), RecordError> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|source| SealError::Io {
            action: "created",
            source,
        })?;
    let lock = File::open(path)
        .and_then(|f| f.try_lock().map(|()| f).map_err(std::io::Error::other))
        .map_err(|source| SealError::Io {
            action: "locked",
            source,
        })?;
    Ok((file, lock))
}

/// Why the recording must stop because of its key: `None` while the key is in the keyring.
fn key_missing(watch: &mut KeyWatch, id: Uuid) -> Option<String> {
    match watch.exists(KeyName::Recording(id)) {
        Ok(true) => None,
        Ok(false) => Some(
            "the recording's key was removed from the keyring, so nothing more can be kept; \
             what was recorded is sealed and opens again only if the key is restored"
                .to_owned(),
        ),
        Err(e) => Some(format!("the keyring became unavailable ({e})")),
    }
}

/// The recording's row, `recording`, with its device and format, and its audit entry.
fn store_started(
    vault: &mut Vault,
    id: Uuid,
    consent: &VerifiedConsent,
    capture: &Capture,
    recipient: &str,
) -> Result<(), RecordError> {
    let format = capture.format();
    {
        let change = vault.change()?;
        let started = change
            .now
            .format(&Rfc3339)
            .map_err(crate::store::audit::AuditError::from)?;
        change.tx.execute(
            "INSERT INTO recordings (id, consent_id, client_code, course_id, state, started_at,
                 device, device_format, sample_rate, channels, recipient, device_channels,
                 conversion)
             VALUES (?1, ?2, ?3, ?4, 'recording', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                id.to_string(),
                consent.id().to_string(),
                consent.client_code(),
                consent.course_id().map(|c| c.to_string()),
                started,
                capture.device_id(),
                capture.conversion().device_format.to_string(),
                format.sample_rate,
                format.channels,
                recipient,
                capture.conversion().device_channels,
                capture.conversion().describe(),
            ],
        )?;
        change.log(
            EventKind::RecordingStarted,
            Some(&id.to_string()),
            &json!({
                "consent_id": consent.id(),
                "device": capture.device_id(),
                "sample_rate": format.sample_rate,
                "channels": format.channels,
                "device_format": capture.conversion().device_format.to_string(),
                "device_channels": capture.conversion().device_channels,
            }),
        )?;
        change.commit()?;
    }
    Ok(())
}

/// How the recording ended, in its row (state, length, hash, faults, waveform, pauses) and
/// the audit log (each pause point, then stopped or faulted). Returns the state and frames.
fn store_ended(
    vault: &mut Vault,
    id: Uuid,
    format: Format,
    ended: Ended,
) -> Result<(&'static str, u64), RecordError> {
    let Ended {
        sealed,
        fault,
        overruns,
        peaks,
        pauses,
    } = ended;
    let (state, frames) = match (&sealed, &fault) {
        (Some(s), None) => ("complete", s.frames),
        (Some(s), Some(_)) => ("faulted", s.frames),
        // The stream could not be finished: leave it as `recording` so the next open of the
        // vault re-seals what reached the disk.
        (None, _) => ("recording", 0),
    };
    let pauses_json = serde_json::to_string(&pauses).unwrap_or_else(|_| "[]".to_owned());
    let ended = now_text(vault)?;
    let change = vault.change()?;
    change.tx.execute(
        "UPDATE recordings SET state = ?2, ended_at = ?3, frames = ?4, ciphertext_sha256 = ?5,
             ciphertext_bytes = ?6, overruns = ?7, fault = ?8, peaks = ?9, pauses = ?10
         WHERE id = ?1",
        params![
            id.to_string(),
            state,
            ended,
            frames,
            sealed.map(|s| s.sha256.to_vec()),
            sealed.map(|s| s.bytes),
            overruns,
            fault,
            peaks,
            pauses_json,
        ],
    )?;
    for point in &pauses {
        let kind = match point.event.as_str() {
            "paused" => EventKind::RecordingPaused,
            "interrupted" => EventKind::RecordingInterrupted,
            _ => EventKind::RecordingResumed,
        };
        change.log(kind, Some(&id.to_string()), &json!(point))?;
    }
    let event = if fault.is_some() {
        EventKind::RecordingFaulted
    } else {
        EventKind::RecordingStopped
    };
    change.log(
        event,
        Some(&id.to_string()),
        &json!({
            "frames": frames,
            "seconds": frames as f64 / f64::from(format.sample_rate),
            "overruns": overruns,
            "ciphertext_sha256": sealed.map(|s| hex::encode(s.sha256)),
        }),
    )?;
    change.commit()?;
    Ok((state, frames))
}

/// Asks the consent gate again for a running recording: `None` while the consent holds, else
/// why it stopped. A database that cannot be read for a moment is not a refusal (it is asked
/// again at the next check); a re-key by another SessionVault is followed first.
fn still_consented(vault: &mut Vault, watch: &mut ConsentWatch) -> Option<String> {
    match vault.refresh() {
        Ok(false) => {}
        Ok(true) => watch.forget(),
        Err(e) => tracing::warn!(
            code = e.code(),
            "the vault could not be read again: the consent is checked on the open database"
        ),
    }
    match watch.check(vault) {
        Ok(_) => None,
        Err(ConsentError::Refused(refusal)) => {
            tracing::warn!(consent = %watch.id(), code = refusal.code(), "recording stopped by the consent gate");
            Some(format!(
                "The client's consent no longer holds: {refusal}. What was recorded until then \
                 is sealed, and is destroyed when this consent's recordings are shredded"
            ))
        }
        Err(e) => {
            tracing::warn!(
                code = e.code(),
                "the consent could not be checked: asked again shortly"
            );
            None
        }
    }
}

/// A recording being set up: its key is in the keyring and its file may exist, but no row
/// says so yet. Dropped before `committed`, it removes both, so a failed start leaves nothing
/// behind.
struct Setup {
    keys: crate::store::keys::VaultKeys,
    id: Uuid,
    path: PathBuf,
    committed: bool,
}

impl Drop for Setup {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        if let Err(e) = std::fs::remove_file(&self.path) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(recording = %self.id, error = %e, "could not remove the file of a failed start");
            }
        }
        if let Err(e) = self.keys.delete(KeyName::Recording(self.id)) {
            tracing::warn!(recording = %self.id, error = %e, "could not remove the key of a failed start");
        }
    }
}

/// One recording.
///
/// Errors: [`RecordError::NotFound`], [`RecordError::Vault`].
pub fn get(vault: &Vault, id: &str) -> Result<Summary, RecordError> {
    register::find(vault, id)?.ok_or_else(|| RecordError::NotFound(id.to_owned()))
}

/// Every recording, newest first.
///
/// Errors: [`RecordError::Vault`].
pub fn list(vault: &Vault) -> Result<Vec<Summary>, RecordError> {
    Ok(register::all(vault)?)
}

/// Opens the recording the gate cleared, for reading (decrypting on demand). Only a
/// [`Cleared`] value opens a recording: every path that reveals audio passes the gate first.
///
/// Errors: [`RecordError::Key`] (its key is gone from the keyring), [`RecordError::Seal`].
pub fn open_audio(vault: &Vault, cleared: &Cleared) -> Result<SealedAudio, RecordError> {
    let id = &cleared.recording().id;
    let uuid = Uuid::parse_str(id).map_err(|_| RecordError::NotFound(id.clone()))?;
    let key = RecordingKey::from_secret(&vault.keys().get(KeyName::Recording(uuid))?)?;
    Ok(SealedAudio::open(&recording_path(vault, uuid), &key)?)
}

/// A recording's waveform for drawing: the peak magnitude of each window.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Waveform {
    /// The recording.
    pub recording_id: String,
    /// Seconds each value covers.
    pub window_seconds: f64,
    /// Peak magnitude (0 to 32768) of each window, in order.
    pub peaks: Vec<u16>,
}

/// The waveform of recording `id`, for the counsellor's player: what recording stored, or,
/// for a recording that has none (recovered after a crash), worked out from its audio now and
/// stored for next time. It passes the gate as listening does.
///
/// Errors: [`RecordError::Disclosure`], as [`open_audio`], and [`RecordError::Vault`].
pub fn waveform(vault: &Vault, id: &str) -> Result<Waveform, RecordError> {
    let cleared = disclosure::clear(vault, id, Recipient::Counsellor, Use::Listening)?;
    let summary = cleared.recording().clone();
    let stored: Option<Vec<u8>> = vault.db().conn().query_row(
        "SELECT peaks FROM recordings WHERE id = ?1",
        [&summary.id],
        |r| r.get(0),
    )?;
    let bytes = match stored {
        Some(bytes) if !bytes.is_empty() || summary.frames == 0 => bytes,
        _ => {
            let mut audio = open_audio(vault, &cleared)?;
            let format = audio.format();
            let mut meter = Meter::new(format.sample_rate, format.channels);
            let mut block = Zeroizing::new(vec![0i16; 64 * 1024]);
            loop {
                let n = audio.read_samples(&mut block)?;
                if n == 0 {
                    break;
                }
                meter.feed(&block[..n], &mut |_| {});
            }
            let bytes = meter.peaks_bytes();
            vault.db().conn().execute(
                "UPDATE recordings SET peaks = ?2 WHERE id = ?1",
                params![summary.id, bytes],
            )?;
            bytes
        }
    };
    Ok(Waveform {
        recording_id: summary.id,
        window_seconds: 1.0 / f64::from(meter::WINDOWS_PER_SECOND),
        peaks: bytes
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect(),
    })
}

/// What an export wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Export {
    /// The copy's id, as named on destruction certificates.
    pub copy_id: String,
    /// Bytes written.
    pub bytes: u64,
    /// SHA-256 of the file written, hex.
    pub sha256: String,
}

/// Writes recording `id` to `out` as a standard WAV file: a deliberate plaintext copy,
/// written as a [`crate::copies::private_file::PrivateFile`] (mode 0600; `out` is the whole file
/// or untouched) and recorded as an outstanding copy so shredding can name it later.
///
/// It passes the gate first: refused once the consent is withdrawn, out of date or altered.
///
/// Errors: [`RecordError::Disclosure`], as [`open_audio`], and [`RecordError::Export`].
pub fn export_wav(vault: &mut Vault, id: &str, out: &Path) -> Result<Export, RecordError> {
    let cleared = disclosure::clear(vault, id, Recipient::Counsellor, Use::Export)?;
    let mut audio = open_audio(vault, &cleared)?;
    let export_err = |source| RecordError::Export {
        path: out.display().to_string(),
        source,
    };
    let mut file = crate::copies::private_file::PrivateFile::create(out).map_err(export_err)?;
    let mut buf = Zeroizing::new(vec![0u8; 64 * 1024]);
    let mut bytes = 0u64;
    loop {
        let n = match std::io::Read::read(&mut audio, &mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(_) => return Err(SealError::Integrity { offset: bytes }.into()),
        };
        file.write_all(&buf[..n]).map_err(export_err)?;
        bytes += n as u64;
    }
    let written = file.commit().map_err(export_err)?;
    drop(audio);
    let summary = cleared.recording().clone();
    let copy_id = crate::copies::record(
        vault,
        out,
        &written,
        &crate::copies::NewCopy {
            kind: "wav-export",
            recording_id: Some(&summary.id),
            transcript_id: None,
            case_study_id: None,
            consent_id: None,
            event: EventKind::RecordingExported,
            subject: &summary.id,
        },
    )?;
    Ok(Export {
        copy_id,
        bytes: written.bytes,
        sha256: written.sha256_hex(),
    })
}
