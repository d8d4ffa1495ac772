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
pub mod export;

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, OptionalExtension};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::disclosure::{self, Cleared, DisclosureError, Recipient, Use};
use crate::retention::copies::NewCopy;
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

/// What is wrong with a piece of text. No variant holds the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    /// Nothing but white space.
    Empty,
    /// Longer than allowed (the count is given).
    TooLong(usize),
    /// Holds a control character other than a line break or a tab.
    ControlCharacter,
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
    #[error("{}", describe_text(*.0))]
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

fn describe_text(problem: TextProblem) -> String {
    match problem {
        TextProblem::Empty => "the text is empty: write what was said".to_owned(),
        TextProblem::TooLong(chars) => {
            format!("the text has {chars} characters: at most {MAX_SEGMENT_CHARS} are kept")
        }
        TextProblem::ControlCharacter => {
            "the text holds control characters: only text, line breaks and tabs are kept".to_owned()
        }
    }
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

impl From<rusqlite::Error> for TranscriptError {
    fn from(e: rusqlite::Error) -> Self {
        TranscriptError::Vault(DbError::from(e).into())
    }
}

impl From<DbError> for TranscriptError {
    fn from(e: DbError) -> Self {
        TranscriptError::Vault(e.into())
    }
}

impl From<AuditError> for TranscriptError {
    fn from(e: AuditError) -> Self {
        TranscriptError::Vault(e.into())
    }
}

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

/// Writes a time as exports print it: `mm:ss`, or `h:mm:ss` from an hour on (whole seconds,
/// rounded down, so a line never shows a time after its words begin).
pub fn format_stamp(at: Duration) -> String {
    let s = at.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// Writes a time as `hh:mm:ss` (for ranges in headers).
pub fn format_clock(at: Duration) -> String {
    let s = at.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Checks a piece of text (a segment's words, a case study's body) and returns it trimmed.
///
/// Errors: [`TextProblem`] when it is empty, longer than `max` characters, or holds control
/// characters other than line breaks and tabs.
pub fn check_text(text: &str, max: usize) -> Result<&str, TextProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TextProblem::Empty);
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(TextProblem::TooLong(chars));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(TextProblem::ControlCharacter);
    }
    Ok(text)
}

/// Reads a speaker key written `LABEL=Meaning,LABEL=Meaning` (e.g. `T:=Counsellor,C:=Client`)
/// and checks it as [`check_speakers`] does.
///
/// Errors: [`TranscriptError::InvalidSpeakers`].
pub fn parse_speakers(text: &str) -> Result<Vec<Speaker>, TranscriptError> {
    let mut out = Vec::new();
    for part in text.split(',').filter(|p| !p.trim().is_empty()) {
        let (label, meaning) = part.split_once('=').ok_or_else(|| {
            TranscriptError::InvalidSpeakers(
                "write the speaker key as LABEL=Meaning pairs separated by commas, e.g. \
                 \"T:=Counsellor,C:=Client\""
                    .to_owned(),
            )
        })?;
        out.push(Speaker {
            label: label.to_owned(),
            meaning: meaning.to_owned(),
        });
    }
    check_speakers(out)
}

