//! The audit log.

use std::sync::Arc;

use serde_json::Value;
use sessionvault_core::store::audit::Entry;
use tauri::State;

use super::with_fields;
use crate::error::CommandError;
use crate::state::Shell;

/// Every entry, oldest first (newest last).
#[tauri::command]
pub async fn audit_entries(shell: State<'_, Arc<Shell>>) -> Result<Vec<Entry>, CommandError> {
    shell.with_vault(|vault| Ok(vault.audit_entries()?)).await
}

/// Checks the log: `{ok: true, entries, head}`, or rejects with the break's code
/// (`audit_broken`) and what was found.
#[tauri::command]
pub async fn audit_verify(shell: State<'_, Arc<Shell>>) -> Result<Value, CommandError> {
    shell
        .with_vault(|vault| with_fields(&vault.verify_audit()?, &[("ok", true.into())]))
        .await
}
