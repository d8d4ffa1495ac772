//! Changing a case study: its text and title, its anonymisation list, and marking it final;
//! each change logged by ids only.

use super::*;

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
