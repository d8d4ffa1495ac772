//! Consent records: the gate no recording can pass without.
//!
//! A client's written consent is a record signed with the counsellor's key over a canonical
//! byte form (domain-tagged): who (a client *code*, never a name in logs or files), for which
//! course or until which date, for which purposes, heard by whom, what happens to a case study,
//! on which version of the form (with the hash of its exact text), the client's typed name and
//! signature picture or scanned paper form, and the counsellor's name and time of signing.
//!
//! A decline is recorded too, so the gate refuses and the client is not asked again. A
//! withdrawal is appended, signed, and never edits the original.
//!
//! [`verify`] is the gate: the only way to obtain a [`VerifiedConsent`], which starting a
//! recording requires. There is no other constructor and no bypass.

pub mod attachment;
pub mod forms;
pub mod pdf;

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use rusqlite::{params, OptionalExtension, Row};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::course::{self, format_date, CourseError};
use crate::store::audit::EventKind;
use crate::store::canonical::Encoder;
use crate::store::db::DbError;
use crate::store::signing::Domain;
use crate::store::vault::{Vault, VaultError};
use attachment::{AttachmentError, Kind};

/// The longest typed name, counsellor name or withdrawal reason accepted, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest withdrawal reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 2000;

macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in canonical order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word used on the command line, in storage and in the signed record.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ConsentError;
            fn from_str(text: &str) -> Result<Self, ConsentError> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == text.trim())
                    .ok_or_else(|| ConsentError::Invalid {
                        field: $what,
                        reason: format!(
                            "{text:?} is not one of: {}",
                            $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    })
            }
        }
    };
}

word_enum!(
    /// Why the session is recorded.
    Purpose, "purpose" {
        /// Coursework for a counselling training course.
        Coursework = "coursework",
        /// Clinical supervision.
        Supervision = "supervision",
        /// Further training.
        Training = "training",
    }
);

word_enum!(
    /// Who besides the counsellor may hear the recording.
    Audience, "audience" {
        /// The course tutors.
        Tutors = "tutors",
        /// Fellow students on the course.
        Students = "students",
        /// The counsellor's clinical supervisor.
        Supervisor = "supervisor",
    }
);

word_enum!(
    /// Whether a case study will be written, and for whom.
    CaseStudy, "case study" {
        /// No case study.
        None = "none",
        /// A case study for coursework, owned by the counsellor and destroyed with the recordings.
        Coursework = "coursework",
        /// A case study for the organisation: a permanent record.
        Organisation = "organisation",
    }
);

word_enum!(
    /// The client's answer.
    Decision, "decision" {
        /// The client consented.
        Granted = "granted",
        /// The client declined; this changes nothing about their service.
        Declined = "declined",
    }
);

/// Parses a comma-separated list of words, e.g. `coursework,supervision`, without repeats.
///
/// Errors: [`ConsentError::Invalid`] naming the unknown word.
pub fn parse_list<T: FromStr<Err = ConsentError> + Ord>(
    text: &str,
) -> Result<Vec<T>, ConsentError> {
    let mut set = BTreeSet::new();
    for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        set.insert(word.parse()?);
    }
    Ok(set.into_iter().collect())
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Checks a client code: a pseudonym such as `C-017` — 2 to 16 characters, capital letters,
/// digits and hyphens, starting with a letter and holding at least one digit, so that a name
/// can never pass as a code.
///
/// Errors: [`ConsentError::Invalid`].
pub fn check_client_code(code: &str) -> Result<String, ConsentError> {
    let code = code.trim();
    let ok = (2..=16).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code.chars().any(|c| c.is_ascii_digit())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(code.to_owned())
    } else {
        Err(ConsentError::Invalid {
            field: "client code",
            reason: format!(
                "{code:?} is not a client code: use a pseudonym such as C-017 (2 to 16 capital \
                 letters, digits and hyphens, starting with a letter, with at least one digit), \
                 never the client's name"
            ),
        })
    }
}

fn check_text(field: &'static str, text: &str, max: usize) -> Result<String, ConsentError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(ConsentError::Invalid {
            field,
            reason: format!("it must be 1 to {max} characters of text"),
        });
    }
    Ok(text.to_owned())
}

/// Why the gate refuses a consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The client declined.
    Declined,
    /// The client withdrew consent at this time.
    Withdrawn {
        /// When (RFC 3339).
        at: String,
    },
    /// The destroy-by date has passed.
    Expired {
        /// The destroy-by date.
        on: Date,
    },
    /// The course the consent was given for has ended.
    CourseEnded {
        /// The course's end date.
        on: Date,
    },
    /// The record does not match its signature: altered, or signed by another vault's key.
    Tampered {
        /// What was found.
        what: &'static str,
    },
    /// The record names a form version this SessionVault does not know.
    UnknownForm {
        /// The version named.
        version: String,
    },
    /// The record's form hash is not the hash of that version's text.
    FormChanged {
        /// The version named.
        version: String,
    },
}

