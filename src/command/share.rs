//! `sessionvault share`: a recording, or a clip of it, encrypted for its recipient.

use sessionvault_core::handover::share;

use super::context::Context;
use super::output::print_json;
use super::Failure;
use crate::args::share::Share;
use crate::input;

/// Shares the recording as the client's consent allows, and says how to record its destruction.
pub(super) fn run(context: &Context, args: &Share) -> Result<(), Failure> {
    let Share {
        id,
        role,
        to,
        passphrase,
        from,
        until,
        for_,
        armor,
        out,
    } = args;
    let role: share::Role = role.parse()?;
    let recipients = if *passphrase {
        share::Recipients::Passphrase(input::read_passphrase()?)
    } else {
        share::Recipients::Keys(to.clone())
    };
    let mut vault = context.open_vault()?;
    let options = share::ShareOptions {
        role,
        to: recipients,
        from: *from,
        until: until.or(for_.map(|d| from.unwrap_or_default() + d)),
        armor: *armor,
    };
    let shared = share::share(&mut vault, id, &options, out)?;
    if context.json {
        print_json(&shared);
    } else {
        println!(
            "Wrote {} ({} bytes): {:.1}-{:.1} s of recording {} for a {}, encrypted to {}.",
            out.display(),
            shared.bytes,
            shared.from_seconds,
            shared.until_seconds,
            shared.recording_id,
            shared.role,
            shared.recipients.join(", ")
        );
        println!(
            "It is logged as outstanding copy {}: when the recipient has destroyed it, \
             run `sessionvault copies destroyed {} --yes`.",
            shared.copy_id, shared.copy_id
        );
    }
    Ok(())
}
