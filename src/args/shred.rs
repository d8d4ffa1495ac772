//! `sessionvault due` and `shred`: what is due for destruction, and destroying it.

use sessionvault_core::retention::shred;

#[derive(Debug, clap::Args)]
pub(crate) struct Due {
    /// Also list what becomes due within this many days.
    #[arg(long, default_value_t = shred::DEFAULT_REMINDER_DAYS)]
    pub(crate) within: i64,
}

#[derive(Debug, clap::Args)]
pub(crate) struct Shred {
    /// What to shred.
    #[arg(value_enum)]
    pub(crate) kind: ShredKind,
    /// The recording id, course id, client code or consent id.
    pub(crate) id: String,
    /// Only show what would be destroyed.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Destroy it: no further question is asked.
    #[arg(long, conflicts_with = "dry_run")]
    pub(crate) yes: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum ShredKind {
    /// One recording.
    Recording,
    /// Every recording of a course.
    Course,
    /// Every recording of a client (by client code).
    Client,
    /// Every recording made under a consent.
    Consent,
}
