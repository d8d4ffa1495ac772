//! Running a parsed command line: one module per command group, each calling the core and
//! printing what it returns, in words or with `--json` as JSON; a refusal or a failure is a
//! [`Failure`].

mod audit;
mod bookmark;
mod case_study;
mod certificate;
mod client;
mod consent;
mod context;
mod copies;
mod course;
mod devices;
mod failure;
mod init;
mod leftovers;
mod output;
mod play;
mod recording;
mod share;
mod shred;
mod signals;
mod status;
mod transcript;

use std::process::ExitCode;

use crate::args::{Cli, Command};
use context::Context;
pub(crate) use failure::Failure;

/// Runs the command: exit status 0 when it succeeds, 1 when it is refused or fails.
pub(crate) fn run(cli: &Cli) -> ExitCode {
    start_logging();
    sessionvault_core::hardening::disable_core_dumps();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.report(cli.json);
            ExitCode::from(1)
        }
    }
}

/// Logs go to stderr, filtered by `$SESSIONVAULT_LOG` (default: the core's filter).
fn start_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SESSIONVAULT_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(sessionvault_core::DEFAULT_LOG_FILTER)
            }),
        )
        .with_writer(std::io::stderr)
        .init();
}

/// Hands the command to its module.
fn dispatch(cli: &Cli) -> Result<(), Failure> {
    let context = &Context::of(cli)?;
    match &cli.command {
        Command::Init => init::run(context),
        Command::Status => status::run(context),
        Command::Devices => devices::run(context),
        Command::Course { command } => course::run(context, command),
        Command::Consent { command } => consent::run(context, command),
        Command::Record(args) => recording::record(context, args),
        Command::Recordings { command } => recording::recordings(context, command),
        Command::Export(args) => recording::export(context, args),
        Command::Share(args) => share::run(context, args),
        Command::Copies { command } => copies::run(context, command),
        Command::Client { command } => client::run(context, command),
        Command::Play(args) => play::run(context, args),
        Command::Audit { command } => audit::run(context, command),
        Command::Bookmark { command } => bookmark::run(context, command),
        Command::Due(args) => shred::due(context, args),
        Command::Shred(args) => shred::run(context, args),
        Command::Certificate { command } => certificate::run(context, command),
        Command::Transcript { command } => transcript::run(context, command),
        Command::CaseStudy { command } => case_study::run(context, command),
    }
}
