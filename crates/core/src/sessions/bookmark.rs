//! Bookmarks: timestamped supervision notes on a recording.
//!
//! A bookmark marks a position in a finished recording, kept as a frame number (sample-exact,
//! whatever the recording's sample rate) together with a note for supervision. Bookmarks live
//! in the SQLCipher database beside the recording they belong to and go with it when it is
//! destroyed.
//!
//! The note is as confidential as the session itself: it is stored only in the encrypted
//! database. It never goes into tracing logs, error messages or the audit log; audit entries
//! (`bookmark.added`, `bookmark.edited`, `bookmark.removed`) name the bookmark and carry only
//! the recording id and the position.

use std::time::Duration;

use rusqlite::{params, OptionalExtension};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::disclosure::{self, DisclosureError, Recipient, Use};
use crate::sessions::recording::{RecordError, Summary};
use crate::store::audit::{AuditError, EventKind};
use crate::store::db::DbError;
use crate::store::vault::{Vault, VaultError};
use crate::timecode::{self, frame_at, time_of, TimeError};
use crate::written::{check_text, TextProblem};

/// The longest note accepted, in characters (after trimming).
pub const MAX_NOTE_CHARS: usize = 2000;

/// A bookmark: a position in a recording and a supervision note about it.
///
/// Invariants: `at_frame` is at most the recording's length in frames; `at_seconds` is
/// `at_frame` divided by the recording's sample rate; `note` is trimmed, not empty, at most
/// [`MAX_NOTE_CHARS`] characters and free of control characters other than line breaks and
/// tabs. Its `Debug` form leaves the note out, so it cannot reach a log by accident.
#[derive(Clone, PartialEq, serde::Serialize)]
pub struct Bookmark {
    /// The bookmark id (a UUID).
    pub id: String,
    /// The recording it belongs to.
    pub recording_id: String,
    /// Where it is, in seconds from the start of the recording.
    pub at_seconds: f64,
    /// Where it is, in frames from the start of the recording.
    pub at_frame: u64,
    /// The supervision note. Confidential: never log it.
    pub note: String,
    /// When it was added (RFC 3339).
    pub created_at: String,
    /// When it was last changed (RFC 3339); `created_at` until it is edited.
    pub updated_at: String,
}

impl Bookmark {
    /// Where it is, as a time from the start of the recording (to the nanosecond).
    pub fn at(&self) -> Duration {
        Duration::try_from_secs_f64(self.at_seconds).unwrap_or_default()
    }
}

impl std::fmt::Debug for Bookmark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bookmark")
            .field("id", &self.id)
            .field("recording_id", &self.recording_id)
            .field("at_seconds", &self.at_seconds)
            .field("at_frame", &self.at_frame)
            .field(
                "note",
                &format_args!("<{} chars>", self.note.chars().count()),
            )
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// What went wrong with a bookmark. No message ever holds a note's text.
#[derive(Debug, thiserror::Error)]
pub enum BookmarkError {
    /// No bookmark has this id.
    #[error("there is no bookmark with id {0}: see `sessionvault bookmark list RECORDING_ID`")]
    NotFound(String),
    /// No recording has this id.
    #[error("there is no recording with id {0}: see `sessionvault recordings list`")]
    RecordingNotFound(String),
    /// The recording is still being made, so it has no end to place a bookmark against.
    #[error("recording {0} is still being made: bookmark it once it has stopped")]
    StillRecording(String),
    /// The text is not a time in one of the accepted forms, or is negative.
    #[error(transparent)]
    Time(#[from] TimeError),
    /// The time is after the end of the recording.
    #[error("{at} is after the end of recording {recording_id}, which is {length} long")]
    BeyondEnd {
        /// The recording.
        recording_id: String,
        /// The time asked for, as [`format_time`] writes it.
        at: String,
        /// The recording's length, as [`format_time`] writes it.
        length: String,
    },
    /// The note is empty, too long or holds control characters.
    #[error("{}", .0.describe("note", MAX_NOTE_CHARS, Some("write what the bookmark is for")))]
    InvalidNote(TextProblem),
    /// Looking up the recording failed for another reason than its absence.
    #[error(transparent)]
    Recording(RecordError),
    /// The disclosure gate refused: the recording's consent no longer allows notes on it to
    /// be read or written (withdrawn, out of date, altered).
    #[error(transparent)]
    Disclosure(DisclosureError),
    /// A vault or database problem.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl crate::ErrorCode for BookmarkError {
    fn code(&self) -> &'static str {
        match self {
            BookmarkError::NotFound(_) => "bookmark_not_found",
            BookmarkError::RecordingNotFound(_) => "recording_not_found",
            BookmarkError::StillRecording(_) => "still_recording",
            BookmarkError::Time(e) => e.code(),
            BookmarkError::BeyondEnd { .. } => "invalid_time",
            BookmarkError::InvalidNote(_) => "invalid_note",
            BookmarkError::Recording(e) => e.code(),
            BookmarkError::Disclosure(e) => e.code(),
            BookmarkError::Vault(e) => e.code(),
        }
    }
}