impl Refusal {
    /// The short state shown in lists.
    pub fn state(&self) -> &'static str {
        match self {
            Refusal::Declined => "declined",
            Refusal::Withdrawn { .. } => "withdrawn",
            Refusal::Expired { .. } => "expired",
            Refusal::CourseEnded { .. } => "course ended",
            Refusal::Tampered { .. }
            | Refusal::UnknownForm { .. }
            | Refusal::FormChanged { .. } => "invalid",
        }
    }
}

impl crate::ErrorCode for Refusal {
    fn code(&self) -> &'static str {
        match self {
            Refusal::Declined => "consent_declined",
            Refusal::Withdrawn { .. } => "consent_withdrawn",
            Refusal::Expired { .. } => "consent_expired",
            Refusal::CourseEnded { .. } => "course_ended",
            Refusal::Tampered { .. } => "consent_tampered",
            Refusal::UnknownForm { .. } | Refusal::FormChanged { .. } => "consent_form_mismatch",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Declined => f.write_str(
                "the client declined to be recorded; nothing may be recorded under this record",
            ),
            Refusal::Withdrawn { at } => write!(
                f,
                "the client withdrew this consent on {}: nothing more may be recorded, heard or \
                 read under it",
                readable_time(at)
            ),
            Refusal::Expired { on } => write!(
                f,
                "this consent ran until {}, which has passed; ask the client for a new consent",
                format_date(*on)
            ),
            Refusal::CourseEnded { on } => write!(
                f,
                "the course this consent was given for ended on {}; recordings for it are due \
                 for destruction",
                format_date(*on)
            ),
            Refusal::Tampered { what } => write!(
                f,
                "this consent record cannot be trusted: {what}. It was altered after signing, or \
                 signed by another vault's key"
            ),
            Refusal::UnknownForm { version } => write!(
                f,
                "this consent names form version {version}, which this SessionVault does not know"
            ),
            Refusal::FormChanged { version } => write!(
                f,
                "the form text recorded with this consent is not the text of form version \
                 {version}"
            ),
        }
    }
}

/// What went wrong with a consent operation.
#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    /// A field of the input is not acceptable; nothing was stored.
    #[error("{field}: {reason}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// Why, and what is accepted.
        reason: String,
    },
    /// The signature picture or scan is not acceptable; nothing was stored.
    #[error("client signature: {0}")]
    Attachment(#[from] AttachmentError),
    /// No consent record has this id.
    #[error("there is no consent record with id {0}: see `sessionvault consent list`")]
    NotFound(String),
    /// The gate refuses this consent.
    #[error("{0}")]
    Refused(Refusal),
    /// The consent was already withdrawn.
    #[error("this consent was already withdrawn on {0}")]
    AlreadyWithdrawn(String),
    /// The PDF could not be made.
    #[error("the consent PDF could not be made: {0}")]
    Pdf(#[from] pdf::PdfError),
    /// The PDF could not be written; nothing was left at the destination.
    #[error("could not write {path}: {source}")]
    Io {
        /// Where.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A course problem.
    #[error(transparent)]
    Course(#[from] CourseError),
    /// A vault problem.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl crate::ErrorCode for ConsentError {
    fn code(&self) -> &'static str {
        match self {
            ConsentError::Invalid { .. } => "invalid_input",
            ConsentError::Attachment(_) => "invalid_signature_file",
            ConsentError::NotFound(_) => "consent_not_found",
            ConsentError::Refused(r) => r.code(),
            ConsentError::AlreadyWithdrawn(_) => "consent_already_withdrawn",
            ConsentError::Pdf(_) => "pdf_failed",
            ConsentError::Io { .. } => "io_failed",
            ConsentError::Course(e) => e.code(),
            ConsentError::Vault(e) => e.code(),
        }
    }
}

impl From<rusqlite::Error> for ConsentError {
    fn from(e: rusqlite::Error) -> Self {
        ConsentError::Vault(DbError::from(e).into())
    }
}

impl From<crate::store::audit::AuditError> for ConsentError {
    fn from(e: crate::store::audit::AuditError) -> Self {
        ConsentError::Vault(e.into())
    }
}

impl From<DbError> for ConsentError {
    fn from(e: DbError) -> Self {
        ConsentError::Vault(e.into())
    }
}

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

/// A withdrawal of consent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Withdrawal {
    /// When (RFC 3339).
    pub at: String,
    /// The reason the client gave (may be sensitive: shown to the counsellor, never logged).
    pub reason: String,
    /// The counsellor's signature over the withdrawal.
    #[serde(skip)]
    pub signature: Vec<u8>,
}

/// A stored consent record, granted or declined.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Record {
    /// The record id.
    pub id: Uuid,
    /// The client code.
    pub client_code: String,
    /// Granted or declined.
    pub decision: Decision,
    /// The course, if any.
    pub course_id: Option<Uuid>,
    /// The date by which recordings are destroyed (the course's end, or the agreed date).
    #[serde(serialize_with = "serialize_opt_date")]
    pub destroy_by: Option<Date>,
    /// Purposes.
    pub purposes: Vec<Purpose>,
    /// Audience besides the counsellor.
    pub audience: Vec<Audience>,
    /// Case-study choice.
    pub case_study: CaseStudy,
    /// The form version shown.
    pub form_version: String,
    /// SHA-256 of the exact form text shown.
    #[serde(serialize_with = "serialize_hex")]
    pub form_hash: Vec<u8>,
    /// The name the client typed.
    pub client_name: Option<String>,
    /// The kind of signature picture or scan.
    pub attachment_kind: Option<Kind>,
    /// The signature picture or scan.
    #[serde(skip)]
    pub attachment: Option<Vec<u8>>,
    /// The counsellor's name.
    pub counsellor_name: String,
    /// When it was signed (RFC 3339).
    pub signed_at: String,
    /// The counsellor's signature over the canonical form.
    #[serde(serialize_with = "serialize_hex")]
    pub record_signature: Vec<u8>,
    /// The withdrawal, if the client withdrew.
    pub withdrawal: Option<Withdrawal>,
}

