//! `sessionvault case-study`: case studies over one or more clients, and their exports.

use std::path::PathBuf;

use clap::Subcommand;

use crate::input::Text;

#[derive(Debug, Subcommand)]
pub(crate) enum CaseStudyCommand {
    /// Start a case study over one or more clients; prints its id.
    New {
        /// The title, or - to read it from standard input.
        #[arg(long, value_name = "TEXT")]
        title: Text,
        /// The client codes, comma-separated (e.g. C-001,C-002).
        #[arg(long, value_name = "LIST")]
        clients: String,
        /// counsellor (coursework: destroyed with its course or client) or organisation (a
        /// permanent record of the service).
        #[arg(long, value_name = "OWNER")]
        owner: String,
        /// The course it is written for.
        #[arg(long, value_name = "ID")]
        course: Option<String>,
        /// A UTF-8 text file with the body (paragraphs separated by blank lines).
        #[arg(long, value_name = "FILE")]
        body_file: PathBuf,
    },
    /// List the case studies.
    List,
    /// Show a case study in full.
    Show {
        /// The case study id.
        id: String,
    },
    /// Change the title, body or clients (not when final).
    #[command(group(
        clap::ArgGroup::new("change").args(["title", "body_file", "clients"]).required(true).multiple(true)
    ))]
    Edit {
        /// The case study id.
        id: String,
        /// The new title, or - to read it from standard input.
        #[arg(long, value_name = "TEXT")]
        title: Option<Text>,
        /// A file with the new body.
        #[arg(long, value_name = "FILE")]
        body_file: Option<PathBuf>,
        /// The new client codes, comma-separated.
        #[arg(long, value_name = "LIST")]
        clients: Option<String>,
    },
    /// Set the anonymisation list (replaces the list).
    Anonymise {
        /// The case study id.
        id: String,
        /// A rule "Original=Replacement"; repeat for each name or identifying detail; or - to
        /// read it from standard input (one rule a line).
        #[arg(long, value_name = "ORIGINAL=REPLACEMENT", required = true)]
        replace: Vec<Text>,
    },
    /// Mark the organisation's case study final: a permanent record, never edited again.
    Final {
        /// The case study id.
        id: String,
    },
    /// Export as DOCX or PDF, anonymised; logged as an outstanding copy.
    Export {
        /// The case study id.
        id: String,
        /// docx or pdf.
        #[arg(long, value_name = "FORMAT")]
        format: String,
        /// Where to write it.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}
