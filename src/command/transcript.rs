//! `sessionvault transcript`: transcripts of recordings, their anonymisation lists and their
//! exports for coursework.

use serde_json::json;
use sessionvault_core::documents::transcript::anonymise;
use sessionvault_core::documents::transcript::export::Format;
use sessionvault_core::documents::transcript::{self, NewSegment, TranscriptError};
use sessionvault_core::timecode;

use super::context::Context;
use super::leftovers::{refused_leftovers, warn_leftovers};
use super::output::print_json;
use super::Failure;
use crate::args::transcript::TranscriptCommand;
use crate::input;

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
        } => {
            let from = from.as_deref().map(time).transpose()?;
            let until = until.as_deref().map(time).transpose()?;
            let speakers = speakers
                .as_deref()
                .map(transcript::parse_speakers)
                .transpose()?;
            let t = transcript::create(&mut vault, recording, from, until, speakers)?;
            if context.json {
                print_json(&t);
            } else {
                println!("{}", t.id);
            }
        }
        TranscriptCommand::List { recording } => {
            let list = transcript::list(&vault, recording)?;
            if context.json {
                print_json(&list);
            } else {
                for t in &list {
                    println!(
                        "{}  {:>9.1}-{:.1} s  {} segment(s)  changed {}",
                        t.id, t.from_seconds, t.until_seconds, t.segments, t.updated_at
                    );
                }
            }
        }
        TranscriptCommand::Show { id } => {
            let t = transcript::get(&vault, id)?;
            if context.json {
                print_json(&t);
            } else {
                print_transcript(&t);
            }
        }
        TranscriptCommand::Add {
            id,
            at,
            speaker,
            text,
        } => {
            let text = text.read("--text")?;
            let segment = NewSegment {
                id: None,
                at: time(at)?,
                speaker,
                text: &text,
            };
            let added = transcript::add_segment(&mut vault, id, &segment)?;
            if context.json {
                print_json(&added);
            } else {
                println!("{}", added.id);
            }
        }
        TranscriptCommand::Edit {
            id,
            at,
            speaker,
            text,
        } => {
            let at = at.as_deref().map(time).transpose()?;
            let text = input::read_opt(text.as_ref(), "--text")?;
            let text = text.as_deref().map(String::as_str);
            let edited = transcript::edit_segment(&mut vault, id, at, speaker.as_deref(), text)?;
            if context.json {
                print_json(&edited);
            } else {
                println!("Segment {} changed: it is at [{}].", edited.id, edited.at);
            }
        }
        TranscriptCommand::Rm { id } => {
            let removed = transcript::remove_segment(&mut vault, id)?;
            if context.json {
                print_json(&removed);
            } else {
                println!("Segment {} removed.", removed.id);
            }
        }
        TranscriptCommand::Speakers { id, speakers } => {
            let key = transcript::parse_speakers(speakers)?;
            let t = transcript::set_speakers(&mut vault, id, key)?;
            if context.json {
                print_json(&t);
            } else {
                println!("Speaker key of transcript {} set.", t.id);
            }
        }
        TranscriptCommand::Anonymise { id, replace, clear } => {
            let rules = if *clear {
                Vec::new()
            } else {
                anonymise::parse_rules(&input::rules(replace)?)?
            };
            let t = transcript::set_anonymisation(&mut vault, id, rules)?;
            let leftovers = transcript::check_anonymisation(&vault, &t.id)?;
            warn_leftovers(&leftovers);
            if context.json {
                print_json(&json!({
                    "id": t.id,
                    "rules": t.anonymisation.len(),
                    "leftovers": leftovers,
                }));
            } else {
                println!(
                    "Transcript {} has {} anonymisation rule(s){}.",
                    t.id,
                    t.anonymisation.len(),
                    if leftovers.is_empty() {
                        ""
                    } else {
                        ": an export would be refused until the warnings above are dealt with"
                    }
                );
            }
        }
        TranscriptCommand::Export { id, format, out } => {
            let format: Format = format.parse()?;
            match transcript::export(&mut vault, id, format, out) {
                Ok(done) => {
                    if context.json {
                        print_json(&done);
                    } else {
                        println!(
                            "Wrote {} ({} bytes). It is logged as an outstanding copy: destroy it \
                             when the course ends.",
                            done.path, done.bytes
                        );
                    }
                }
                Err(TranscriptError::NotAnonymised(left)) => {
                    let failure = TranscriptError::NotAnonymised(left.clone()).into();
                    return Err(refused_leftovers(context.json, failure, &left));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}
