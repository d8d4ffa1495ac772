//! Transcripts of a recording: list, create, read, autosave, speaker key, anonymisation, the
//! check before an export, and exports (TXT, DOCX, PDF) saved from Rust.

use std::sync::Arc;

use serde::Serialize;
use sessionvault_core::documents::transcript::anonymise::{Leftover, Rule};
use sessionvault_core::documents::transcript::export::Format;
use sessionvault_core::documents::transcript::{
    self, Listed, NewSegment, Speaker, Transcript, TranscriptError,
};
use tauri::{AppHandle, Runtime, State};

use super::player::at;
use super::{blocking, choose_path, not_saved, saved, SaveAs, Saved};
use crate::error::CommandError;
use crate::state::Shell;

/// The answer of a check of an anonymisation: whether an export would hold none of the
/// originals, and where it still would (by rule and place, never an original).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checked {
    /// Whether nothing is left.
    pub ok: bool,
    /// What is left: `[{rule, replacement, count, places}]`.
    pub leftovers: Vec<Leftover>,
}

impl From<Vec<Leftover>> for Checked {
    fn from(leftovers: Vec<Leftover>) -> Self {
        Checked {
            ok: leftovers.is_empty(),
            leftovers,
        }
    }
}

/// How a document export is saved: `<stem>-<id>.<ext>`, with the dialog's filter.
pub(crate) fn save_as(stem: &str, id: &str, format: Format) -> SaveAs {
    let (filter, extension) = match format {
        Format::Txt => ("Plain text", "txt"),
        Format::Docx => ("Word document", "docx"),
        Format::Pdf => ("PDF document", "pdf"),
    };
    SaveAs {
        name: format!("{stem}-{id}.{extension}"),
        filter,
        extension,
    }
}

/// The transcripts of recording `recording_id`, oldest first, without their text:
/// `[{id, recording_id, from_seconds, until_seconds, segments, updated_at}]` (`segments`: how
/// many).
#[tauri::command]
pub async fn transcript_list(
    shell: State<'_, Arc<Shell>>,
    recording_id: String,
) -> Result<Vec<Listed>, CommandError> {
    shell
        .with_vault(move |vault| Ok(transcript::list(vault, &recording_id)?))
        .await
}

/// Starts a transcript of recording `recording_id` over `from_seconds`..`until_seconds`
/// (`null`: the start, the end) with the default speaker key.
#[tauri::command]
pub async fn transcript_create(
    shell: State<'_, Arc<Shell>>,
    recording_id: String,
    from_seconds: Option<f64>,
    until_seconds: Option<f64>,
) -> Result<Transcript, CommandError> {
    shell
        .with_vault(move |vault| {
            let from = from_seconds.map(at).transpose()?;
            let until = until_seconds.map(at).transpose()?;
            Ok(transcript::create(vault, &recording_id, from, until, None)?)
        })
        .await
}

/// Transcript `id` with its segments in time order.
#[tauri::command]
pub async fn transcript_get(
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<Transcript, CommandError> {
    shell
        .with_vault(move |vault| Ok(transcript::get(vault, &id)?))
        .await
}

/// A segment as the editor sends it.
#[derive(serde::Deserialize)]
pub struct SegmentInput {
    /// The id of a segment already saved; `null` for a new one.
    id: Option<String>,
    /// Where it starts, in seconds from the start of the recording.
    at_seconds: f64,
    /// Its speaker label.
    speaker: String,
    /// What was said. Confidential: never log it.
    text: String,
}

impl std::fmt::Debug for SegmentInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SegmentInput")
            .field("id", &self.id)
            .field("at_seconds", &self.at_seconds)
            .field("speaker", &self.speaker)
            .field(
                "text",
                &format_args!("<{} chars>", self.text.chars().count()),
            )
            .finish()
    }
}

