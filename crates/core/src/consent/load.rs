//! Reading records back from the database: one by its id ([`get`]), refusing a row whose
//! stored words cannot be read, and every record with the state the gate gives it now
//! ([`list`]).

use rusqlite::{OptionalExtension, Row};
use uuid::Uuid;

use super::attachment::Kind;
use super::{check, parse_list, ConsentError, Record, Refusal, Withdrawal};
use crate::course::{self, format_date};
use crate::store::vault::Vault;

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
