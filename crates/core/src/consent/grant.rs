//! Recording the client's answer: a consent granted ([`grant`]) or declined ([`decline`]), each
//! checked first, then signed with the counsellor's key and logged in one transaction.

use std::collections::BTreeSet;

use rusqlite::params;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::Date;
use uuid::Uuid;

use super::attachment::{self, Kind};
use super::choices::join;
use super::input::check_text;
use super::{
    check_client_code, forms, Audience, CaseStudy, ConsentError, Decision, Purpose, Record,
    MAX_NAME_CHARS,
};
use crate::course::{self, format_date};
use crate::store::audit::EventKind;
use crate::store::signing::Domain;
use crate::store::vault::Vault;

/// How the client signed.
#[derive(Debug, Clone, Copy)]
pub enum SignedWith<'a> {
    /// A signature drawn on screen or elsewhere: SVG or PNG bytes.
    Drawn(&'a [u8]),
    /// A scan of the signed paper form: PDF, PNG or JPEG bytes.
    PaperScan(&'a [u8]),
}

/// What a counsellor enters to record a client's consent.
#[derive(Debug, Clone)]
pub struct NewConsent<'a> {
    /// The client's code (a pseudonym).
    pub client_code: &'a str,
    /// The course the recordings are for, if any.
    pub course_id: Option<&'a str>,
    /// Without a course: the date by which recordings are destroyed.
    pub destroy_by: Option<Date>,
    /// Why the session is recorded (at least one).
    pub purposes: Vec<Purpose>,
    /// Who besides the counsellor may hear it (may be empty: the counsellor only).
    pub audience: Vec<Audience>,
    /// The case-study choice.
    pub case_study: CaseStudy,
    /// The name the client typed.
    pub client_name: &'a str,
    /// The client's signature or the scanned paper form.
    pub signed_with: SignedWith<'a>,
    /// The counsellor's name (the countersignature is the counsellor's key).
    pub counsellor_name: &'a str,
}

/// Records a client's consent, signed with the counsellor's key, and logs it. Every input is
/// checked first; on any error nothing is stored.
///
/// Errors: [`ConsentError::Invalid`], [`ConsentError::Attachment`], [`ConsentError::Course`],
/// [`ConsentError::Vault`].
pub fn grant(vault: &mut Vault, input: &NewConsent<'_>) -> Result<Record, ConsentError> {
    let client_code = check_client_code(input.client_code)?;
    let client_name = check_text("client name", input.client_name, MAX_NAME_CHARS)?;
    let counsellor_name = check_text("counsellor name", input.counsellor_name, MAX_NAME_CHARS)?;
    if input.purposes.is_empty() {
        return Err(ConsentError::Invalid {
            field: "purpose",
            reason: "name at least one of: coursework, supervision, training".to_owned(),
        });
    }
    let purposes: Vec<Purpose> = input
        .purposes
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let audience: Vec<Audience> = input
        .audience
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (course_id, destroy_by) = course_and_destroy_by(vault, input)?;
    if course_id.is_none()
        && (purposes.contains(&Purpose::Coursework) || input.case_study == CaseStudy::Coursework)
    {
        return Err(ConsentError::Invalid {
            field: "course",
            reason: "coursework is for a training course: name the course".to_owned(),
        });
    }
    let (kind, bytes) = match input.signed_with {
        SignedWith::Drawn(bytes) => (attachment::check_drawn(bytes)?, bytes),
        SignedWith::PaperScan(bytes) => (attachment::check_scan(bytes)?, bytes),
    };
    let form = forms::current();
    let mut record = Record {
        id: Uuid::new_v4(),
        client_code,
        decision: Decision::Granted,
        course_id,
        destroy_by: Some(destroy_by),
        purposes,
        audience,
        case_study: input.case_study,
        form_version: form.version.to_owned(),
        form_hash: form.hash().to_vec(),
        client_name: Some(client_name),
        attachment_kind: Some(kind),
        attachment: Some(bytes.to_vec()),
        counsellor_name,
        signed_at: String::new(),
        record_signature: Vec::new(),
        withdrawal: None,
    };
    store(vault, &mut record, EventKind::ConsentGranted)?;
    Ok(record)
}

