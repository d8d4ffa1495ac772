//! `sessionvault bookmark`: timestamped supervision notes on a recording.

use clap::Subcommand;

use crate::input::Text;

#[derive(Debug, Subcommand)]
pub(crate) enum BookmarkCommand {
    /// Bookmark a time in a finished recording; prints the bookmark id.
    Add {
        /// The recording id.
        recording: String,
        /// Where: 90, 90.5, 2s, 25m, 1h, 1:30 or 1:02:03.5.
        #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
        at: String,
        /// The supervision note (up to 2000 characters), or - to read it from standard input.
        #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
        note: Text,
    },
    /// List a recording's bookmarks in time order.
    List {
        /// The recording id.
        recording: String,
    },
    /// Move a bookmark and/or change its note.
    #[command(group(
        clap::ArgGroup::new("change").args(["at", "note"]).required(true).multiple(true)
    ))]
    Edit {
        /// The bookmark id.
        id: String,
        /// The new time: 90, 90.5, 2s, 25m, 1h, 1:30 or 1:02:03.5.
        #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
        at: Option<String>,
        /// The new note (up to 2000 characters), or - to read it from standard input.
        #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
        note: Option<Text>,
    },
    /// Remove a bookmark.
    Rm {
        /// The bookmark id.
        id: String,
    },
}
