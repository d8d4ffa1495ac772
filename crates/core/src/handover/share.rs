//! Sharing a recording, or a clip of it, with a tutor, a fellow student or a supervisor: a
//! standard WAV file (16-bit PCM, the recording's rate and channels) inside an age file,
//! encrypted to the recipients' `age1…` keys or to a passphrase (scrypt), optionally
//! ASCII-armoured. Any age tool (`age`, `rage`) opens it.
//!
//! Sharing is a disclosure, gated like playing: it passes the disclosure gate
//! ([`disclosure::clear`]: refused once the consent is withdrawn, expired or altered, and
//! unless it names the role in its audience).
//!
//! No plaintext touches the disk: the sealed recording is decrypted chunk by chunk into
//! zeroized buffers, and what is written is age ciphertext, as a [`PrivateFile`] (mode 0600,
//! into a temporary file beside the destination that is synced and renamed into place only when
//! complete, and removed on any failure). Each share is recorded as an outstanding copy (with the
//! role, the range and the recipients' fingerprints), which destruction certificates list until the
//! counsellor records that it was destroyed ([`crate::copies::mark_destroyed`]), and
//! logged as `recording.shared` (ids, role, range and fingerprints only).

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use age::secrecy::ExposeSecret;
/// The passphrase type of [`Recipients::Passphrase`] (secrecy's, as age takes it): zeroized when
/// dropped, and its `Debug` form hides it.
pub use age::secrecy::SecretString;
use rusqlite::params;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::copies::private_file::PrivateFile;
use crate::disclosure::{self, DisclosureError, Use};
use crate::sessions::player::Listener;
use crate::sessions::recording::{self, RecordError};
use crate::store::audit::{AuditError, EventKind};
use crate::store::db::DbError;
use crate::store::vault::{Vault, VaultError};
use sessionvault_audio::seal::{self, Format, SealError, SealedAudio};

/// The shortest passphrase accepted for a share or a bundle.
pub const MIN_PASSPHRASE_CHARS: usize = 10;

/// Frames decrypted and written per step.
const BLOCK_FRAMES: usize = 16 * 1024;

/// Who a recording is shared with: checked against the consent's audience as the player
/// checks a listener (`supervisor` needs `supervisor`, `tutor` needs `tutors`, `student` needs
/// `students`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A course tutor.
    Tutor,
    /// A fellow student on the course.
    Student,
    /// The counsellor's clinical supervisor.
    Supervisor,
}

impl Role {
    /// Every role, in the order offered.
    pub const ALL: &'static [Role] = &[Role::Tutor, Role::Student, Role::Supervisor];

    /// The word used on the command line, in the log and on certificates.
    pub fn as_str(self) -> &'static str {
        self.listener().as_str()
    }

    /// The listener this role is for the audience gate.
    pub fn listener(self) -> Listener {
        match self {
            Role::Tutor => Listener::Tutor,
            Role::Student => Listener::Student,
            Role::Supervisor => Listener::Supervisor,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ShareError;
    /// Reads `tutor`, `student` or `supervisor` (`tutors`, `students` and `supervision` too).
    ///
    /// Errors: [`ShareError::UnknownRole`] for anything else (`self` included: nothing needs
    /// sharing with the counsellor).
    fn from_str(text: &str) -> Result<Self, ShareError> {
        match text.trim().parse::<Listener>() {
            Ok(Listener::Tutor) => Ok(Role::Tutor),
            Ok(Listener::Student) => Ok(Role::Student),
            Ok(Listener::Supervisor) => Ok(Role::Supervisor),
            _ => Err(ShareError::UnknownRole(text.to_owned())),
        }
    }
}

/// Who can open a share.
pub enum Recipients {
    /// One or more age X25519 public keys (`age1…`), as given; parsed by [`share`].
    Keys(Vec<String>),
    /// A passphrase, for age's scrypt recipient (at least [`MIN_PASSPHRASE_CHARS`]
    /// characters). Never stored or logged.
    Passphrase(SecretString),
}

impl fmt::Debug for Recipients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recipients::Keys(keys) => f.debug_tuple("Keys").field(keys).finish(),
            Recipients::Passphrase(_) => f.write_str("Passphrase(<hidden>)"),
        }
    }
}

