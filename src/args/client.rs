//! `sessionvault client`: a client's rights over what is held about them.

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub(crate) enum ClientCommand {
    /// Subject access: write everything held about a client code (consent records and their
    /// PDFs, recordings with dates and durations, bookmarks, the listening log, copies made,
    /// audit entries; no audio) as a tar archive inside an age file encrypted to a passphrase,
    /// read from $SESSIONVAULT_PASSPHRASE, else one line of stdin.
    Export {
        /// The client code.
        code: String,
        /// Where to write the bundle (FILE.age).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}
