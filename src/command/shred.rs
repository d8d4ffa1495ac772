//! `sessionvault due` and `shred`: what is due for destruction, and destroying it provably.

use sessionvault_core::retention::shred;
use sessionvault_core::store::vault::Vault;

use super::certificate::{copied_from, shared_with};
use super::context::Context;
use super::output::{print_json, print_result};
use super::Failure;
use crate::args::shred::{Due, Shred, ShredKind};

/// Lists what is due for destruction, and what becomes due within the days asked.
pub(super) fn due(context: &Context, args: &Due) -> Result<(), Failure> {
    let Due { within } = args;
    let vault = context.open_vault()?;
    let due = shred::due(&vault, *within)?;
    if context.json {
        print_json(&due);
    } else if due.is_empty() {
        println!("Nothing is due for destruction.");
    } else {
        for d in &due {
            println!(
                "{}  {:<10} {} {}: {}",
                d.recording_id,
                d.client_code,
                if d.overdue { "DUE since" } else { "due on   " },
                d.due_on,
                d.detail
            );
        }
    }
    Ok(())
}

/// Shows what would be destroyed, or with --yes destroys it and prints the certificate's id.
pub(super) fn run(context: &Context, args: &Shred) -> Result<(), Failure> {
    let Shred {
        kind,
        id,
        dry_run,
        yes,
    } = args;
    let mut vault = context.open_vault()?;
    let target = match kind {
        ShredKind::Recording => shred::Target::Recording(id.clone()),
        ShredKind::Course => shred::Target::Course(id.clone()),
        ShredKind::Client => shred::Target::Client(id.clone()),
        ShredKind::Consent => shred::Target::Consent(id.clone()),
    };
    if *dry_run || !*yes {
        let preview = shred::preview(&vault, &target)?;
        print_result(context.json, &preview, print_preview);
        eprintln!("Nothing was destroyed. Add --yes to destroy what is listed.");
        return Ok(());
    }
    let outcome = run_shred(context, &mut vault, &target)?;
    if context.json {
        print_json(&outcome);
    } else {
        println!("{}", outcome.certificate.certificate.id);
        if !outcome
            .certificate
            .certificate
            .outstanding_copies
            .is_empty()
        {
            eprintln!(
                "Outstanding copies remain outside the vault and must be destroyed too: \
                 see `sessionvault certificate show {}`",
                outcome.certificate.certificate.id
            );
        }
    }
    Ok(())
}

/// Runs a shred, reporting progress on stderr.
pub(super) fn run_shred(
    context: &Context,
    vault: &mut Vault,
    target: &shred::Target,
) -> Result<shred::Outcome, Failure> {
    let outcome = shred::shred(vault, target, &mut rand::rngs::OsRng, &mut |p| {
        if !context.json {
            let what = p.recording_id.as_deref().unwrap_or("");
            eprintln!("[{:>3}/{}] {:<12} {what}", p.done, p.total, p.step);
        }
    })?;
    Ok(outcome)
}

pub(super) fn print_preview(preview: &shred::Preview) {
    let label = preview
        .target
        .label
        .as_deref()
        .map(|l| format!(" ({l})"))
        .unwrap_or_default();
    println!(
        "To destroy for {} {}{label}: {} recording(s)",
        preview.target.kind,
        preview.target.id,
        preview.items.len()
    );
    for item in &preview.items {
        let state = if item.key_erased {
            "  (already unreadable: key erased)"
        } else {
            ""
        };
        println!(
            "  {}  {:<10} recorded {}  {:>8.1} s  {} bookmark(s){state}",
            item.recording_id,
            item.client_code,
            item.recorded_at,
            item.frames as f64 / f64::from(item.sample_rate.max(1)),
            item.bookmarks
        );
    }
    if let Some(resumes) = &preview.resumes {
        println!("This finishes shred {resumes}, which stopped part-way.");
    }
    if preview.outstanding_copies.is_empty() {
        println!("Outstanding copies: none known.");
    } else {
        println!("Outstanding copies you must destroy yourself:");
        for copy in &preview.outstanding_copies {
            println!(
                "  {} {} of {} made {} at {}{}",
                copy.copy_id,
                copy.kind,
                copied_from(copy),
                copy.made_at,
                copy.location,
                shared_with(copy)
            );
        }
    }
    for kept in &preview.kept {
        println!("Kept: {kept}");
    }
}
