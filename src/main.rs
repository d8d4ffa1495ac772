//! `sessionvault`: the command line over the SessionVault core.
//!
//! Every command takes `--vault DIR` (or `SESSIONVAULT_DIR`; default: the per-OS data folder)
//! and `--json`. Exit status: 0 on success, 1 on a refused or failed operation, 2 on a usage
//! error; the reason goes to stderr in words a counsellor understands. With `--json` the result
//! (or `{"error": {"code", "message"}}`) is also written to stdout.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use serde_json::json;
use sessionvault::clock::SystemClock;
use sessionvault::status::{self, Problem, Report};
use sessionvault::vault::{self, Vault, VaultError};

/// Consent-gated, encrypted recording of counselling sessions.
#[derive(Debug, Parser)]
#[command(name = "sessionvault", version, about)]
struct Cli {
    /// The vault folder (default: $SESSIONVAULT_DIR, else the per-OS data folder).
    #[arg(long, global = true, value_name = "DIR")]
    vault: Option<PathBuf>,
    /// Write machine-readable JSON to stdout.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the vault; its keys go into the OS keyring.
    Init,
    /// Report the vault, the keyring backend and state, the database and the audio hosts.
    Status,
    /// List the audio input and output devices, with ids usable by other commands.
    Devices,
    /// Read or check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check every entry's hash, signature and place in the chain.
    Verify,
    /// List the entries, oldest first.
    List,
}

/// A failed command: what to print and how to exit.
struct Failure {
    code: &'static str,
    message: String,
    /// Whether the command already wrote its JSON result (which names the problem itself).
    json_written: bool,
}

impl From<VaultError> for Failure {
    fn from(e: VaultError) -> Self {
        Failure {
            code: e.code(),
            message: e.to_string(),
            json_written: false,
        }
    }
}

impl From<&Problem> for Failure {
    fn from(p: &Problem) -> Self {
        Failure {
            code: p.code,
            message: p.message.clone(),
            json_written: false,
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with status 0; usage errors exit 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SESSIONVAULT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();

    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("sessionvault: {}", failure.message);
            if cli.json && !failure.json_written {
                print_json(
                    &json!({ "error": { "code": failure.code, "message": failure.message } }),
                );
            }
            ExitCode::from(1)
        }
    }
}

fn run(cli: &Cli) -> Result<(), Failure> {
    let dir = vault::resolve_dir(cli.vault.as_deref()).ok_or_else(|| Failure {
        code: "no_vault_folder",
        message: "no home folder was found for the vault: name one with --vault DIR".to_owned(),
        json_written: false,
    })?;
    let clock = Arc::new(SystemClock);
    match &cli.command {
        Command::Init => {
            let vault = Vault::create(&dir, clock, &mut rand::rngs::OsRng)?;
            let fingerprint = vault.public_key().fingerprint();
            if cli.json {
                print_json(&json!({
                    "vault_id": vault.id(),
                    "vault_dir": vault.dir(),
                    "keyring_service": vault.keys().service(),
                    "signing_key": fingerprint,
                }));
            } else {
                println!("Vault created at {}", vault.dir().display());
                println!("  vault id:      {}", vault.id());
                println!(
                    "  keys:          in the OS keyring, service {}",
                    vault.keys().service()
                );
                println!("  signing key:   {fingerprint}");
            }
            Ok(())
        }
        Command::Status => {
            let report = status::inspect(&dir, clock);
            if cli.json {
                print_json(&report);
            } else {
                print_status(&report);
            }
            match &report.problem {
                Some(problem) => Err(Failure {
                    json_written: cli.json,
                    ..problem.into()
                }),
                None => Ok(()),
            }
        }
        Command::Devices => {
            let hosts = sessionvault::audio::inventory();
            if cli.json {
                print_json(&hosts);
            } else {
                for host in &hosts {
                    print_host(host);
                }
            }
            Ok(())
        }
        Command::Audit { command } => {
            let vault = Vault::open(&dir, clock)?;
            match command {
                AuditCommand::Verify => {
                    let verified = vault.verify_audit()?;
                    if cli.json {
                        print_json(&verified);
                    } else {
                        println!(
                            "Audit log intact: {} entries, each signed by {}; head {}",
                            verified.entries,
                            vault.public_key().fingerprint(),
                            verified.head
                        );
                    }
                }
                AuditCommand::List => {
                    let entries = vault.audit_entries()?;
                    if cli.json {
                        print_json(&entries);
                    } else {
                        for e in &entries {
                            println!(
                                "{:>6}  {}  {:<16} {}  {}",
                                e.seq,
                                e.at,
                                e.kind,
                                e.subject.as_deref().unwrap_or("-"),
                                e.details
                            );
                        }
                    }
                }
            }
            Ok(())
        }
    }
}

fn print_json<T: serde::Serialize + ?Sized>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("sessionvault: could not write JSON: {e}"),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
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

fn print_host(host: &sessionvault::audio::HostReport) {
    let mark = if host.preferred { " (used)" } else { "" };
    println!("  {}{mark}", host.host);
    if let Some(problem) = &host.problem {
        println!("    unavailable: {problem}");
    }
    for d in &host.devices {
        let mut roles = Vec::new();
        if d.input {
            roles.push(if d.default_input { "input*" } else { "input" });
        }
        if d.output {
            roles.push(if d.default_output {
                "output*"
            } else {
                "output"
            });
        }
        println!("    {:<40} {:<14} {}", d.id, roles.join(","), d.name);
    }
}
