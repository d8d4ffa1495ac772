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
use crate::disclosure::{self, CaseStudyParties, ClearedCaseStudy, DisclosureError, Recipient};
use crate::documents::transcript::anonymise::{self, Leftover, Rule, RuleProblem};
use crate::documents::transcript::export::{
    Block, Document, Exported, Format, Section, UnknownFormat, WriteError,
};
use crate::documents::transcript::{check_text, TextProblem};
use crate::retention::copies::NewCopy;
use crate::store::audit::{AuditError, EventKind};
use crate::store::db::DbError;
use crate::store::vault::{Vault, VaultError};

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

impl From<rusqlite::Error> for CaseStudyError {
    fn from(e: rusqlite::Error) -> Self {
        CaseStudyError::Vault(DbError::from(e).into())
    }
}

impl From<DbError> for CaseStudyError {
    fn from(e: DbError) -> Self {
        CaseStudyError::Vault(e.into())
    }
}

impl From<AuditError> for CaseStudyError {
    fn from(e: AuditError) -> Self {
        CaseStudyError::Vault(e.into())
    }
}

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
    move |p| {
        CaseStudyError::Invalid(match p {
            TextProblem::Empty => format!("the {what} is empty"),
            TextProblem::TooLong(n) => {
                format!("the {what} has {n} characters: at most {max} are kept")
            }
            TextProblem::ControlCharacter => format!(
                "the {what} holds control characters: only text, line breaks and tabs are kept"
            ),
        })
    }
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

/// The gate for a case study about `clients` owned by `owner`, for `recipient`.
fn clear(
    vault: &Vault,
    id: &str,
    owner: Owner,
    clients: &[String],
    recipient: Recipient,
    client: Option<&str>,
) -> Result<ClearedCaseStudy, CaseStudyError> {
    let parties = CaseStudyParties {
        id,
        organisation: owner == Owner::Organisation,
        clients,
    };
    Ok(disclosure::clear_case_study(
        vault, parties, recipient, client,
    )?)
}

fn now_text(change: &crate::store::vault::Change<'_>) -> Result<String, CaseStudyError> {
    Ok(change.now.format(&Rfc3339).map_err(AuditError::from)?)
}

/// The text of a case study: empty while it is a draft being started, else as
/// [`check_text`] allows.
fn check_body(body: &str) -> Result<&str, CaseStudyError> {
    if body.trim().is_empty() {
        return Ok("");
    }
    check_text(body, MAX_BODY_CHARS).map_err(text_problem("text", MAX_BODY_CHARS))
}

/// Starts a case study and returns it. The creation and its `case_study.created` audit entry
/// (owner, course and client codes; never the title or text) are one transaction.
///
/// Errors: [`CaseStudyError::Invalid`] (title, body, clients),
/// [`CaseStudyError::CourseNotFound`], [`CaseStudyError::NoConsent`],
/// [`CaseStudyError::Vault`].
pub fn create(vault: &mut Vault, new: &NewCaseStudy<'_>) -> Result<CaseStudy, CaseStudyError> {
    let title =
        check_text(new.title, MAX_TITLE_CHARS).map_err(text_problem("title", MAX_TITLE_CHARS))?;
    let body = check_body(new.body)?;
    let clients = check_clients(new.clients)?;
    let course_id = match new.course_id.map(str::trim).filter(|c| !c.is_empty()) {
        Some(id) => {
            let n: i64 = vault.db().conn().query_row(
                "SELECT count(*) FROM courses WHERE id = ?1",
                [id],
                |r| r.get(0),
            )?;
            if n == 0 {
                return Err(CaseStudyError::CourseNotFound(id.to_owned()));
            }
            Some(id.to_owned())
        }
        None => None,
    };
    let _cleared = clear(vault, "", new.owner, &clients, Recipient::Counsellor, None)?;
    let id = Uuid::new_v4().to_string();
    let change = vault.change()?;
    let now = now_text(&change)?;
    change.tx.execute(
        "INSERT INTO case_studies (id, title, owner, course_id, body, anonymisation, created_at,
                                   updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, '[]', ?6, ?6)",
        params![id, title, new.owner.as_str(), course_id, body, now],
    )?;
    for client in &clients {
        change.tx.execute(
            "INSERT INTO case_study_clients (case_study_id, client_code) VALUES (?1, ?2)",
            params![id, client],
        )?;
    }
    change.log(
        EventKind::CaseStudyCreated,
        Some(&id),
        &json!({ "owner": new.owner.as_str(), "course_id": course_id, "clients": clients }),
    )?;
    change.commit()?;
    tracing::info!(case_study = %id, owner = new.owner.as_str(), "case study created");
    get(vault, &id)
}

