//! Transcripts started, listed and read: each read passes the disclosure gate, and a
//! transcript is assembled from its row and its segments.

use super::*;

pub(super) fn now_text(
    change: &crate::store::vault::Change<'_>,
) -> Result<String, TranscriptError> {
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
