//! Case studies: list, create, read, autosave, anonymisation and its check, finalising
//! (organisation ones), and exports (DOCX, PDF) saved from Rust.

use std::sync::Arc;

use serde::Serialize;
use sessionvault_core::documents::case_study::{
    self, CaseStudy, CaseStudyError, Listed, NewCaseStudy, Owner,
};
use sessionvault_core::documents::transcript::anonymise::Rule;
use sessionvault_core::documents::transcript::export::Format;
use tauri::{AppHandle, Runtime, State};

use super::transcripts::{save_as, Checked};
use super::{blocking, choose_path, not_saved, saved, SaveAs, Saved};
use crate::error::CommandError;
use crate::state::Shell;

/// A case study as the window gets it: the core's fields and `final` (whether `final_at` is
/// set).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownCaseStudy {
    /// The core's case study.
    #[serde(flatten)]
    pub study: CaseStudy,
    /// Whether it is final (never edited again).
    #[serde(rename = "final")]
    pub is_final: bool,
}

impl From<CaseStudy> for ShownCaseStudy {
    fn from(study: CaseStudy) -> Self {
        let is_final = study.final_at.is_some();
        ShownCaseStudy { study, is_final }
    }
}

/// A case study as listed: no text, no anonymisation list; `title` is `None` and `withheld`
/// says why while a client's consent does not allow it to be opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedCaseStudy {
    /// The case study id.
    pub id: String,
    /// Its title, or `None` while it is withheld. Confidential.
    pub title: Option<String>,
    /// The client codes it is about.
    pub clients: Vec<String>,
    /// Who owns it: `counsellor` or `organisation`.
    pub owner: Owner,
    /// The course it was written for, if any.
    pub course_id: Option<String>,
    /// Whether it is final.
    #[serde(rename = "final")]
    pub is_final: bool,
    /// When it was last changed.
    pub updated_at: String,
    /// Why it cannot be opened now, if it cannot.
    pub withheld: Option<String>,
}

impl From<Listed> for ListedCaseStudy {
    fn from(study: Listed) -> Self {
        // Every field named, so one the core adds is a decision here, not a silent omission.
        let Listed {
            id,
            title,
            owner,
            course_id,
            clients,
            final_at,
            updated_at,
            withheld,
        } = study;
        ListedCaseStudy {
            id,
            title,
            clients,
            owner,
            course_id,
            is_final: final_at.is_some(),
            updated_at,
            withheld,
        }
    }
}

/// Every case study, oldest first, without its text.
#[tauri::command]
pub async fn case_study_list(
    shell: State<'_, Arc<Shell>>,
) -> Result<Vec<ListedCaseStudy>, CommandError> {
    shell
        .with_vault(|vault| {
            Ok(case_study::list(vault)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
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
) -> Result<ShownCaseStudy, CommandError> {
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
            Ok(case_study::create(vault, &new)?.into())
        })
        .await
}

/// Case study `id`, with its text and anonymisation list.
#[tauri::command]
pub async fn case_study_get(
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<ShownCaseStudy, CommandError> {
    shell
        .with_vault(move |vault| Ok(case_study::get(vault, &id)?.into()))
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
) -> Result<ShownCaseStudy, CommandError> {
    shell
        .with_vault(move |vault| {
            let edited = case_study::edit(vault, &id, Some(&title), Some(&body), Some(&clients))?;
            Ok(edited.into())
        })
        .await
}

/// Sets the anonymisation list of case study `id` (`[{original, replacement}]`).
#[tauri::command]
pub async fn case_study_set_anonymisation(
    shell: State<'_, Arc<Shell>>,
    id: String,
    rules: Vec<Rule>,
) -> Result<ShownCaseStudy, CommandError> {
    shell
        .with_vault(move |vault| Ok(case_study::set_anonymisation(vault, &id, rules)?.into()))
        .await
}

/// What an export of case study `id` would still hold of the originals:
/// `{ok, leftovers: [{replacement, count, …}]}`.
#[tauri::command]
pub async fn case_study_check(
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<Checked, CommandError> {
    shell
        .with_vault(move |vault| Ok(case_study::check_anonymisation(vault, &id)?.into()))
        .await
}

/// Marks the organisation's case study `id` final (never edited again).
#[tauri::command]
pub async fn case_study_finalise(
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<ShownCaseStudy, CommandError> {
    shell
        .with_vault(move |vault| Ok(case_study::mark_final(vault, &id)?.into()))
        .await
}

/// Exports case study `id` as `format` (`case-study-<id>.docx|pdf`), anonymised and logged as
/// an outstanding copy: `{saved, file_name}`. Refused (`anonymisation_incomplete`) before any
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
    Ok(saved(std::path::Path::new(&exported.path)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::as_sent::{keys, sent};

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
        let v = sent(ShownCaseStudy::from(sample(Some("2027-07-04T09:00:00Z"))));
        assert_eq!(v["final"], true);
        assert_eq!(v["owner"], "organisation");
        assert_eq!(
            keys(&v),
            [
                "anonymisation",
                "body",
                "clients",
                "course_id",
                "created_at",
                "final",
                "final_at",
                "id",
                "owner",
                "title",
                "updated_at"
            ]
        );
        assert_eq!(sent(ShownCaseStudy::from(sample(None)))["final"], false);
    }

    #[test]
    fn listed_case_studies_have_exactly_the_contract_fields() {
        let study = sample(None);
        let v = sent(ListedCaseStudy::from(Listed {
            id: study.id,
            title: Some(study.title),
            owner: study.owner,
            course_id: study.course_id,
            clients: study.clients,
            final_at: study.final_at,
            updated_at: study.updated_at,
            withheld: None,
        }));
        assert_eq!(v["final"], false);
        assert_eq!(v["owner"], "organisation");
        assert_eq!(
            keys(&v),
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