fn serialize_hex<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(bytes))
}

fn serialize_opt_date<S: serde::Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => s.serialize_str(&format_date(*d)),
        None => s.serialize_none(),
    }
}

impl Record {
    /// The canonical byte form the counsellor's key signs, bound to the vault's id.
    pub fn canonical(&self, vault_id: Uuid) -> Vec<u8> {
        let attachment_hash = self
            .attachment
            .as_deref()
            .map(|a| Sha256::digest(a).to_vec());
        Encoder::new()
            .text(&vault_id.to_string())
            .text(&self.id.to_string())
            .text(&self.client_code)
            .text(self.decision.as_str())
            .opt_text(self.course_id.map(|c| c.to_string()).as_deref())
            .opt_text(self.destroy_by.map(format_date).as_deref())
            .text(&join(&self.purposes))
            .text(&join(&self.audience))
            .text(self.case_study.as_str())
            .text(&self.form_version)
            .field(Some(&self.form_hash))
            .opt_text(self.client_name.as_deref())
            .opt_text(self.attachment_kind.map(Kind::as_str))
            .field(attachment_hash.as_deref())
            .text(&self.counsellor_name)
            .text(&self.signed_at)
            .finish()
    }

    /// The SHA-256 of the attachment, hex, if there is one.
    pub fn attachment_sha256(&self) -> Option<String> {
        self.attachment
            .as_deref()
            .map(|a| hex::encode(Sha256::digest(a)))
    }
}

fn withdrawal_canonical(record: &Record, at: &str, reason: &str) -> Vec<u8> {
    Encoder::new()
        .text(&record.id.to_string())
        .field(Some(&record.record_signature))
        .text(at)
        .text(reason)
        .finish()
}

/// Proof that a consent record verified: signed by this vault's key, on a known form, granted,
/// not withdrawn and in date, at [`VerifiedConsent::verified_at`]. Only [`verify`] makes one;
/// starting a recording requires one.
///
/// ```compile_fail
/// // There is no way to build one by hand:
/// let forged = sessionvault_core::consent::VerifiedConsent { id: uuid::Uuid::nil() };
/// ```
#[derive(Debug)]
#[must_use]
pub struct VerifiedConsent {
    id: Uuid,
    client_code: String,
    course_id: Option<Uuid>,
    destroy_by: Option<Date>,
    purposes: Vec<Purpose>,
    audience: Vec<Audience>,
    verified_at: OffsetDateTime,
}