/// How to share.
#[derive(Debug)]
pub struct ShareOptions {
    /// Who it is for; the consent's audience must include it.
    pub role: Role,
    /// Who can open it.
    pub to: Recipients,
    /// Where the clip starts (default: the start).
    pub from: Option<Duration>,
    /// Where it ends (default, or past the end: the end of the recording).
    pub until: Option<Duration>,
    /// Write ASCII armour (`-----BEGIN AGE ENCRYPTED FILE-----`) instead of binary age.
    pub armor: bool,
}

/// What went wrong sharing a recording.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// The recording could not be found, opened or decrypted.
    #[error(transparent)]
    Recording(#[from] RecordError),
    /// The disclosure gate refused: the consent no longer allows any disclosure (withdrawn,
    /// out of date, altered), or does not name this role.
    #[error(transparent)]
    Disclosure(#[from] DisclosureError),
    /// An unknown role word.
    #[error("{0:?} is not a role to share with: use tutor, student or supervisor")]
    UnknownRole(String),
    /// A recipient is not an age X25519 public key.
    #[error("{0:?} is not an age public key (age1…): ask the recipient for the output of `age-keygen -y`")]
    BadRecipient(String),
    /// No recipient was given.
    #[error("name at least one recipient (an age1… key) or use a passphrase")]
    NoRecipient,
    /// The passphrase is too short.
    #[error("the passphrase must be at least {MIN_PASSPHRASE_CHARS} characters long")]
    WeakPassphrase,
    /// The range asked for is not inside the recording.
    #[error("the recording is {length:.1} s long; {what}")]
    Range {
        /// The recording's length in seconds.
        length: f64,
        /// What is wrong with the range.
        what: String,
    },
    /// Writing the output failed; nothing was left at the destination.
    #[error("could not write {path}: {source}")]
    Io {
        /// Where.
        path: String,
        /// Why.
        source: io::Error,
    },
    /// A vault problem.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl crate::ErrorCode for ShareError {
    fn code(&self) -> &'static str {
        match self {
            ShareError::Recording(e) => e.code(),
            ShareError::Disclosure(e) => e.code(),
            ShareError::UnknownRole(_) => "invalid_role",
            ShareError::BadRecipient(_) => "invalid_recipient",
            ShareError::NoRecipient => "invalid_recipient",
            ShareError::WeakPassphrase => "weak_passphrase",
            ShareError::Range { .. } => "invalid_range",
            ShareError::Io { .. } => "io_failed",
            ShareError::Vault(e) => e.code(),
        }
    }
}

impl From<SealError> for ShareError {
    fn from(e: SealError) -> Self {
        ShareError::Recording(e.into())
    }
}

crate::store::vault::vault_variant_from!(ShareError: DbError, rusqlite::Error, AuditError);

/// What a share wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Shared {
    /// The copy's id, as listed by `copies list` and on destruction certificates.
    pub copy_id: String,
    /// The recording shared.
    pub recording_id: String,
    /// Who it is for.
    pub role: Role,
    /// Where the clip starts in the recording, in seconds.
    pub from_seconds: f64,
    /// Where it ends, in seconds.
    pub until_seconds: f64,
    /// Frames of audio in the WAV inside.
    pub frames: u64,
    /// The recipients' fingerprints (see [`fingerprint`]), or `passphrase`.
    pub recipients: Vec<String>,
    /// Whether it is ASCII-armoured.
    pub armor: bool,
    /// Bytes of the age file written.
    pub bytes: u64,
    /// SHA-256 of the age file written, hex.
    pub sha256: String,
    /// Where it was written.
    pub out: PathBuf,
}

