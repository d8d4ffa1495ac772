//! Case studies: "a written report looking at what issues a client brought to counselling and
//! how the counsellor helped the client to explore these issues … Sometimes case studies are
//! based on more than one client."
//!
//! A case study is written in the app over one or more clients (by client code), with a
//! title and a body of plain-text paragraphs, and has an owner:
//!
//! - **`counsellor`** — coursework. It belongs to the counsellor and is destroyed with the
//!   recordings: a course shred destroys the counsellor's case studies of that course, and a
//!   client shred destroys those that mention only that client. One that mentions that client
//!   *and others* is not destroyed by a client shred: the preview and the certificate flag it
//!   (under "kept") so the counsellor takes the client out of it or rewrites it.
//! - **`organisation`** — a permanent record of the service ("progress reports, funding
//!   applications"). It is never destroyed by a recording, course or client shred (the
//!   preview lists it under "kept"), and the database refuses to delete it. It can be marked
//!   **final** only with a non-empty anonymisation list whose check passes; a final case
//!   study is never edited again (the database refuses that too).
//!
//! Each client must have a consent that allows a case study of that owner: `coursework` or
//! `organisation` for the counsellor's, `organisation` for the organisation's. This is the
//! disclosure gate for case studies ([`crate::disclosure::clear_case_study`]), asked whenever
//! one is written, opened, edited or exported: signed by this vault, granted, not withdrawn,
//! and for the counsellor's still in date. Exports (DOCX, PDF) apply the anonymisation list, are
//! refused if an original is still there, and are recorded as outstanding copies (kind
//! `case-study-docx|pdf`, no recording). Titles and bodies never reach a log.

use std::path::Path;

use rusqlite::{params, OptionalExtension};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::consent::check_client_code;
use crate::copies::NewCopy;
use crate::disclosure::{self, CaseStudyParties, ClearedCaseStudy, DisclosureError, Recipient};
use crate::documents::transcript::anonymise::{self, Leftover, Rule, RuleProblem};
use crate::documents::transcript::export::{
    Block, Document, Exported, Format, Section, UnknownFormat, WriteError,
};
use crate::store::audit::{AuditError, EventKind};
use crate::store::db::DbError;
use crate::store::vault::{Vault, VaultError};
use crate::written::{check_text, TextProblem};

mod document;
mod edit;
mod open;
mod shredding;

use document::document;
pub use document::{check_anonymisation, export};
pub use edit::{edit, mark_final, set_anonymisation};
use open::{check_body, clear, now_text, of_course};
pub use open::{create, get, get_for_client, list, mentioning, Listed};
pub(crate) use open::{parties, Parties};
pub(crate) use shredding::{shred_plan, ShredPlan};

/// The longest title accepted, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest body accepted, in characters.
pub const MAX_BODY_CHARS: usize = 200_000;
/// The most clients one case study may be about.
pub const MAX_CLIENTS: usize = 20;

/// Who owns a case study, and so what happens to it on a shred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Owner {
    /// The counsellor (coursework): destroyed with the course or the client.
    Counsellor,
    /// The organisation: a permanent record, never shredded.
    Organisation,
}

impl Owner {
    /// `counsellor` or `organisation`.
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::Counsellor => "counsellor",
            Owner::Organisation => "organisation",
        }
    }

    /// Reads `counsellor` or `organisation`.
    ///
    /// Errors: [`CaseStudyError::Invalid`].
    pub fn parse(text: &str) -> Result<Owner, CaseStudyError> {
        match text.trim() {
            "counsellor" => Ok(Owner::Counsellor),
            "organisation" => Ok(Owner::Organisation),
            _ => Err(CaseStudyError::Invalid(
                "the owner is counsellor (coursework) or organisation (a permanent record)"
                    .to_owned(),
            )),
        }
    }
}

/// A case study.
///
/// Invariants: `clients` holds 1 to [`MAX_CLIENTS`] distinct client codes, sorted; `title`
/// is trimmed and not empty; `body` is trimmed, and empty only while a draft is started (a
/// final case study has text); `final_at` is set only for the organisation's, and
/// then never changes. Its `Debug` form leaves the title, the body and the rules out.
#[derive(Clone, PartialEq, serde::Serialize)]
pub struct CaseStudy {
    /// The case study id (a UUID).
    pub id: String,
    /// Its title. Confidential: never log it.
    pub title: String,
    /// Who owns it.
    pub owner: Owner,
    /// The course it was written for, if any.
    pub course_id: Option<String>,
    /// The client codes it is about.
    pub clients: Vec<String>,
    /// Its text: paragraphs separated by blank lines. Confidential: never log it.
    pub body: String,
    /// The anonymisation rules applied on export. Confidential: never log them.
    pub anonymisation: Vec<Rule>,
    /// When it was marked final (RFC 3339), if it was.
    pub final_at: Option<String>,
    /// When it was started.
    pub created_at: String,
    /// When it was last changed.
    pub updated_at: String,
}

impl std::fmt::Debug for CaseStudy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseStudy")
            .field("id", &self.id)
            .field("owner", &self.owner)
            .field("course_id", &self.course_id)
            .field("clients", &self.clients)
            .field(
                "body",
                &format_args!("<{} chars>", self.body.chars().count()),
            )
            .field("rules", &self.anonymisation.len())
            .field("final_at", &self.final_at)
            .finish()
    }
}

