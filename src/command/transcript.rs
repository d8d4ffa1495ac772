//! `sessionvault transcript`: transcripts of recordings, their anonymisation lists and their
//! exports for coursework.

use std::path::Path;

use sessionvault_core::documents::transcript::anonymise;
use sessionvault_core::documents::transcript::export::Format;
use sessionvault_core::documents::transcript::{self, NewSegment};
use sessionvault_core::store::vault::Vault;
use sessionvault_core::timecode;

use super::context::Context;
use super::leftovers::{print_exported, print_rules, refusal};
use super::output::print_result;
use super::Failure;
use crate::args::transcript::TranscriptCommand;
use crate::input::{self, Text};

/// A time in the grammar of [`timecode`].
fn time(text: &str) -> Result<std::time::Duration, Failure> {
    Ok(timecode::parse(text)?)
}

fn print_segment(s: &transcript::Segment) {
    let head = format!("[{}] {} ", s.at, s.speaker);
    let indent = " ".repeat(head.chars().count());
    for (i, line) in s.text.lines().enumerate() {
        if i == 0 {
            println!("{head}{line}");
        } else {
            println!("{indent}{line}");
        }
    }
    println!("{indent}(segment {})", s.id);
}

fn print_transcript(t: &transcript::Transcript) {
    println!("Transcript {}", t.id);
    println!("  recording:  {} ({})", t.recording_id, t.client_code);
    println!("  range:      {}", transcript::range_line(t));
    for s in &t.speakers {
        println!("  speaker:    {}  {}", s.label, s.meaning);
    }
    for (i, r) in t.anonymisation.iter().enumerate() {
        println!("  rule {}:     {} -> {}", i + 1, r.original, r.replacement);
    }
    println!("  segments:   {}", t.segments.len());
    for s in &t.segments {
        print_segment(s);
    }
}

/// Starts, lists, shows or changes a transcript, sets its anonymisation list or exports it.
pub(super) fn run(context: &Context, command: &TranscriptCommand) -> Result<(), Failure> {
    let mut vault = context.open_vault()?;
    match command {
        TranscriptCommand::New {
            recording,
            from,
            until,
            speakers,
        } => create(
            context,
            &mut vault,
            recording,
            from.as_deref(),
            until.as_deref(),
            speakers.as_deref(),
        ),
        TranscriptCommand::List { recording } => list(context, &vault, recording),
        TranscriptCommand::Show { id } => show(context, &vault, id),
        TranscriptCommand::Add {
            id,
            at,
            speaker,
            text,
        } => add_segment(context, &mut vault, id, at, speaker, text),
        TranscriptCommand::Edit {
            id,
            at,
            speaker,
            text,
        } => edit_segment(
            context,
            &mut vault,
            id,
            at.as_deref(),
            speaker.as_deref(),
            text.as_ref(),
        ),
        TranscriptCommand::Rm { id } => remove_segment(context, &mut vault, id),
        TranscriptCommand::Speakers { id, speakers } => {
            set_speakers(context, &mut vault, id, speakers)
        }
        TranscriptCommand::Anonymise { id, replace, clear } => {
            set_anonymisation(context, &mut vault, id, replace, *clear)
        }
        TranscriptCommand::Export { id, format, out } => {
            export(context, &mut vault, id, format, out)
        }
    }
}

/// Starts a transcript of a recording, or of an excerpt, and prints its id.
fn create(
    context: &Context,
    vault: &mut Vault,
    recording: &str,
    from: Option<&str>,
    until: Option<&str>,
    speakers: Option<&str>,
) -> Result<(), Failure> {
    let from = from.map(time).transpose()?;
    let until = until.map(time).transpose()?;
    let speakers = speakers.map(transcript::parse_speakers).transpose()?;
    let t = transcript::create(vault, recording, from, until, speakers)?;
    print_result(context.json, &t, |t| {
        println!("{}", t.id);
    });
    Ok(())
}

/// Lists a recording's transcripts.
fn list(context: &Context, vault: &Vault, recording: &str) -> Result<(), Failure> {
    let list = transcript::list(vault, recording)?;
    print_result(context.json, &list, |list| {
        for t in list {
            println!(
                "{}  {:>9.1}-{:.1} s  {} segment(s)  changed {}",
                t.id, t.from_seconds, t.until_seconds, t.segments, t.updated_at
            );
        }
    });
    Ok(())
}

/// Shows a transcript in full.
fn show(context: &Context, vault: &Vault, id: &str) -> Result<(), Failure> {
    let t = transcript::get(vault, id)?;
    print_result(context.json, &t, print_transcript);
    Ok(())
}

/// Adds a segment and prints its id.
fn add_segment(
    context: &Context,
    vault: &mut Vault,
    id: &str,
    at: &str,
    speaker: &str,
    text: &Text,
) -> Result<(), Failure> {
    let text = text.read("--text")?;
    let segment = NewSegment {
        id: None,
        at: time(at)?,
        speaker,
        text: &text,
    };
    let added = transcript::add_segment(vault, id, &segment)?;
    print_result(context.json, &added, |added| {
        println!("{}", added.id);
    });
    Ok(())
}

/// Changes a segment's time, speaker and/or text.
fn edit_segment(
    context: &Context,
    vault: &mut Vault,
    id: &str,
    at: Option<&str>,
    speaker: Option<&str>,
    text: Option<&Text>,
) -> Result<(), Failure> {
    let at = at.map(time).transpose()?;
    let text = input::read_opt(text, "--text")?;
    let text = text.as_deref().map(String::as_str);
    let edited = transcript::edit_segment(vault, id, at, speaker, text)?;
    print_result(context.json, &edited, |edited| {
        println!("Segment {} changed: it is at [{}].", edited.id, edited.at);
    });
    Ok(())
}

/// Removes a segment.
fn remove_segment(context: &Context, vault: &mut Vault, id: &str) -> Result<(), Failure> {
    let removed = transcript::remove_segment(vault, id)?;
    print_result(context.json, &removed, |removed| {
        println!("Segment {} removed.", removed.id);
    });
    Ok(())
}

/// Sets the speaker key.
fn set_speakers(
    context: &Context,
    vault: &mut Vault,
    id: &str,
    speakers: &str,
) -> Result<(), Failure> {
    let key = transcript::parse_speakers(speakers)?;
    let t = transcript::set_speakers(vault, id, key)?;
    print_result(context.json, &t, |t| {
        println!("Speaker key of transcript {} set.", t.id);
    });
    Ok(())
}

/// Sets the anonymisation list and warns of what it still misses.
fn set_anonymisation(
    context: &Context,
    vault: &mut Vault,
    id: &str,
    replace: &[Text],
    clear: bool,
) -> Result<(), Failure> {
    let rules = if clear {
        Vec::new()
    } else {
        anonymise::parse_rules(&input::rules(replace)?)?
    };
    let t = transcript::set_anonymisation(vault, id, rules)?;
    let leftovers = transcript::check_anonymisation(vault, &t.id)?;
    print_rules(
        context.json,
        "Transcript",
        &t.id,
        t.anonymisation.len(),
        &leftovers,
    );
    Ok(())
}

/// Exports the transcript, anonymised; refused while the anonymisation misses something.
fn export(
    context: &Context,
    vault: &mut Vault,
    id: &str,
    format: &str,
    out: &Path,
) -> Result<(), Failure> {
    let format: Format = format.parse()?;
    let done = transcript::export(vault, id, format, out).map_err(|e| refusal(context.json, e))?;
    print_exported(context.json, &done, Some("destroy it when the course ends"));
    Ok(())
}
