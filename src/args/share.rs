//! `sessionvault share`: a recording, or a clip of it, encrypted for a tutor, a student or a
//! supervisor.

use std::path::PathBuf;

use super::parse_time;

#[derive(Debug, clap::Args)]
#[command(group(
    clap::ArgGroup::new("recipients").args(["to", "passphrase"]).required(true)
))]
pub(crate) struct Share {
    /// The recording id.
    pub(crate) id: String,
    /// Who it is for: tutor, student or supervisor.
    #[arg(long, value_name = "ROLE")]
    pub(crate) role: String,
    /// An age public key (age1…) to encrypt to; repeat for several recipients.
    #[arg(long, value_name = "AGE_RECIPIENT")]
    pub(crate) to: Vec<String>,
    /// Encrypt to a passphrase instead (age's scrypt), read from $SESSIONVAULT_PASSPHRASE
    /// or stdin.
    #[arg(long)]
    pub(crate) passphrase: bool,
    /// Where the clip starts: 90, 90.5, 2s, 25m, 1h, 1:30 or 1:02:03.5 (default: the start).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) from: Option<std::time::Duration>,
    /// Where it ends (default: the end).
    #[arg(long, value_name = "TIME", value_parser = parse_time, conflicts_with = "for_")]
    pub(crate) until: Option<std::time::Duration>,
    /// How long the clip is (90, 2s, 25m, 1h, 1:30 …), instead of --until.
    #[arg(long = "for", id = "for_", value_name = "DURATION", value_parser = parse_time)]
    pub(crate) for_: Option<std::time::Duration>,
    /// Write ASCII armour (text) instead of binary age.
    #[arg(long)]
    pub(crate) armor: bool,
    /// Where to write the age file.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
}