impl From<RecordError> for BookmarkError {
    fn from(e: RecordError) -> Self {
        match e {
            RecordError::NotFound(id) => BookmarkError::RecordingNotFound(id),
            RecordError::StillRecording(id) => BookmarkError::StillRecording(id),
            RecordError::Vault(e) => BookmarkError::Vault(e),
            e => BookmarkError::Recording(e),
        }
    }
}

impl From<DisclosureError> for BookmarkError {
    fn from(e: DisclosureError) -> Self {
        match e {
            DisclosureError::RecordingNotFound(id) => BookmarkError::RecordingNotFound(id),
            DisclosureError::StillRecording(id) => BookmarkError::StillRecording(id),
            DisclosureError::Vault(e) => BookmarkError::Vault(e),
            e => BookmarkError::Disclosure(e),
        }
    }
}

crate::store::vault::vault_variant_from!(BookmarkError: rusqlite::Error, DbError, AuditError);

/// Reads a time position in the grammar of [`crate::timecode`]: `90`, `90.5`, `2s`, `25m`,
/// `1h`, `1:30` or `1:02:03.5`.
///
/// Errors: [`BookmarkError::Time`] for a negative time or one that is not a time.
pub fn parse_time(text: &str) -> Result<Duration, BookmarkError> {
    Ok(timecode::parse(text)?)
}

/// Writes a time position as `m:ss.mmm`, or `h:mm:ss.mmm` from an hour on, rounded to the
/// millisecond; [`parse_time`] reads it back.
pub use crate::timecode::format as format_time;

/// Checks a note and returns it trimmed.
///
/// Errors: [`BookmarkError::InvalidNote`] when it is empty after trimming, longer than
/// [`MAX_NOTE_CHARS`] characters, or holds a control character other than a line break or a
/// tab.
pub fn validate_note(note: &str) -> Result<&str, BookmarkError> {
    check_text(note, MAX_NOTE_CHARS).map_err(BookmarkError::InvalidNote)
}

/// The recording a bookmark may be placed on or read from, for `recipient`: it is finished
/// and the disclosure gate allows its notes now.
fn cleared_recording(
    vault: &Vault,
    recording_id: &str,
    recipient: Recipient,
) -> Result<Summary, BookmarkError> {
    let purpose = if recipient == Recipient::Client {
        Use::SubjectAccess
    } else {
        Use::Bookmarks
    };
    Ok(disclosure::clear(vault, recording_id, recipient, purpose)?
        .recording()
        .clone())
}

/// The frame of `at` in `recording`, which must be within it (its very end included).
fn frame_within(recording: &Summary, at: Duration) -> Result<u64, BookmarkError> {
    let beyond = || BookmarkError::BeyondEnd {
        recording_id: recording.id.clone(),
        at: format_time(at),
        length: format_time(time_of(recording.frames, recording.sample_rate)),
    };
    frame_in(at, recording.frames, recording.sample_rate).ok_or_else(beyond)
}

/// The frame of `at` in audio of `frames` frames at `sample_rate`, if it is within it (its
/// very end included).
fn frame_in(at: Duration, frames: u64, sample_rate: u32) -> Option<u64> {
    frame_at(at, sample_rate).filter(|&frame| frame <= frames)
}

fn now_text(change: &crate::store::vault::Change<'_>) -> Result<String, BookmarkError> {
    Ok(change.now.format(&Rfc3339).map_err(AuditError::from)?)
}