impl VerifiedConsent {
    /// The consent record's id.
    pub fn id(&self) -> Uuid {
        self.id
    }
    /// The client code.
    pub fn client_code(&self) -> &str {
        &self.client_code
    }
    /// The course, if any.
    pub fn course_id(&self) -> Option<Uuid> {
        self.course_id
    }
    /// The date by which recordings are destroyed.
    pub fn destroy_by(&self) -> Option<Date> {
        self.destroy_by
    }
    /// The purposes consented to.
    pub fn purposes(&self) -> &[Purpose] {
        &self.purposes
    }
    /// Who besides the counsellor may hear recordings.
    pub fn audience(&self) -> &[Audience] {
        &self.audience
    }
    /// When the verification was made.
    pub fn verified_at(&self) -> OffsetDateTime {
        self.verified_at
    }
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

/// Appends a signed withdrawal to a granted consent; the original is never edited. From this
/// moment the gate refuses it.
///
/// Errors: [`ConsentError::NotFound`], [`ConsentError::AlreadyWithdrawn`],
/// [`ConsentError::Invalid`] (a declined record, an empty reason), [`ConsentError::Vault`].
pub fn withdraw(vault: &mut Vault, id: &str, reason: &str) -> Result<Record, ConsentError> {
    let reason = check_text("reason", reason, MAX_REASON_CHARS)?;
    let mut record = get(vault, id)?;
    if let Some(w) = &record.withdrawal {
        return Err(ConsentError::AlreadyWithdrawn(w.at.clone()));
    }
    if record.decision == Decision::Declined {
        return Err(ConsentError::Invalid {
            field: "consent",
            reason: "this record is a decline: there is nothing to withdraw".to_owned(),
        });
    }
    let change = vault.change()?;
    let at = change
        .now
        .format(&Rfc3339)
        .map_err(crate::store::audit::AuditError::from)?;
    let signature = change.sign(
        Domain::ConsentWithdrawal,
        &withdrawal_canonical(&record, &at, &reason),
    );
    change.tx.execute(
        "INSERT INTO consent_withdrawals (consent_id, withdrawn_at, reason, signature)
         VALUES (?1, ?2, ?3, ?4)",
        params![record.id.to_string(), at, reason, &signature[..]],
    )?;
    change.log(
        EventKind::ConsentWithdrawn,
        Some(&record.id.to_string()),
        &json!({ "client_code": record.client_code }),
    )?;
    change.commit()?;
    tracing::info!(consent = %record.id, "consent withdrawn");
    record.withdrawal = Some(Withdrawal {
        at,
        reason,
        signature: signature.to_vec(),
    });
    Ok(record)
}

const SELECT: &str = "SELECT c.id, c.client_code, c.decision, c.course_id, c.destroy_by,
        c.purposes, c.audience, c.case_study, c.form_version, c.form_hash, c.client_name,
        c.attachment_kind, c.attachment, c.counsellor_name, c.signed_at, c.record_signature,
        w.withdrawn_at, w.reason, w.signature
    FROM consents c LEFT JOIN consent_withdrawals w ON w.consent_id = c.id";

/// A row as stored, before its words are parsed.
struct RawRecord {
    columns: Vec<rusqlite::types::Value>,
}

fn raw(row: &Row<'_>) -> rusqlite::Result<RawRecord> {
    (0..19)
        .map(|i| row.get::<_, rusqlite::types::Value>(i))
        .collect::<Result<Vec<_>, _>>()
        .map(|columns| RawRecord { columns })
}

impl RawRecord {
    fn text(&self, i: usize) -> Option<String> {
        match &self.columns[i] {
            rusqlite::types::Value::Text(t) => Some(t.clone()),
            _ => None,
        }
    }
    fn blob(&self, i: usize) -> Option<Vec<u8>> {
        match &self.columns[i] {
            rusqlite::types::Value::Blob(b) => Some(b.clone()),
            _ => None,
        }
    }