/// The fingerprint recorded for an age recipient: the first 16 hex digits of the SHA-256 of
/// its `age1…` text. Enough to tell recipients apart on a certificate without copying keys.
pub fn fingerprint(recipient: &str) -> String {
    let digest = hex::encode(Sha256::digest(recipient.trim().as_bytes()));
    digest[..16].to_owned()
}

/// What is recorded for a passphrase share in place of recipients' fingerprints.
pub const PASSPHRASE_RECIPIENT: &str = "passphrase";

/// Checks a passphrase typed for a share or a bundle.
///
/// Errors: [`ShareError::WeakPassphrase`] when shorter than [`MIN_PASSPHRASE_CHARS`].
pub fn check_passphrase(passphrase: &SecretString) -> Result<(), ShareError> {
    if passphrase.expose_secret().chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(ShareError::WeakPassphrase);
    }
    Ok(())
}

/// The age encryptor for `to`, and the fingerprints recorded for it.
fn encryptor(to: &Recipients) -> Result<(age::Encryptor, Vec<String>), ShareError> {
    match to {
        Recipients::Passphrase(passphrase) => {
            check_passphrase(passphrase)?;
            Ok((
                age::Encryptor::with_user_passphrase(passphrase.clone()),
                vec![PASSPHRASE_RECIPIENT.to_owned()],
            ))
        }
        Recipients::Keys(keys) => {
            let mut parsed: Vec<age::x25519::Recipient> = Vec::new();
            let mut fingerprints = Vec::new();
            for key in keys {
                let recipient = key
                    .trim()
                    .parse::<age::x25519::Recipient>()
                    .map_err(|_| ShareError::BadRecipient(key.clone()))?;
                let text = recipient.to_string();
                if fingerprints.contains(&fingerprint(&text)) {
                    continue;
                }
                fingerprints.push(fingerprint(&text));
                parsed.push(recipient);
            }
            if parsed.is_empty() {
                return Err(ShareError::NoRecipient);
            }
            let encryptor =
                age::Encryptor::with_recipients(parsed.iter().map(|r| r as &dyn age::Recipient))
                    .map_err(|_| ShareError::NoRecipient)?;
            Ok((encryptor, fingerprints))
        }
    }
}

/// Streams `plaintext` (a writer callback) into an age file at `out`, written as a
/// [`PrivateFile`] (0600, through a temporary file beside it that is removed if anything
/// fails). Returns the file's SHA-256 and length. I/O errors become `E` through `io_err`.
pub(crate) fn write_age<E>(
    out: &Path,
    encryptor: age::Encryptor,
    armor: bool,
    plaintext: &mut dyn FnMut(&mut dyn Write) -> Result<(), E>,
    io_err: impl Fn(io::Error) -> E,
) -> Result<([u8; 32], u64), E> {
    let file = PrivateFile::create(out).map_err(&io_err)?;
    let format = if armor {
        age::armor::Format::AsciiArmor
    } else {
        age::armor::Format::Binary
    };
    let armored = age::armor::ArmoredWriter::wrap_output(file, format).map_err(&io_err)?;
    let mut stream = encryptor.wrap_output(armored).map_err(&io_err)?;
    plaintext(&mut stream)?;
    let file = stream
        .finish()
        .and_then(|armored| armored.finish())
        .map_err(&io_err)?;
    let written = file.commit().map_err(&io_err)?;
    Ok((written.sha256, written.bytes))
}

