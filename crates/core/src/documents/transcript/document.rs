//! A transcript as a document for coursework: laid out, anonymised, checked, and written as
//! an outstanding copy.

use super::*;

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
