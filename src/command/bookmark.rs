//! `sessionvault bookmark`: timestamped supervision notes on a recording.

use sessionvault_core::sessions::bookmark;

use super::context::Context;
use super::output::print_json;
use super::Failure;
use crate::args::bookmark::BookmarkCommand;
use crate::input;

/// Adds, lists, changes or removes a bookmark.
pub(super) fn run(context: &Context, command: &BookmarkCommand) -> Result<(), Failure> {
    let mut vault = context.open_vault()?;
    match command {
        BookmarkCommand::Add {
            recording,
            at,
            note,
        } => {
            let at = bookmark::parse_time(at)?;
            let note = note.read("--note")?;
            let added = bookmark::add(&mut vault, recording, at, &note)?;
            if context.json {
                print_json(&added);
            } else {
                println!("{}", added.id);
            }
        }
        BookmarkCommand::List { recording } => {
            let list = bookmark::list(&vault, recording)?;
            if context.json {
                print_json(&list);
            } else {
                for b in &list {
                    print_bookmark(b);
                }
            }
        }
        BookmarkCommand::Edit { id, at, note } => {
            let at = at.as_deref().map(bookmark::parse_time).transpose()?;
            let note = input::read_opt(note.as_ref(), "--note")?;
            let edited = bookmark::edit(&mut vault, id, at, note.as_deref().map(String::as_str))?;
            if context.json {
                print_json(&edited);
            } else {
                println!(
                    "Bookmark {} changed: it is at {}.",
                    edited.id,
                    bookmark::format_time(edited.at())
                );
            }
        }
        BookmarkCommand::Rm { id } => {
            let removed = bookmark::remove(&mut vault, id)?;
            if context.json {
                print_json(&removed);
            } else {
                println!("Bookmark {} removed.", removed.id);
            }
        }
    }
    Ok(())
}

/// One bookmark on a line (a note of several lines continues indented under its first).
fn print_bookmark(b: &bookmark::Bookmark) {
    let head = format!("{}  {:>12}  ", b.id, bookmark::format_time(b.at()));
    let indent = " ".repeat(head.chars().count());
    for (i, line) in b.note.lines().enumerate() {
        if i == 0 {
            println!("{head}{line}");
        } else {
            println!("{indent}{line}");
        }
    }
}
