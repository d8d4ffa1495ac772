//! `sessionvault audit`: the audit log, checked or listed.

use super::context::Context;
use super::output::print_json;
use super::Failure;
use crate::args::audit::AuditCommand;

/// Checks the audit log's chain, or lists its entries.
pub(super) fn run(context: &Context, command: &AuditCommand) -> Result<(), Failure> {
    let vault = context.open_vault()?;
    match command {
        AuditCommand::Verify => {
            let verified = vault.verify_audit()?;
            if context.json {
                print_json(&verified);
            } else {
                println!(
                    "Audit log intact: {} entries, each signed by {}; head {}",
                    verified.entries,
                    vault.public_key().fingerprint(),
                    verified.head
                );
            }
        }
        AuditCommand::List => {
            let entries = vault.audit_entries()?;
            if context.json {
                print_json(&entries);
            } else {
                for e in &entries {
                    println!(
                        "{:>6}  {}  {:<16} {}  {}",
                        e.seq,
                        e.at,
                        e.kind,
                        e.subject.as_deref().unwrap_or("-"),
                        e.details
                    );
                }
            }
        }
    }
    Ok(())
}
