//! `sessionvault client`: subject access, everything held about a client in one bundle.

use sessionvault_core::handover::subject_access;

use super::context::Context;
use super::output::print_json;
use super::Failure;
use crate::args::client::ClientCommand;
use crate::input;

/// Writes the client's bundle, encrypted to a passphrase.
pub(super) fn run(context: &Context, command: &ClientCommand) -> Result<(), Failure> {
    let ClientCommand::Export { code, out } = command;
    let passphrase = input::read_passphrase()?;
    let mut vault = context.open_vault()?;
    let bundle = subject_access::export(&mut vault, code, &passphrase, out)?;
    if context.json {
        print_json(&bundle);
    } else {
        println!(
            "Wrote {} ({} bytes) for client {}: {} consent record(s), {} recording(s), \
             {} bookmark(s), {} listening log entries, {} copies, {} document(s). No \
             audio is included.",
            out.display(),
            bundle.bytes,
            bundle.client_code,
            bundle.consents,
            bundle.recordings,
            bundle.bookmarks,
            bundle.listenings,
            bundle.copies,
            bundle.documents
        );
    }
    Ok(())
}