/// Checks a speaker key and returns it trimmed: 1 to 20 entries; labels of 1 to
/// [`MAX_LABEL_CHARS`] characters without spaces, `=` or `,`, all different; meanings of 1
/// to [`MAX_MEANING_CHARS`] characters.
///
/// Errors: [`TranscriptError::InvalidSpeakers`].
pub fn check_speakers(speakers: Vec<Speaker>) -> Result<Vec<Speaker>, TranscriptError> {
    let bad = |why: String| TranscriptError::InvalidSpeakers(why);
    if speakers.is_empty() || speakers.len() > 20 {
        return Err(bad("a speaker key has 1 to 20 labels".to_owned()));
    }
    let mut out: Vec<Speaker> = Vec::new();
    for s in speakers {
        let label = s.label.trim().to_owned();
        let meaning = s.meaning.trim().to_owned();
        let label_chars = label.chars().count();
        if label_chars == 0
            || label_chars > MAX_LABEL_CHARS
            || label
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '=' || c == ',')
        {
            return Err(bad(format!(
                "a speaker label is 1 to {MAX_LABEL_CHARS} characters without spaces, such as T: \
                 or C:"
            )));
        }
        let meaning_chars = meaning.chars().count();
        if meaning_chars == 0
            || meaning_chars > MAX_MEANING_CHARS
            || meaning.chars().any(char::is_control)
        {
            return Err(bad(format!(
                "the meaning of speaker label {label:?} must be 1 to {MAX_MEANING_CHARS} \
                 characters"
            )));
        }
        if out.iter().any(|o| o.label == label) {
            return Err(bad(format!("the speaker label {label:?} is given twice")));
        }
        out.push(Speaker { label, meaning });
    }
    Ok(out)
}

fn now_text(change: &crate::store::vault::Change<'_>) -> Result<String, TranscriptError> {
    Ok(change.now.format(&Rfc3339).map_err(AuditError::from)?)
}

/// A transcript's row as stored.
struct Row {
    id: String,
    recording_id: String,
    from_frame: u64,
    until_frame: u64,
    speakers: String,
    anonymisation: String,
    created_at: String,
    updated_at: String,
}

const SELECT: &str = "SELECT id, recording_id, from_frame, until_frame, speakers, anonymisation, \
                      created_at, updated_at FROM transcripts";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        recording_id: r.get(1)?,
        from_frame: r.get(2)?,
        until_frame: r.get(3)?,
        speakers: r.get(4)?,
        anonymisation: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

fn segment_of(r: &rusqlite::Row<'_>, rate: u32) -> rusqlite::Result<Segment> {
    let at_frame: u64 = r.get(2)?;
    Ok(Segment {
        id: r.get(0)?,
        transcript_id: r.get(1)?,
        at_frame,
        at_seconds: at_frame as f64 / f64::from(rate.max(1)),
        at: format_stamp(time_of(at_frame, rate)),
        speaker: r.get(3)?,
        text: r.get(4)?,
    })
}

/// A transcript with its text: only for a recording the gate cleared.
fn assemble(vault: &Vault, found: Row, cleared: &Cleared) -> Result<Transcript, TranscriptError> {
    let recording = cleared.recording();
    if recording.id != found.recording_id {
        return Err(TranscriptError::NotFound(found.id));
    }
    let rate = recording.sample_rate;
    let conn = vault.db().conn();
    let mut stmt = conn.prepare(
        "SELECT id, transcript_id, at_frame, speaker, text FROM transcript_segments
         WHERE transcript_id = ?1 ORDER BY at_frame, seq, id",
    )?;
    let segments = stmt
        .query_map([&found.id], |r| segment_of(r, rate))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Transcript {
        from_seconds: found.from_frame as f64 / f64::from(rate.max(1)),
        until_seconds: found.until_frame as f64 / f64::from(rate.max(1)),
        whole: found.from_frame == 0 && found.until_frame >= recording.frames,
        speakers: serde_json::from_str(&found.speakers).unwrap_or_else(|_| default_speakers()),
        anonymisation: serde_json::from_str(&found.anonymisation).unwrap_or_default(),
        id: found.id,
        recording_id: found.recording_id,
        client_code: recording.client_code.clone(),
        recorded_at: recording.started_at.clone(),
        sample_rate: rate,
        from_frame: found.from_frame,
        until_frame: found.until_frame,
        segments,
        created_at: found.created_at,
        updated_at: found.updated_at,
    })
}