/// The editor's autosave: replaces every segment of transcript `id` with `segments` (nothing
/// is stored if one is refused) and returns the transcript as saved.
#[tauri::command]
pub async fn transcript_save(
    shell: State<'_, Arc<Shell>>,
    id: String,
    segments: Vec<SegmentInput>,
) -> Result<Transcript, CommandError> {
    shell
        .with_vault(move |vault| {
            let new = segments
                .iter()
                .map(|s| {
                    Ok(NewSegment {
                        id: s.id.as_deref().filter(|i| !i.trim().is_empty()),
                        at: at(s.at_seconds)?,
                        speaker: &s.speaker,
                        text: &s.text,
                    })
                })
                .collect::<Result<Vec<_>, CommandError>>()?;
            Ok(transcript::save(vault, &id, &new)?)
        })
        .await
}

/// Sets the speaker key of transcript `id` (`[{label, meaning}]`).
#[tauri::command]
pub async fn transcript_set_speakers(
    shell: State<'_, Arc<Shell>>,
    id: String,
    speakers: Vec<Speaker>,
) -> Result<Transcript, CommandError> {
    shell
        .with_vault(move |vault| Ok(transcript::set_speakers(vault, &id, speakers)?))
        .await
}

/// Sets the anonymisation list of transcript `id` (`[{original, replacement}]`; empty clears
/// it).
#[tauri::command]
pub async fn transcript_set_anonymisation(
    shell: State<'_, Arc<Shell>>,
    id: String,
    rules: Vec<Rule>,
) -> Result<Transcript, CommandError> {
    shell
        .with_vault(move |vault| Ok(transcript::set_anonymisation(vault, &id, rules)?))
        .await
}

/// What an export of transcript `id` would still hold of the originals:
/// `{ok, leftovers: [{replacement, count, …}]}`.
#[tauri::command]
pub async fn transcript_check(
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<Checked, CommandError> {
    shell
        .with_vault(move |vault| Ok(transcript::check_anonymisation(vault, &id)?.into()))
        .await
}

/// Exports transcript `id` as `format` (`transcript-<id>.<format>`), anonymised and logged as
/// an outstanding copy: `{saved, file_name}`. Refused (`anonymisation_incomplete`) before any
/// dialog opens when an original remains.
#[tauri::command]
pub async fn transcript_export<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Arc<Shell>>,
    id: String,
    format: String,
) -> Result<Saved, CommandError> {
    let format: Format = format.parse()?;
    let transcript_id = shell
        .with_vault(move |vault| {
            let left = transcript::check_anonymisation(vault, &id)?;
            if !left.is_empty() {
                return Err(TranscriptError::NotAnonymised(left).into());
            }
            Ok(transcript::get(vault, &id)?.id)
        })
        .await?;
    let save = save_as("transcript", &transcript_id, format);
    let to = shell.save_dir();
    let Some(path) = blocking(move || choose_path(&app, to, &save)).await? else {
        return Ok(not_saved());
    };
    let exported = shell
        .with_vault(move |vault| Ok(transcript::export(vault, &transcript_id, format, &path)?))
        .await?;
    tracing::info!(copy = %exported.copy_id, "transcript exported from the window");
    Ok(saved(std::path::Path::new(&exported.path)))
}

