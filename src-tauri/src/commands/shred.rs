//! Retention and shredding: what is due, preview, shred with progress, certificates.

use std::sync::Arc;

use sessionvault_core::retention::certificate::{self, CertificateFormat, Listed, Signed};
use sessionvault_core::retention::shred::{self, Due, Outcome, Preview, Progress, Target};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use super::{blocking, choose_path, emit, not_saved, saved, SaveAs, Saved};
use crate::error::CommandError;
use crate::state::Shell;

/// The shred target named by the window: `recording`, `course`, `client` or `consent`, and
/// the id (client code for `client`).
fn target(kind: &str, id: String) -> Result<Target, CommandError> {
    match kind {
        "recording" => Ok(Target::Recording(id)),
        "course" => Ok(Target::Course(id)),
        "client" => Ok(Target::Client(id)),
        "consent" => Ok(Target::Consent(id)),
        _ => Err(CommandError::new(
            "invalid_input",
            format!("{kind:?} is not something to shred: use recording, course, client or consent"),
        )),
    }
}

/// What is due for destruction, with what becomes due within `within_days` (default 14).
#[tauri::command]
pub async fn due_list(
    shell: State<'_, Arc<Shell>>,
    within_days: Option<i64>,
) -> Result<Vec<Due>, CommandError> {
    shell
        .with_vault(move |vault| {
            Ok(shred::due(
                vault,
                within_days.unwrap_or(shred::DEFAULT_REMINDER_DAYS),
            )?)
        })
        .await
}

/// What shredding `kind` `id` would destroy, and what is kept.
#[tauri::command]
pub async fn shred_preview(
    shell: State<'_, Arc<Shell>>,
    kind: String,
    id: String,
) -> Result<Preview, CommandError> {
    let target = target(&kind, id)?;
    shell
        .with_vault(move |vault| Ok(shred::preview(vault, &target)?))
        .await
}

/// Shreds `kind` `id`, sending `{step, recording_id, done, total}` to `on_progress`, and
/// returns the outcome with its signed certificate.
#[tauri::command]
pub async fn shred_run(
    shell: State<'_, Arc<Shell>>,
    kind: String,
    id: String,
    on_progress: Channel<Progress>,
) -> Result<Outcome, CommandError> {
    let target = target(&kind, id)?;
    shell
        .with_vault(move |vault| {
            let outcome = shred::shred(vault, &target, &mut rand::rngs::OsRng, &mut |p| {
                emit(&on_progress, p)
            })?;
            tracing::info!(certificate = %outcome.certificate.certificate.id, "shred finished from the window");
            Ok(outcome)
        })
        .await
}

/// Every certificate, oldest first: `{status: "valid", certificate, body, signature}`, or
/// `{status: "damaged", id, issued_at, code, message}` for one that does not verify.
#[tauri::command]
pub async fn certificate_list(shell: State<'_, Arc<Shell>>) -> Result<Vec<Listed>, CommandError> {
    shell
        .with_vault(|vault| Ok(certificate::list(vault)?))
        .await
}

/// One certificate.
#[tauri::command]
pub async fn certificate_get(
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<Signed, CommandError> {
    shell
        .with_vault(move |vault| Ok(certificate::get(vault, &id)?))
        .await
}

/// Saves certificate `id` as a PDF to print (`certificate-<id>.pdf`): `{saved, file_name}`.
#[tauri::command]
pub async fn certificate_save_pdf<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<Saved, CommandError> {
    let save = |certificate_id: &str| SaveAs {
        name: format!("certificate-{certificate_id}.pdf"),
        filter: "PDF document",
        extension: "pdf",
    };
    save_certificate(app, &shell, id, CertificateFormat::Pdf, save).await
}

/// Saves certificate `id` as JSON, checkable with `sessionvault certificate verify`
/// (`certificate-<id>.json`): `{saved, file_name}`.
#[tauri::command]
pub async fn certificate_save_json<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<Saved, CommandError> {
    let save = |certificate_id: &str| SaveAs {
        name: format!("certificate-{certificate_id}.json"),
        filter: "JSON certificate",
        extension: "json",
    };
    save_certificate(app, &shell, id, CertificateFormat::Json, save).await
}

/// Asks where to save (or uses the save folder), then has the core write the certificate there.
async fn save_certificate<R: Runtime>(
    app: AppHandle<R>,
    shell: &Arc<Shell>,
    id: String,
    format: CertificateFormat,
    save: impl FnOnce(&str) -> SaveAs,
) -> Result<Saved, CommandError> {
    let certificate_id = shell
        .with_vault(move |vault| Ok(certificate::get(vault, &id)?.certificate.id))
        .await?;
    let save = save(&certificate_id);
    let to = shell.save_dir();
    let Some(path) = blocking(move || choose_path(&app, to, &save)).await? else {
        return Ok(not_saved());
    };
    shell
        .with_vault(move |vault| {
            certificate::save_certificate(vault, &certificate_id, format, &path)?;
            Ok(saved(&path))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_by_kind() {
        assert_eq!(
            target("course", "c1".into()).unwrap(),
            Target::Course("c1".into())
        );
        assert_eq!(
            target("client", "C-017".into()).unwrap(),
            Target::Client("C-017".into())
        );
        assert_eq!(
            target("disk", "x".into()).unwrap_err().code,
            "invalid_input"
        );
    }
}
