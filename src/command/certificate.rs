//! `sessionvault certificate`: destruction certificates, listed, shown, exported and checked.

use std::path::Path;

use serde_json::json;
use sessionvault_core::retention::certificate;
use sessionvault_core::retention::certificate::CertificateFormat;
use sessionvault_core::store::vault::Vault;

use super::context::Context;
use super::output::{print_json, print_result, yes_no};
use super::Failure;
use crate::args::certificate::CertificateCommand;

/// Lists, shows, exports or checks destruction certificates.
pub(super) fn run(context: &Context, command: &CertificateCommand) -> Result<(), Failure> {
    match command {
        CertificateCommand::List => list(context),
        CertificateCommand::Show { id } => show(context, id),
        CertificateCommand::Export { id, out } => export(context, id, out),
        CertificateCommand::Verify { file, signer } => verify(context, file, signer.as_deref()),
    }
}

/// Lists every certificate, a damaged one as such.
fn list(context: &Context) -> Result<(), Failure> {
    let vault = context.open_vault()?;
    let all = certificate::list(&vault)?;
    if context.json {
        print_json(&all);
    } else {
        all.iter().for_each(print_listed);
    }
    Ok(())
}

/// Shows one certificate in full.
fn show(context: &Context, id: &str) -> Result<(), Failure> {
    let vault = context.open_vault()?;
    let signed = certificate::get(&vault, id)?;
    print_result(context.json, &signed, print_certificate);
    Ok(())
}

/// Writes a certificate as JSON or PDF, as the file name says.
fn export(context: &Context, id: &str, out: &Path) -> Result<(), Failure> {
    let format = CertificateFormat::of_path(out).ok_or_else(|| Failure {
        code: "invalid_input",
        message: format!("{} must end in .json or .pdf", out.display()),
        json_written: false,
    })?;
    let vault = context.open_vault()?;
    let saved = certificate::save_certificate(&vault, id, format, out)?;
    if context.json {
        print_json(&json!({
            "id": saved.certificate_id,
            "out": out,
            "bytes": saved.written.bytes,
            "sha256": saved.written.sha256_hex(),
        }));
    } else {
        println!("Wrote {} ({} bytes).", out.display(), saved.written.bytes);
    }
    Ok(())
}

/// Checks an exported JSON certificate against the vault's key and/or the signer given.
fn verify(context: &Context, file: &Path, signer: Option<&str>) -> Result<(), Failure> {
    let text = std::fs::read_to_string(file).map_err(|e| Failure {
        code: "io_failed",
        message: format!("could not read {}: {e}", file.display()),
        json_written: false,
    })?;
    let vault_key = Vault::open(&context.dir, context.clock.clone())
        .ok()
        .map(|v| v.public_key());
    let signed = certificate::verify_export(&text, vault_key.as_ref(), signer)?;
    let against = match (vault_key.is_some(), signer.is_some()) {
        (true, true) => "this vault's key and the fingerprint given",
        (true, false) => "this vault's key",
        _ => "the fingerprint given",
    };
    if context.json {
        print_json(&json!({
            "valid": true,
            "id": signed.certificate.id,
            "format": signed.certificate.format,
            "fingerprint": signed.certificate.fingerprint,
            "checked_against_vault": vault_key.is_some(),
            "checked_against_signer": signer.is_some(),
        }));
    } else {
        println!(
            "Certificate {} is intact and signed by {}: checked against {against}.",
            signed.certificate.id, signed.certificate.fingerprint
        );
    }
    Ok(())
}

fn print_certificate(signed: &certificate::Signed) {
    let c = &signed.certificate;
    println!("Destruction certificate {}", c.id);
    println!("  vault {}  issued {}", c.vault_id, c.issued_at);
    println!("  target {} {}", c.target.kind, c.target.id);
    for d in &c.destroyed {
        println!(
            "  destroyed {}  {:<10} recorded {}  {}  sha256 {}",
            d.recording_id,
            d.client_code,
            d.recorded_at,
            length(&d.length),
            d.ciphertext_sha256
        );
    }
    for check in &c.checks {
        println!(
            "  check {}: key lookup fails {}, file absent {}, rows absent {}",
            check.recording_id, check.key_lookup_fails, check.file_absent, check.rows_absent
        );
    }
    if let Some(db) = &c.database {
        println!(
            "  database re-keyed {}, old key refused {}, old key deleted {}: {}",
            yes_no(db.rekeyed),
            yes_no(db.old_key_refused),
            yes_no(db.old_key_deleted),
            db.erased
        );
    }
    if c.outstanding_copies.is_empty() {
        println!("  outstanding copies: none known");
    }
    for copy in &c.outstanding_copies {
        println!(
            "  OUTSTANDING {} {} of {} at {}{}",
            copy.copy_id,
            copy.kind,
            copied_from(copy),
            copy.location,
            shared_with(copy)
        );
    }
    println!("  signed by {}", c.fingerprint);
}

/// One line of `certificate list`: the certificate, or why it does not verify.
fn print_listed(entry: &certificate::Listed) {
    match entry {
        certificate::Listed::Valid(signed) => {
            let c = &signed.certificate;
            println!(
                "{}  issued {}  {} {}  {} recording(s), {} outstanding copies",
                c.id,
                c.issued_at,
                c.target.kind,
                c.target.id,
                c.destroyed.len(),
                c.outstanding_copies.len()
            );
        }
        certificate::Listed::Damaged(d) => {
            println!("{}  issued {}  DAMAGED: {}", d.id, d.issued_at, d.message);
        }
    }
}

/// A destroyed recording's length: seconds from frames and rate, or the seconds a format-1
/// certificate holds.
fn length(length: &certificate::Length) -> String {
    match (length, length.seconds()) {
        (
            certificate::Length::Frames {
                frames,
                sample_rate,
            },
            Some(seconds),
        ) => {
            format!("{seconds:.3} s ({frames} frames at {sample_rate} Hz)")
        }
        (certificate::Length::Seconds { .. }, Some(seconds)) => format!("{seconds:.3} s"),
        (_, None) => "length unknown".to_owned(),
    }
}

/// What an outstanding copy was made of: `recording ID`, `case study ID` or `consent ID`.
pub(super) fn copied_from(copy: &certificate::OutstandingCopy) -> String {
    match (&copy.case_study_id, &copy.consent_id) {
        (Some(case_study), _) => format!("case study {case_study}"),
        (None, Some(consent)) => format!("consent {consent}"),
        (None, None) => format!("recording {}", copy.recording_id),
    }
}

/// For a shared copy: who it was shared with and its recipients' fingerprints.
pub(super) fn shared_with(copy: &certificate::OutstandingCopy) -> String {
    match (&copy.role, copy.recipients.is_empty()) {
        (None, true) => String::new(),
        (role, _) => format!(
            " (shared with a {}, encrypted to {})",
            role.as_deref().unwrap_or("-"),
            copy.recipients.join(", ")
        ),
    }
}
