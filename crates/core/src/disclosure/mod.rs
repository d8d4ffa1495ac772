//! The disclosure gate: the one place that decides whether a recording, or what was said in
//! it, may be revealed now, and to whom.
//!
//! Everything that reveals a recording or its words asks the gate at the moment it is used:
//! playing it, exporting it as WAV, sharing it, starting, opening, editing or exporting a
//! transcript, reading or writing its bookmarks, opening or exporting a case study, and the
//! client's own subject-access bundle. The gate loads the consent the recording was made under
//! and checks it again (the counsellor's signature over the record, the form, not declined, not
//! withdrawn, not past its destroy-by date, its course not ended), checks that the recording's
//! own row still names that consent's client and course, and checks that the person it is
//! revealed to is in the audience the client agreed to. Only then does it hand out a
//! [`Cleared`] value (for a case study, a [`ClearedCaseStudy`]).
//!
//! The functions that decrypt a recording or read a transcript's or a case study's text take
//! one of these values, and neither has a public constructor: a path that skips the gate does
//! not compile.
//!
//! | asked by | consent must be | audience |
//! |---|---|---|
//! | the counsellor | granted, signed, current | always |
//! | a supervisor, tutor or student | granted, signed, current | `supervisor`, `tutors`, `students`
//! |
//! | the client (subject access) | signed by this vault (any state) | always |
//!
//! The client's right to see what is held about them does not depend on their consent: a
//! withdrawn or expired record still lets *them* have it, and nobody else. A record that does
//! not verify is refused to everyone, because it no longer proves whose words these are.
//!
//! Behind the gate, the two ways a client's recording or words leave the vault whole are the
//! [`handover`](crate::handover) folder's: sharing a recording or clip, and subject access.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::consent::{self, Audience, CaseStudy as CaseStudyChoice, ConsentError, Record, Refusal};
use crate::store::register::{self, Summary};
use crate::store::vault::{Vault, VaultError};

/// Who a recording, or what was said in it, is revealed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Recipient {
    /// The counsellor, in the vault: listening, transcribing, notes, their own exports.
    Counsellor,
    /// The counsellor's clinical supervisor (consent audience `supervisor`).
    Supervisor,
    /// A course tutor (consent audience `tutors`).
    Tutor,
    /// A fellow student on the course (consent audience `students`).
    Student,
    /// The client, receiving everything held about them (subject access).
    Client,
}

impl Recipient {
    /// Every recipient, in the order the gate's table lists them.
    pub const ALL: &'static [Recipient] = &[
        Recipient::Counsellor,
        Recipient::Supervisor,
        Recipient::Tutor,
        Recipient::Student,
        Recipient::Client,
    ];

    /// The word used in logs and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Recipient::Counsellor => "counsellor",
            Recipient::Supervisor => "supervisor",
            Recipient::Tutor => "tutor",
            Recipient::Student => "student",
            Recipient::Client => "client",
        }
    }

    /// The audience the consent must name for this recipient; `None` when none is needed (the
    /// counsellor, and the client about themself).
    pub fn audience(self) -> Option<Audience> {
        match self {
            Recipient::Counsellor | Recipient::Client => None,
            Recipient::Supervisor => Some(Audience::Supervisor),
            Recipient::Tutor => Some(Audience::Tutors),
            Recipient::Student => Some(Audience::Students),
        }
    }
}

impl std::fmt::Display for Recipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a disclosure is for, so a refusal can say what was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Playing the recording.
    Listening,
    /// A plaintext WAV copy.
    Export,
    /// An encrypted copy for someone else.
    Share,
    /// Starting, opening, editing or exporting a transcript.
    Transcript,
    /// Reading or writing the recording's bookmarks (notes on what was said).
    Bookmarks,
    /// Opening, editing or exporting a case study.
    CaseStudy,
    /// The client's subject-access bundle.
    SubjectAccess,
}

impl Use {
    /// What is refused, in words: "recording R may not be {this} now".
    fn refused(self) -> &'static str {
        match self {
            Use::Listening => "played",
            Use::Export => "exported",
            Use::Share => "shared",
            Use::Transcript => "transcribed, and its transcripts may not be opened or exported",
            Use::Bookmarks => "annotated, and its notes may not be read",
            Use::CaseStudy => "used for a case study",
            Use::SubjectAccess => "included in the client's copy of their data",
        }
    }
}