/// A case study's owner, course and clients, without its title or text: what the gate and a
/// shred need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parties {
    /// The case study id.
    pub(crate) id: String,
    /// Who owns it.
    pub(crate) owner: Owner,
    /// The course it was written for, if any.
    pub(crate) course_id: Option<String>,
    /// The client codes it is about, sorted.
    pub(crate) clients: Vec<String>,
    /// When it was marked final, if it was.
    pub(crate) final_at: Option<String>,
    /// When it was last changed.
    pub(crate) updated_at: String,
}

/// The parties of case study `id`.
///
/// Errors: [`CaseStudyError::NotFound`], [`CaseStudyError::Vault`].
pub(crate) fn parties(vault: &Vault, id: &str) -> Result<Parties, CaseStudyError> {
    let conn = vault.db().conn();
    let found = conn
        .query_row(
            "SELECT id, owner, course_id, final_at, updated_at FROM case_studies WHERE id = ?1",
            [id.trim()],
            |r| {
                let owner: String = r.get(1)?;
                Ok(Parties {
                    id: r.get(0)?,
                    owner: if owner == "organisation" {
                        Owner::Organisation
                    } else {
                        Owner::Counsellor
                    },
                    course_id: r.get(2)?,
                    clients: Vec::new(),
                    final_at: r.get(3)?,
                    updated_at: r.get(4)?,
                })
            },
        )
        .optional()?;
    let mut found = found.ok_or_else(|| CaseStudyError::NotFound(id.to_owned()))?;
    let mut stmt = conn.prepare(
        "SELECT client_code FROM case_study_clients WHERE case_study_id = ?1 ORDER BY client_code",
    )?;
    found.clients = stmt
        .query_map([&found.id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(found)
}

/// The whole case study the gate cleared, with its title and text.
fn load(
    vault: &Vault,
    cleared: &ClearedCaseStudy,
    parties: Parties,
) -> Result<CaseStudy, CaseStudyError> {
    let (title, body, rules, created_at): (String, String, String, String) = vault
        .db()
        .conn()
        .query_row(
            "SELECT title, body, anonymisation, created_at FROM case_studies WHERE id = ?1",
            [cleared.id()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?
        .ok_or_else(|| CaseStudyError::NotFound(cleared.id().to_owned()))?;
    Ok(CaseStudy {
        id: parties.id,
        title,
        owner: parties.owner,
        course_id: parties.course_id,
        clients: parties.clients,
        body,
        anonymisation: serde_json::from_str(&rules).unwrap_or_default(),
        final_at: parties.final_at,
        created_at,
        updated_at: parties.updated_at,
    })
}

/// The case study with id `id`, for the counsellor: every client it is about must still
/// consent to a case study of its kind (the disclosure gate).
///
/// Errors: [`CaseStudyError::NotFound`], [`CaseStudyError::Disclosure`],
/// [`CaseStudyError::Vault`].
pub fn get(vault: &Vault, id: &str) -> Result<CaseStudy, CaseStudyError> {
    let parties = parties(vault, id)?;
    let cleared = clear(
        vault,
        &parties.id,
        parties.owner,
        &parties.clients,
        Recipient::Counsellor,
        None,
    )?;
    load(vault, &cleared, parties)
}

/// The case study with id `id`, for client `client_code`'s own copy of their data (subject
/// access): the client must be one it is about and hold a consent signed by this vault. What
/// of it the client may see when it is about others too is decided by subject access.
///
/// Errors: as [`get`].
pub fn get_for_client(
    vault: &Vault,
    id: &str,
    client_code: &str,
) -> Result<CaseStudy, CaseStudyError> {
    let parties = parties(vault, id)?;
    let cleared = clear(
        vault,
        &parties.id,
        parties.owner,
        &parties.clients,
        Recipient::Client,
        Some(client_code),
    )?;
    load(vault, &cleared, parties)
}

/// A case study as listed: its title only while the gate allows it to be opened.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Listed {
    /// The case study id.
    pub id: String,
    /// Its title, or `None` while it is withheld. Confidential: never log it.
    pub title: Option<String>,
    /// Who owns it.
    pub owner: Owner,
    /// The course it was written for, if any.
    pub course_id: Option<String>,
    /// The client codes it is about.
    pub clients: Vec<String>,
    /// When it was marked final, if it was.
    pub final_at: Option<String>,
    /// When it was last changed.
    pub updated_at: String,
    /// Why it cannot be opened now (a client's consent no longer allows it), if it cannot.
    pub withheld: Option<String>,
}

fn ids(vault: &Vault, sql: &str, arg: &str) -> Result<Vec<String>, CaseStudyError> {
    let conn = vault.db().conn();
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([arg], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every case study, oldest first, each with its title only if the gate lets it be opened.
///
/// Errors: [`CaseStudyError::Vault`].
pub fn list(vault: &Vault) -> Result<Vec<Listed>, CaseStudyError> {
    let mut out = Vec::new();
    for id in ids(
        vault,
        "SELECT id FROM case_studies WHERE ?1 = ?1 ORDER BY created_at, id",
        "",
    )? {
        let parties = parties(vault, &id)?;
        let (title, withheld) = match get(vault, &id) {
            Ok(study) => (Some(study.title), None),
            Err(CaseStudyError::Disclosure(e)) => (None, Some(e.to_string())),
            Err(e) => return Err(e),
        };
        out.push(Listed {
            id: parties.id,
            title,
            owner: parties.owner,
            course_id: parties.course_id,
            clients: parties.clients,
            final_at: parties.final_at,
            updated_at: parties.updated_at,
            withheld,
        });
    }
    Ok(out)
}

/// The ids of the case studies that mention client `client_code`, oldest first (for subject
/// access and the client shred).
///
/// Errors: [`CaseStudyError::Vault`].
pub fn mentioning(vault: &Vault, client_code: &str) -> Result<Vec<String>, CaseStudyError> {
    ids(
        vault,
        "SELECT s.id FROM case_studies s JOIN case_study_clients c ON c.case_study_id = s.id
         WHERE c.client_code = ?1 ORDER BY s.created_at, s.id",
        client_code.trim(),
    )
}

/// The ids of the case studies of course `course_id`, oldest first.
///
/// Errors: [`CaseStudyError::Vault`].
fn of_course(vault: &Vault, course_id: &str) -> Result<Vec<String>, CaseStudyError> {
    ids(
        vault,
        "SELECT id FROM case_studies WHERE course_id = ?1 ORDER BY created_at, id",
        course_id.trim(),
    )
}

fn editable(vault: &Vault, id: &str) -> Result<CaseStudy, CaseStudyError> {
    let found = get(vault, id)?;
    if found.final_at.is_some() {
        return Err(CaseStudyError::Final(found.id));
    }
    Ok(found)
}

/// Changes the title, the text and/or the clients of case study `id` (not when final). What
/// is not given stays. Logged as `case_study.edited` (ids and client codes only).
///
/// Errors: [`CaseStudyError::NotFound`], [`CaseStudyError::Final`],
/// [`CaseStudyError::Invalid`], [`CaseStudyError::NoConsent`], [`CaseStudyError::Vault`].
pub fn edit(
    vault: &mut Vault,
    id: &str,
    title: Option<&str>,
    body: Option<&str>,
    clients: Option<&[String]>,
) -> Result<CaseStudy, CaseStudyError> {
    let found = editable(vault, id)?;
    if title.is_none() && body.is_none() && clients.is_none() {
        return Ok(found);
    }
    let title = match title {
        Some(t) => check_text(t, MAX_TITLE_CHARS)
            .map_err(text_problem("title", MAX_TITLE_CHARS))?
            .to_owned(),
        None => found.title.clone(),
    };
    let body = match body {
        Some(b) => check_body(b)?.to_owned(),
        None => found.body.clone(),
    };
    let clients = match clients {
        Some(c) => {
            let c = check_clients(c)?;
            let _cleared = clear(
                vault,
                &found.id,
                found.owner,
                &c,
                Recipient::Counsellor,
                None,
            )?;
            c
        }
        None => found.clients.clone(),
    };
    let change = vault.change()?;
    let now = now_text(&change)?;
    change.tx.execute(
        "UPDATE case_studies SET title = ?2, body = ?3, updated_at = ?4 WHERE id = ?1",
        params![found.id, title, body, now],
    )?;
    change.tx.execute(
        "DELETE FROM case_study_clients WHERE case_study_id = ?1",
        [&found.id],
    )?;
    for client in &clients {
        change.tx.execute(
            "INSERT INTO case_study_clients (case_study_id, client_code) VALUES (?1, ?2)",
            params![found.id, client],
        )?;
    }
    change.log(
        EventKind::CaseStudyEdited,
        Some(&found.id),
        &json!({ "change": "text", "clients": clients }),
    )?;
    change.commit()?;
    tracing::info!(case_study = %found.id, "case study edited");
    get(vault, &found.id)
}

/// Sets the anonymisation list of case study `id` (not when final). Logged as
/// `case_study.edited` with the number of rules only.
///
/// Errors: [`CaseStudyError::NotFound`], [`CaseStudyError::Final`],
/// [`CaseStudyError::InvalidRules`], [`CaseStudyError::Vault`].
pub fn set_anonymisation(
    vault: &mut Vault,
    id: &str,
    rules: Vec<Rule>,
) -> Result<CaseStudy, CaseStudyError> {
    let found = editable(vault, id)?;
    let rules = anonymise::check_rules(rules)?;
    let text = serde_json::to_string(&rules).map_err(AuditError::from)?;
    let change = vault.change()?;
    let now = now_text(&change)?;
    change.tx.execute(
        "UPDATE case_studies SET anonymisation = ?2, updated_at = ?3 WHERE id = ?1",
        params![found.id, text, now],
    )?;
    change.log(
        EventKind::CaseStudyEdited,
        Some(&found.id),
        &json!({ "change": "anonymisation", "rules": rules.len() }),
    )?;
    change.commit()?;
    get(vault, &found.id)
}

/// The document an export writes, with the anonymisation list applied.
fn document(found: &CaseStudy) -> Document {
    let rules = &found.anonymisation;
    let mut facts = vec![
        ("Clients".to_owned(), found.clients.join(", ")),
        (
            "Owner".to_owned(),
            match found.owner {
                Owner::Counsellor => "The counsellor (coursework)".to_owned(),
                Owner::Organisation => "The organisation (a permanent record)".to_owned(),
            },
        ),
    ];
    if let Some(at) = &found.final_at {
        facts.push((
            "Final since".to_owned(),
            crate::documents::transcript::long_date(at),
        ));
    }
    if !rules.is_empty() {
        facts.push((
            "Anonymised".to_owned(),
            format!("{} name(s) and identifying detail(s) replaced", rules.len()),
        ));
    }
    let paragraphs = found
        .body
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| Block::Para(anonymise::apply(p, rules)))
        .collect();
    Document {
        title: anonymise::apply(&found.title, rules),
        facts,
        sections: vec![Section {
            heading: "Case study".to_owned(),
            blocks: paragraphs,
        }],
        footer: format!("Case study {}", found.id),
    }
}

/// What the anonymisation check finds in case study `id` (empty when it passes).
///
/// Errors: [`CaseStudyError::NotFound`], [`CaseStudyError::Vault`].
pub fn check_anonymisation(vault: &Vault, id: &str) -> Result<Vec<Leftover>, CaseStudyError> {
    let found = get(vault, id)?;
    let doc = document(&found);
    Ok(anonymise::leftovers(doc.texts(), &found.anonymisation))
}

/// Marks the organisation's case study `id` final: from then on it is never edited. Needs a
/// non-empty anonymisation list whose check passes. Logged as `case_study.finalised`.
///
/// Errors: [`CaseStudyError::NotFound`], [`CaseStudyError::Final`] (already),
/// [`CaseStudyError::NotOrganisation`], [`CaseStudyError::NoAnonymisation`],
/// [`CaseStudyError::NotAnonymised`], [`CaseStudyError::Vault`].
pub fn mark_final(vault: &mut Vault, id: &str) -> Result<CaseStudy, CaseStudyError> {
    let found = editable(vault, id)?;
    if found.owner != Owner::Organisation {
        return Err(CaseStudyError::NotOrganisation(found.id));
    }
    if found.body.is_empty() {
        return Err(text_problem("text", MAX_BODY_CHARS)(TextProblem::Empty));
    }
    if found.anonymisation.is_empty() {
        return Err(CaseStudyError::NoAnonymisation(found.id));
    }
    let doc = document(&found);
    let left = anonymise::leftovers(doc.texts(), &found.anonymisation);
    if !left.is_empty() {
        return Err(CaseStudyError::NotAnonymised(left));
    }
    let change = vault.change()?;
    let now = now_text(&change)?;
    change.tx.execute(
        "UPDATE case_studies SET final_at = ?2, updated_at = ?2 WHERE id = ?1",
        params![found.id, now],
    )?;
    change.log(
        EventKind::CaseStudyFinalised,
        Some(&found.id),
        &json!({ "rules": found.anonymisation.len() }),
    )?;
    change.commit()?;
    tracing::info!(case_study = %found.id, "case study marked final");
    get(vault, &found.id)
}

/// Exports case study `id` as DOCX or PDF to `out`, with the anonymisation list applied; the
/// file is recorded as an outstanding copy (kind `case-study-docx|pdf`) and logged as
/// `case_study.exported`.
///
/// Errors: [`CaseStudyError::NotFound`], [`CaseStudyError::BadFormat`] for TXT,
/// [`CaseStudyError::NotAnonymised`] (nothing is written), [`CaseStudyError::Write`],
/// [`CaseStudyError::Vault`].
pub fn export(
    vault: &mut Vault,
    id: &str,
    format: Format,
    out: &Path,
) -> Result<Exported, CaseStudyError> {
    if format == Format::Txt {
        return Err(CaseStudyError::BadFormat(format.as_str().to_owned()));
    }
    let found = get(vault, id)?;
    let doc = document(&found);
    let left = anonymise::leftovers(doc.texts(), &found.anonymisation);
    if !left.is_empty() {
        tracing::warn!(case_study = %found.id, rules = left.len(), "export refused: anonymisation incomplete");
        return Err(CaseStudyError::NotAnonymised(left));
    }
    let bytes = doc.render(format)?;
    let kind = format!("case-study-{}", format.as_str());
    let of = NewCopy {
        kind: &kind,
        recording_id: None,
        transcript_id: None,
        case_study_id: Some(&found.id),
        consent_id: None,
        event: EventKind::CaseStudyExported,
        subject: &found.id,
    };
    Ok(crate::documents::transcript::export::write_copy(
        vault, out, &bytes, &of,
    )?)
}

/// What a shred does to case studies: those it destroys, those it keeps and why.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ShredPlan {
    /// The counsellor's case studies it destroys.
    pub(crate) destroy: Vec<Parties>,
    /// What it keeps, in words (ids and client codes only).
    pub(crate) kept: Vec<String>,
}

/// The plan for a course shred (`course_id`) or a client shred (`client_code`).
pub(crate) fn shred_plan(
    vault: &Vault,
    course_id: Option<&str>,
    client_code: Option<&str>,
) -> Result<ShredPlan, CaseStudyError> {
    let mut plan = ShredPlan::default();
    let mut seen = Vec::new();
    let mut consider = |found: Parties, by_course: bool, plan: &mut ShredPlan| {
        if seen.contains(&found.id) {
            return;
        }
        seen.push(found.id.clone());
        match found.owner {
            Owner::Organisation => plan.kept.push(format!(
                "Case study {} (the organisation's, about {}) is kept: it is a permanent record \
                 of the service.",
                found.id,
                found.clients.join(", ")
            )),
            Owner::Counsellor if by_course || found.clients.len() == 1 => plan.destroy.push(found),
            Owner::Counsellor => plan.kept.push(format!(
                "Case study {} (the counsellor's) is kept for now because it is also about {}: \
                 take {} out of it or rewrite it (case-study edit --clients), then shred again.",
                found.id,
                found
                    .clients
                    .iter()
                    .filter(|c| Some(c.as_str()) != client_code)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                client_code.unwrap_or_default()
            )),
        }
    };
    if let Some(course) = course_id {
        for id in of_course(vault, course)? {
            consider(parties(vault, &id)?, true, &mut plan);
        }
    }
    if let Some(client) = client_code {
        for id in mentioning(vault, client)? {
            consider(parties(vault, &id)?, false, &mut plan);
        }
    }
    Ok(plan)
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