    /// Parses the stored words; anything unreadable means the row was altered.
    fn parse(self) -> Result<Record, Refusal> {
        let bad = |what| Refusal::Tampered { what };
        let uuid = |t: Option<String>| t.and_then(|t| Uuid::parse_str(&t).ok());
        let withdrawal = match (self.text(16), self.text(17), self.blob(18)) {
            (Some(at), Some(reason), Some(signature)) => Some(Withdrawal {
                at,
                reason,
                signature,
            }),
            _ => None,
        };
        Ok(Record {
            id: uuid(self.text(0)).ok_or(bad("its id is unreadable"))?,
            client_code: self.text(1).ok_or(bad("its client code is missing"))?,
            decision: self
                .text(2)
                .and_then(|t| t.parse().ok())
                .ok_or(bad("its decision is unreadable"))?,
            course_id: match self.text(3) {
                Some(t) => Some(uuid(Some(t)).ok_or(bad("its course id is unreadable"))?),
                None => None,
            },
            destroy_by: match self.text(4) {
                Some(t) => Some(course::parse_date(&t).map_err(|_| bad("its date is unreadable"))?),
                None => None,
            },
            purposes: parse_list(&self.text(5).unwrap_or_default())
                .map_err(|_| bad("its purposes are unreadable"))?,
            audience: parse_list(&self.text(6).unwrap_or_default())
                .map_err(|_| bad("its audience is unreadable"))?,
            case_study: self
                .text(7)
                .and_then(|t| t.parse().ok())
                .ok_or(bad("its case-study choice is unreadable"))?,
            form_version: self.text(8).ok_or(bad("its form version is missing"))?,
            form_hash: self.blob(9).ok_or(bad("its form hash is missing"))?,
            client_name: self.text(10),
            attachment_kind: match self.text(11) {
                Some(t) => Some(Kind::parse(&t).ok_or(bad("its signature kind is unreadable"))?),
                None => None,
            },
            attachment: self.blob(12),
            counsellor_name: self.text(13).unwrap_or_default(),
            signed_at: self.text(14).ok_or(bad("its signing time is missing"))?,
            record_signature: self.blob(15).ok_or(bad("its signature is missing"))?,
            withdrawal,
        })
    }
}

/// Loads a record, refusing to return one whose stored words cannot be read.
///
/// Errors: [`ConsentError::NotFound`], [`ConsentError::Refused`] with
/// [`Refusal::Tampered`], [`ConsentError::Vault`].
pub fn get(vault: &Vault, id: &str) -> Result<Record, ConsentError> {
    let raw_record = vault
        .db()
        .conn()
        // Cached: a running recording asks for its consent every second.
        .prepare_cached(&format!("{SELECT} WHERE c.id = ?1"))?
        .query_row([id.trim()], raw)
        .optional()?
        .ok_or_else(|| ConsentError::NotFound(id.to_owned()))?;
    raw_record.parse().map_err(ConsentError::Refused)
}

/// Renders the printable PDF of record `id` — the client's copy and the counsellor's file:
/// the form text, the choices, the typed name and signature (or a note of the attached paper
/// scan), the dates, the record id and the signature fingerprint.
///
/// Nothing is written or logged here: the PDF holds the client's name and signature, so a file
/// of it is made only by [`save_pdf`], which records it as an outstanding copy. (A subject
/// access bundle carries it inside its encrypted archive.)
///
/// Errors: [`ConsentError::NotFound`], [`ConsentError::Refused`] (unreadable or tampered
/// record, unknown form), [`ConsentError::Pdf`], [`ConsentError::Vault`].
pub fn make_pdf(vault: &Vault, id: &str) -> Result<Vec<u8>, ConsentError> {
    let record = get(vault, id)?;
    let state = check(vault, &record);
    if let Err(ConsentError::Refused(
        r @ (Refusal::Tampered { .. } | Refusal::UnknownForm { .. } | Refusal::FormChanged { .. }),
    )) = &state
    {
        return Err(ConsentError::Refused(r.clone()));
    }
    let form = forms::find(&record.form_version).ok_or_else(|| {
        ConsentError::Refused(Refusal::UnknownForm {
            version: record.form_version.clone(),
        })
    })?;
    let course = match record.course_id {
        Some(c) => Some(course::get(vault, &c.to_string())?),
        None => None,
    };
    let status = match (&record.decision, &record.withdrawal) {
        (Decision::Declined, _) => {
            "Declined — this does not affect the client's service in any way".to_owned()
        }
        (Decision::Granted, Some(w)) => format!("Withdrawn on {}", readable_time(&w.at)),
        (Decision::Granted, None) => "Granted".to_owned(),
    };
    let choices = pdf_choices(&record, course.as_ref());
    let choices: Vec<(&str, String)> = choices.iter().map(|(l, v)| (*l, v.clone())).collect();
    let sha = record.attachment_sha256().unwrap_or_default();
    let signature = match (record.attachment_kind, record.attachment.as_deref()) {
        (Some(Kind::DrawnSvg), Some(b)) => pdf::SignatureImage::Svg(b),
        (Some(Kind::DrawnPng | Kind::ScanPng), Some(b)) => pdf::SignatureImage::Png(b),
        (Some(Kind::ScanJpeg), Some(b)) => pdf::SignatureImage::Jpeg(b),
        (Some(Kind::ScanPdf), Some(b)) => pdf::SignatureImage::PaperPdf {
            sha256_hex: &sha,
            bytes: b.len(),
        },
        _ => pdf::SignatureImage::None,
    };
    let record_id = record.id.to_string();
    let fingerprint = vault.public_key().fingerprint();
    let signature_hex = hex::encode(&record.record_signature);
    let form_hash = hex::encode(&record.form_hash);
    let signed_at = readable_time(&record.signed_at);
    let bytes = pdf::render(&pdf::ConsentDocument {
        title: "Consent to the audio recording of counselling sessions",
        record_id: &record_id,
        status: &status,
        form_version: &record.form_version,
        form_hash_hex: &form_hash,
        form_text: form.text,
        choices: &choices,
        client_name: record.client_name.as_deref(),
        signature,
        counsellor_name: &record.counsellor_name,
        signed_at: &signed_at,
        signature_fingerprint: &fingerprint,
        record_signature_hex: &signature_hex,
    })?;
    Ok(bytes)
}

/// A consent PDF written to a file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SavedPdf {
    /// The consent record it is of.
    pub consent_id: String,
    /// Its id in the copies (outstanding until recorded destroyed).
    pub copy_id: String,
    /// Where it was written.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SHA-256, hex.
    pub sha256: String,
}

