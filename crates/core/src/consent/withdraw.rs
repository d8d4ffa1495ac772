//! Withdrawing consent: a signed withdrawal is appended to the record, which is never edited.

use rusqlite::params;
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use super::input::check_text;
use super::record::withdrawal_canonical;
use super::{get, ConsentError, Decision, Record, Withdrawal, MAX_REASON_CHARS};
use crate::store::audit::EventKind;
use crate::store::signing::Domain;
use crate::store::vault::Vault;

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