/// A new case study, for [`create`].
#[derive(Debug, Clone, Copy)]
pub struct NewCaseStudy<'a> {
    /// The title.
    pub title: &'a str,
    /// The client codes it is about.
    pub clients: &'a [String],
    /// Who owns it.
    pub owner: Owner,
    /// The course it is written for (a counsellor's is shredded with it).
    pub course_id: Option<&'a str>,
    /// The text.
    pub body: &'a str,
}

/// What went wrong with a case study. No message holds its title, body or an original.
#[derive(Debug, thiserror::Error)]
pub enum CaseStudyError {
    /// No case study has this id.
    #[error("there is no case study with id {0}: see `sessionvault case-study list`")]
    NotFound(String),
    /// Something given is not valid (the message says what, without the text).
    #[error("{0}")]
    Invalid(String),
    /// The disclosure gate refused: a client's consent does not allow a case study of this
    /// kind now (none, declined, withdrawn, out of date for the counsellor's, altered).
    #[error(transparent)]
    Disclosure(DisclosureError),
    /// No course has this id.
    #[error("there is no course with id {0}: see `sessionvault course list`")]
    CourseNotFound(String),
    /// The case study is final: it is never edited again.
    #[error("case study {0} is final: it is a permanent record and is never edited")]
    Final(String),
    /// Only the organisation's case studies are marked final.
    #[error("case study {0} is the counsellor's: only the organisation's are marked final")]
    NotOrganisation(String),
    /// Marking final needs an anonymisation list.
    #[error(
        "case study {0} has no anonymisation list: list every name and identifying detail with \
         its replacement (case-study anonymise) before marking it final"
    )]
    NoAnonymisation(String),
    /// The anonymisation list is not valid.
    #[error(transparent)]
    InvalidRules(#[from] RuleProblem),
    /// Originals are still in the text: refused.
    #[error("refused: {}", anonymise::describe(.0))]
    NotAnonymised(Vec<Leftover>),
    /// The export format is not DOCX or PDF.
    #[error("{0:?} is not an export format for a case study: use docx or pdf")]
    BadFormat(String),
    /// The export file could not be written.
    #[error("could not write {path}: {detail}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        detail: String,
    },
    /// A vault problem.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl From<UnknownFormat> for CaseStudyError {
    fn from(e: UnknownFormat) -> Self {
        CaseStudyError::BadFormat(e.0)
    }
}

impl crate::ErrorCode for CaseStudyError {
    fn code(&self) -> &'static str {
        match self {
            CaseStudyError::NotFound(_) => "case_study_not_found",
            CaseStudyError::Invalid(_) => "invalid_input",
            CaseStudyError::Disclosure(e) => e.code(),
            CaseStudyError::CourseNotFound(_) => "course_not_found",
            CaseStudyError::Final(_) => "case_study_final",
            CaseStudyError::NotOrganisation(_) => "not_organisation",
            CaseStudyError::NoAnonymisation(_) => "anonymisation_required",
            CaseStudyError::InvalidRules(_) => "invalid_anonymisation",
            CaseStudyError::NotAnonymised(_) => "anonymisation_incomplete",
            CaseStudyError::BadFormat(_) => "invalid_input",
            CaseStudyError::Write { .. } => "io_failed",
            CaseStudyError::Vault(e) => e.code(),
        }
    }
}

impl From<DisclosureError> for CaseStudyError {
    fn from(e: DisclosureError) -> Self {
        match e {
            DisclosureError::Vault(e) => CaseStudyError::Vault(e),
            e => CaseStudyError::Disclosure(e),
        }
    }
}

crate::store::vault::vault_variant_from!(CaseStudyError: rusqlite::Error, DbError, AuditError);

impl From<WriteError> for CaseStudyError {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Io(path, source) => CaseStudyError::Write {
                path,
                detail: source.to_string(),
            },
            WriteError::Docx(detail) => CaseStudyError::Write {
                path: "the DOCX".to_owned(),
                detail,
            },
            WriteError::Vault(e) => CaseStudyError::Vault(e),
        }
    }
}

fn text_problem(what: &str, max: usize) -> impl Fn(TextProblem) -> CaseStudyError + '_ {
    move |p| CaseStudyError::Invalid(p.describe(what, max, None))
}

/// Checks client codes: 1 to [`MAX_CLIENTS`], each a client code; returns them sorted and
/// without repeats.
///
/// Errors: [`CaseStudyError::Invalid`].
pub fn check_clients(clients: &[String]) -> Result<Vec<String>, CaseStudyError> {
    let mut out = Vec::new();
    for c in clients.iter().filter(|c| !c.trim().is_empty()) {
        // The consent module's message repeats what was typed, which here may be a name.
        out.push(check_client_code(c).map_err(|_| {
            CaseStudyError::Invalid(
                "a case study names its clients by client code, a pseudonym such as C-017 \
                 (capital letters, digits and hyphens, with a digit), never by name"
                    .to_owned(),
            )
        })?);
    }
    out.sort();
    out.dedup();
    if out.is_empty() || out.len() > MAX_CLIENTS {
        return Err(CaseStudyError::Invalid(format!(
            "a case study is about 1 to {MAX_CLIENTS} clients, by client code"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn owners_and_clients_are_read() {
        assert_eq!(Owner::parse(" organisation").unwrap(), Owner::Organisation);
        assert_eq!(Owner::parse("me").unwrap_err().code(), "invalid_input");
        let c =
            check_clients(&["C-002".to_owned(), "C-001".to_owned(), "C-002".to_owned()]).unwrap();
        assert_eq!(c, ["C-001", "C-002"]);
        assert!(check_clients(&[]).is_err());
        let e = check_clients(&["Sarah Jones".to_owned()]).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
    }
}