/// Writes the printable PDF of record `id` ([`make_pdf`]) to `out` as a private file (mode
/// 0600, whole or absent: [`crate::retention::private_file`]), records it as an outstanding copy of
/// kind `consent-pdf` naming the consent — it holds the client's name and signature, so shred
/// previews and certificates of the client list it until the counsellor records it destroyed
/// — and logs `consent.pdf_made` (ids, size and hash only).
///
/// Errors: as [`make_pdf`], and [`ConsentError::Io`] when the file cannot be written.
pub fn save_pdf(vault: &mut Vault, id: &str, out: &Path) -> Result<SavedPdf, ConsentError> {
    let bytes = make_pdf(vault, id)?;
    let consent_id = get(vault, id)?.id.to_string();
    let path = out.display().to_string();
    let written =
        crate::retention::private_file::write(out, &bytes).map_err(|source| ConsentError::Io {
            path: path.clone(),
            source,
        })?;
    let copy_id = crate::retention::copies::record(
        vault,
        out,
        &written,
        &crate::retention::copies::NewCopy {
            kind: "consent-pdf",
            recording_id: None,
            transcript_id: None,
            case_study_id: None,
            consent_id: Some(&consent_id),
            event: EventKind::ConsentPdfMade,
            subject: &consent_id,
        },
    )?;
    Ok(SavedPdf {
        consent_id,
        copy_id,
        path,
        bytes: written.bytes,
        sha256: written.sha256_hex(),
    })
}

/// The rows of the choices table on the PDF, in the client's words.
fn pdf_choices(record: &Record, course: Option<&course::Course>) -> Vec<(&'static str, String)> {
    let purposes = record
        .purposes
        .iter()
        .map(|p| match p {
            Purpose::Coursework => "Coursework for a counselling training course",
            Purpose::Supervision => "Clinical supervision",
            Purpose::Training => "Further training",
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut hearers = vec!["The counsellor"];
    hearers.extend(record.audience.iter().map(|a| match a {
        Audience::Tutors => "the course tutors",
        Audience::Students => "fellow students on the course",
        Audience::Supervisor => "the counsellor's clinical supervisor",
    }));
    let after_use = match (course, record.destroy_by) {
        (Some(c), _) => format!(
            "Destroyed, with any transcripts, when the course \"{}\" ends on {}",
            c.name,
            format_date(c.ends_on)
        ),
        (None, Some(d)) => format!("Destroyed, with any transcripts, by {}", format_date(d)),
        (None, None) => "Nothing is recorded".to_owned(),
    };
    let case_study = match record.case_study {
        CaseStudy::None => "No case study will be written",
        CaseStudy::Coursework => {
            "A case study for coursework, owned by the counsellor and destroyed with the recordings"
        }
        CaseStudy::Organisation => {
            "A case study for the counselling service: a permanent record, not destroyed"
        }
    };
    let mut rows = vec![
        ("Client code", record.client_code.clone()),
        ("Decision", record.decision.to_string()),
    ];
    if record.decision == Decision::Granted {
        rows.extend([
            ("Purposes", purposes),
            ("Who may hear it", hearers.join(", ")),
            ("After use", after_use),
            ("Case study", case_study.to_owned()),
            ("Recording", "Audio only, never video".to_owned()),
        ]);
    }
    rows
}

/// An RFC 3339 time as `YYYY-MM-DD HH:MM UTC`, or as stored if it cannot be read.
fn readable_time(text: &str) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&format).ok())
        .unwrap_or_else(|| text.to_owned())
}

/// One line of `consent list`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    /// The record id.
    pub id: String,
    /// The client code.
    pub client_code: String,
    /// Granted or declined.
    pub decision: String,
    /// `valid`, or why the gate would refuse it (`declined`, `withdrawn`, `expired`,
    /// `course ended`, `invalid`).
    pub state: String,
    /// The course, if any.
    pub course_id: Option<String>,
    /// The destroy-by date.
    pub destroy_by: Option<String>,
    /// When it was signed.
    pub signed_at: String,
}