/// Shares recording `recording_id` (or the clip `options.from`..`options.until`) with
/// `options.role`, as a standard WAV inside an age file written to `out`, encrypted to
/// `options.to`. Records it as an outstanding copy and logs `recording.shared`.
///
/// Invariants: the WAV inside holds exactly the recording's samples from frame
/// `round(from × rate)` up to (not including) `round(until × rate)` (or the end), with the
/// recording's rate and channels; nothing decrypted reaches the disk; `out` is either the
/// complete age file or untouched.
///
/// Errors: [`ShareError::Disclosure`] (withdrawn, expired, course ended, altered, not in the
/// audience); [`ShareError::Recording`] (not found, still recording, key
/// missing, damaged audio); [`ShareError::BadRecipient`], [`ShareError::NoRecipient`],
/// [`ShareError::WeakPassphrase`]; [`ShareError::Range`]; [`ShareError::Io`];
/// [`ShareError::Vault`].
pub fn share(
    vault: &mut Vault,
    recording_id: &str,
    options: &ShareOptions,
    out: &Path,
) -> Result<Shared, ShareError> {
    let cleared = disclosure::clear(
        vault,
        recording_id,
        options.role.listener().recipient(),
        Use::Share,
    )?;
    let summary = cleared.recording().clone();
    let (encryptor, recipients) = encryptor(&options.to)?;
    let mut audio = recording::open_audio(vault, &cleared)?;
    let format = audio.format();
    let (start, end) = clip_of(options, format, audio.frames())?;
    let io_err = |source| ShareError::Io {
        path: out.display().to_string(),
        source,
    };
    let mut write_wav = |w: &mut dyn Write| -> Result<(), ShareError> {
        write_clip(w, &mut audio, (start, end), io_err)
    };
    let (sha256, bytes) = write_age(out, encryptor, options.armor, &mut write_wav, io_err)?;
    drop(audio);
    let shared = Shared {
        copy_id: Uuid::new_v4().to_string(),
        recording_id: summary.id,
        role: options.role,
        from_seconds: start as f64 / f64::from(format.sample_rate),
        until_seconds: end as f64 / f64::from(format.sample_rate),
        frames: end - start,
        recipients,
        armor: options.armor,
        bytes,
        sha256: hex::encode(sha256),
        out: out.to_path_buf(),
    };
    record_share(vault, &shared, &sha256)?;
    tracing::info!(recording = %shared.recording_id, copy = %shared.copy_id, role = %options.role, "recording shared");
    Ok(shared)
}

/// The frames of the clip `options` asks for, inside a recording of `frames`.
///
/// Errors: [`ShareError::Range`] when nothing of the recording is inside.
fn clip_of(options: &ShareOptions, format: Format, frames: u64) -> Result<(u64, u64), ShareError> {
    let from = options.from.unwrap_or_default();
    crate::timecode::clip(from, options.until, format.sample_rate, frames).ok_or_else(|| {
        ShareError::Range {
            length: frames as f64 / f64::from(format.sample_rate.max(1)),
            what: format!(
                "there is nothing to share from {:.1} s{}",
                from.as_secs_f64(),
                options
                    .until
                    .map(|u| format!(" until {:.1} s", u.as_secs_f64()))
                    .unwrap_or_default()
            ),
        }
    })
}

/// Writes frames `start..end` of `audio` to `w` as a standard WAV file, through zeroized
/// buffers.
///
/// Errors: [`ShareError::Recording`] when the audio is damaged or ends early,
/// [`ShareError::Io`].
fn write_clip(
    w: &mut dyn Write,
    audio: &mut SealedAudio,
    (start, end): (u64, u64),
    io_err: impl Fn(std::io::Error) -> ShareError,
) -> Result<(), ShareError> {
    let format = audio.format();
    let channels = usize::from(format.channels);
    w.write_all(&seal::wav_header_for(format, end - start)?)
        .map_err(&io_err)?;
    audio.seek_frame(start);
    let mut block = Zeroizing::new(vec![0i16; BLOCK_FRAMES * channels]);
    let mut bytes = Zeroizing::new(Vec::with_capacity(BLOCK_FRAMES * channels * 2));
    let mut left = end - start;
    while left > 0 {
        let want = usize::try_from(left)
            .unwrap_or(usize::MAX)
            .min(BLOCK_FRAMES)
            * channels;
        let n = audio.read_samples(&mut block[..want])?;
        if n == 0 {
            return Err(SealError::Integrity {
                offset: (end - left) * format.frame_bytes(),
            }
            .into());
        }
        bytes.clear();
        for sample in &block[..n] {
            bytes.extend_from_slice(&sample.to_le_bytes());
        }
        w.write_all(&bytes).map_err(&io_err)?;
        left -= (n / channels) as u64;
    }
    Ok(())
}

