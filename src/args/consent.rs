//! `sessionvault consent`: clients' consent records, from signing to withdrawal.

use std::path::PathBuf;

use clap::Subcommand;

use crate::input::Text;

#[derive(Debug, Subcommand)]
pub(crate) enum ConsentCommand {
    /// Record a client's signed consent; prints the consent id.
    New(New),
    /// Record that a client declined; prints the record id. Their service is unaffected.
    Decline {
        /// The client's code.
        #[arg(long)]
        client: String,
        /// The course the request was for.
        #[arg(long, value_name = "ID")]
        course: Option<String>,
        /// The counsellor's name, or - to read it from standard input.
        #[arg(long, value_name = "TEXT")]
        counsellor_name: Option<Text>,
    },
    /// List consent records with their current state.
    List,
    /// Show one consent record.
    Show {
        /// The consent id.
        id: String,
    },
    /// Check a consent record as the recording gate does.
    Verify {
        /// The consent id.
        id: String,
    },
    /// Write the printable PDF of a consent record (the client's copy and the counsellor's
    /// file). It holds the client's name and signature: keep it as safely as the paper form.
    Pdf {
        /// The consent id.
        id: String,
        /// Where to write the PDF.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Withdraw a consent (appends a signed withdrawal).
    Withdraw {
        /// The consent id.
        id: String,
        /// The reason the client gave, or - to read it from standard input.
        #[arg(long, value_name = "TEXT")]
        reason: Text,
        /// Also destroy everything recorded under it now (otherwise it is shown, and left for
        /// `shred consent ID --yes`).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, clap::Args)]
pub(crate) struct New {
    /// The client's code, a pseudonym such as C-017 (never a name).
    #[arg(long)]
    pub(crate) client: String,
    /// The course the recordings are for.
    #[arg(long, value_name = "ID")]
    pub(crate) course: Option<String>,
    /// Without a course: the date by which recordings are destroyed.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) destroy_by: Option<String>,
    /// Why: coursework, supervision, training (comma-separated).
    #[arg(long, value_name = "LIST")]
    pub(crate) purpose: String,
    /// Who besides the counsellor may hear it: tutors, students, supervisor
    /// (comma-separated; leave out for the counsellor only).
    #[arg(long, value_name = "LIST", default_value = "")]
    pub(crate) audience: String,
    /// Case study: none, coursework, organisation.
    #[arg(long, value_name = "CHOICE")]
    pub(crate) case_study: String,
    /// The name the client typed, or - to read it from standard input.
    #[arg(long, value_name = "TEXT")]
    pub(crate) client_name: Text,
    /// The client's drawn signature (SVG or PNG).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "paper_scan",
        required_unless_present = "paper_scan"
    )]
    pub(crate) client_signature: Option<PathBuf>,
    /// A scan of the signed paper form (PDF, PNG or JPEG).
    #[arg(long, value_name = "FILE")]
    pub(crate) paper_scan: Option<PathBuf>,
    /// The counsellor's name, or - to read it from standard input.
    #[arg(long, value_name = "TEXT")]
    pub(crate) counsellor_name: Text,
}