/// The course a consent is for, if any, and the date by which its recordings are destroyed: the
/// course's end, or without a course the date agreed. One of the two is given, not both, and it
/// has not passed.
///
/// Errors: [`ConsentError::Invalid`], [`ConsentError::Course`], [`ConsentError::Vault`].
fn course_and_destroy_by(
    vault: &Vault,
    input: &NewConsent<'_>,
) -> Result<(Option<Uuid>, Date), ConsentError> {
    let today = vault.now().date();
    let (course_id, destroy_by) = match (input.course_id, input.destroy_by) {
        (Some(_), Some(_)) => {
            return Err(ConsentError::Invalid {
                field: "destroy-by date",
                reason: "a consent for a course is destroyed when the course ends: give either \
                         a course or a destroy-by date, not both"
                    .to_owned(),
            })
        }
        (Some(id), None) => {
            let course = course::get(vault, id.trim())?;
            if course.ends_on < today {
                return Err(ConsentError::Invalid {
                    field: "course",
                    reason: format!(
                        "the course ended on {}: consent cannot be given for it",
                        format_date(course.ends_on)
                    ),
                });
            }
            (Some(course.id), course.ends_on)
        }
        (None, Some(date)) => {
            if date < today {
                return Err(ConsentError::Invalid {
                    field: "destroy-by date",
                    reason: format!("{} has already passed", format_date(date)),
                });
            }
            (None, date)
        }
        (None, None) => {
            return Err(ConsentError::Invalid {
                field: "course",
                reason: "name the course the recordings are for, or, for supervision or further \
                         training, a destroy-by date"
                    .to_owned(),
            })
        }
    };
    Ok((course_id, destroy_by))
}

/// Records that a client declined, so the gate refuses and the client is not asked again.
/// Declining changes nothing about the client's service.
///
/// Errors: [`ConsentError::Invalid`], [`ConsentError::Course`], [`ConsentError::Vault`].
pub fn decline(
    vault: &mut Vault,
    client_code: &str,
    course_id: Option<&str>,
    counsellor_name: Option<&str>,
) -> Result<Record, ConsentError> {
    let client_code = check_client_code(client_code)?;
    let counsellor_name = match counsellor_name {
        Some(name) => check_text("counsellor name", name, MAX_NAME_CHARS)?,
        None => String::new(),
    };
    let course_id = match course_id {
        Some(id) => Some(course::get(vault, id.trim())?.id),
        None => None,
    };
    let form = forms::current();
    let mut record = Record {
        id: Uuid::new_v4(),
        client_code,
        decision: Decision::Declined,
        course_id,
        destroy_by: None,
        purposes: Vec::new(),
        audience: Vec::new(),
        case_study: CaseStudy::None,
        form_version: form.version.to_owned(),
        form_hash: form.hash().to_vec(),
        client_name: None,
        attachment_kind: None,
        attachment: None,
        counsellor_name,
        signed_at: String::new(),
        record_signature: Vec::new(),
        withdrawal: None,
    };
    store(vault, &mut record, EventKind::ConsentDeclined)?;
    Ok(record)
}

/// Signs and inserts a record and its audit entry in one transaction.
fn store(vault: &mut Vault, record: &mut Record, event: EventKind) -> Result<(), ConsentError> {
    let vault_id = vault.id();
    let change = vault.change()?;
    record.signed_at = change
        .now
        .format(&Rfc3339)
        .map_err(crate::store::audit::AuditError::from)?;
    record.record_signature = change
        .sign(Domain::ConsentRecord, &record.canonical(vault_id))
        .to_vec();
    change.tx.execute(
        "INSERT INTO consents (id, client_code, decision, course_id, destroy_by, purposes,
             audience, case_study, form_version, form_hash, client_name, attachment_kind,
             attachment, counsellor_name, signed_at, record_signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            record.id.to_string(),
            record.client_code,
            record.decision.as_str(),
            record.course_id.map(|c| c.to_string()),
            record.destroy_by.map(format_date),
            join(&record.purposes),
            join(&record.audience),
            record.case_study.as_str(),
            record.form_version,
            record.form_hash,
            record.client_name,
            record.attachment_kind.map(Kind::as_str),
            record.attachment,
            record.counsellor_name,
            record.signed_at,
            record.record_signature,
        ],
    )?;
    change.log(
        event,
        Some(&record.id.to_string()),
        &json!({
            "client_code": record.client_code,
            "course_id": record.course_id,
            "form_version": record.form_version,
        }),
    )?;
    change.commit()?;
    tracing::info!(consent = %record.id, decision = record.decision.as_str(), "consent recorded");
    Ok(())
}
