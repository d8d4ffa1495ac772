//! The command line's grammar: every command, option and argument as clap parses them. Their
//! doc comments are the `--help` text.
//!
//! One module per command group. A command with many options has them in a struct named after
//! it (`share::Share`, `consent::New`); its help text is the doc comment on its variant.

pub(crate) mod audit;
pub(crate) mod bookmark;
pub(crate) mod case_study;
pub(crate) mod certificate;
pub(crate) mod client;
pub(crate) mod consent;
pub(crate) mod copies;
pub(crate) mod course;
pub(crate) mod play;
pub(crate) mod recording;
pub(crate) mod share;
pub(crate) mod shred;
pub(crate) mod transcript;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use sessionvault_core::timecode;

use crate::input;

/// Consent-gated, encrypted recording of counselling sessions.
#[derive(Debug, Parser)]
#[command(name = "sessionvault", version, about)]
pub(crate) struct Cli {
    /// The vault folder (default: $SESSIONVAULT_DIR, else the per-OS data folder).
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) vault: Option<PathBuf>,
    /// Write machine-readable JSON to stdout.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create the vault; its keys go into the OS keyring.
    Init,
    /// Report the vault, the keyring backend and state, the database and the audio hosts.
    Status,
    /// List the audio input and output devices, with ids usable by other commands.
    Devices,
    /// Add or list training courses.
    Course {
        #[command(subcommand)]
        command: course::CourseCommand,
    },
    /// Record, check and withdraw clients' consent.
    Consent {
        #[command(subcommand)]
        command: consent::ConsentCommand,
    },
    /// Record a session under a verified consent; prints the recording id. Stops after
    /// --duration of recorded audio, or on Ctrl-C / SIGTERM, and seals what was recorded.
    /// SIGUSR1 pauses (paused time is not recorded), SIGUSR2 resumes.
    Record(recording::Record),
    /// List recordings.
    Recordings {
        #[command(subcommand)]
        command: recording::RecordingsCommand,
    },
    /// Write a recording as a standard WAV file: a deliberate plaintext copy, logged as an
    /// outstanding copy that must be destroyed too.
    Export(recording::Export),
    /// Share a recording, or a clip of it, with a tutor, a student or a supervisor: a standard
    /// WAV inside an age file, encrypted to their age public keys or to a passphrase (read from
    /// $SESSIONVAULT_PASSPHRASE, else one line of stdin; never from the command line). Refused
    /// when the client's consent does not include that role, or no longer holds. Logged as an
    /// outstanding copy until `copies destroyed`.
    Share(share::Share),
    /// List the copies made outside the vault (exports and shares), and record that one was
    /// destroyed.
    Copies {
        #[command(subcommand)]
        command: copies::CopiesCommand,
    },
    /// A client's rights: everything held about them, in one encrypted bundle.
    Client {
        #[command(subcommand)]
        command: client::ClientCommand,
    },
    /// Listen to a recording on an output device. Logged in the audit log: when, which
    /// stretches were heard, and for whom; refused when the client's consent does not name that
    /// listener, or no longer holds. Ctrl-C / SIGTERM stops; SIGUSR1 pauses, SIGUSR2 resumes.
    Play(play::Play),
    /// Read or check the audit log.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Add, list, change and remove bookmarks: timestamped supervision notes on a recording,
    /// kept encrypted in the vault.
    Bookmark {
        #[command(subcommand)]
        command: bookmark::BookmarkCommand,
    },
    /// What is due for destruction, and why (course ended, destroy-by date passed, consent
    /// withdrawn), with what becomes due soon.
    Due(shred::Due),
    /// Destroy a recording, a course's recordings, a client's, or a consent's, provably:
    /// crypto-erase, overwrite, rows deleted, and a signed destruction certificate (its id is
    /// printed). Without --yes nothing is destroyed: the preview is shown.
    Shred(shred::Shred),
    /// Show, export and check destruction certificates.
    Certificate {
        #[command(subcommand)]
        command: certificate::CertificateCommand,
    },
    /// Transcribe a recording (an excerpt or the whole), anonymise and export it for
    /// coursework (TXT, DOCX, PDF; each export is an outstanding copy).
    Transcript {
        #[command(subcommand)]
        command: transcript::TranscriptCommand,
    },
    /// Write case studies over one or more clients; the organisation's are permanent records.
    CaseStudy {
        #[command(subcommand)]
        command: case_study::CaseStudyCommand,
    },
}

/// A time or duration on the command line, in the grammar of [`timecode`].
fn parse_time(text: &str) -> Result<Duration, String> {
    timecode::parse(text).map_err(|e| e.to_string())
}

/// The command line, parsed; at most one of its options is read from standard input.
pub(crate) fn parse() -> Result<Cli, clap::Error> {
    let mut command = Cli::command();
    let matches = command.try_get_matches_from_mut(std::env::args_os())?;
    input::at_most_one_from_stdin(&mut command, &matches)?;
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))
}

/// Prints a command line that was not run: help and version go to stdout with status 0; usage
/// errors go to stderr and exit 2.
pub(crate) fn report(error: &clap::Error) -> ExitCode {
    let _ = error.print();
    ExitCode::from(if error.use_stderr() { 2 } else { 0 })
}
