//! `sessionvault consent`: consent records, granted, declined, shown, checked, printed and
//! withdrawn.

use std::path::Path;

use serde_json::json;
use sessionvault_core::consent::{self, ConsentError, NewConsent, SignedWith};
use sessionvault_core::course;
use sessionvault_core::retention::shred;
use sessionvault_core::store::vault::Vault;

use super::context::Context;
use super::output::{print_id, print_json};
use super::shred::{print_preview, run_shred};
use super::Failure;
use crate::args::consent::{self as args, ConsentCommand};
use crate::input::{self, Text};

/// Grants, declines, lists, shows, checks, prints or withdraws a consent.
pub(super) fn run(context: &Context, command: &ConsentCommand) -> Result<(), Failure> {
    let mut vault = context.open_vault()?;
    match command {
        ConsentCommand::New(new) => grant(context, &mut vault, new),
        ConsentCommand::Decline {
            client,
            course,
            counsellor_name,
        } => decline(
            context,
            &mut vault,
            client,
            course.as_deref(),
            counsellor_name.as_ref(),
        ),
        ConsentCommand::List => list(context, &vault),
        ConsentCommand::Show { id } => show(context, &vault, id),
        ConsentCommand::Verify { id } => verify(context, &vault, id),
        ConsentCommand::Pdf { id, out } => write_pdf(context, &mut vault, id, out),
        ConsentCommand::Withdraw { id, reason, yes } => {
            withdraw(context, &mut vault, id, reason, *yes)
        }
    }
}

/// Records a client's signed consent and prints its id.
fn grant(context: &Context, vault: &mut Vault, new: &args::New) -> Result<(), Failure> {
    let args::New {
        client,
        course,
        destroy_by,
        purpose,
        audience,
        case_study,
        client_name,
        client_signature,
        paper_scan,
        counsellor_name,
    } = new;
    let (path, limit) = match (client_signature, paper_scan) {
        (Some(path), _) => (path, consent::attachment::MAX_DRAWN_BYTES),
        (None, Some(path)) => (path, consent::attachment::MAX_SCAN_BYTES),
        (None, None) => {
            return Err(Failure {
                code: "invalid_input",
                message: "give the client's signature (--client-signature) or a scan \
                          of the signed paper form (--paper-scan)"
                    .to_owned(),
                json_written: false,
            })
        }
    };
    let bytes = read_limited(path, limit)?;
    let client_name = client_name.read("--client-name")?;
    let counsellor_name = counsellor_name.read("--counsellor-name")?;
    let signed_with = if client_signature.is_some() {
        SignedWith::Drawn(&bytes)
    } else {
        SignedWith::PaperScan(&bytes)
    };
    let input = NewConsent {
        client_code: client,
        course_id: course.as_deref(),
        destroy_by: destroy_by.as_deref().map(course::parse_date).transpose()?,
        purposes: consent::parse_list(purpose)?,
        audience: consent::parse_list(audience)?,
        case_study: case_study.parse()?,
        client_name: &client_name,
        signed_with,
        counsellor_name: &counsellor_name,
    };
    let record = consent::grant(vault, &input)?;
    print_id(context.json, &record.id.to_string());
    Ok(())
}

/// Records that a client declined and prints the record's id.
fn decline(
    context: &Context,
    vault: &mut Vault,
    client: &str,
    course: Option<&str>,
    counsellor_name: Option<&Text>,
) -> Result<(), Failure> {
    let counsellor_name = input::read_opt(counsellor_name, "--counsellor-name")?;
    let record = consent::decline(
        vault,
        client,
        course,
        counsellor_name.as_deref().map(String::as_str),
    )?;
    print_id(context.json, &record.id.to_string());
    if !context.json {
        eprintln!("Recorded: the client declined. This changes nothing about their service.");
    }
    Ok(())
}

/// Lists the consent records with their state.
fn list(context: &Context, vault: &Vault) -> Result<(), Failure> {
    let list = consent::list(vault)?;
    if context.json {
        print_json(&list);
    } else {
        for c in &list {
            println!(
                "{}  {:<10} {:<9} {:<13} until {}  signed {}",
                c.id,
                c.client_code,
                c.decision,
                c.state,
                c.destroy_by.as_deref().unwrap_or("-"),
                c.signed_at
            );
        }
    }
    Ok(())
}

/// Shows one consent record in full, with what the recording gate says of it.
fn show(context: &Context, vault: &Vault, id: &str) -> Result<(), Failure> {
    let record = consent::get(vault, id)?;
    let state = match consent::verify(vault, id) {
        Ok(_) => "valid: recording may start".to_owned(),
        Err(ConsentError::Refused(r)) => format!("refused: {r}"),
        Err(e) => return Err(e.into()),
    };
    if context.json {
        let mut value = serde_json::to_value(&record).unwrap_or_default();
        value["state"] = json!(state);
        value["attachment_sha256"] = json!(record.attachment_sha256());
        value["attachment_bytes"] = json!(record.attachment.as_ref().map(Vec::len));
        print_json(&value);
    } else {
        print_record(&record, &state, vault);
    }
    Ok(())
}

