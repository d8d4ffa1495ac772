//! Case studies: list, create, read, autosave, anonymisation and its check, finalising
//! (organisation ones), and exports (DOCX, PDF) saved from Rust.

use std::sync::Arc;

use serde_json::{json, Value};
use sessionvault_core::documents::case_study::{
    self, CaseStudy, CaseStudyError, Listed, NewCaseStudy, Owner,
};
use sessionvault_core::documents::transcript::anonymise::Rule;
use sessionvault_core::documents::transcript::export::Format;
use tauri::{AppHandle, Runtime, State};

use super::transcripts::{checked, save_as};
use super::{blocking, choose_path, not_saved, with_fields, SaveAs, Saved};
use crate::error::CommandError;
use crate::state::Shell;

/// A case study as the window gets it: the core's fields and `final` (whether `final_at` is
/// set).
fn shown(study: &CaseStudy) -> Result<Value, CommandError> {
    with_fields(study, &[("final", study.final_at.is_some().into())])
}

/// A case study as listed: `{id, title, clients, owner, course_id, final, updated_at,
/// withheld}` (no text, no anonymisation list; `title` is null and `withheld` says why while a
/// client's consent does not allow it to be opened).
fn listed(study: &Listed) -> Value {
    json!({
        "id": study.id,
        "title": study.title,
        "clients": study.clients,
        "owner": study.owner,
        "course_id": study.course_id,
        "final": study.final_at.is_some(),
        "updated_at": study.updated_at,
        "withheld": study.withheld,
    })
}

/// The export format named by the window (`docx` or `pdf`; the core refuses `txt`).
/// Every case study, oldest first, without its text.
#[tauri::command]
pub async fn case_study_list(shell: State<'_, Arc<Shell>>) -> Result<Vec<Value>, CommandError> {
    shell
        .with_vault(|vault| Ok(case_study::list(vault)?.iter().map(listed).collect()))
        .await
}

/// Starts a case study about `clients` (client codes) owned by `owner` (`counsellor` or
/// `organisation`), for course `course_id` if any, with `body` as its first text.
#[tauri::command]
pub async fn case_study_create(
    shell: State<'_, Arc<Shell>>,
    title: String,
    clients: Vec<String>,
    owner: String,
    course_id: Option<String>,
    body: Option<String>,
) -> Result<Value, CommandError> {
    shell
        .with_vault(move |vault| {
            let body = body.unwrap_or_default();
            let new = NewCaseStudy {
                title: &title,
                clients: &clients,
                owner: Owner::parse(&owner)?,
                course_id: course_id.as_deref().filter(|c| !c.trim().is_empty()),
                body: &body,
            };
            shown(&case_study::create(vault, &new)?)
        })
        .await
}

/// Case study `id`, with its text and anonymisation list.
#[tauri::command]
pub async fn case_study_get(
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<Value, CommandError> {
    shell
        .with_vault(move |vault| shown(&case_study::get(vault, &id)?))
        .await
}

/// The editor's autosave: sets the title, the clients and the text of case study `id`
/// (refused `case_study_final` once final).
#[tauri::command]
pub async fn case_study_save(
    shell: State<'_, Arc<Shell>>,
    id: String,
    title: String,
    clients: Vec<String>,
    body: String,
) -> Result<Value, CommandError> {
    shell
        .with_vault(move |vault| {
            shown(&case_study::edit(
                vault,
                &id,
                Some(&title),
                Some(&body),
                Some(&clients),
            )?)
        })
        .await
}

/// Sets the anonymisation list of case study `id` (`[{original, replacement}]`).
#[tauri::command]
pub async fn case_study_set_anonymisation(
    shell: State<'_, Arc<Shell>>,
    id: String,
    rules: Vec<Rule>,
) -> Result<Value, CommandError> {
    shell
        .with_vault(move |vault| shown(&case_study::set_anonymisation(vault, &id, rules)?))
        .await
}

/// What an export of case study `id` would still hold of the originals:
/// `{ok, leftovers: [{replacement, count, …}]}`.
#[tauri::command]
pub async fn case_study_check(
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<Value, CommandError> {
    shell
        .with_vault(move |vault| Ok(checked(&case_study::check_anonymisation(vault, &id)?)))
        .await
}

/// Marks the organisation's case study `id` final (never edited again).
#[tauri::command]
pub async fn case_study_finalise(
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<Value, CommandError> {
    shell
        .with_vault(move |vault| shown(&case_study::mark_final(vault, &id)?))
        .await
}

/// Exports case study `id` as `format` (`case-study-<id>.docx|pdf`), anonymised and logged as
/// an outstanding copy: `{saved, fileName}`. Refused (`anonymisation_incomplete`) before any
/// dialog opens when an original remains.
#[tauri::command]
pub async fn case_study_export<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Arc<Shell>>,
    id: String,
    format: String,
) -> Result<Saved, CommandError> {
    let format: Format = format.parse().map_err(CaseStudyError::from)?;
    if format == Format::Txt {
        return Err(CaseStudyError::BadFormat(format.as_str().to_owned()).into());
    }
    let study_id = shell
        .with_vault(move |vault| {
            let left = case_study::check_anonymisation(vault, &id)?;
            if !left.is_empty() {
                return Err(CaseStudyError::NotAnonymised(left).into());
            }
            Ok(case_study::get(vault, &id)?.id)
        })
        .await?;
    let save: SaveAs = save_as("case-study", &study_id, format);
    let to = shell.save_dir();
    let Some(path) = blocking(move || choose_path(&app, to, &save)).await? else {
        return Ok(not_saved());
    };
    let exported = shell
        .with_vault(move |vault| Ok(case_study::export(vault, &study_id, format, &path)?))
        .await?;
    tracing::info!(copy = %exported.copy_id, "case study exported from the window");
    Ok(Saved {
        saved: true,
        file_name: std::path::Path::new(&exported.path)
            .file_name()
            .map(|name| name.to_string_lossy().into_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(final_at: Option<&str>) -> CaseStudy {
        CaseStudy {
            id: "cs1".into(),
            title: "Grief".into(),
            owner: Owner::Organisation,
            course_id: None,
            clients: vec!["C-017".into()],
            body: "text".into(),
            anonymisation: vec![],
            final_at: final_at.map(str::to_owned),
            created_at: "2027-07-03T11:00:00Z".into(),
            updated_at: "2027-07-03T11:05:00Z".into(),
        }
    }

    #[test]
    fn case_studies_carry_final() {
        let v = shown(&sample(Some("2027-07-04T09:00:00Z"))).unwrap();
        assert_eq!(v["final"], true);
        assert_eq!(v["owner"], "organisation");
        for field in [
            "id",
            "title",
            "clients",
            "course_id",
            "body",
            "anonymisation",
            "updated_at",
        ] {
            assert!(v.get(field).is_some(), "{field}");
        }
        assert_eq!(shown(&sample(None)).unwrap()["final"], false);
    }

    #[test]
    fn listed_case_studies_have_exactly_the_contract_fields() {
        let study = sample(None);
        let v = listed(&Listed {
            id: study.id,
            title: Some(study.title),
            owner: study.owner,
            course_id: study.course_id,
            clients: study.clients,
            final_at: study.final_at,
            updated_at: study.updated_at,
            withheld: None,
        });
        let mut names: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "clients",
                "course_id",
                "final",
                "id",
                "owner",
                "title",
                "updated_at",
                "withheld"
            ]
        );
    }
}