/// Every record, newest first, each with the state the gate gives it now.
///
/// Errors: [`ConsentError::Vault`].
pub fn list(vault: &Vault) -> Result<Vec<Summary>, ConsentError> {
    let conn = vault.db().conn();
    let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY c.signed_at DESC"))?;
    let rows = stmt.query_map([], raw)?.collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id = row.text(0).unwrap_or_default();
        let signed_at = row.text(14).unwrap_or_default();
        let summary = match row.parse() {
            Ok(record) => Summary {
                id,
                client_code: record.client_code.clone(),
                decision: record.decision.to_string(),
                state: match check(vault, &record) {
                    Ok(()) => "valid".to_owned(),
                    Err(ConsentError::Refused(r)) => r.state().to_owned(),
                    Err(e) => return Err(e),
                },
                course_id: record.course_id.map(|c| c.to_string()),
                destroy_by: record.destroy_by.map(format_date),
                signed_at,
            },
            Err(_) => Summary {
                id,
                client_code: String::new(),
                decision: String::new(),
                state: "invalid".to_owned(),
                course_id: None,
                destroy_by: None,
                signed_at,
            },
        };
        out.push(summary);
    }
    Ok(out)
}

/// The gate: verifies the record `id` and, only if it holds, returns the proof that a
/// recording may start. Checks the counsellor's signature (binding the vault id), the form
/// version and the hash of its text, the signature picture or scan, that it is granted and not
/// withdrawn, and that it is in date (course not ended, destroy-by date not passed) by the
/// vault's clock.
///
/// Errors: [`ConsentError::Refused`] saying why, [`ConsentError::NotFound`],
/// [`ConsentError::Vault`].
pub fn verify(vault: &Vault, id: &str) -> Result<VerifiedConsent, ConsentError> {
    let record = get(vault, id)?;
    check(vault, &record)?;
    Ok(VerifiedConsent {
        id: record.id,
        client_code: record.client_code,
        course_id: record.course_id,
        destroy_by: record.destroy_by,
        purposes: record.purposes,
        audience: record.audience,
        verified_at: vault.now(),
    })
}