/// Checks a consent as the recording gate does.
fn verify(context: &Context, vault: &Vault, id: &str) -> Result<(), Failure> {
    let verified = consent::verify(vault, id)?;
    if context.json {
        print_json(&json!({
            "id": verified.id(),
            "valid": true,
            "client_code": verified.client_code(),
            "course_id": verified.course_id(),
            "destroy_by": verified.destroy_by().map(course::format_date),
        }));
    } else {
        println!(
            "Consent {} is valid: signed by {}, granted, not withdrawn, in date until {}",
            verified.id(),
            vault.public_key().fingerprint(),
            verified
                .destroy_by()
                .map(course::format_date)
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// Writes a consent's printable PDF, logged as an outstanding copy.
fn write_pdf(context: &Context, vault: &mut Vault, id: &str, out: &Path) -> Result<(), Failure> {
    let saved = consent::save_pdf(vault, id, out)?;
    if context.json {
        print_json(&json!({
            "id": saved.consent_id,
            "out": out,
            "bytes": saved.bytes,
            "sha256": saved.sha256,
            "copy_id": saved.copy_id,
        }));
    } else {
        println!(
            "Wrote {} ({} bytes). It holds the client's name and signature: it is logged \
             as outstanding copy {} and listed until you run `sessionvault copies \
             destroyed {} --yes`.",
            out.display(),
            saved.bytes,
            saved.copy_id,
            saved.copy_id
        );
    }
    Ok(())
}

/// Withdraws a consent; with --yes destroys what was recorded under it, else shows it.
fn withdraw(
    context: &Context,
    vault: &mut Vault,
    id: &str,
    reason: &Text,
    yes: bool,
) -> Result<(), Failure> {
    let reason = reason.read("--reason")?;
    let record = consent::withdraw(vault, id, &reason)?;
    let target = shred::Target::Consent(record.id.to_string());
    // A recording running under it meanwhile stops by itself within a second or so.
    shred::await_recordings_stopped(vault, &record.id.to_string())?;
    let preview = shred::preview(vault, &target)?;
    let outcome = if yes && !preview.items.is_empty() {
        Some(run_shred(context, vault, &target)?)
    } else {
        None
    };
    if context.json {
        print_json(&json!({
            "id": record.id,
            "withdrawn_at": record.withdrawal.map(|w| w.at),
            "to_destroy": preview,
            "shredded": outcome,
        }));
    } else {
        println!(
            "Consent {} withdrawn. Nothing more may be recorded under it.",
            record.id
        );
        match (&outcome, preview.items.is_empty()) {
            (_, true) => println!("Nothing was recorded under it."),
            (Some(outcome), false) => println!(
                "Everything recorded under it was destroyed: certificate {}",
                outcome.certificate.certificate.id
            ),
            (None, false) => {
                print_preview(&preview);
                println!(
                    "Nothing was destroyed yet. To destroy the above: sessionvault shred \
                     consent {} --yes",
                    record.id
                );
            }
        }
    }
    Ok(())
}

/// Reads a file the user named, refusing one over `limit` bytes before reading it.
fn read_limited(path: &std::path::Path, limit: usize) -> Result<Vec<u8>, Failure> {
    let io_failure = |e: std::io::Error| Failure {
        code: "io_failed",
        message: format!("could not read {}: {e}", path.display()),
        json_written: false,
    };
    let size = std::fs::metadata(path).map_err(io_failure)?.len();
    if size > limit as u64 {
        return Err(
            ConsentError::from(consent::attachment::AttachmentError::TooLarge {
                size: usize::try_from(size).unwrap_or(usize::MAX),
                limit,
            })
            .into(),
        );
    }
    std::fs::read(path).map_err(io_failure)
}

fn print_record(r: &consent::Record, state: &str, vault: &Vault) {
    let words = |v: Vec<&str>| {
        if v.is_empty() {
            "-".to_owned()
        } else {
            v.join(", ")
        }
    };
    println!("Consent {}", r.id);
    println!("  state:          {state}");
    println!("  client code:    {}", r.client_code);
    println!("  decision:       {}", r.decision);
    if let Some(course) = r.course_id {
        println!("  course:         {course}");
    }
    if let Some(date) = r.destroy_by {
        println!("  destroy by:     {}", course::format_date(date));
    }
    println!(
        "  purposes:       {}",
        words(r.purposes.iter().map(|p| p.as_str()).collect())
    );
    println!(
        "  heard by:       the counsellor{}",
        r.audience
            .iter()
            .map(|a| format!(", {a}"))
            .collect::<String>()
    );
    println!("  case study:     {}", r.case_study);
    println!(
        "  form version:   {} (SHA-256 {})",
        r.form_version,
        hex::encode(&r.form_hash)
    );
    if let Some(name) = &r.client_name {
        println!("  client name:    {name}");
    }
    if let (Some(kind), Some(bytes)) = (r.attachment_kind, &r.attachment) {
        println!(
            "  signed with:    {} ({} bytes)",
            kind.as_str(),
            bytes.len()
        );
    }
    if !r.counsellor_name.is_empty() {
        println!("  counsellor:     {}", r.counsellor_name);
    }
    println!("  signed at:      {}", r.signed_at);
    println!("  signed by key:  {}", vault.public_key().fingerprint());
    if let Some(w) = &r.withdrawal {
        println!("  withdrawn at:   {}", w.at);
        println!("  reason:         {}", w.reason);
    }
}