/// Records the share as an outstanding copy, with its audit entry.
fn record_share(vault: &mut Vault, shared: &Shared, sha256: &[u8; 32]) -> Result<(), ShareError> {
    let recipients_json = serde_json::to_string(&shared.recipients).map_err(AuditError::from)?;
    let change = vault.change()?;
    let made_at = change.now.format(&Rfc3339).map_err(AuditError::from)?;
    change.tx.execute(
        "INSERT INTO copies (id, recording_id, kind, made_at, location, sha256, role,
             from_seconds, until_seconds, recipients)
         VALUES (?1, ?2, 'share', ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            shared.copy_id,
            shared.recording_id,
            made_at,
            shared.out.display().to_string(),
            &sha256[..],
            shared.role.as_str(),
            shared.from_seconds,
            shared.until_seconds,
            recipients_json,
        ],
    )?;
    change.log(
        EventKind::RecordingShared,
        Some(&shared.recording_id),
        &json!({
            "copy_id": shared.copy_id,
            "role": shared.role,
            "from_seconds": shared.from_seconds,
            "until_seconds": shared.until_seconds,
            "recipients": shared.recipients,
            "armor": shared.armor,
            "bytes": shared.bytes,
            "sha256": shared.sha256,
        }),
    )?;
    change.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn roles_parse_and_map_to_the_players_listeners() {
        assert_eq!("tutor".parse::<Role>().unwrap(), Role::Tutor);
        assert_eq!("students".parse::<Role>().unwrap(), Role::Student);
        assert_eq!("supervision".parse::<Role>().unwrap(), Role::Supervisor);
        assert_eq!("self".parse::<Role>().unwrap_err().code(), "invalid_role");
        for role in Role::ALL {
            assert_eq!(role.listener().as_str(), role.as_str());
            assert!(role.listener().audience().is_some());
        }
    }

    #[test]
    fn fingerprints_are_short_stable_and_distinct() {
        let a = age::x25519::Identity::generate().to_public().to_string();
        let b = age::x25519::Identity::generate().to_public().to_string();
        assert_eq!(fingerprint(&a).len(), 16);
        assert_eq!(fingerprint(&a), fingerprint(&format!(" {a}\n")));
        assert_ne!(fingerprint(&a), fingerprint(&b));
    }

    #[test]
    fn recipients_are_checked_and_deduplicated() {
        let a = age::x25519::Identity::generate().to_public().to_string();
        let (_, fps) = encryptor(&Recipients::Keys(vec![a.clone(), a.clone()])).unwrap();
        assert_eq!(fps, vec![fingerprint(&a)]);
        assert_eq!(
            encryptor(&Recipients::Keys(vec!["age1nope".into()]))
                .err()
                .unwrap()
                .code(),
            "invalid_recipient"
        );
        assert!(matches!(
            encryptor(&Recipients::Keys(vec![])),
            Err(ShareError::NoRecipient)
        ));
        assert!(matches!(
            encryptor(&Recipients::Passphrase(SecretString::from(
                "short".to_owned()
            ))),
            Err(ShareError::WeakPassphrase)
        ));
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("clip.age");
        let recipient = age::x25519::Identity::generate().to_public();
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .unwrap();
        let result = write_age(
            &out,
            encryptor,
            false,
            &mut |w| {
                w.write_all(b"RIFF").unwrap();
                Err(ShareError::NoRecipient)
            },
            |source| ShareError::Io {
                path: String::new(),
                source,
            },
        );
        assert!(result.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
