//! Transcripts: "a written record of exactly what was said during a client session … just a
//! small part of a session, say five to 10 minutes, or … the whole session."
//!
//! A transcript belongs to one finished recording and covers a range of it (an excerpt, or
//! the whole). It is a list of segments, each with a start time, a speaker label and the
//! words. Times are kept as exact frames of the recording, as bookmarks are, so a time never
//! drifts when the text around it is edited; every segment's time stays within the range.
//! Speaker labels default to `T:` (the counsellor, or therapist) and `C:` (the client), and
//! each transcript has its own key of labels and their meanings, printed on exports.
//!
//! Reading, starting, editing and exporting a transcript pass the disclosure gate
//! ([`crate::disclosure`]) at that moment: once the recording's consent is withdrawn, out of
//! date or altered, its words are no longer shown. Transcripts live only in the SQLCipher
//! database and go with their recording when it is shredded. Their text never reaches a log:
//! tracing and the audit log (`transcript.created`, `transcript.edited`, `transcript.exported`)
//! carry ids, frames and counts only.
//!
//! Exports for coursework (TXT, DOCX, PDF; see [`export`]) apply the transcript's
//! anonymisation list ([`anonymise`]) and are refused if an original is still in the text;
//! each file written is recorded as an outstanding copy of the recording.

pub mod anonymise;
mod document;
mod edit;
pub mod export;
mod open;
mod text;

pub use crate::written::{check_text, TextProblem};
pub(crate) use document::long_date;
pub use document::{check_anonymisation, export, range_line};
pub use edit::{
    add_segment, edit_segment, get_segment, remove, remove_segment, save, set_anonymisation,
    set_speakers,
};
use open::now_text;
pub use open::{create, get, get_for, ids_for_client, list};
pub use text::{check_speakers, format_clock, format_stamp, parse_speakers};

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, OptionalExtension};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::copies::NewCopy;
use crate::disclosure::{self, Cleared, DisclosureError, Recipient, Use};
use crate::sessions::recording::{self, RecordError};
use crate::store::audit::{AuditError, EventKind};
use crate::store::db::DbError;
use crate::store::vault::{Vault, VaultError};
use crate::timecode::{frame_at, time_of};
use anonymise::{Leftover, Rule, RuleProblem};
use export::{Block, Document, Exported, Format, Section, WriteError};

/// The longest segment text accepted, in characters.
pub const MAX_SEGMENT_CHARS: usize = 20_000;
/// The most segments one transcript may hold.
pub const MAX_SEGMENTS: usize = 20_000;
/// The longest speaker label, in characters.
pub const MAX_LABEL_CHARS: usize = 12;
/// The longest meaning of a speaker label, in characters.
pub const MAX_MEANING_CHARS: usize = 60;

/// A speaker label and what it means, e.g. `T:` = "Counsellor".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Speaker {
    /// The label written at the start of a line, e.g. `C:`.
    pub label: String,
    /// Who it stands for, e.g. "Client".
    pub meaning: String,
}

/// The default key: `T:` the counsellor (therapist), `C:` the client.
pub fn default_speakers() -> Vec<Speaker> {
    vec![
        Speaker {
            label: "T:".to_owned(),
            meaning: "Counsellor (therapist)".to_owned(),
        },
        Speaker {
            label: "C:".to_owned(),
            meaning: "Client".to_owned(),
        },
    ]
}

/// One segment: a start time, a speaker and the words.
///
/// Invariants: `at_frame` is within the transcript's range; `speaker` is a label of its key;
/// `text` is trimmed, not empty, at most [`MAX_SEGMENT_CHARS`] characters, free of control
/// characters other than line breaks and tabs. Its `Debug` form leaves the text out.
#[derive(Clone, PartialEq, serde::Serialize)]
pub struct Segment {
    /// The segment id (a UUID).
    pub id: String,
    /// The transcript it belongs to.
    pub transcript_id: String,
    /// Where it starts, in frames from the start of the recording.
    pub at_frame: u64,
    /// Where it starts, in seconds from the start of the recording.
    pub at_seconds: f64,
    /// Where it starts, as `[m]m:ss` (what exports print).
    pub at: String,
    /// The speaker label.
    pub speaker: String,
    /// What was said. Confidential: never log it.
    pub text: String,
}

impl std::fmt::Debug for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segment")
            .field("id", &self.id)
            .field("transcript_id", &self.transcript_id)
            .field("at_frame", &self.at_frame)
            .field("speaker", &self.speaker)
            .field(
                "text",
                &format_args!("<{} chars>", self.text.chars().count()),
            )
            .finish()
    }
}

