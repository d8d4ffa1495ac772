//! The audit log.

use std::sync::Arc;

use serde::Serialize;
use sessionvault_core::store::audit::{Entry, Verified};
use tauri::State;

use crate::error::CommandError;
use crate::state::Shell;

/// The answer of `audit_verify` when the log is intact: `{ok: true, entries, head}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Intact {
    /// Always true: every entry checked.
    pub ok: bool,
    /// How many entries, and the last one's hash.
    #[serde(flatten)]
    pub verified: Verified,
}

/// Every entry, oldest first (newest last).
#[tauri::command]
pub async fn audit_entries(shell: State<'_, Arc<Shell>>) -> Result<Vec<Entry>, CommandError> {
    shell.with_vault(|vault| Ok(vault.audit_entries()?)).await
}

/// Checks the log: `{ok: true, entries, head}`, or rejects with the break's code
/// (`audit_broken`) and what was found.
#[tauri::command]
pub async fn audit_verify(shell: State<'_, Arc<Shell>>) -> Result<Intact, CommandError> {
    shell
        .with_vault(|vault| {
            Ok(Intact {
                ok: true,
                verified: vault.verify_audit()?,
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::as_sent::sent;

    #[test]
    fn an_intact_log_answers_ok_entries_and_head() {
        let intact = Intact {
            ok: true,
            verified: Verified {
                entries: 3,
                head: "ab".into(),
            },
        };
        assert_eq!(
            sent(intact),
            serde_json::json!({"ok": true, "entries": 3, "head": "ab"})
        );
    }
}