/// Removes transcript `id` with its segments (logged; its exports stay outstanding copies).
#[tauri::command]
pub async fn transcript_remove(
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<(), CommandError> {
    shell
        .with_vault(move |vault| {
            transcript::remove(vault, &id)?;
            Ok(())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::as_sent::{keys, sent};
    use serde_json::json;
    use sessionvault_core::documents::transcript::Segment;

    fn sample() -> Transcript {
        Transcript {
            id: "t1".into(),
            recording_id: "r1".into(),
            client_code: "C-017".into(),
            recorded_at: "2027-07-03T10:00:00Z".into(),
            sample_rate: 48_000,
            from_frame: 0,
            until_frame: 480_000,
            from_seconds: 0.0,
            until_seconds: 10.0,
            whole: true,
            speakers: transcript::default_speakers(),
            anonymisation: vec![Rule {
                original: "Sarah".into(),
                replacement: "Client A".into(),
            }],
            segments: vec![Segment {
                id: "s1".into(),
                transcript_id: "t1".into(),
                at_frame: 72_000,
                at_seconds: 1.5,
                at: "00:01".into(),
                speaker: "C:".into(),
                text: "hello".into(),
            }],
            created_at: "2027-07-03T11:00:00Z".into(),
            updated_at: "2027-07-03T11:05:00Z".into(),
        }
    }

    #[test]
    fn transcripts_carry_the_contract_fields() {
        let v = sent(sample());
        assert_eq!(
            keys(&v),
            [
                "anonymisation",
                "client_code",
                "created_at",
                "from_frame",
                "from_seconds",
                "id",
                "recorded_at",
                "recording_id",
                "sample_rate",
                "segments",
                "speakers",
                "until_frame",
                "until_seconds",
                "updated_at",
                "whole"
            ]
        );
        assert_eq!(v["client_code"], "C-017");
        assert_eq!(v["until_seconds"], 10.0);
        assert_eq!(
            v["speakers"][1],
            json!({"label": "C:", "meaning": "Client"})
        );
        assert_eq!(
            v["anonymisation"][0],
            json!({"original": "Sarah", "replacement": "Client A"})
        );
        let segment = &v["segments"][0];
        assert_eq!(segment["id"], "s1");
        assert_eq!(segment["at_seconds"], 1.5);
        assert_eq!(segment["speaker"], "C:");
        assert_eq!(segment["text"], "hello");
        assert_eq!(
            keys(segment),
            [
                "at",
                "at_frame",
                "at_seconds",
                "id",
                "speaker",
                "text",
                "transcript_id"
            ]
        );
    }

    #[test]
    fn listed_transcripts_count_their_segments() {
        let item = Listed {
            id: "t1".into(),
            recording_id: "r1".into(),
            from_seconds: 5.0,
            until_seconds: 65.0,
            segments: 3,
            updated_at: "2027-07-03T11:05:00Z".into(),
        };
        let v = sent(item);
        assert_eq!(
            keys(&v),
            [
                "from_seconds",
                "id",
                "recording_id",
                "segments",
                "until_seconds",
                "updated_at"
            ]
        );
        assert_eq!(v["segments"], 3);
        assert_eq!(v["from_seconds"], 5.0);
        assert_eq!(v["until_seconds"], 65.0);
    }

    #[test]
    fn checks_answer_ok_and_never_an_original() {
        assert_eq!(
            sent(Checked::from(vec![])),
            json!({"ok": true, "leftovers": []})
        );
        let left = vec![Leftover {
            rule: 1,
            replacement: "Client A".into(),
            count: 2,
            places: vec!["00:01".into()],
        }];
        let v = sent(Checked::from(left));
        assert_eq!(v["ok"], false);
        assert_eq!(v["leftovers"][0]["replacement"], "Client A");
        assert_eq!(v["leftovers"][0]["count"], 2);
        assert_eq!(
            keys(&v["leftovers"][0]),
            ["count", "places", "replacement", "rule"]
        );
    }

    #[test]
    fn export_names_and_formats() {
        assert_eq!(
            save_as("transcript", "t1", Format::Docx).name,
            "transcript-t1.docx"
        );
        assert_eq!(save_as("case-study", "c1", Format::Pdf).extension, "pdf");
        assert_eq!("TXT".parse::<Format>().unwrap(), Format::Txt);
        let refused = CommandError::from("rtf".parse::<Format>().unwrap_err());
        assert_eq!(refused.code, "invalid_input");
    }

    #[test]
    fn segment_text_stays_out_of_debug() {
        let input: SegmentInput = serde_json::from_value(
            json!({"id": null, "at_seconds": 2.0, "speaker": "T:", "text": "private words"}),
        )
        .unwrap();
        assert!(!format!("{input:?}").contains("private"));
    }
}
