//! `sessionvault case-study`: case studies over one or more clients, their anonymisation lists
//! and their exports.

use std::path::Path;

use sessionvault_core::documents::case_study::{self, CaseStudyError, NewCaseStudy, Owner};
use sessionvault_core::documents::transcript::anonymise;
use sessionvault_core::documents::transcript::export::Format;
use sessionvault_core::store::vault::Vault;

use super::context::Context;
use super::leftovers::{print_exported, print_rules, refusal};
use super::output::print_result;
use super::Failure;
use crate::args::case_study::CaseStudyCommand;
use crate::input::{self, Text};

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

/// Starts, lists, shows or changes a case study, sets its anonymisation list, makes it final
/// or exports it.
pub(super) fn run(context: &Context, command: &CaseStudyCommand) -> Result<(), Failure> {
    let mut vault = context.open_vault()?;
    match command {
        CaseStudyCommand::New {
            title,
            clients,
            owner,
            course,
            body_file,
        } => create(
            context,
            &mut vault,
            title,
            clients,
            owner,
            course.as_deref(),
            body_file,
        ),
        CaseStudyCommand::List => list(context, &vault),
        CaseStudyCommand::Show { id } => show(context, &vault, id),
        CaseStudyCommand::Edit {
            id,
            title,
            body_file,
            clients,
        } => edit(
            context,
            &mut vault,
            id,
            title.as_ref(),
            body_file.as_deref(),
            clients.as_deref(),
        ),
        CaseStudyCommand::Anonymise { id, replace } => {
            set_anonymisation(context, &mut vault, id, replace)
        }
        CaseStudyCommand::Final { id } => mark_final(context, &mut vault, id),
        CaseStudyCommand::Export { id, format, out } => {
            export(context, &mut vault, id, format, out)
        }
    }
}

/// Starts a case study and prints its id.
fn create(
    context: &Context,
    vault: &mut Vault,
    title: &Text,
    clients: &str,
    owner: &str,
    course: Option<&str>,
    body_file: &Path,
) -> Result<(), Failure> {
    let title = title.read("--title")?;
    let body = read_body(body_file)?;
    let clients = clients_of(clients);
    let new = NewCaseStudy {
        title: &title,
        clients: &clients,
        owner: Owner::parse(owner)?,
        course_id: course,
        body: &body,
    };
    let created = case_study::create(vault, &new)?;
    print_result(context.json, &created, |created| {
        println!("{}", created.id);
    });
    Ok(())
}

/// Lists the case studies (a title withheld says why).
fn list(context: &Context, vault: &Vault) -> Result<(), Failure> {
    let all = case_study::list(vault)?;
    print_result(context.json, &all, |all| {
        for s in all {
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
    });
    Ok(())
}

/// Shows a case study in full.
fn show(context: &Context, vault: &Vault, id: &str) -> Result<(), Failure> {
    let s = case_study::get(vault, id)?;
    print_result(context.json, &s, print_case_study);
    Ok(())
}

/// Changes the title, body and/or clients.
fn edit(
    context: &Context,
    vault: &mut Vault,
    id: &str,
    title: Option<&Text>,
    body_file: Option<&Path>,
    clients: Option<&str>,
) -> Result<(), Failure> {
    let title = input::read_opt(title, "--title")?;
    let body = body_file.map(read_body).transpose()?;
    let clients = clients.map(clients_of);
    let s = case_study::edit(
        vault,
        id,
        title.as_deref().map(String::as_str),
        body.as_deref(),
        clients.as_deref(),
    )?;
    print_result(context.json, &s, |s| {
        println!("Case study {} changed.", s.id);
    });
    Ok(())
}

/// Sets the anonymisation list and warns of what it still misses.
fn set_anonymisation(
    context: &Context,
    vault: &mut Vault,
    id: &str,
    replace: &[Text],
) -> Result<(), Failure> {
    let rules = anonymise::parse_rules(&input::rules(replace)?)?;
    let s = case_study::set_anonymisation(vault, id, rules)?;
    let leftovers = case_study::check_anonymisation(vault, &s.id)?;
    print_rules(
        context.json,
        "Case study",
        &s.id,
        s.anonymisation.len(),
        &leftovers,
    );
    Ok(())
}

/// Marks the organisation's case study final; refused while the anonymisation misses something.
fn mark_final(context: &Context, vault: &mut Vault, id: &str) -> Result<(), Failure> {
    let s = case_study::mark_final(vault, id).map_err(|e| refusal(context.json, e))?;
    print_result(context.json, &s, |s| {
        println!(
            "Case study {} is final: a permanent record of the service, never edited again.",
            s.id
        )
    });
    Ok(())
}

/// Exports the case study, anonymised; refused while the anonymisation misses something.
fn export(
    context: &Context,
    vault: &mut Vault,
    id: &str,
    format: &str,
    out: &Path,
) -> Result<(), Failure> {
    let format: Format = format.parse().map_err(CaseStudyError::from)?;
    let done = case_study::export(vault, id, format, out).map_err(|e| refusal(context.json, e))?;
    print_exported(context.json, &done, None);
    Ok(())
}