/// A transcript with its segments in time order.
#[derive(Clone, PartialEq, serde::Serialize)]
pub struct Transcript {
    /// The transcript id (a UUID).
    pub id: String,
    /// The recording it transcribes.
    pub recording_id: String,
    /// The recording's client code.
    pub client_code: String,
    /// When the recording was made (RFC 3339).
    pub recorded_at: String,
    /// The recording's sample rate (frames per second).
    pub sample_rate: u32,
    /// Where the range starts, in frames.
    pub from_frame: u64,
    /// Where it ends, in frames.
    pub until_frame: u64,
    /// Where it starts, in seconds.
    pub from_seconds: f64,
    /// Where it ends, in seconds.
    pub until_seconds: f64,
    /// Whether it covers the whole recording.
    pub whole: bool,
    /// The speaker key.
    pub speakers: Vec<Speaker>,
    /// The anonymisation rules applied on export. Confidential: never log them.
    pub anonymisation: Vec<Rule>,
    /// The segments, in time order.
    pub segments: Vec<Segment>,
    /// When it was started (RFC 3339).
    pub created_at: String,
    /// When it was last changed (RFC 3339).
    pub updated_at: String,
}

impl std::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transcript")
            .field("id", &self.id)
            .field("recording_id", &self.recording_id)
            .field("from_frame", &self.from_frame)
            .field("until_frame", &self.until_frame)
            .field("segments", &self.segments)
            .field("rules", &self.anonymisation.len())
            .finish()
    }
}

/// A transcript as listed: without its text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Listed {
    /// The transcript id.
    pub id: String,
    /// The recording it transcribes.
    pub recording_id: String,
    /// Where the range starts, in seconds.
    pub from_seconds: f64,
    /// Where it ends, in seconds.
    pub until_seconds: f64,
    /// How many segments it has.
    pub segments: u64,
    /// When it was last changed.
    pub updated_at: String,
}

/// A segment to store, for [`add_segment`] and [`save`].
#[derive(Debug, Clone, Copy)]
pub struct NewSegment<'a> {
    /// For [`save`]: the id of an existing segment of the transcript to keep, so an editor's
    /// references stay valid; `None` for a new segment.
    pub id: Option<&'a str>,
    /// Where it starts, from the start of the recording.
    pub at: Duration,
    /// The speaker label.
    pub speaker: &'a str,
    /// What was said.
    pub text: &'a str,
}

/// What went wrong with a transcript. No message holds a transcript's text or an original
/// of its anonymisation list.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    /// No transcript has this id.
    #[error("there is no transcript with id {0}: see `sessionvault transcript list RECORDING_ID`")]
    NotFound(String),
    /// No segment has this id.
    #[error("there is no transcript segment with id {0}: see `sessionvault transcript show TRANSCRIPT_ID`")]
    SegmentNotFound(String),
    /// No recording has this id.
    #[error("there is no recording with id {0}: see `sessionvault recordings list`")]
    RecordingNotFound(String),
    /// The recording is still being made.
    #[error("recording {0} is still being made: transcribe it once it has stopped")]
    StillRecording(String),
    /// The text is not a time.
    #[error("{0}")]
    BadTime(String),
    /// The range is empty, reversed or beyond the recording's end.
    #[error("the range {from}–{until} is not within recording {recording_id} ({length} long) or is empty")]
    InvalidRange {
        /// The recording.
        recording_id: String,
        /// Where the range was to start.
        from: String,
        /// Where it was to end.
        until: String,
        /// The recording's length.
        length: String,
    },
    /// A segment's time is outside the transcript's range.
    #[error("{at} is outside this transcript's range {from}–{until}")]
    OutsideRange {
        /// The time asked for.
        at: String,
        /// The range's start.
        from: String,
        /// The range's end.
        until: String,
    },
    /// A segment's speaker is not in the transcript's key.
    #[error("{0:?} is not a speaker of this transcript's key: set the key with --speakers, e.g. \"T:=Counsellor,C:=Client\"")]
    UnknownSpeaker(String),
    /// The speaker key is not valid.
    #[error("{0}")]
    InvalidSpeakers(String),
    /// A label still used by segments would leave the key.
    #[error("the speaker label {0:?} is still used by segments: change them first")]
    SpeakerInUse(String),
    /// A segment's text is empty, too long or holds control characters.
    #[error("{}", .0.describe("text", MAX_SEGMENT_CHARS, Some("write what was said")))]
    InvalidText(TextProblem),
    /// Too many segments.
    #[error("a transcript holds at most {MAX_SEGMENTS} segments")]
    TooManySegments,
    /// The anonymisation list is not valid.
    #[error(transparent)]
    InvalidRules(#[from] RuleProblem),
    /// The export still holds originals of the anonymisation list: refused.
    #[error("the export was refused: {}", anonymise::describe(.0))]
    NotAnonymised(Vec<Leftover>),
    /// The export format is not known.
    #[error(transparent)]
    BadFormat(#[from] export::UnknownFormat),
    /// The export file could not be written.
    #[error("could not write {path}: {detail}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        detail: String,
    },
    /// Looking up the recording failed for another reason than its absence.
    #[error(transparent)]
    Recording(RecordError),
    /// The disclosure gate refused: the recording's consent no longer allows its words to be
    /// read (withdrawn, out of date, altered).
    #[error(transparent)]
    Disclosure(DisclosureError),
    /// A vault or database problem.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl crate::ErrorCode for TranscriptError {
    fn code(&self) -> &'static str {
        match self {
            TranscriptError::NotFound(_) => "transcript_not_found",
            TranscriptError::SegmentNotFound(_) => "segment_not_found",
            TranscriptError::RecordingNotFound(_) => "recording_not_found",
            TranscriptError::StillRecording(_) => "still_recording",
            TranscriptError::BadTime(_) | TranscriptError::OutsideRange { .. } => "invalid_time",
            TranscriptError::InvalidRange { .. } => "invalid_range",
            TranscriptError::UnknownSpeaker(_)
            | TranscriptError::InvalidSpeakers(_)
            | TranscriptError::SpeakerInUse(_) => "invalid_speaker",
            TranscriptError::InvalidText(_) | TranscriptError::TooManySegments => "invalid_text",
            TranscriptError::InvalidRules(_) => "invalid_anonymisation",
            TranscriptError::NotAnonymised(_) => "anonymisation_incomplete",
            TranscriptError::BadFormat(_) => "invalid_input",
            TranscriptError::Write { .. } => "io_failed",
            TranscriptError::Recording(e) => e.code(),
            TranscriptError::Disclosure(e) => e.code(),
            TranscriptError::Vault(e) => e.code(),
        }
    }
}

