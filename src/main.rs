//! `sessionvault`: the command line over the SessionVault core.
//!
//! Every command takes `--vault DIR` (or `SESSIONVAULT_DIR`; default: the per-OS data folder)
//! and `--json`. Exit status: 0 on success, 1 on a refused or failed operation, 2 on a usage
//! error; the reason goes to stderr in words a counsellor understands. With `--json` the result
//! (or `{"error": {"code", "message"}}`) is also written to stdout.

#![forbid(unsafe_code)]

mod args;
mod command;
mod input;

fn main() -> std::process::ExitCode {
    match args::parse() {
        Ok(cli) => command::run(&cli),
        Err(error) => args::report(&error),
    }
}
