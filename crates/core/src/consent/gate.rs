//! The gate: [`verify`] checks a record and, only if it holds, gives the [`VerifiedConsent`]
//! that starting a recording requires; a [`Refusal`] says why it does not hold.

use std::fmt;

use rusqlite::params;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::record::{readable_time, withdrawal_canonical};
use super::{attachment, forms, get, Audience, ConsentError, Decision, Purpose, Record};
use crate::course::{self, format_date, CourseError};
use crate::store::audit::EventKind;
use crate::store::signing::{Domain, PublicKey};
use crate::store::vault::Vault;

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

/// Proof that a consent record verified: signed by this vault's key, on a known form, granted,
/// not withdrawn and in date, at [`VerifiedConsent::verified_at`]. Only [`verify`] makes one;
/// starting a recording requires one.
///
/// The type is there to be taken (this compiles):
///
/// ```
/// fn record_under(_consent: sessionvault_core::consent::VerifiedConsent) {}
/// ```
///
/// but there is no way to build one by hand (this does not: its fields are private):
///
/// ```compile_fail,E0451
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
    check_holding(vault, record).map(|_| ())
}

/// Every check of [`verify`], as [`check`]; when the record holds, the last day it holds on.
pub(super) fn check_holding(vault: &Vault, record: &Record) -> Result<DateLimit, ConsentError> {
    let key = vault.public_key();
    check_signed(vault, &key, record)?;
    check_not_withdrawn(vault, &key, record)?;
    let limit = date_limit(vault, record)?;
    limit.check(vault.now().date())?;
    Ok(limit)
}

/// That the record is as it was signed: its signature by `key` over its canonical form (bound
/// to the vault's id), its form version and the hash of that form's text, that it is not a
/// decline, and that its signature picture or scan is there and readable.
fn check_signed(vault: &Vault, key: &PublicKey, record: &Record) -> Result<(), ConsentError> {
    let refuse = |r| Err(ConsentError::Refused(r));
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
    Ok(())
}

/// That the record was not withdrawn: no withdrawal stored (a stored one must match its
/// signature), and none in the audit log either.
fn check_not_withdrawn(
    vault: &Vault,
    key: &PublicKey,
    record: &Record,
) -> Result<(), ConsentError> {
    let refuse = |r| Err(ConsentError::Refused(r));
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
    Ok(())
}

/// The last day a record holds on: its course's end or its destroy-by date, whichever comes
/// first, and which of them it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DateLimit {
    last_day: Date,
    /// Whether the limit is the course's (else the destroy-by date).
    course: bool,
}

impl DateLimit {
    /// That `today` is not past the limit.
    pub(super) fn check(self, today: Date) -> Result<(), ConsentError> {
        if self.last_day >= today {
            return Ok(());
        }
        let on = self.last_day;
        Err(ConsentError::Refused(if self.course {
            Refusal::CourseEnded { on }
        } else {
            Refusal::Expired { on }
        }))
    }
}

/// The record's [`DateLimit`]: its course's end (the course is read) or its destroy-by date.
fn date_limit(vault: &Vault, record: &Record) -> Result<DateLimit, ConsentError> {
    let Some(destroy_by) = record.destroy_by else {
        return Err(ConsentError::Refused(Refusal::Tampered {
            what: "it has no destroy-by date",
        }));
    };
    let Some(course_id) = record.course_id else {
        return Ok(DateLimit {
            last_day: destroy_by,
            course: false,
        });
    };
    match course::get(vault, &course_id.to_string()) {
        Ok(course) => Ok(DateLimit {
            last_day: course.ends_on.min(destroy_by),
            course: true,
        }),
        Err(CourseError::NotFound(_)) => Err(ConsentError::Refused(Refusal::Tampered {
            what: "its course no longer exists",
        })),
        Err(e) => Err(e.into()),
    }
}