impl From<RecordError> for TranscriptError {
    fn from(e: RecordError) -> Self {
        match e {
            RecordError::NotFound(id) => TranscriptError::RecordingNotFound(id),
            RecordError::StillRecording(id) => TranscriptError::StillRecording(id),
            RecordError::Vault(e) => TranscriptError::Vault(e),
            e => TranscriptError::Recording(e),
        }
    }
}

impl From<DisclosureError> for TranscriptError {
    fn from(e: DisclosureError) -> Self {
        match e {
            DisclosureError::RecordingNotFound(id) => TranscriptError::RecordingNotFound(id),
            DisclosureError::StillRecording(id) => TranscriptError::StillRecording(id),
            DisclosureError::Vault(e) => TranscriptError::Vault(e),
            e => TranscriptError::Disclosure(e),
        }
    }
}

crate::store::vault::vault_variant_from!(TranscriptError: rusqlite::Error, DbError, AuditError);

impl From<crate::sessions::bookmark::BookmarkError> for TranscriptError {
    fn from(e: crate::sessions::bookmark::BookmarkError) -> Self {
        TranscriptError::BadTime(e.to_string())
    }
}

impl From<WriteError> for TranscriptError {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Io(path, source) => TranscriptError::Write {
                path,
                detail: source.to_string(),
            },
            WriteError::Docx(detail) => TranscriptError::Write {
                path: "the DOCX".to_owned(),
                detail,
            },
            WriteError::Vault(e) => TranscriptError::Vault(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn stamps_and_clocks() {
        assert_eq!(format_stamp(Duration::from_millis(312_900)), "05:12");
        assert_eq!(format_stamp(Duration::from_secs(3723)), "1:02:03");
        assert_eq!(format_clock(Duration::from_secs(750)), "00:12:30");
        assert_eq!(long_date("2027-07-03T10:00:00Z"), "3 Jul 2027");
    }

    #[test]
    fn speaker_keys_are_read_and_checked() {
        let key = parse_speakers(" T:=Counsellor , C:=Client,S:=Supervisor ").unwrap();
        assert_eq!(key.len(), 3);
        assert_eq!(key[0].label, "T:");
        assert_eq!(key[2].meaning, "Supervisor");
        for bad in ["", "T:", "T:=", "T:=a,T:=b", "T C:=x"] {
            let e = parse_speakers(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_speaker", "{bad:?}");
        }
    }

    #[test]
    fn text_is_checked_without_echoing_it() {
        assert_eq!(check_text("secret", 3), Err(TextProblem::TooLong(6)));
        let e = TranscriptError::InvalidText(TextProblem::TooLong(6));
        assert!(!e.to_string().contains("secret"));
    }
}