/// Starts a transcript of recording `recording_id` over `from`..`until` (default: the whole
/// recording) with speaker key `speakers` (default: [`default_speakers`]). The creation and
/// its `transcript.created` audit entry (recording id and frames) are one transaction.
///
/// Errors: [`TranscriptError::RecordingNotFound`], [`TranscriptError::StillRecording`],
/// [`TranscriptError::InvalidRange`] for an empty range or one past the end,
/// [`TranscriptError::InvalidSpeakers`], [`TranscriptError::Vault`].
pub fn create(
    vault: &mut Vault,
    recording_id: &str,
    from: Option<Duration>,
    until: Option<Duration>,
    speakers: Option<Vec<Speaker>>,
) -> Result<Transcript, TranscriptError> {
    let cleared = disclosure::clear(vault, recording_id, Recipient::Counsellor, Use::Transcript)?;
    let recording = cleared.recording().clone();
    let rate = recording.sample_rate;
    let length = time_of(recording.frames, rate);
    let from = from.unwrap_or_default();
    let until = until.unwrap_or(length);
    let invalid = || TranscriptError::InvalidRange {
        recording_id: recording.id.clone(),
        from: format_clock(from),
        until: format_clock(until),
        length: format_clock(length),
    };
    let from_frame = frame_at(from, rate).ok_or_else(invalid)?;
    let until_frame = frame_at(until, rate).ok_or_else(invalid)?;
    if from_frame >= until_frame || until_frame > recording.frames {
        return Err(invalid());
    }
    let speakers = check_speakers(speakers.unwrap_or_else(default_speakers))?;
    let speakers_json = serde_json::to_string(&speakers).map_err(AuditError::from)?;
    let id = Uuid::new_v4().to_string();
    let change = vault.change()?;
    let now = now_text(&change)?;
    change.tx.execute(
        "INSERT INTO transcripts (id, recording_id, from_frame, until_frame, speakers,
                                  anonymisation, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, '[]', ?6, ?6)",
        params![
            id,
            recording.id,
            from_frame,
            until_frame,
            speakers_json,
            now
        ],
    )?;
    change.log(
        EventKind::TranscriptCreated,
        Some(&id),
        &json!({
            "recording_id": recording.id,
            "from_frame": from_frame,
            "until_frame": until_frame,
        }),
    )?;
    change.commit()?;
    tracing::info!(transcript = %id, recording = %recording.id, from_frame, until_frame, "transcript created");
    get(vault, &id)
}

