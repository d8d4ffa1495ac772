//! `sessionvault copies`: the copies made outside the vault, and their destruction.

use sessionvault_core::copies;

use super::context::Context;
use super::output::{print_json, print_result};
use super::Failure;
use crate::args::copies::CopiesCommand;

/// Lists the copies, or records that one was destroyed.
pub(super) fn run(context: &Context, command: &CopiesCommand) -> Result<(), Failure> {
    let mut vault = context.open_vault()?;
    match command {
        CopiesCommand::List {
            recording,
            outstanding,
        } => {
            let list = copies::list(
                &vault,
                copies::Filter {
                    recording_id: recording.as_deref(),
                    outstanding: *outstanding,
                },
            )?;
            if context.json {
                print_json(&list);
            } else if list.is_empty() {
                println!("No copies.");
            } else {
                for copy in &list {
                    print_copy(copy);
                }
            }
        }
        CopiesCommand::Destroyed { id, yes } => {
            if !*yes {
                let copy = copies::get(&vault, id)?;
                print_result(context.json, &copy, print_copy);
                eprintln!(
                    "Nothing was recorded. Add --yes to record that this copy was destroyed."
                );
                return Ok(());
            }
            let copy = copies::mark_destroyed(&mut vault, id)?;
            if context.json {
                print_json(&copy);
            } else {
                println!(
                    "Copy {} recorded as destroyed; it is no longer listed as outstanding.",
                    copy.id
                );
            }
        }
    }
    Ok(())
}

fn print_copy(copy: &copies::Copy) {
    let state = match &copy.destroyed_at {
        Some(at) => format!("destroyed {at}"),
        None => "OUTSTANDING".to_owned(),
    };
    let shared = match (&copy.role, copy.recipients.is_empty()) {
        (None, true) => String::new(),
        (role, _) => format!(
            "  for {} {:.1}-{:.1} s, to {}",
            role.as_deref().unwrap_or("-"),
            copy.from_seconds.unwrap_or_default(),
            copy.until_seconds.unwrap_or_default(),
            copy.recipients.join(", ")
        ),
    };
    println!(
        "{}  {:<10} of {}  made {}  {state}  at {}{shared}",
        copy.id,
        copy.kind,
        copy.recording_id
            .as_deref()
            .or(copy.consent_id.as_deref())
            .unwrap_or("-"),
        copy.made_at,
        copy.location
    );
}