/// Every check of [`verify`], on a loaded record: `Err(ConsentError::Refused(..))` says why
/// the gate refuses it now.
pub(crate) fn check(vault: &Vault, record: &Record) -> Result<(), ConsentError> {
    let refuse = |r| Err(ConsentError::Refused(r));
    let key = vault.public_key();
    if key
        .verify(
            Domain::ConsentRecord,
            &record.canonical(vault.id()),
            &record.record_signature,
        )
        .is_err()
    {
        return refuse(Refusal::Tampered {
            what: "its signature does not match its content",
        });
    }
    let Some(form) = forms::find(&record.form_version) else {
        return refuse(Refusal::UnknownForm {
            version: record.form_version.clone(),
        });
    };
    if form.hash()[..] != record.form_hash[..] {
        return refuse(Refusal::FormChanged {
            version: record.form_version.clone(),
        });
    }
    if record.decision == Decision::Declined {
        return refuse(Refusal::Declined);
    }
    match (
        &record.attachment_kind,
        &record.attachment,
        &record.client_name,
    ) {
        (Some(kind), Some(bytes), Some(_)) if attachment::recheck(*kind, bytes).is_ok() => {}
        _ => {
            return refuse(Refusal::Tampered {
                what: "its signature picture or scan is missing or unreadable",
            })
        }
    }
    if let Some(w) = &record.withdrawal {
        if key
            .verify(
                Domain::ConsentWithdrawal,
                &withdrawal_canonical(record, &w.at, &w.reason),
                &w.signature,
            )
            .is_err()
        {
            return refuse(Refusal::Tampered {
                what: "its withdrawal does not match its signature",
            });
        }
        return refuse(Refusal::Withdrawn { at: w.at.clone() });
    }
    // A withdrawal row removed behind the app's back still shows in the audit log.
    let logged_withdrawal: bool = vault
        .db()
        .conn()
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM audit_log WHERE kind = ?1 AND subject = ?2)")?
        .query_row(
            params![EventKind::ConsentWithdrawn.as_str(), record.id.to_string()],
            |r| r.get(0),
        )?;
    if logged_withdrawal {
        return refuse(Refusal::Tampered {
            what: "the audit log records a withdrawal that is no longer stored",
        });
    }
    let today = vault.now().date();
    let Some(destroy_by) = record.destroy_by else {
        return refuse(Refusal::Tampered {
            what: "it has no destroy-by date",
        });
    };
    if let Some(course_id) = record.course_id {
        let course = match course::get(vault, &course_id.to_string()) {
            Ok(course) => course,
            Err(CourseError::NotFound(_)) => {
                return refuse(Refusal::Tampered {
                    what: "its course no longer exists",
                })
            }
            Err(e) => return Err(e.into()),
        };
        let ended = course.ends_on.min(destroy_by);
        if ended < today {
            return refuse(Refusal::CourseEnded { on: ended });
        }
    } else if destroy_by < today {
        return refuse(Refusal::Expired { on: destroy_by });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn client_codes_are_pseudonyms() {
        for good in ["C-017", "C1", "AB-2026-07", "X9"] {
            assert_eq!(check_client_code(good).unwrap(), good);
        }
        for bad in [
            "",
            "C",
            "c-017",
            "JANE",
            "Jane Smith",
            "C 017",
            "-017",
            "C-0170000000000000",
            "C_017",
            "Ç-017",
        ] {
            assert!(check_client_code(bad).is_err(), "{bad:?} accepted");
        }
    }

    proptest::proptest! {
        /// Any accepted client code is a pseudonym shape: no spaces, no lower case.
        #[test]
        fn accepted_client_codes_are_pseudonyms(text in "\\PC{0,20}") {
            if let Ok(code) = check_client_code(&text) {
                proptest::prop_assert!(code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'));
                proptest::prop_assert!(code.chars().any(|c| c.is_ascii_digit()));
            }
        }

        /// Lists parse to known words only, whatever the input.
        #[test]
        fn lists_never_accept_unknown_words(text in "[a-z, ]{0,40}") {
            if let Ok(list) = parse_list::<Purpose>(&text) {
                for p in list {
                    proptest::prop_assert!(text.contains(p.as_str()));
                }
            }
        }
    }

    #[test]
    fn lists_parse_dedupe_and_refuse_unknown_words() {
        let p: Vec<Purpose> = parse_list("supervision, coursework,supervision").unwrap();
        assert_eq!(p, vec![Purpose::Coursework, Purpose::Supervision]);
        let a: Vec<Audience> = parse_list("").unwrap();
        assert!(a.is_empty());
        let err = parse_list::<Audience>("tutors,parents").unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        assert!(err.to_string().contains("tutors, students, supervisor"));
    }

    fn record() -> Record {
        Record {
            id: Uuid::from_u128(1),
            client_code: "C-017".to_owned(),
            decision: Decision::Granted,
            course_id: Some(Uuid::from_u128(2)),
            destroy_by: Some(course::parse_date("2027-07-31").unwrap()),
            purposes: vec![Purpose::Coursework],
            audience: vec![Audience::Tutors],
            case_study: CaseStudy::None,
            form_version: "2026-1".to_owned(),
            form_hash: forms::current().hash().to_vec(),
            client_name: Some("A Client".to_owned()),
            attachment_kind: Some(Kind::DrawnSvg),
            attachment: Some(b"<svg/>".to_vec()),
            counsellor_name: "A Counsellor".to_owned(),
            signed_at: "2026-11-26T10:00:00Z".to_owned(),
            record_signature: vec![],
            withdrawal: None,
        }
    }

    #[test]
    fn every_field_is_in_the_canonical_form() {
        let vault = Uuid::from_u128(9);
        let base = record().canonical(vault);
        let changes: Vec<fn(&mut Record)> = vec![
            |r| r.id = Uuid::from_u128(3),
            |r| r.client_code = "C-018".to_owned(),
            |r| r.decision = Decision::Declined,
            |r| r.course_id = None,
            |r| r.destroy_by = Some(course::parse_date("2028-01-01").unwrap()),
            |r| r.purposes.push(Purpose::Training),
            |r| r.audience.push(Audience::Students),
            |r| r.case_study = CaseStudy::Organisation,
            |r| r.form_version = "2026-2".to_owned(),
            |r| r.form_hash[0] ^= 1,
            |r| r.client_name = Some("B Client".to_owned()),
            |r| r.attachment_kind = Some(Kind::DrawnPng),
            |r| r.attachment = Some(b"<svg />".to_vec()),
            |r| r.counsellor_name = "B Counsellor".to_owned(),
            |r| r.signed_at = "2026-11-26T10:00:01Z".to_owned(),
        ];
        for (i, change) in changes.iter().enumerate() {
            let mut r = record();
            change(&mut r);
            assert_ne!(r.canonical(vault), base, "change {i} is not covered");
        }
        assert_ne!(
            record().canonical(Uuid::from_u128(10)),
            base,
            "vault id not covered"
        );
    }
}
