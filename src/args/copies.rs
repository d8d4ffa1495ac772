//! `sessionvault copies`: the copies made outside the vault, and their destruction.

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub(crate) enum CopiesCommand {
    /// The copies made, oldest first.
    List {
        /// Only the copies of this recording.
        #[arg(long, value_name = "ID")]
        recording: Option<String>,
        /// Only those still outstanding (not recorded as destroyed).
        #[arg(long)]
        outstanding: bool,
    },
    /// Record that a copy was destroyed (by you, or by its recipient, who told you so): it is
    /// no longer listed as outstanding. Without --yes nothing is recorded: the copy is shown.
    Destroyed {
        /// The copy id (`copies list`).
        id: String,
        /// Record it: no further question is asked.
        #[arg(long)]
        yes: bool,
    },
}
