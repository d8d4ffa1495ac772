//! The consent record as stored, and the canonical byte forms the counsellor's key signs: the
//! record's own, bound to the vault's id, and that of a withdrawal appended to it.

use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::attachment::Kind;
use super::choices::join;
use super::{Audience, CaseStudy, Decision, Purpose};
use crate::course::format_date;
use crate::store::canonical::Encoder;

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

pub(super) fn withdrawal_canonical(record: &Record, at: &str, reason: &str) -> Vec<u8> {
    Encoder::new()
        .text(&record.id.to_string())
        .field(Some(&record.record_signature))
        .text(at)
        .text(reason)
        .finish()
}

/// An RFC 3339 time as `YYYY-MM-DD HH:MM UTC`, or as stored if it cannot be read.
pub(super) fn readable_time(text: &str) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&format).ok())
        .unwrap_or_else(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::forms;
    use crate::course;

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
