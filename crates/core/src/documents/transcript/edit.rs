//! Changing a transcript: segments added, edited and removed, its speaker key and
//! anonymisation list set, and the whole saved at once; each change logged by ids only.

use super::*;

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