/// Why the gate refused.
#[derive(Debug, thiserror::Error)]
pub enum DisclosureError {
    /// No recording has this id.
    #[error("there is no recording with id {0}: see `sessionvault recordings list`")]
    RecordingNotFound(String),
    /// The recording is still being made: nothing of it is revealed until it is sealed.
    #[error("recording {0} is still being made: stop it first")]
    StillRecording(String),
    /// The consent no longer allows it, at this moment.
    #[error("recording {recording_id} may not be {} now: {refusal}", .purpose.refused())]
    Refused {
        /// The recording.
        recording_id: String,
        /// What was asked for.
        purpose: Use,
        /// Why the consent does not allow it.
        refusal: Refusal,
    },
    /// The client did not agree to this person hearing or reading it.
    #[error(
        "the client's consent ({consent_id}) does not include the {recipient}; it may be \
         revealed only to: {allowed}"
    )]
    NotInAudience {
        /// Who it was to be revealed to.
        recipient: Recipient,
        /// The consent record.
        consent_id: String,
        /// Who may have it, as [`Recipient::as_str`] words joined by `, `.
        allowed: String,
    },
    /// A client of a case study has no current consent allowing a case study of its kind.
    #[error(
        "client {client} has no current consent to a {wanted} case study{}: their consent must \
         say case study {}",
        .because.as_ref().map(|r| format!(" ({r})")).unwrap_or_default(),
        if *.wanted == "organisation" { "organisation" } else { "coursework or organisation" }
    )]
    NoCaseStudyConsent {
        /// The client code.
        client: String,
        /// `coursework` or `organisation`.
        wanted: &'static str,
        /// Why the nearest consent does not do, when there is one.
        because: Option<Refusal>,
    },
    /// The consent record could not be found or read.
    #[error(transparent)]
    Consent(ConsentError),
    /// A vault problem.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl DisclosureError {
    /// The consent's refusal behind this error, if that is what it is.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            DisclosureError::Refused { refusal, .. } => Some(refusal),
            DisclosureError::Consent(ConsentError::Refused(refusal)) => Some(refusal),
            _ => None,
        }
    }
}

impl crate::ErrorCode for DisclosureError {
    fn code(&self) -> &'static str {
        match self {
            DisclosureError::RecordingNotFound(_) => "recording_not_found",
            DisclosureError::StillRecording(_) => "still_recording",
            DisclosureError::Refused { refusal, .. } => refusal.code(),
            DisclosureError::NotInAudience { .. } => "not_in_audience",
            DisclosureError::NoCaseStudyConsent { .. } => "no_case_study_consent",
            DisclosureError::Consent(e) => e.code(),
            DisclosureError::Vault(e) => e.code(),
        }
    }
}

impl From<ConsentError> for DisclosureError {
    fn from(e: ConsentError) -> Self {
        match e {
            ConsentError::Vault(e) => DisclosureError::Vault(e),
            e => DisclosureError::Consent(e),
        }
    }
}

/// Proof that recording [`Cleared::recording`] may be revealed to [`Cleared::recipient`] for
/// [`Cleared::purpose`], as the gate found at [`Cleared::at`]. Only [`clear`] makes one.
///
/// The type is there to be taken (this compiles):
///
/// ```
/// fn reveal(_cleared: &sessionvault_core::disclosure::Cleared) {}
/// ```
///
/// but there is no way to build one by hand (this does not: its fields are private):
///
/// ```compile_fail,E0451
/// let forged = sessionvault_core::disclosure::Cleared { recording: todo!() };
/// ```
#[derive(Debug)]
#[must_use]
pub struct Cleared {
    recording: Summary,
    consent_id: Uuid,
    recipient: Recipient,
    purpose: Use,
    at: OffsetDateTime,
}

impl Cleared {
    /// The recording, as it stood when cleared.
    pub fn recording(&self) -> &Summary {
        &self.recording
    }
    /// The consent it was made under.
    pub fn consent_id(&self) -> Uuid {
        self.consent_id
    }
    /// Who it may be revealed to.
    pub fn recipient(&self) -> Recipient {
        self.recipient
    }
    /// What it was cleared for.
    pub fn purpose(&self) -> Use {
        self.purpose
    }
    /// When the gate checked.
    pub fn at(&self) -> OffsetDateTime {
        self.at
    }
}

/// What a recipient may be given under a consent in this state: the gate's table.
///
/// `state` is what [`consent`]'s checks found (`Ok` for a current record).
///
/// Errors: the refusal that stands for this recipient.
pub fn allowed(state: Result<(), Refusal>, recipient: Recipient) -> Result<(), Refusal> {
    match (state, recipient) {
        (Ok(()), _) => Ok(()),
        (
            Err(
                r @ (Refusal::Tampered { .. }
                | Refusal::UnknownForm { .. }
                | Refusal::FormChanged { .. }),
            ),
            _,
        ) => Err(r),
        (Err(_), Recipient::Client) => Ok(()),
        (Err(r), _) => Err(r),
    }
}

