//! `sessionvault transcript` and `case-study`: transcripts of recordings and case studies over
//! clients, their anonymisation lists and their exports for coursework.

use serde_json::json;
use sessionvault_core::documents::case_study::{self, CaseStudyError, NewCaseStudy, Owner};
use sessionvault_core::documents::transcript::anonymise::{self, Leftover};
use sessionvault_core::documents::transcript::export::Format;
use sessionvault_core::documents::transcript::{self, NewSegment, TranscriptError};
use sessionvault_core::timecode;
use std::path::Path;

use super::context::Context;
use super::output::print_json;
use super::Failure;
use crate::args::case_study::CaseStudyCommand;
use crate::args::transcript::TranscriptCommand;
use crate::input;

/// A time in the grammar of [`timecode`].
fn time(text: &str) -> Result<std::time::Duration, Failure> {
    Ok(timecode::parse(text)?)
}

/// Warns on stderr of originals the anonymisation missed, by rule and place, never the
/// original itself.
fn warn_leftovers(leftovers: &[Leftover]) {
    for l in leftovers {
        eprintln!(
            "WARNING: rule {} (replaced by {:?}) still matches {} time(s) in {}: add a rule for \
             that form or reword it",
            l.rule,
            l.replacement,
            l.count,
            l.places.join(", ")
        );
    }
}

/// A refusal for leftovers: the warning, and with --json the leftovers in the error.
fn refused_leftovers(json: bool, failure: Failure, leftovers: &[Leftover]) -> Failure {
    warn_leftovers(leftovers);
    if json {
        print_json(&json!({ "error": {
            "code": failure.code,
            "message": failure.message,
            "leftovers": leftovers,
        }}));
    }
    Failure {
        json_written: json,
        ..failure
    }
}

/// Reads a body file: UTF-8, at most four bytes per character allowed.
fn read_body(path: &Path) -> Result<String, Failure> {
    let io = |e: std::io::Error| Failure {
        code: "io_failed",
        message: format!("could not read {}: {e}", path.display()),
        json_written: false,
    };
    let limit = (case_study::MAX_BODY_CHARS * 4) as u64;
    if std::fs::metadata(path).map_err(io)?.len() > limit {
        return Err(Failure {
            code: "invalid_input",
            message: format!(
                "{} is too long for a case study (at most {} characters)",
                path.display(),
                case_study::MAX_BODY_CHARS
            ),
            json_written: false,
        });
    }
    String::from_utf8(std::fs::read(path).map_err(io)?).map_err(|_| Failure {
        code: "invalid_input",
        message: format!("{} is not UTF-8 text", path.display()),
        json_written: false,
    })
}

fn clients_of(text: &str) -> Vec<String> {
    text.split(',').map(|c| c.trim().to_owned()).collect()
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
pub(super) fn run_transcript(
    context: &Context,
    command: &TranscriptCommand,
) -> Result<(), Failure> {
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

fn print_case_study(s: &case_study::CaseStudy) {
    println!("Case study {}", s.id);
    println!("  title:    {}", s.title);
    println!("  owner:    {}", s.owner.as_str());
    println!("  clients:  {}", s.clients.join(", "));
    if let Some(course) = &s.course_id {
        println!("  course:   {course}");
    }
    match &s.final_at {
        Some(at) => println!("  final:    since {at}"),
        None => println!("  final:    no"),
    }
    for (i, r) in s.anonymisation.iter().enumerate() {
        println!("  rule {}:   {} -> {}", i + 1, r.original, r.replacement);
    }
    println!();
    println!("{}", s.body);
}

/// Starts, lists, shows or changes a case study, sets its anonymisation list, makes it final or exports it.
pub(super) fn run_case_study(context: &Context, command: &CaseStudyCommand) -> Result<(), Failure> {
    let mut vault = context.open_vault()?;
    match command {
        CaseStudyCommand::New {
            title,
            clients,
            owner,
            course,
            body_file,
        } => {
            let title = title.read("--title")?;
            let body = read_body(body_file)?;
            let clients = clients_of(clients);
            let new = NewCaseStudy {
                title: &title,
                clients: &clients,
                owner: Owner::parse(owner)?,
                course_id: course.as_deref(),
                body: &body,
            };
            let created = case_study::create(&mut vault, &new)?;
            if context.json {
                print_json(&created);
            } else {
                println!("{}", created.id);
            }
        }
        CaseStudyCommand::List => {
            let all = case_study::list(&vault)?;
            if context.json {
                print_json(&all);
            } else {
                for s in &all {
                    println!(
                        "{}  {:<12} {:<5} {}  {}",
                        s.id,
                        s.owner.as_str(),
                        if s.final_at.is_some() {
                            "final"
                        } else {
                            "draft"
                        },
                        s.clients.join(","),
                        match (&s.title, &s.withheld) {
                            (Some(title), _) => title.clone(),
                            (None, Some(why)) => format!("(withheld: {why})"),
                            (None, None) => String::new(),
                        }
                    );
                }
            }
        }
        CaseStudyCommand::Show { id } => {
            let s = case_study::get(&vault, id)?;
            if context.json {
                print_json(&s);
            } else {
                print_case_study(&s);
            }
        }
        CaseStudyCommand::Edit {
            id,
            title,
            body_file,
            clients,
        } => {
            let title = input::read_opt(title.as_ref(), "--title")?;
            let body = body_file.as_deref().map(read_body).transpose()?;
            let clients = clients.as_deref().map(clients_of);
            let s = case_study::edit(
                &mut vault,
                id,
                title.as_deref().map(String::as_str),
                body.as_deref(),
                clients.as_deref(),
            )?;
            if context.json {
                print_json(&s);
            } else {
                println!("Case study {} changed.", s.id);
            }
        }
        CaseStudyCommand::Anonymise { id, replace } => {
            let rules = anonymise::parse_rules(&input::rules(replace)?)?;
            let s = case_study::set_anonymisation(&mut vault, id, rules)?;
            let leftovers = case_study::check_anonymisation(&vault, &s.id)?;
            warn_leftovers(&leftovers);
            if context.json {
                print_json(&json!({
                    "id": s.id,
                    "rules": s.anonymisation.len(),
                    "leftovers": leftovers,
                }));
            } else {
                println!(
                    "Case study {} has {} anonymisation rule(s).",
                    s.id,
                    s.anonymisation.len()
                );
            }
        }
        CaseStudyCommand::Final { id } => match case_study::mark_final(&mut vault, id) {
            Ok(s) => {
                if context.json {
                    print_json(&s);
                } else {
                    println!(
                        "Case study {} is final: a permanent record of the service, never edited \
                         again.",
                        s.id
                    );
                }
            }
            Err(CaseStudyError::NotAnonymised(left)) => {
                let failure = CaseStudyError::NotAnonymised(left.clone()).into();
                return Err(refused_leftovers(context.json, failure, &left));
            }
            Err(e) => return Err(e.into()),
        },
        CaseStudyCommand::Export { id, format, out } => {
            let format: Format = format.parse().map_err(CaseStudyError::from)?;
            match case_study::export(&mut vault, id, format, out) {
                Ok(done) => {
                    if context.json {
                        print_json(&done);
                    } else {
                        println!(
                            "Wrote {} ({} bytes). It is logged as an outstanding copy.",
                            done.path, done.bytes
                        );
                    }
                }
                Err(CaseStudyError::NotAnonymised(left)) => {
                    let failure = CaseStudyError::NotAnonymised(left.clone()).into();
                    return Err(refused_leftovers(context.json, failure, &left));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}
