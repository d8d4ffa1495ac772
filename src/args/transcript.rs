//! `sessionvault transcript`: transcripts of recordings, their anonymisation and their exports.

use std::path::PathBuf;

use clap::Subcommand;

use crate::input::Text;

#[derive(Debug, Subcommand)]
pub(crate) enum TranscriptCommand {
    /// Start a transcript of a finished recording (an excerpt, or the whole); prints its id.
    New {
        /// The recording id.
        recording: String,
        /// Where the excerpt starts (default: the start): 90, 90.5, 2s, 25m, 1h, 1:30 or
        /// 1:02:03.5.
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// Where it ends (default: the end).
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// The speaker key, e.g. "T:=Counsellor,C:=Client" (the default).
        #[arg(long, value_name = "KEY")]
        speakers: Option<String>,
    },
    /// List a recording's transcripts.
    List {
        /// The recording id.
        recording: String,
    },
    /// Show a transcript: its range, key, anonymisation list and segments.
    Show {
        /// The transcript id.
        id: String,
    },
    /// Add a segment; prints its id.
    Add {
        /// The transcript id.
        id: String,
        /// Where it starts in the recording: 90, 90.5, 2s, 25m, 1h, 1:30 or 1:02:03.5.
        #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
        at: String,
        /// The speaker label, e.g. C:.
        #[arg(long, value_name = "LABEL")]
        speaker: String,
        /// What was said, or - to read it from standard input.
        #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
        text: Text,
    },
    /// Change a segment's time, speaker and/or text (the others stay as they are).
    #[command(group(
        clap::ArgGroup::new("change").args(["at", "speaker", "text"]).required(true).multiple(true)
    ))]
    Edit {
        /// The segment id.
        id: String,
        /// The new time.
        #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
        at: Option<String>,
        /// The new speaker label.
        #[arg(long, value_name = "LABEL")]
        speaker: Option<String>,
        /// The new text, or - to read it from standard input.
        #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
        text: Option<Text>,
    },
    /// Remove a segment.
    Rm {
        /// The segment id.
        id: String,
    },
    /// Set the speaker key, e.g. "T:=Counsellor,C:=Client,S:=Supervisor".
    Speakers {
        /// The transcript id.
        id: String,
        /// The key.
        #[arg(long, value_name = "KEY")]
        speakers: String,
    },
    /// Set the anonymisation list applied on export (replaces the list; --clear empties it).
    #[command(group(
        clap::ArgGroup::new("rules").args(["replace", "clear"]).required(true)
    ))]
    Anonymise {
        /// The transcript id.
        id: String,
        /// A rule "Original=Replacement"; repeat for each name or identifying detail; or - to
        /// read it from standard input (one rule a line).
        #[arg(long, value_name = "ORIGINAL=REPLACEMENT")]
        replace: Vec<Text>,
        /// Remove every rule.
        #[arg(long)]
        clear: bool,
    },
    /// Export for coursework as TXT, DOCX or PDF, anonymised; logged as an outstanding copy.
    Export {
        /// The transcript id.
        id: String,
        /// txt, docx or pdf.
        #[arg(long, value_name = "FORMAT")]
        format: String,
        /// Where to write it.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}