/// A bookmark's row as stored.
struct Row {
    id: String,
    recording_id: String,
    at_frame: u64,
    note: String,
    created_at: String,
    updated_at: String,
}

impl Row {
    fn into_bookmark(self, sample_rate: u32) -> Bookmark {
        Bookmark {
            at_seconds: self.at_frame as f64 / f64::from(sample_rate.max(1)),
            id: self.id,
            recording_id: self.recording_id,
            at_frame: self.at_frame,
            note: self.note,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

const SELECT: &str =
    "SELECT id, recording_id, at_frame, note, created_at, updated_at FROM bookmarks";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        recording_id: r.get(1)?,
        at_frame: r.get(2)?,
        note: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

/// Adds a bookmark with `note` at time `at` of recording `recording_id`. `at` becomes the
/// nearest frame at the recording's sample rate. Returns the new bookmark. The addition and
/// its `bookmark.added` audit entry (the recording id and the frame, never the note) are one
/// transaction.
///
/// Errors: [`BookmarkError::RecordingNotFound`], [`BookmarkError::StillRecording`] while the
/// recording is being made, [`BookmarkError::BeyondEnd`] for a time after its end,
/// [`BookmarkError::InvalidNote`], [`BookmarkError::Vault`].
pub fn add(
    vault: &mut Vault,
    recording_id: &str,
    at: Duration,
    note: &str,
) -> Result<Bookmark, BookmarkError> {
    let recording = cleared_recording(vault, recording_id, Recipient::Counsellor)?;
    let at_frame = frame_within(&recording, at)?;
    let note = validate_note(note)?;
    let id = Uuid::new_v4().to_string();
    let change = vault.change()?;
    let now = now_text(&change)?;
    change.tx.execute(
        "INSERT INTO bookmarks (id, recording_id, at_frame, note, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![id, recording.id, at_frame, note, now],
    )?;
    change.log(
        EventKind::BookmarkAdded,
        Some(&id),
        &json!({ "recording_id": recording.id, "at_frame": at_frame }),
    )?;
    change.commit()?;
    tracing::info!(bookmark = %id, recording = %recording.id, at_frame, "bookmark added");
    Ok(Row {
        id,
        recording_id: recording.id,
        at_frame,
        note: note.to_owned(),
        created_at: now.clone(),
        updated_at: now,
    }
    .into_bookmark(recording.sample_rate))
}

/// The bookmarks of recording `recording_id`, in time order (then in the order they were
/// added), for the counsellor, as the disclosure gate allows now.
///
/// Errors: [`BookmarkError::RecordingNotFound`], [`BookmarkError::Disclosure`],
/// [`BookmarkError::Vault`].
pub fn list(vault: &Vault, recording_id: &str) -> Result<Vec<Bookmark>, BookmarkError> {
    list_for(vault, recording_id, Recipient::Counsellor)
}

/// The bookmarks of recording `recording_id` for `recipient` (the counsellor, or the client
/// in their copy of their data), as the disclosure gate allows now.
///
/// Errors: as [`list`].
pub fn list_for(
    vault: &Vault,
    recording_id: &str,
    recipient: Recipient,
) -> Result<Vec<Bookmark>, BookmarkError> {
    let recording = cleared_recording(vault, recording_id, recipient)?;
    let conn = vault.db().conn();
    let mut stmt = conn.prepare(&format!(
        "{SELECT} WHERE recording_id = ?1 ORDER BY at_frame, created_at, id"
    ))?;
    let rows = stmt.query_map([&recording.id], row)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r?.into_bookmark(recording.sample_rate));
    }
    Ok(out)
}

/// The bookmark with id `id`, with the recording it belongs to, for the counsellor, as the
/// disclosure gate allows now.
fn load(vault: &Vault, id: &str) -> Result<(Bookmark, Summary), BookmarkError> {
    let found = vault
        .db()
        .conn()
        .query_row(&format!("{SELECT} WHERE id = ?1"), [id.trim()], row)
        .optional()?
        .ok_or_else(|| BookmarkError::NotFound(id.to_owned()))?;
    let recording = cleared_recording(vault, &found.recording_id, Recipient::Counsellor)?;
    Ok((found.into_bookmark(recording.sample_rate), recording))
}

/// The bookmark with id `id`.
///
/// Errors: [`BookmarkError::NotFound`], [`BookmarkError::Disclosure`],
/// [`BookmarkError::Vault`].
pub fn get(vault: &Vault, id: &str) -> Result<Bookmark, BookmarkError> {
    Ok(load(vault, id)?.0)
}

/// Moves bookmark `id` to time `at` and/or replaces its note, under the same rules as [`add`].
/// Returns the bookmark as it now is. With neither given, nothing changes and nothing is
/// logged. The change and its `bookmark.edited` audit entry (the recording id and the frame,
/// never the note) are one transaction.
///
/// Errors: [`BookmarkError::NotFound`], [`BookmarkError::StillRecording`] (moving a bookmark
/// of a recording being made), [`BookmarkError::BeyondEnd`], [`BookmarkError::InvalidNote`],
/// [`BookmarkError::Vault`].
pub fn edit(
    vault: &mut Vault,
    id: &str,
    at: Option<Duration>,
    note: Option<&str>,
) -> Result<Bookmark, BookmarkError> {
    let (mut bookmark, recording) = load(vault, id)?;
    if at.is_none() && note.is_none() {
        return Ok(bookmark);
    }
    if let Some(at) = at {
        if recording.state == "recording" {
            return Err(BookmarkError::StillRecording(recording.id));
        }
        bookmark.at_frame = frame_within(&recording, at)?;
        bookmark.at_seconds = bookmark.at_frame as f64 / f64::from(recording.sample_rate.max(1));
    }
    if let Some(note) = note {
        bookmark.note = validate_note(note)?.to_owned();
    }
    let change = vault.change()?;
    bookmark.updated_at = now_text(&change)?;
    let changed = change.tx.execute(
        "UPDATE bookmarks SET at_frame = ?2, note = ?3, updated_at = ?4 WHERE id = ?1",
        params![
            bookmark.id,
            bookmark.at_frame,
            bookmark.note,
            bookmark.updated_at
        ],
    )?;
    if changed == 0 {
        // Removed by another process since it was read.
        return Err(BookmarkError::NotFound(id.to_owned()));
    }
    change.log(
        EventKind::BookmarkEdited,
        Some(&bookmark.id),
        &json!({ "recording_id": bookmark.recording_id, "at_frame": bookmark.at_frame }),
    )?;
    change.commit()?;
    tracing::info!(bookmark = %bookmark.id, recording = %bookmark.recording_id, at_frame = bookmark.at_frame, "bookmark edited");
    Ok(bookmark)
}

/// Removes bookmark `id` and returns where it was (its note is not returned: removing needs
/// no disclosure, and is allowed whatever the consent). The removal and its
/// `bookmark.removed` audit entry (the recording id and the frame, never the note) are one
/// transaction.
///
/// Errors: [`BookmarkError::NotFound`], [`BookmarkError::Vault`].
pub fn remove(vault: &mut Vault, id: &str) -> Result<Removed, BookmarkError> {
    let (bookmark_id, recording_id, at_frame): (String, String, u64) = vault
        .db()
        .conn()
        .query_row(
            "SELECT id, recording_id, at_frame FROM bookmarks WHERE id = ?1",
            [id.trim()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or_else(|| BookmarkError::NotFound(id.to_owned()))?;
    let change = vault.change()?;
    let removed = change
        .tx
        .execute("DELETE FROM bookmarks WHERE id = ?1", [&bookmark_id])?;
    if removed == 0 {
        return Err(BookmarkError::NotFound(id.to_owned()));
    }
    change.log(
        EventKind::BookmarkRemoved,
        Some(&bookmark_id),
        &json!({ "recording_id": recording_id, "at_frame": at_frame }),
    )?;
    change.commit()?;
    tracing::info!(bookmark = %bookmark_id, recording = %recording_id, "bookmark removed");
    Ok(Removed {
        id: bookmark_id,
        recording_id,
        at_frame,
    })
}

/// A bookmark that was removed: where it was, without its note.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Removed {
    /// The bookmark id.
    pub id: String,
    /// The recording it was on.
    pub recording_id: String,
    /// Where it was, in frames.
    pub at_frame: u64,
}

#[cfg(test)]
mod tests;
