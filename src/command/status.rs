//! `sessionvault status`: the vault, the keyring, the database and the audio hosts, as found.

use sessionvault_core::status::{self, Report};

use super::context::Context;
use super::devices::print_host;
use super::output::{print_result, yes_no};
use super::Failure;

/// Reports what was found; a problem found is the command's failure, after the report.
pub(super) fn run(context: &Context) -> Result<(), Failure> {
    let report = status::inspect(&context.dir, context.clock.clone());
    print_result(context.json, &report, print_status);
    match &report.problem {
        Some(problem) => Err(Failure {
            code: problem.code,
            message: problem.message.clone(),
            json_written: context.json,
        }),
        None => Ok(()),
    }
}

fn print_status(r: &Report) {
    println!("Vault:        {} ({:?})", r.vault_dir, r.vault);
    if let Some(id) = r.vault_id {
        println!("  id:         {id}");
    }
    println!("Keyring:      {}", r.keyring.backend);
    println!("  reachable:  {}", yes_no(r.keyring.reachable));
    println!("  unlocked:   {}", yes_no(r.keyring.unlocked));
    match &r.database {
        Some(db) => {
            println!(
                "Database:     {}, schema version {}",
                db.encryption, db.schema_version
            );
            println!("  audit log:  {} entries", db.audit_entries);
        }
        None => println!("Database:     not open"),
    }
    println!(
        "Signing key:  {}",
        r.signing_key.as_deref().unwrap_or("not available")
    );
    println!("Audio:");
    for host in &r.audio {
        print_host(host);
    }
}
