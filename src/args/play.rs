//! `sessionvault play`: listening to a recording, logged and checked against the consent.

use super::parse_time;

#[derive(Debug, clap::Args)]
pub(crate) struct Play {
    /// The recording id.
    pub(crate) id: String,
    /// Where to start: 90, 90.5, 2s, 25m, 1h, 1:30 or 1:02:03.5.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) from: Option<std::time::Duration>,
    /// Start at a bookmark of this recording instead.
    #[arg(long, value_name = "BOOKMARK_ID", conflicts_with = "from")]
    pub(crate) bookmark: Option<String>,
    /// Where to stop (default: the end).
    #[arg(long, value_name = "TIME", value_parser = parse_time, conflicts_with = "for_")]
    pub(crate) until: Option<std::time::Duration>,
    /// How long to play (90, 2s, 25m, 1h, 1:30 …), instead of --until.
    #[arg(long = "for", id = "for_", value_name = "DURATION", value_parser = parse_time)]
    pub(crate) for_: Option<std::time::Duration>,
    /// Who is listening: self, supervisor, tutor or student. Logged, and checked against
    /// the audience the client consented to.
    #[arg(long, value_name = "WHO", default_value = "self")]
    pub(crate) listener: String,
    /// Playing speed from 0.5 to 2; the pitch is kept.
    #[arg(long, default_value_t = 1.0)]
    pub(crate) speed: f64,
    /// Volume from 0 to 1.
    #[arg(long, default_value_t = 1.0)]
    pub(crate) volume: f32,
    /// The output device (`sessionvault devices`); default: the default output.
    #[arg(long, value_name = "ID")]
    pub(crate) device: Option<String>,
}
