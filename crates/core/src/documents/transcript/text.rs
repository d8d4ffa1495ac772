//! The small grammars of a transcript: times as exports print them, and the speaker key.

use super::*;

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
