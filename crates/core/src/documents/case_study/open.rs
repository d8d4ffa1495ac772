//! Case studies started, listed and read: each read passes the disclosure gate for every
//! client it is about.

use super::*;

/// The gate for a case study about `clients` owned by `owner`, for `recipient`.
pub(super) fn clear(
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

pub(super) fn now_text(change: &crate::store::vault::Change<'_>) -> Result<String, CaseStudyError> {
    Ok(change.now.format(&Rfc3339).map_err(AuditError::from)?)
}

/// The text of a case study: empty while it is a draft being started, else as
/// [`check_text`] allows.
pub(super) fn check_body(body: &str) -> Result<&str, CaseStudyError> {
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
pub(super) fn of_course(vault: &Vault, course_id: &str) -> Result<Vec<String>, CaseStudyError> {
    ids(
        vault,
        "SELECT id FROM case_studies WHERE course_id = ?1 ORDER BY created_at, id",
        course_id.trim(),
    )
}