/// The gate for a recording: may recording `recording_id` be revealed to `recipient` for
/// `purpose`, now? Loads the recording and its consent, checks the consent again, checks that
/// the recording's row matches it, and checks the audience ([`Recipient::audience`]).
///
/// Errors: [`DisclosureError::RecordingNotFound`], [`DisclosureError::StillRecording`],
/// [`DisclosureError::Refused`] (withdrawn, expired, course ended, altered),
/// [`DisclosureError::NotInAudience`], [`DisclosureError::Consent`], [`DisclosureError::Vault`].
pub fn clear(
    vault: &Vault,
    recording_id: &str,
    recipient: Recipient,
    purpose: Use,
) -> Result<Cleared, DisclosureError> {
    let summary = register::find(vault, recording_id)?
        .ok_or_else(|| DisclosureError::RecordingNotFound(recording_id.trim().to_owned()))?;
    if summary.state == "recording" {
        return Err(DisclosureError::StillRecording(summary.id));
    }
    let refused = |refusal| DisclosureError::Refused {
        recording_id: summary.id.clone(),
        purpose,
        refusal,
    };
    let record = match consent::get(vault, &summary.consent_id) {
        Ok(record) => record,
        Err(ConsentError::Refused(r)) => return Err(refused(r)),
        Err(ConsentError::NotFound(_)) => {
            return Err(refused(Refusal::Tampered {
                what: "the consent the recording was made under is no longer stored",
            }))
        }
        Err(e) => return Err(e.into()),
    };
    let state = match consent::check(vault, &record) {
        Ok(()) => Ok(()),
        Err(ConsentError::Refused(r)) => Err(r),
        Err(e) => return Err(e.into()),
    };
    let state = state.and_then(|()| matches_row(&summary, &record));
    allowed(state, recipient).map_err(refused)?;
    if let Some(needed) = recipient.audience() {
        if !record.audience.contains(&needed) {
            return Err(DisclosureError::NotInAudience {
                recipient,
                consent_id: record.id.to_string(),
                allowed: allowed_recipients(&record.audience),
            });
        }
    }
    tracing::debug!(recording = %summary.id, recipient = recipient.as_str(), "disclosure cleared");
    Ok(Cleared {
        consent_id: record.id,
        recording: summary,
        recipient,
        purpose,
        at: vault.now(),
    })
}

/// A recording's row must name its consent's client and course: the row is not signed, the
/// consent is.
fn matches_row(summary: &Summary, record: &Record) -> Result<(), Refusal> {
    let course = record.course_id.map(|c| c.to_string());
    if summary.client_code != record.client_code || summary.course_id != course {
        return Err(Refusal::Tampered {
            what: "the recording's row no longer names the client and course of its consent",
        });
    }
    Ok(())
}

/// Who may have recordings made under a consent with this audience, in words.
fn allowed_recipients(audience: &[Audience]) -> String {
    Recipient::ALL
        .iter()
        .filter(|r| **r != Recipient::Client)
        .filter(|r| r.audience().is_none_or(|a| audience.contains(&a)))
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Who a case study is about and who owns it: what its gate needs to know.
#[derive(Debug, Clone, Copy)]
pub struct CaseStudyParties<'a> {
    /// The case study's id.
    pub id: &'a str,
    /// Whether it is the organisation's (a permanent record) rather than the counsellor's.
    pub organisation: bool,
    /// The client codes it is about.
    pub clients: &'a [String],
}

/// Proof that a case study may be opened, edited or exported now (or, for
/// [`Recipient::Client`], given to that client). Only [`clear_case_study`] makes one.
#[derive(Debug)]
#[must_use]
pub struct ClearedCaseStudy {
    id: String,
    recipient: Recipient,
    at: OffsetDateTime,
}

impl ClearedCaseStudy {
    /// The case study.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// Who it may be given to.
    pub fn recipient(&self) -> Recipient {
        self.recipient
    }
    /// When the gate checked.
    pub fn at(&self) -> OffsetDateTime {
        self.at
    }
}

