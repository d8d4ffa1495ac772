//! Consent: the form, records, grant, decline, withdrawal (with its shred), the PDF.

use std::sync::Arc;

use serde::Serialize;
use sessionvault_core::consent::forms::{self, Section};
use sessionvault_core::consent::{self, NewConsent, Record, SignedWith, Summary};
use sessionvault_core::course;
use sessionvault_core::retention::shred::{self, Outcome, Preview, Progress, Target};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use super::{blocking, choose_path, emit, not_saved, saved, SaveAs, Saved};
use crate::error::CommandError;
use crate::state::Shell;

/// The consent form as the wizard shows it, a section at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Form {
    /// The form's version, e.g. `2026-1` (stored in the record).
    pub version: &'static str,
    /// Its title.
    pub title: &'static str,
    /// The full text the client reads.
    pub text: &'static str,
    /// The text by section: `[{title, body}]`.
    pub sections: Vec<Section>,
}

impl From<forms::Form> for Form {
    fn from(form: forms::Form) -> Self {
        Form {
            version: form.version,
            title: form.title(),
            text: form.text,
            sections: form.sections(),
        }
    }
}

/// The answer of `consent_withdraw`: the withdrawn record, and what was destroyed.
#[derive(Debug, Clone, Serialize)]
pub struct Withdrawn {
    /// The record, withdrawn.
    pub consent: Record,
    /// The shred of what was recorded under it; `None` when nothing was.
    pub shred: Option<Outcome>,
}

/// The current form: `{version, title, text, sections: [{title, body}]}`.
#[tauri::command]
pub async fn consent_form(shell: State<'_, Arc<Shell>>) -> Result<Form, CommandError> {
    shell.ensure_unlocked()?;
    Ok(forms::current().into())
}

/// Every record, newest first, with the state the gate gives it now.
#[tauri::command]
pub async fn consent_list(shell: State<'_, Arc<Shell>>) -> Result<Vec<Summary>, CommandError> {
    shell.with_vault(|vault| Ok(consent::list(vault)?)).await
}

/// One record.
#[tauri::command]
pub async fn consent_get(shell: State<'_, Arc<Shell>>, id: String) -> Result<Record, CommandError> {
    shell
        .with_vault(move |vault| Ok(consent::get(vault, &id)?))
        .await
}

/// What the consent wizard hands in to record a client's consent.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantInput {
    client_code: String,
    course_id: Option<String>,
    destroy_by: Option<String>,
    purposes: Vec<String>,
    audience: Vec<String>,
    case_study: String,
    client_name: String,
    signature_svg: String,
    counsellor_name: String,
}

/// `None` for a missing or empty choice (a select's "" option).
fn chosen(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// Records a client's signed consent (drawn signature as SVG) and returns the record.
#[tauri::command]
pub async fn consent_grant(
    shell: State<'_, Arc<Shell>>,
    input: GrantInput,
) -> Result<Record, CommandError> {
    shell
        .with_vault(move |vault| {
            let course_id = chosen(input.course_id);
            let input_consent = NewConsent {
                client_code: &input.client_code,
                course_id: course_id.as_deref(),
                destroy_by: chosen(input.destroy_by)
                    .as_deref()
                    .map(course::parse_date)
                    .transpose()?,
                purposes: input
                    .purposes
                    .iter()
                    .map(|p| p.parse())
                    .collect::<Result<_, _>>()?,
                audience: input
                    .audience
                    .iter()
                    .map(|a| a.parse())
                    .collect::<Result<_, _>>()?,
                case_study: input.case_study.parse()?,
                client_name: &input.client_name,
                signed_with: SignedWith::Drawn(input.signature_svg.as_bytes()),
                counsellor_name: &input.counsellor_name,
            };
            Ok(consent::grant(vault, &input_consent)?)
        })
        .await
}

/// Records that a client declined (their service is unaffected) and returns the record.
#[tauri::command]
pub async fn consent_decline(
    shell: State<'_, Arc<Shell>>,
    client_code: String,
    course_id: Option<String>,
    counsellor_name: Option<String>,
) -> Result<Record, CommandError> {
    shell
        .with_vault(move |vault| {
            Ok(consent::decline(
                vault,
                &client_code,
                chosen(course_id).as_deref(),
                chosen(counsellor_name).as_deref(),
            )?)
        })
        .await
}

/// What withdrawing consent `id` would destroy: the shred preview of its recordings.
#[tauri::command]
pub async fn consent_withdraw_preview(
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<Preview, CommandError> {
    shell
        .with_vault(move |vault| {
            let record = consent::get(vault, &id)?;
            Ok(shred::preview(
                vault,
                &Target::Consent(record.id.to_string()),
            )?)
        })
        .await
}

/// Withdraws consent `id`, then destroys what was recorded under it (progress on
/// `on_progress`): `{consent: Record, shred: Outcome | null}` (null: nothing was recorded).
/// A recording the window is making under it is stopped and sealed first (its channel is
/// told why), and a player open on one of its recordings is closed (its listening logged),
/// so the shred finds nothing still in use.
#[tauri::command]
pub async fn consent_withdraw(
    shell: State<'_, Arc<Shell>>,
    id: String,
    reason: String,
    on_progress: Channel<Progress>,
) -> Result<Withdrawn, CommandError> {
    let record = shell
        .with_vault(move |vault| {
            let record = consent::withdraw(vault, &id, &reason)?;
            tracing::info!(consent = %record.id, "consent withdrawn from the window");
            Ok(record)
        })
        .await?;
    let consent_id = record.id.to_string();
    {
        let (shell, consent_id) = (Arc::clone(&shell), consent_id.clone());
        blocking(move || {
            shell.end_uses_of_consent(&consent_id);
            Ok(())
        })
        .await?;
    }
    shell
        .with_vault(move |vault| {
            let outcome =
                shred::after_withdrawal(vault, &consent_id, &mut rand::rngs::OsRng, &mut |p| {
                    emit(&on_progress, p)
                })?;
            Ok(Withdrawn {
                consent: record,
                shred: outcome,
            })
        })
        .await
}

/// Saves the printable PDF of record `id` (`consent-<id>.pdf`), an outstanding copy:
/// `{saved, file_name}`.
#[tauri::command]
pub async fn consent_save_pdf<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<Saved, CommandError> {
    let record_id = shell
        .with_vault(move |vault| Ok(consent::get(vault, &id)?.id.to_string()))
        .await?;
    let save = SaveAs {
        name: format!("consent-{record_id}.pdf"),
        filter: "PDF document",
        extension: "pdf",
    };
    let to = shell.save_dir();
    let Some(path) = blocking(move || choose_path(&app, to, &save)).await? else {
        return Ok(not_saved());
    };
    let pdf = shell
        .with_vault(move |vault| Ok(consent::save_pdf(vault, &record_id, &path)?))
        .await?;
    tracing::info!(copy = %pdf.copy_id, "consent PDF saved from the window");
    Ok(saved(std::path::Path::new(&pdf.path)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::as_sent::{keys, sent};

    #[test]
    fn the_form_answers_its_version_title_text_and_sections() {
        let current = forms::current();
        let v = sent(Form::from(current));
        assert_eq!(keys(&v), ["sections", "text", "title", "version"]);
        assert_eq!(v["version"], current.version);
        assert_eq!(v["title"], current.title());
        assert_eq!(keys(&v["sections"][0]), ["body", "title"]);
    }
}
