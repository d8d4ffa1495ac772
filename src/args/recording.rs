//! `sessionvault record`, `recordings` and `export`: making a recording, listing recordings and
//! writing one out as a WAV file.

use std::path::PathBuf;

use clap::Subcommand;

use super::parse_time;

#[derive(Debug, clap::Args)]
pub(crate) struct Record {
    /// The consent the recording is made under.
    #[arg(long, value_name = "ID")]
    pub(crate) consent: String,
    /// The input device (`sessionvault devices`); default: the default input.
    #[arg(long, value_name = "ID")]
    pub(crate) device: Option<String>,
    /// How much audio to record: 90, 90.5, 2s, 25m, 1h, 1:30 or 1:02:03.5.
    #[arg(long, value_name = "DURATION", value_parser = parse_time)]
    pub(crate) duration: Option<std::time::Duration>,
    /// 1 (mono) or 2 (stereo).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=2))]
    pub(crate) channels: u16,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RecordingsCommand {
    /// List the recordings, newest first.
    List,
    /// Print a recording's waveform: the peak of each 50 ms (for drawing; with --json).
    Peaks {
        /// The recording id.
        id: String,
    },
}

#[derive(Debug, clap::Args)]
pub(crate) struct Export {
    /// The recording id.
    pub(crate) id: String,
    /// Export as WAV (the only format).
    #[arg(long, required = true)]
    pub(crate) wav: bool,
    /// Where to write it.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
}