/// The gate for a case study. For the counsellor, every client it is about must have a
/// consent, signed by this vault and granted, not withdrawn, whose case-study choice covers a
/// case study of this kind (`coursework` or `organisation` for the counsellor's,
/// `organisation` for the organisation's) and, for the counsellor's, still in date (a
/// coursework case study goes with the course; the organisation's is a permanent record).
/// For [`Recipient::Client`] (subject access), `client` must be one of its clients and hold a
/// consent signed by this vault; what of the others it may show is decided by subject access.
///
/// Errors: [`DisclosureError::NoCaseStudyConsent`] naming the client and why, and
/// [`DisclosureError::Vault`].
pub fn clear_case_study(
    vault: &Vault,
    parties: CaseStudyParties<'_>,
    recipient: Recipient,
    client: Option<&str>,
) -> Result<ClearedCaseStudy, DisclosureError> {
    let wanted = if parties.organisation {
        "organisation"
    } else {
        "coursework"
    };
    let asking: Vec<&String> = match (recipient, client) {
        (Recipient::Client, Some(code)) => parties.clients.iter().filter(|c| *c == code).collect(),
        _ => parties.clients.iter().collect(),
    };
    if asking.is_empty() {
        return Err(DisclosureError::NoCaseStudyConsent {
            client: client.unwrap_or_default().to_owned(),
            wanted,
            because: None,
        });
    }
    for code in asking {
        let mut because = None;
        let mut found = false;
        for record in records_of(vault, code)? {
            match case_study_state(vault, &record, parties.organisation, recipient)? {
                Ok(()) => {
                    found = true;
                    break;
                }
                Err(r) => because = because.or(r),
            }
        }
        if !found {
            return Err(DisclosureError::NoCaseStudyConsent {
                client: code.clone(),
                wanted,
                because,
            });
        }
    }
    Ok(ClearedCaseStudy {
        id: parties.id.to_owned(),
        recipient,
        at: vault.now(),
    })
}

/// Every consent record of client `code` that can be read, newest first.
fn records_of(vault: &Vault, code: &str) -> Result<Vec<Record>, DisclosureError> {
    let mut out = Vec::new();
    for summary in consent::list(vault)? {
        if summary.client_code == code {
            match consent::get(vault, &summary.id) {
                Ok(record) => out.push(record),
                Err(ConsentError::Refused(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(out)
}

/// Whether one consent record lets a case study of this kind be used by `recipient`:
/// `Ok(Ok(()))` if so, `Ok(Err(why))` if not (`why` is `None` when the record simply does not
/// cover case studies of this kind).
fn case_study_state(
    vault: &Vault,
    record: &Record,
    organisation: bool,
    recipient: Recipient,
) -> Result<Result<(), Option<Refusal>>, DisclosureError> {
    let state = match consent::check(vault, record) {
        Ok(()) => Ok(()),
        Err(ConsentError::Refused(r)) => Err(r),
        Err(e) => return Err(e.into()),
    };
    if recipient == Recipient::Client {
        return Ok(allowed(state, Recipient::Client).map_err(Some));
    }
    let covers = match record.case_study {
        CaseStudyChoice::None => false,
        CaseStudyChoice::Coursework => !organisation,
        CaseStudyChoice::Organisation => true,
    };
    let state = match state {
        // The organisation's case study is a permanent record: the dates of the recordings'
        // destruction do not end it; a withdrawal or an untrustworthy record does.
        Err(Refusal::Expired { .. } | Refusal::CourseEnded { .. }) if organisation => Ok(()),
        other => other,
    };
    Ok(match (state, covers) {
        (Err(r), _) => Err(Some(r)),
        (Ok(()), false) => Err(None),
        (Ok(()), true) => Ok(()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn states() -> Vec<(&'static str, Result<(), Refusal>)> {
        vec![
            ("valid", Ok(())),
            ("declined", Err(Refusal::Declined)),
            (
                "withdrawn",
                Err(Refusal::Withdrawn {
                    at: "2026-01-01T00:00:00Z".to_owned(),
                }),
            ),
            (
                "expired",
                Err(Refusal::Expired {
                    on: date!(2026 - 01 - 01),
                }),
            ),
            (
                "course ended",
                Err(Refusal::CourseEnded {
                    on: date!(2026 - 01 - 01),
                }),
            ),
            ("tampered", Err(Refusal::Tampered { what: "x" })),
            (
                "unknown form",
                Err(Refusal::UnknownForm {
                    version: "0".to_owned(),
                }),
            ),
        ]
    }

    #[test]
    fn only_a_current_record_lets_anyone_but_the_client_have_it() {
        for (name, state) in states() {
            for recipient in Recipient::ALL {
                let got = allowed(state.clone(), *recipient);
                let want_ok = match (name, recipient) {
                    ("valid", _) => true,
                    ("tampered" | "unknown form", _) => false,
                    (_, Recipient::Client) => true,
                    _ => false,
                };
                assert_eq!(got.is_ok(), want_ok, "{name} for {recipient}");
                if let Err(refusal) = got {
                    assert_eq!(Err(refusal), state, "{name} keeps its own refusal");
                }
            }
        }
    }

    #[test]
    fn the_audience_names_who_may_have_it() {
        assert_eq!(allowed_recipients(&[]), "counsellor");
        assert_eq!(
            allowed_recipients(&[Audience::Tutors, Audience::Supervisor]),
            "counsellor, supervisor, tutor"
        );
        for r in Recipient::ALL {
            assert_eq!(
                r.audience().is_none(),
                matches!(r, Recipient::Counsellor | Recipient::Client)
            );
        }
    }
}