/// The transcripts of recording `recording_id`, oldest first, without their text.
///
/// Errors: [`TranscriptError::RecordingNotFound`], [`TranscriptError::Vault`].
pub fn list(vault: &Vault, recording_id: &str) -> Result<Vec<Listed>, TranscriptError> {
    let recording = recording::get(vault, recording_id)?;
    let rate = f64::from(recording.sample_rate.max(1));
    let conn = vault.db().conn();
    let mut stmt = conn.prepare(
        "SELECT t.id, t.recording_id, t.from_frame, t.until_frame, t.updated_at,
                (SELECT count(*) FROM transcript_segments s WHERE s.transcript_id = t.id)
         FROM transcripts t WHERE t.recording_id = ?1 ORDER BY t.created_at, t.id",
    )?;
    let rows = stmt.query_map([&recording.id], |r| {
        Ok(Listed {
            id: r.get(0)?,
            recording_id: r.get(1)?,
            from_seconds: r.get::<_, u64>(2)? as f64 / rate,
            until_seconds: r.get::<_, u64>(3)? as f64 / rate,
            updated_at: r.get(4)?,
            segments: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The transcript with id `id`, with its segments in time order, for the counsellor. Its
/// recording passes the disclosure gate first.
///
/// Errors: [`TranscriptError::NotFound`], [`TranscriptError::Disclosure`],
/// [`TranscriptError::Vault`].
pub fn get(vault: &Vault, id: &str) -> Result<Transcript, TranscriptError> {
    get_for(vault, id, Recipient::Counsellor)
}

/// The transcript with id `id`, for `recipient`: the counsellor, or the client it is about
/// (subject access), as the disclosure gate allows now.
///
/// Errors: as [`get`].
pub fn get_for(
    vault: &Vault,
    id: &str,
    recipient: Recipient,
) -> Result<Transcript, TranscriptError> {
    let found = vault
        .db()
        .conn()
        .query_row(&format!("{SELECT} WHERE id = ?1"), [id.trim()], row)
        .optional()?
        .ok_or_else(|| TranscriptError::NotFound(id.to_owned()))?;
    let purpose = if recipient == Recipient::Client {
        Use::SubjectAccess
    } else {
        Use::Transcript
    };
    let cleared = disclosure::clear(vault, &found.recording_id, recipient, purpose)?;
    assemble(vault, found, &cleared)
}

/// The ids of every transcript of every recording of client `client_code` (for subject
/// access), oldest recording first. Read each with [`get_for`].
///
/// Errors: [`TranscriptError::Vault`].
pub fn ids_for_client(vault: &Vault, client_code: &str) -> Result<Vec<String>, TranscriptError> {
    let conn = vault.db().conn();
    let mut stmt = conn.prepare(
        "SELECT t.id FROM transcripts t JOIN recordings r ON r.id = t.recording_id
         WHERE r.client_code = ?1 ORDER BY r.started_at, t.created_at, t.id",
    )?;
    let rows = stmt.query_map([client_code.trim()], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The frame of `at` in `transcript`, which must be within its range.
fn frame_in_range(transcript: &Transcript, at: Duration) -> Result<u64, TranscriptError> {
    let rate = transcript.sample_rate;
    let outside = || TranscriptError::OutsideRange {
        at: format_clock(at),
        from: format_clock(time_of(transcript.from_frame, rate)),
        until: format_clock(time_of(transcript.until_frame, rate)),
    };
    frame_at(at, rate)
        .filter(|f| (transcript.from_frame..=transcript.until_frame).contains(f))
        .ok_or_else(outside)
}

fn check_speaker<'a>(
    transcript: &Transcript,
    speaker: &'a str,
) -> Result<&'a str, TranscriptError> {
    let speaker = speaker.trim();
    if transcript.speakers.iter().any(|s| s.label == speaker) {
        Ok(speaker)
    } else {
        Err(TranscriptError::UnknownSpeaker(speaker.to_owned()))
    }
}

fn log_edit(
    change: &crate::store::vault::Change<'_>,
    transcript: &Transcript,
    what: &str,
    segments: usize,
) -> Result<String, TranscriptError> {
    let now = now_text(change)?;
    change.tx.execute(
        "UPDATE transcripts SET updated_at = ?2 WHERE id = ?1",
        params![transcript.id, now],
    )?;
    change.log(
        EventKind::TranscriptEdited,
        Some(&transcript.id),
        &json!({
            "recording_id": transcript.recording_id,
            "change": what,
            "segments": segments,
        }),
    )?;
    Ok(now)
}

fn next_seq(tx: &rusqlite::Transaction<'_>, id: &str) -> Result<i64, TranscriptError> {
    Ok(tx.query_row(
        "SELECT coalesce(max(seq), -1) + 1 FROM transcript_segments WHERE transcript_id = ?1",
        [id],
        |r| r.get(0),
    )?)
}

/// Adds a segment to transcript `id` and returns it. Logged as `transcript.edited`.
///
/// Errors: [`TranscriptError::NotFound`], [`TranscriptError::OutsideRange`],
/// [`TranscriptError::UnknownSpeaker`], [`TranscriptError::InvalidText`],
/// [`TranscriptError::TooManySegments`], [`TranscriptError::Vault`].
pub fn add_segment(
    vault: &mut Vault,
    id: &str,
    segment: &NewSegment<'_>,
) -> Result<Segment, TranscriptError> {
    let transcript = get(vault, id)?;
    if transcript.segments.len() >= MAX_SEGMENTS {
        return Err(TranscriptError::TooManySegments);
    }
    let at_frame = frame_in_range(&transcript, segment.at)?;
    let speaker = check_speaker(&transcript, segment.speaker)?;
    let text = check_text(segment.text, MAX_SEGMENT_CHARS).map_err(TranscriptError::InvalidText)?;
    let segment_id = Uuid::new_v4().to_string();
    let change = vault.change()?;
    let seq = next_seq(&change.tx, &transcript.id)?;
    change.tx.execute(
        "INSERT INTO transcript_segments (id, transcript_id, at_frame, seq, speaker, text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![segment_id, transcript.id, at_frame, seq, speaker, text],
    )?;
    log_edit(
        &change,
        &transcript,
        "segment_added",
        transcript.segments.len() + 1,
    )?;
    change.commit()?;
    tracing::info!(transcript = %transcript.id, segment = %segment_id, at_frame, "segment added");
    get_segment(vault, &segment_id)
}

/// The segment with id `id`.
///
/// Errors: [`TranscriptError::SegmentNotFound`], [`TranscriptError::Vault`].
pub fn get_segment(vault: &Vault, id: &str) -> Result<Segment, TranscriptError> {
    let transcript_id: String = vault
        .db()
        .conn()
        .query_row(
            "SELECT transcript_id FROM transcript_segments WHERE id = ?1",
            [id.trim()],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| TranscriptError::SegmentNotFound(id.to_owned()))?;
    get(vault, &transcript_id)?
        .segments
        .into_iter()
        .find(|s| s.id == id.trim())
        .ok_or_else(|| TranscriptError::SegmentNotFound(id.to_owned()))
}

/// Changes segment `id`: its time, speaker and/or text. What is not given stays as it was, so
/// editing the text never moves the time. Returns the segment as it now is; with nothing
/// given, nothing changes and nothing is logged.
///
/// Errors: [`TranscriptError::SegmentNotFound`], [`TranscriptError::OutsideRange`],
/// [`TranscriptError::UnknownSpeaker`], [`TranscriptError::InvalidText`],
/// [`TranscriptError::Vault`].
pub fn edit_segment(
    vault: &mut Vault,
    id: &str,
    at: Option<Duration>,
    speaker: Option<&str>,
    text: Option<&str>,
) -> Result<Segment, TranscriptError> {
    let segment = get_segment(vault, id)?;
    if at.is_none() && speaker.is_none() && text.is_none() {
        return Ok(segment);
    }
    let transcript = get(vault, &segment.transcript_id)?;
    let at_frame = match at {
        Some(at) => frame_in_range(&transcript, at)?,
        None => segment.at_frame,
    };
    let speaker = match speaker {
        Some(s) => check_speaker(&transcript, s)?.to_owned(),
        None => segment.speaker.clone(),
    };
    let text = match text {
        Some(t) => check_text(t, MAX_SEGMENT_CHARS)
            .map_err(TranscriptError::InvalidText)?
            .to_owned(),
        None => segment.text.clone(),
    };
    let change = vault.change()?;
    let changed = change.tx.execute(
        "UPDATE transcript_segments SET at_frame = ?2, speaker = ?3, text = ?4 WHERE id = ?1",
        params![segment.id, at_frame, speaker, text],
    )?;
    if changed == 0 {
        return Err(TranscriptError::SegmentNotFound(id.to_owned()));
    }
    log_edit(
        &change,
        &transcript,
        "segment_edited",
        transcript.segments.len(),
    )?;
    change.commit()?;
    tracing::info!(transcript = %transcript.id, segment = %segment.id, at_frame, "segment edited");
    get_segment(vault, &segment.id)
}

/// Removes segment `id` and returns it as it was. Logged as `transcript.edited`.
///
/// Errors: [`TranscriptError::SegmentNotFound`], [`TranscriptError::Vault`].
pub fn remove_segment(vault: &mut Vault, id: &str) -> Result<Segment, TranscriptError> {
    let segment = get_segment(vault, id)?;
    let transcript = get(vault, &segment.transcript_id)?;
    let change = vault.change()?;
    let removed = change.tx.execute(
        "DELETE FROM transcript_segments WHERE id = ?1",
        [&segment.id],
    )?;
    if removed == 0 {
        return Err(TranscriptError::SegmentNotFound(id.to_owned()));
    }
    log_edit(
        &change,
        &transcript,
        "segment_removed",
        transcript.segments.len().saturating_sub(1),
    )?;
    change.commit()?;
    tracing::info!(transcript = %transcript.id, segment = %segment.id, "segment removed");
    Ok(segment)
}

/// Deletes transcript `id` with its segments, and returns what it was (without its text:
/// deleting needs no disclosure, and is allowed whatever the consent). Copies exported from
/// it stay listed as outstanding until recorded destroyed. Logged as `transcript.removed`
/// (ids and the segment count; never text).
///
/// Errors: [`TranscriptError::NotFound`], [`TranscriptError::Vault`].
pub fn remove(vault: &mut Vault, id: &str) -> Result<Listed, TranscriptError> {
    let (recording_id, segments): (String, u64) = vault
        .db()
        .conn()
        .query_row(
            "SELECT t.recording_id,
                    (SELECT count(*) FROM transcript_segments s WHERE s.transcript_id = t.id)
             FROM transcripts t WHERE t.id = ?1",
            [id.trim()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| TranscriptError::NotFound(id.to_owned()))?;
    let listed = list(vault, &recording_id)?
        .into_iter()
        .find(|t| t.id == id.trim())
        .ok_or_else(|| TranscriptError::NotFound(id.to_owned()))?;
    let change = vault.change()?;
    change
        .tx
        .execute("DELETE FROM transcripts WHERE id = ?1", [&listed.id])?;
    change.log(
        EventKind::TranscriptRemoved,
        Some(&listed.id),
        &json!({ "recording_id": recording_id, "segments": segments }),
    )?;
    change.commit()?;
    tracing::info!(transcript = %listed.id, "transcript removed");
    Ok(listed)
}

/// Replaces all the segments of transcript `id` with `segments`, in one transaction (the
/// editor's autosave), and returns the transcript as saved. Segments naming an existing id
/// keep it; the order among segments of the same time is the order given. One
/// `transcript.edited` entry is logged per save. Nothing is stored if any segment is refused.
///
/// Errors: [`TranscriptError::NotFound`], [`TranscriptError::SegmentNotFound`] for an id not
/// of this transcript (or given twice), [`TranscriptError::OutsideRange`],
/// [`TranscriptError::UnknownSpeaker`], [`TranscriptError::InvalidText`],
/// [`TranscriptError::TooManySegments`], [`TranscriptError::Vault`].
pub fn save(
    vault: &mut Vault,
    id: &str,
    segments: &[NewSegment<'_>],
) -> Result<Transcript, TranscriptError> {
    let transcript = get(vault, id)?;
    if segments.len() > MAX_SEGMENTS {
        return Err(TranscriptError::TooManySegments);
    }
    let mut rows: Vec<(String, u64, &str, &str)> = Vec::with_capacity(segments.len());
    for s in segments {
        let segment_id = match s.id.map(str::trim) {
            Some(given) => {
                let known = transcript.segments.iter().any(|k| k.id == given);
                if !known || rows.iter().any(|r| r.0 == given) {
                    return Err(TranscriptError::SegmentNotFound(given.to_owned()));
                }
                given.to_owned()
            }
            None => Uuid::new_v4().to_string(),
        };
        let at_frame = frame_in_range(&transcript, s.at)?;
        let speaker = check_speaker(&transcript, s.speaker)?;
        let text = check_text(s.text, MAX_SEGMENT_CHARS).map_err(TranscriptError::InvalidText)?;
        rows.push((segment_id, at_frame, speaker, text));
    }
    let change = vault.change()?;
    change.tx.execute(
        "DELETE FROM transcript_segments WHERE transcript_id = ?1",
        [&transcript.id],
    )?;
    for (seq, (segment_id, at_frame, speaker, text)) in rows.iter().enumerate() {
        change.tx.execute(
            "INSERT INTO transcript_segments (id, transcript_id, at_frame, seq, speaker, text)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                segment_id,
                transcript.id,
                at_frame,
                seq as i64,
                speaker,
                text
            ],
        )?;
    }
    log_edit(&change, &transcript, "saved", rows.len())?;
    change.commit()?;
    tracing::info!(transcript = %transcript.id, segments = rows.len(), "transcript saved");
    get(vault, &transcript.id)
}

/// Sets the speaker key of transcript `id`. Labels used by segments must stay in it.
///
/// Errors: [`TranscriptError::NotFound`], [`TranscriptError::InvalidSpeakers`],
/// [`TranscriptError::SpeakerInUse`], [`TranscriptError::Vault`].
pub fn set_speakers(
    vault: &mut Vault,
    id: &str,
    speakers: Vec<Speaker>,
) -> Result<Transcript, TranscriptError> {
    let transcript = get(vault, id)?;
    let speakers = check_speakers(speakers)?;
    if let Some(used) = transcript
        .segments
        .iter()
        .find(|s| !speakers.iter().any(|k| k.label == s.speaker))
    {
        return Err(TranscriptError::SpeakerInUse(used.speaker.clone()));
    }
    let text = serde_json::to_string(&speakers).map_err(AuditError::from)?;
    let change = vault.change()?;
    change.tx.execute(
        "UPDATE transcripts SET speakers = ?2 WHERE id = ?1",
        params![transcript.id, text],
    )?;
    log_edit(&change, &transcript, "speakers", transcript.segments.len())?;
    change.commit()?;
    get(vault, &transcript.id)
}

/// Sets the anonymisation list of transcript `id` (see [`anonymise`]); an empty list clears
/// it. Logged as `transcript.edited` with the number of rules only.
///
/// Errors: [`TranscriptError::NotFound`], [`TranscriptError::InvalidRules`],
/// [`TranscriptError::Vault`].
pub fn set_anonymisation(
    vault: &mut Vault,
    id: &str,
    rules: Vec<Rule>,
) -> Result<Transcript, TranscriptError> {
    let transcript = get(vault, id)?;
    let rules = anonymise::check_rules(rules)?;
    let text = serde_json::to_string(&rules).map_err(AuditError::from)?;
    let change = vault.change()?;
    change.tx.execute(
        "UPDATE transcripts SET anonymisation = ?2 WHERE id = ?1",
        params![transcript.id, text],
    )?;
    log_edit(&change, &transcript, "anonymisation", rules.len())?;
    change.commit()?;
    get(vault, &transcript.id)
}

/// "3 Jul 2027" from an RFC 3339 time (its date as written).
pub(crate) fn long_date(rfc3339: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    match time::OffsetDateTime::parse(rfc3339, &Rfc3339) {
        Ok(t) => format!(
            "{} {} {}",
            t.day(),
            MONTHS[usize::from(u8::from(t.month())) - 1],
            t.year()
        ),
        Err(_) => rfc3339.get(..10).unwrap_or(rfc3339).to_owned(),
    }
}

/// The header line naming the range: "Excerpt 00:05:00–00:12:30 of the session of 3 Jul
/// 2027", or "The whole session of 3 Jul 2027 (00:00:00–00:25:00)".
pub fn range_line(transcript: &Transcript) -> String {
    let rate = transcript.sample_rate;
    let from = format_clock(time_of(transcript.from_frame, rate));
    let until = format_clock(time_of(transcript.until_frame, rate));
    let date = long_date(&transcript.recorded_at);
    if transcript.whole {
        format!("The whole session of {date} ({from}\u{2013}{until})")
    } else {
        format!("Excerpt {from}\u{2013}{until} of the session of {date}")
    }
}

/// The document an export writes: the anonymisation list applied to every line.
fn document(transcript: &Transcript) -> Document {
    let rules = &transcript.anonymisation;
    let mut facts = vec![
        ("Client code".to_owned(), transcript.client_code.clone()),
        ("Range".to_owned(), range_line(transcript)),
        ("Recording".to_owned(), transcript.recording_id.clone()),
    ];
    if !rules.is_empty() {
        facts.push((
            "Anonymised".to_owned(),
            format!("{} name(s) and identifying detail(s) replaced", rules.len()),
        ));
    }
    let key = transcript
        .speakers
        .iter()
        .map(|s| Block::Key(s.label.clone(), anonymise::apply(&s.meaning, rules)))
        .collect();
    let lines = transcript
        .segments
        .iter()
        .map(|s| Block::Timed {
            time: s.at.clone(),
            speaker: s.speaker.clone(),
            text: anonymise::apply(&s.text, rules),
        })
        .collect();
    Document {
        title: "Transcript".to_owned(),
        facts,
        sections: vec![
            Section {
                heading: "Speaker key".to_owned(),
                blocks: key,
            },
            Section {
                heading: "Transcript".to_owned(),
                blocks: lines,
            },
        ],
        footer: format!("Transcript {}", transcript.id),
    }
}

/// Checks transcript `id` for an export: its anonymisation list applied, nothing of the
/// originals left. Returns the leftovers (empty when an export would be allowed), so the
/// window can warn before the counsellor exports.
///
/// Errors: [`TranscriptError::NotFound`], [`TranscriptError::Vault`].
pub fn check_anonymisation(vault: &Vault, id: &str) -> Result<Vec<Leftover>, TranscriptError> {
    let transcript = get(vault, id)?;
    let doc = document(&transcript);
    Ok(anonymise::leftovers(doc.texts(), &transcript.anonymisation))
}

/// Exports transcript `id` as `format` to `out`: a header (client code, the range, the
/// recording), the speaker key, and each segment on a line starting with its time
/// (`[05:12] C: …`), with the anonymisation list applied. The file is recorded as an
/// outstanding copy of the recording (kind `transcript-txt|docx|pdf`) and logged as
/// `transcript.exported` (ids, kind, size and hash only).
///
/// Errors: [`TranscriptError::NotFound`]; [`TranscriptError::NotAnonymised`] when an
/// original is still in the text (nothing is written); [`TranscriptError::Write`];
/// [`TranscriptError::Vault`].
pub fn export(
    vault: &mut Vault,
    id: &str,
    format: Format,
    out: &Path,
) -> Result<Exported, TranscriptError> {
    let transcript = get(vault, id)?;
    let doc = document(&transcript);
    let left = anonymise::leftovers(doc.texts(), &transcript.anonymisation);
    if !left.is_empty() {
        tracing::warn!(transcript = %transcript.id, rules = left.len(), "export refused: anonymisation incomplete");
        return Err(TranscriptError::NotAnonymised(left));
    }
    let bytes = doc.render(format)?;
    let kind = format!("transcript-{}", format.as_str());
    let of = NewCopy {
        kind: &kind,
        recording_id: Some(&transcript.recording_id),
        transcript_id: Some(&transcript.id),
        case_study_id: None,
        consent_id: None,
        event: EventKind::TranscriptExported,
        subject: &transcript.id,
    };
    Ok(export::write_copy(vault, out, &bytes, &of)?)
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
        assert_eq!(
            check_text("  hello\n there ", 100).unwrap(),
            "hello\n there"
        );
        assert_eq!(check_text(" ", 100), Err(TextProblem::Empty));
        assert_eq!(
            check_text("a\u{7}", 100),
            Err(TextProblem::ControlCharacter)
        );
        assert_eq!(check_text("secret", 3), Err(TextProblem::TooLong(6)));
        let e = TranscriptError::InvalidText(TextProblem::TooLong(6));
        assert!(!e.to_string().contains("secret"));
    }
}
