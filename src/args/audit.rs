//! `sessionvault audit`: reading and checking the audit log.

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Check every entry's hash, signature and place in the chain.
    Verify,
    /// List the entries, oldest first.
    List,
}
