//! The `transcript` and `case-study` commands of the `sessionvault` binary (not part of the
//! library): transcripts of recordings and case studies over clients, their anonymisation
//! lists and their exports for coursework.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde_json::json;
use sessionvault_core::documents::case_study::{self, CaseStudyError, NewCaseStudy, Owner};
use sessionvault_core::documents::transcript::anonymise::{self, Leftover};
use sessionvault_core::documents::transcript::export::Format;
use sessionvault_core::documents::transcript::{self, NewSegment, TranscriptError};
use sessionvault_core::store::vault::Vault;
use sessionvault_core::timecode;

use crate::cli_input::{self, Text};
use crate::{print_json, Cli, Failure};

#[derive(Debug, Subcommand)]
pub(crate) enum TranscriptCommand {
    /// Start a transcript of a finished recording (an excerpt, or the whole); prints its id.
    New {
        /// The recording id.
        recording: String,
        /// Where the excerpt starts (default: the start): 90, 90.5, 2s, 25m, 1h, 1:30 or
        /// 1:02:03.5.
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// Where it ends (default: the end).
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// The speaker key, e.g. "T:=Counsellor,C:=Client" (the default).
        #[arg(long, value_name = "KEY")]
        speakers: Option<String>,
    },
    /// List a recording's transcripts.
    List {
        /// The recording id.
        recording: String,
    },
    /// Show a transcript: its range, key, anonymisation list and segments.
    Show {
        /// The transcript id.
        id: String,
    },
    /// Add a segment; prints its id.
    Add {
        /// The transcript id.
        id: String,
        /// Where it starts in the recording: 90, 90.5, 2s, 25m, 1h, 1:30 or 1:02:03.5.
        #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
        at: String,
        /// The speaker label, e.g. C:.
        #[arg(long, value_name = "LABEL")]
        speaker: String,
        /// What was said, or - to read it from standard input.
        #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
        text: Text,
    },
    /// Change a segment's time, speaker and/or text (the others stay as they are).
    #[command(group(
        clap::ArgGroup::new("change").args(["at", "speaker", "text"]).required(true).multiple(true)
    ))]
    Edit {
        /// The segment id.
        id: String,
        /// The new time.
        #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
        at: Option<String>,
        /// The new speaker label.
        #[arg(long, value_name = "LABEL")]
        speaker: Option<String>,
        /// The new text, or - to read it from standard input.
        #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
        text: Option<Text>,
    },
    /// Remove a segment.
    Rm {
        /// The segment id.
        id: String,
    },
    /// Set the speaker key, e.g. "T:=Counsellor,C:=Client,S:=Supervisor".
    Speakers {
        /// The transcript id.
        id: String,
        /// The key.
        #[arg(long, value_name = "KEY")]
        speakers: String,
    },
    /// Set the anonymisation list applied on export (replaces the list; --clear empties it).
    #[command(group(
        clap::ArgGroup::new("rules").args(["replace", "clear"]).required(true)
    ))]
    Anonymise {
        /// The transcript id.
        id: String,
        /// A rule "Original=Replacement"; repeat for each name or identifying detail; or - to
        /// read it from standard input (one rule a line).
        #[arg(long, value_name = "ORIGINAL=REPLACEMENT")]
        replace: Vec<Text>,
        /// Remove every rule.
        #[arg(long)]
        clear: bool,
    },
    /// Export for coursework as TXT, DOCX or PDF, anonymised; logged as an outstanding copy.
    Export {
        /// The transcript id.
        id: String,
        /// txt, docx or pdf.
        #[arg(long, value_name = "FORMAT")]
        format: String,
        /// Where to write it.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum CaseStudyCommand {
    /// Start a case study over one or more clients; prints its id.
    New {
        /// The title, or - to read it from standard input.
        #[arg(long, value_name = "TEXT")]
        title: Text,
        /// The client codes, comma-separated (e.g. C-001,C-002).
        #[arg(long, value_name = "LIST")]
        clients: String,
        /// counsellor (coursework: destroyed with its course or client) or organisation (a
        /// permanent record of the service).
        #[arg(long, value_name = "OWNER")]
        owner: String,
        /// The course it is written for.
        #[arg(long, value_name = "ID")]
        course: Option<String>,
        /// A UTF-8 text file with the body (paragraphs separated by blank lines).
        #[arg(long, value_name = "FILE")]
        body_file: PathBuf,
    },
    /// List the case studies.
    List,
    /// Show a case study in full.
    Show {
        /// The case study id.
        id: String,
    },
    /// Change the title, body or clients (not when final).
    #[command(group(
        clap::ArgGroup::new("change").args(["title", "body_file", "clients"]).required(true).multiple(true)
    ))]
    Edit {
        /// The case study id.
        id: String,
        /// The new title, or - to read it from standard input.
        #[arg(long, value_name = "TEXT")]
        title: Option<Text>,
        /// A file with the new body.
        #[arg(long, value_name = "FILE")]
        body_file: Option<PathBuf>,
        /// The new client codes, comma-separated.
        #[arg(long, value_name = "LIST")]
        clients: Option<String>,
    },
    /// Set the anonymisation list (replaces the list).
    Anonymise {
        /// The case study id.
        id: String,
        /// A rule "Original=Replacement"; repeat for each name or identifying detail; or - to
        /// read it from standard input (one rule a line).
        #[arg(long, value_name = "ORIGINAL=REPLACEMENT", required = true)]
        replace: Vec<Text>,
    },
    /// Mark the organisation's case study final: a permanent record, never edited again.
    Final {
        /// The case study id.
        id: String,
    },
    /// Export as DOCX or PDF, anonymised; logged as an outstanding copy.
    Export {
        /// The case study id.
        id: String,
        /// docx or pdf.
        #[arg(long, value_name = "FORMAT")]
        format: String,
        /// Where to write it.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

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
fn refused_leftovers(cli: &Cli, failure: Failure, leftovers: &[Leftover]) -> Failure {
    warn_leftovers(leftovers);
    if cli.json {
        print_json(&json!({ "error": {
            "code": failure.code,
            "message": failure.message,
            "leftovers": leftovers,
        }}));
    }
    Failure {
        json_written: cli.json,
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

pub(crate) fn run_transcript(
    cli: &Cli,
    command: &TranscriptCommand,
    mut vault: Vault,
) -> Result<(), Failure> {
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
            if cli.json {
                print_json(&t);
            } else {
                println!("{}", t.id);
            }
        }
        TranscriptCommand::List { recording } => {
            let list = transcript::list(&vault, recording)?;
            if cli.json {
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
            if cli.json {
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
            if cli.json {
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
            let text = cli_input::read_opt(text.as_ref(), "--text")?;
            let text = text.as_deref().map(String::as_str);
            let edited = transcript::edit_segment(&mut vault, id, at, speaker.as_deref(), text)?;
            if cli.json {
                print_json(&edited);
            } else {
                println!("Segment {} changed: it is at [{}].", edited.id, edited.at);
            }
        }
        TranscriptCommand::Rm { id } => {
            let removed = transcript::remove_segment(&mut vault, id)?;
            if cli.json {
                print_json(&removed);
            } else {
                println!("Segment {} removed.", removed.id);
            }
        }
        TranscriptCommand::Speakers { id, speakers } => {
            let key = transcript::parse_speakers(speakers)?;
            let t = transcript::set_speakers(&mut vault, id, key)?;
            if cli.json {
                print_json(&t);
            } else {
                println!("Speaker key of transcript {} set.", t.id);
            }
        }
        TranscriptCommand::Anonymise { id, replace, clear } => {
            let rules = if *clear {
                Vec::new()
            } else {
                anonymise::parse_rules(&cli_input::rules(replace)?)?
            };
            let t = transcript::set_anonymisation(&mut vault, id, rules)?;
            let leftovers = transcript::check_anonymisation(&vault, &t.id)?;
            warn_leftovers(&leftovers);
            if cli.json {
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
                    if cli.json {
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
                    return Err(refused_leftovers(cli, failure, &left));
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

pub(crate) fn run_case_study(
    cli: &Cli,
    command: &CaseStudyCommand,
    mut vault: Vault,
) -> Result<(), Failure> {
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
            if cli.json {
                print_json(&created);
            } else {
                println!("{}", created.id);
            }
        }
        CaseStudyCommand::List => {
            let all = case_study::list(&vault)?;
            if cli.json {
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
            if cli.json {
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
            let title = cli_input::read_opt(title.as_ref(), "--title")?;
            let body = body_file.as_deref().map(read_body).transpose()?;
            let clients = clients.as_deref().map(clients_of);
            let s = case_study::edit(
                &mut vault,
                id,
                title.as_deref().map(String::as_str),
                body.as_deref(),
                clients.as_deref(),
            )?;
            if cli.json {
                print_json(&s);
            } else {
                println!("Case study {} changed.", s.id);
            }
        }
        CaseStudyCommand::Anonymise { id, replace } => {
            let rules = anonymise::parse_rules(&cli_input::rules(replace)?)?;
            let s = case_study::set_anonymisation(&mut vault, id, rules)?;
            let leftovers = case_study::check_anonymisation(&vault, &s.id)?;
            warn_leftovers(&leftovers);
            if cli.json {
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
                if cli.json {
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
                return Err(refused_leftovers(cli, failure, &left));
            }
            Err(e) => return Err(e.into()),
        },
        CaseStudyCommand::Export { id, format, out } => {
            let format: Format = format.parse().map_err(CaseStudyError::from)?;
            match case_study::export(&mut vault, id, format, out) {
                Ok(done) => {
                    if cli.json {
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
                    return Err(refused_leftovers(cli, failure, &left));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}
