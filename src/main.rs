//! `sessionvault`: the command line over the SessionVault core.
//!
//! Every command takes `--vault DIR` (or `SESSIONVAULT_DIR`; default: the per-OS data folder)
//! and `--json`. Exit status: 0 on success, 1 on a refused or failed operation, 2 on a usage
//! error; the reason goes to stderr in words a counsellor understands. With `--json` the result
//! (or `{"error": {"code", "message"}}`) is also written to stdout.

#![forbid(unsafe_code)]

mod args;
mod cli_writing;
mod input;

use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use sessionvault_core::clock::{self as clocks, Clock};
use sessionvault_core::consent::{self, ConsentError, NewConsent, SignedWith};
use sessionvault_core::course;
use sessionvault_core::disclosure::share;
use sessionvault_core::disclosure::subject_access;
use sessionvault_core::retention::certificate;
use sessionvault_core::retention::copies;
use sessionvault_core::retention::private_file::{self, CertificateFormat};
use sessionvault_core::retention::shred;
use sessionvault_core::sessions::bookmark;
use sessionvault_core::sessions::player;
use sessionvault_core::sessions::recording;
use sessionvault_core::status::{self, Report};
use sessionvault_core::store::vault::{self, Vault};
use sessionvault_core::ErrorCode;

use args::audit::AuditCommand;
use args::bookmark::BookmarkCommand;
use args::certificate::CertificateCommand;
use args::client::ClientCommand;
use args::consent::{self as consent_args, ConsentCommand};
use args::copies::CopiesCommand;
use args::course::CourseCommand;
use args::recording::{self as recording_args, RecordingsCommand};
use args::shred::{self as shred_args, ShredKind};
use args::{play as play_args, share as share_args, Cli, Command};

/// A failed command: what to print and how to exit.
struct Failure {
    code: &'static str,
    message: String,
    /// Whether the command already wrote its JSON result (which names the problem itself).
    json_written: bool,
}

/// Ctrl-C and SIGTERM set `control.stop`; SIGUSR1 and SIGUSR2 ask for pause and resume.
fn watch_signals(control: &recording::Control) -> Result<(), Failure> {
    use signal_hook::consts::{SIGINT, SIGTERM, SIGUSR1, SIGUSR2};
    for (signal, flag) in [
        (SIGINT, &control.stop),
        (SIGTERM, &control.stop),
        (SIGUSR1, &control.pause),
        (SIGUSR2, &control.resume),
    ] {
        signal_hook::flag::register(signal, flag.clone()).map_err(|e| Failure {
            code: "internal",
            message: format!("could not watch for signals: {e}"),
            json_written: false,
        })?;
    }
    Ok(())
}

/// Every core error carries a stable code ([`ErrorCode`]) and a message for the counsellor.
impl<E: ErrorCode> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            code: e.code(),
            message: e.to_string(),
            json_written: false,
        }
    }
}

fn main() -> ExitCode {
    let cli = match args::parse() {
        Ok(cli) => cli,
        Err(e) => return args::report(&e),
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SESSIONVAULT_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(sessionvault_core::DEFAULT_LOG_FILTER)
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    sessionvault_core::hardening::disable_core_dumps();

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
    let clock = clocks::from_env();
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
                    code: problem.code,
                    message: problem.message.clone(),
                    json_written: cli.json,
                }),
                None => Ok(()),
            }
        }
        Command::Devices => {
            let hosts = sessionvault_audio::devices::inventory();
            if cli.json {
                print_json(&hosts);
            } else {
                for host in &hosts {
                    print_host(host);
                }
            }
            Ok(())
        }
        Command::Course { command } => {
            let mut vault = recording::open_for_use(&dir, clock)?;
            match command {
                CourseCommand::Add { name, ends } => {
                    let ends = course::parse_date(ends)?;
                    let course = course::add(&mut vault, name, ends)?;
                    if cli.json {
                        print_json(&course);
                    } else {
                        println!("{}", course.id);
                    }
                }
                CourseCommand::List => {
                    let courses = course::list(&vault)?;
                    if cli.json {
                        print_json(&courses);
                    } else {
                        let today = vault.now().date();
                        for c in &courses {
                            let state = if c.ends_on < today {
                                "ended"
                            } else {
                                "running"
                            };
                            println!(
                                "{}  ends {}  {:<8} {}",
                                c.id,
                                course::format_date(c.ends_on),
                                state,
                                c.name
                            );
                        }
                    }
                }
            }
            Ok(())
        }
        Command::Consent { command } => {
            run_consent(cli, command, recording::open_for_use(&dir, clock)?)
        }
        Command::Bookmark { command } => {
            run_bookmark(cli, command, recording::open_for_use(&dir, clock)?)
        }
        Command::Record(recording_args::Record {
            consent: consent_id,
            device,
            duration,
            channels,
        }) => {
            let mut vault = recording::open_for_use(&dir, clock)?;
            let verified = consent::verify(&vault, consent_id)?;
            let control = recording::Control::default();
            watch_signals(&control)?;
            let options = recording::Options {
                device: device.as_deref(),
                channels: *channels,
                duration: *duration,
            };
            if duration.is_none() && !cli.json {
                eprintln!(
                    "Recording {} channel(s). Ctrl-C stops; SIGUSR1 pauses, SIGUSR2 resumes.",
                    channels
                );
            }
            let summary = recording::record(
                &mut vault,
                verified,
                &options,
                &control,
                &mut |event| {
                    use sessionvault_audio::meter::Event;
                    match event {
                        Event::Level(_) => {}
                        Event::Silence { seconds } => eprintln!(
                        "WARNING: nothing above -60 dBFS for {seconds} s. Is the microphone muted?"
                    ),
                        Event::Clipping => {
                            eprintln!("WARNING: the input is clipping: move the microphone away or lower its gain")
                        }
                        Event::SoundBack => eprintln!("Sound is coming in again."),
                        Event::Interrupted {
                            after_seconds,
                            seconds,
                            missing_seconds,
                        } => eprintln!(
                            "The recording was {}. It carries on.",
                            recording::interruption_words(
                                after_seconds,
                                seconds,
                                Some(missing_seconds)
                            )
                        ),
                    }
                },
            )?;
            if let Some(fault) = &summary.fault {
                eprintln!("sessionvault: the recording stopped early: {fault}. What was recorded is sealed.");
            }
            if cli.json {
                print_json(&summary);
            } else {
                println!("{}", summary.id);
            }
            if summary.fault.is_some() {
                // Stopped by the consent gate (a withdrawal meanwhile), or by a fault.
                let code = match consent::verify(&vault, &summary.consent_id) {
                    Err(ConsentError::Refused(refusal)) => refusal.code(),
                    _ => "recording_faulted",
                };
                return Err(Failure {
                    code,
                    message: format!("recording {} stopped early", summary.id),
                    json_written: cli.json,
                });
            }
            Ok(())
        }
        Command::Recordings {
            command: RecordingsCommand::Peaks { id },
        } => {
            let vault = recording::open_for_use(&dir, clock)?;
            let waveform = recording::waveform(&vault, id)?;
            if cli.json {
                print_json(&waveform);
            } else {
                for chunk in waveform.peaks.chunks(20) {
                    let line: Vec<String> = chunk.iter().map(u16::to_string).collect();
                    println!("{}", line.join(" "));
                }
            }
            Ok(())
        }
        Command::Recordings {
            command: RecordingsCommand::List,
        } => {
            let vault = recording::open_for_use(&dir, clock)?;
            let list = recording::list(&vault)?;
            if cli.json {
                print_json(&list);
            } else {
                for r in &list {
                    println!(
                        "{}  {:<10} {:<10} {:>9.1} s  {} Hz x{}  started {}",
                        r.id,
                        r.client_code,
                        r.state,
                        r.seconds,
                        r.sample_rate,
                        r.channels,
                        r.started_at
                    );
                    for words in r.pauses.iter().filter_map(|p| p.interruption_words()) {
                        println!("    {words}");
                    }
                }
            }
            Ok(())
        }
        Command::Export(recording_args::Export { id, wav: _, out }) => {
            let mut vault = recording::open_for_use(&dir, clock)?;
            let export = recording::export_wav(&mut vault, id, out)?;
            if cli.json {
                print_json(&export);
            } else {
                println!(
                    "Wrote {} ({} bytes). This is an unencrypted copy: it is logged as outstanding \
                     and must be destroyed too.",
                    out.display(),
                    export.bytes
                );
            }
            Ok(())
        }
        Command::Share(share_args::Share {
            id,
            role,
            to,
            passphrase,
            from,
            until,
            for_,
            armor,
            out,
        }) => {
            let role: share::Role = role.parse()?;
            let recipients = if *passphrase {
                share::Recipients::Passphrase(read_passphrase()?)
            } else {
                share::Recipients::Keys(to.clone())
            };
            let mut vault = recording::open_for_use(&dir, clock)?;
            let options = share::ShareOptions {
                role,
                to: recipients,
                from: *from,
                until: until.or(for_.map(|d| from.unwrap_or_default() + d)),
                armor: *armor,
            };
            let shared = share::share(&mut vault, id, &options, out)?;
            if cli.json {
                print_json(&shared);
            } else {
                println!(
                    "Wrote {} ({} bytes): {:.1}-{:.1} s of recording {} for a {}, encrypted to {}.",
                    out.display(),
                    shared.bytes,
                    shared.from_seconds,
                    shared.until_seconds,
                    shared.recording_id,
                    shared.role,
                    shared.recipients.join(", ")
                );
                println!(
                    "It is logged as outstanding copy {}: when the recipient has destroyed it, \
                     run `sessionvault copies destroyed {} --yes`.",
                    shared.copy_id, shared.copy_id
                );
            }
            Ok(())
        }
        Command::Copies { command } => {
            run_copies(cli, command, recording::open_for_use(&dir, clock)?)
        }
        Command::Client {
            command: ClientCommand::Export { code, out },
        } => {
            let passphrase = read_passphrase()?;
            let mut vault = recording::open_for_use(&dir, clock)?;
            let bundle = subject_access::export(&mut vault, code, &passphrase, out)?;
            if cli.json {
                print_json(&bundle);
            } else {
                println!(
                    "Wrote {} ({} bytes) for client {}: {} consent record(s), {} recording(s), \
                     {} bookmark(s), {} listening log entries, {} copies, {} document(s). No \
                     audio is included.",
                    out.display(),
                    bundle.bytes,
                    bundle.client_code,
                    bundle.consents,
                    bundle.recordings,
                    bundle.bookmarks,
                    bundle.listenings,
                    bundle.copies,
                    bundle.documents
                );
            }
            Ok(())
        }
        Command::Play(play_args::Play {
            id,
            from,
            bookmark: at_bookmark,
            until,
            for_,
            listener,
            speed,
            volume,
            device,
        }) => {
            let mut vault = recording::open_for_use(&dir, clock)?;
            let from = match at_bookmark {
                Some(bookmark_id) => {
                    let mark = bookmark::get(&vault, bookmark_id)?;
                    if mark.recording_id != recording::get(&vault, id)?.id {
                        return Err(Failure {
                            code: "bookmark_not_found",
                            message: format!(
                                "bookmark {bookmark_id} belongs to another recording: see \
                                 `sessionvault bookmark list {id}`"
                            ),
                            json_written: false,
                        });
                    }
                    mark.at()
                }
                None => from.unwrap_or_default(),
            };
            let options = player::Options {
                device: device.as_deref(),
                listener: listener.parse()?,
                from,
                until: until.or(for_.map(|d| from + d)),
                speed: *speed,
                volume: *volume,
            };
            let control = recording::Control::default();
            watch_signals(&control)?;
            let player = player::Player::open(&mut vault, id, &options)?;
            player.play();
            let mut last_second = u64::MAX;
            let stop = &control.stop;
            let followed = player.follow_gated(
                &mut vault,
                Duration::from_millis(50),
                stop,
                &mut |position| {
                    if control.pause.swap(false, Ordering::Relaxed) {
                        player.pause();
                    }
                    if control.resume.swap(false, Ordering::Relaxed) {
                        player.play();
                    }
                    let second = position.seconds as u64;
                    if !cli.json && second != last_second {
                        last_second = second;
                        eprint!(
                            "\r{} {:>4}:{:02} ",
                            if position.playing {
                                "playing"
                            } else {
                                "paused "
                            },
                            second / 60,
                            second % 60
                        );
                    }
                },
            );
            if !cli.json {
                eprintln!();
            }
            let listening = player.finish(&mut vault)?;
            if cli.json {
                print_json(&listening);
            } else {
                let ranges: Vec<String> = listening
                    .ranges
                    .iter()
                    .map(|h| format!("{:.1}-{:.1} s", h.from_seconds, h.to_seconds))
                    .collect();
                println!(
                    "Heard {} for {}; logged in the audit log.",
                    ranges.join(", "),
                    listening.listener
                );
            }
            // Stopped by the gate (a withdrawal, the consent's end) while it played: what was
            // heard until then is logged and printed above; the refusal is the outcome.
            match followed? {
                Some(failure) => Err(Failure {
                    code: "playback_failed",
                    message: format!("playback stopped early: {failure}"),
                    json_written: cli.json,
                }),
                None => Ok(()),
            }
        }
        Command::Due(shred_args::Due { within }) => {
            let vault = recording::open_for_use(&dir, clock)?;
            let due = shred::due(&vault, *within)?;
            if cli.json {
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
        Command::Shred(shred_args::Shred {
            kind,
            id,
            dry_run,
            yes,
        }) => {
            let mut vault = recording::open_for_use(&dir, clock)?;
            let target = match kind {
                ShredKind::Recording => shred::Target::Recording(id.clone()),
                ShredKind::Course => shred::Target::Course(id.clone()),
                ShredKind::Client => shred::Target::Client(id.clone()),
                ShredKind::Consent => shred::Target::Consent(id.clone()),
            };
            if *dry_run || !*yes {
                let preview = shred::preview(&vault, &target)?;
                if cli.json {
                    print_json(&preview);
                } else {
                    print_preview(&preview);
                }
                eprintln!("Nothing was destroyed. Add --yes to destroy what is listed.");
                return Ok(());
            }
            let outcome = run_shred(cli, &mut vault, &target)?;
            if cli.json {
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
        Command::Certificate { command } => run_certificate(cli, command, &dir, clock),
        Command::Transcript { command } => {
            cli_writing::run_transcript(cli, command, recording::open_for_use(&dir, clock)?)
        }
        Command::CaseStudy { command } => {
            cli_writing::run_case_study(cli, command, recording::open_for_use(&dir, clock)?)
        }
        Command::Audit { command } => {
            let vault = recording::open_for_use(&dir, clock)?;
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

fn run_consent(cli: &Cli, command: &ConsentCommand, mut vault: Vault) -> Result<(), Failure> {
    match command {
        ConsentCommand::New(consent_args::New {
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
        }) => {
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
            let record = consent::grant(&mut vault, &input)?;
            print_id(cli, &record.id.to_string());
        }
        ConsentCommand::Decline {
            client,
            course,
            counsellor_name,
        } => {
            let counsellor_name = input::read_opt(counsellor_name.as_ref(), "--counsellor-name")?;
            let record = consent::decline(
                &mut vault,
                client,
                course.as_deref(),
                counsellor_name.as_deref().map(String::as_str),
            )?;
            print_id(cli, &record.id.to_string());
            if !cli.json {
                eprintln!(
                    "Recorded: the client declined. This changes nothing about their service."
                );
            }
        }
        ConsentCommand::List => {
            let list = consent::list(&vault)?;
            if cli.json {
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
        }
        ConsentCommand::Show { id } => {
            let record = consent::get(&vault, id)?;
            let state = match consent::verify(&vault, id) {
                Ok(_) => "valid: recording may start".to_owned(),
                Err(ConsentError::Refused(r)) => format!("refused: {r}"),
                Err(e) => return Err(e.into()),
            };
            if cli.json {
                let mut value = serde_json::to_value(&record).unwrap_or_default();
                value["state"] = json!(state);
                value["attachment_sha256"] = json!(record.attachment_sha256());
                value["attachment_bytes"] = json!(record.attachment.as_ref().map(Vec::len));
                print_json(&value);
            } else {
                print_record(&record, &state, &vault);
            }
        }
        ConsentCommand::Verify { id } => {
            let verified = consent::verify(&vault, id)?;
            if cli.json {
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
        }
        ConsentCommand::Pdf { id, out } => {
            let saved = consent::save_pdf(&mut vault, id, out)?;
            if cli.json {
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
        }
        ConsentCommand::Withdraw { id, reason, yes } => {
            let reason = reason.read("--reason")?;
            let record = consent::withdraw(&mut vault, id, &reason)?;
            let target = shred::Target::Consent(record.id.to_string());
            // A recording running under it meanwhile stops by itself within a second or so.
            shred::await_recordings_stopped(&mut vault, &record.id.to_string())?;
            let preview = shred::preview(&vault, &target)?;
            let outcome = if *yes && !preview.items.is_empty() {
                Some(run_shred(cli, &mut vault, &target)?)
            } else {
                None
            };
            if cli.json {
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
        }
    }
    Ok(())
}

fn run_certificate(
    cli: &Cli,
    command: &CertificateCommand,
    dir: &std::path::Path,
    clock: Arc<dyn Clock>,
) -> Result<(), Failure> {
    match command {
        CertificateCommand::List => {
            let vault = recording::open_for_use(dir, clock)?;
            let all = certificate::list(&vault)?;
            if cli.json {
                print_json(&all);
            } else {
                all.iter().for_each(print_listed);
            }
        }
        CertificateCommand::Show { id } => {
            let vault = recording::open_for_use(dir, clock)?;
            let signed = certificate::get(&vault, id)?;
            if cli.json {
                print_json(&signed);
            } else {
                print_certificate(&signed);
            }
        }
        CertificateCommand::Export { id, out } => {
            let format = CertificateFormat::of_path(out).ok_or_else(|| Failure {
                code: "invalid_input",
                message: format!("{} must end in .json or .pdf", out.display()),
                json_written: false,
            })?;
            let vault = recording::open_for_use(dir, clock)?;
            let saved = private_file::save_certificate(&vault, id, format, out)?;
            if cli.json {
                print_json(&json!({
                    "id": saved.certificate_id,
                    "out": out,
                    "bytes": saved.written.bytes,
                    "sha256": saved.written.sha256_hex(),
                }));
            } else {
                println!("Wrote {} ({} bytes).", out.display(), saved.written.bytes);
            }
        }
        CertificateCommand::Verify { file, signer } => {
            let text = std::fs::read_to_string(file).map_err(|e| Failure {
                code: "io_failed",
                message: format!("could not read {}: {e}", file.display()),
                json_written: false,
            })?;
            let vault_key = Vault::open(dir, clock).ok().map(|v| v.public_key());
            let signed = certificate::verify_export(&text, vault_key.as_ref(), signer.as_deref())?;
            let against = match (vault_key.is_some(), signer.is_some()) {
                (true, true) => "this vault's key and the fingerprint given",
                (true, false) => "this vault's key",
                _ => "the fingerprint given",
            };
            if cli.json {
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
        }
    }
    Ok(())
}

fn run_bookmark(cli: &Cli, command: &BookmarkCommand, mut vault: Vault) -> Result<(), Failure> {
    match command {
        BookmarkCommand::Add {
            recording,
            at,
            note,
        } => {
            let at = bookmark::parse_time(at)?;
            let note = note.read("--note")?;
            let added = bookmark::add(&mut vault, recording, at, &note)?;
            if cli.json {
                print_json(&added);
            } else {
                println!("{}", added.id);
            }
        }
        BookmarkCommand::List { recording } => {
            let list = bookmark::list(&vault, recording)?;
            if cli.json {
                print_json(&list);
            } else {
                for b in &list {
                    print_bookmark(b);
                }
            }
        }
        BookmarkCommand::Edit { id, at, note } => {
            let at = at.as_deref().map(bookmark::parse_time).transpose()?;
            let note = input::read_opt(note.as_ref(), "--note")?;
            let edited = bookmark::edit(&mut vault, id, at, note.as_deref().map(String::as_str))?;
            if cli.json {
                print_json(&edited);
            } else {
                println!(
                    "Bookmark {} changed: it is at {}.",
                    edited.id,
                    bookmark::format_time(edited.at())
                );
            }
        }
        BookmarkCommand::Rm { id } => {
            let removed = bookmark::remove(&mut vault, id)?;
            if cli.json {
                print_json(&removed);
            } else {
                println!("Bookmark {} removed.", removed.id);
            }
        }
    }
    Ok(())
}

fn run_copies(cli: &Cli, command: &CopiesCommand, mut vault: Vault) -> Result<(), Failure> {
    match command {
        CopiesCommand::List {
            recording,
            outstanding,
        } => {
            let list = copies::list(
                &vault,
                copies::Filter {
                    recording_id: recording.as_deref(),
                    outstanding: *outstanding,
                },
            )?;
            if cli.json {
                print_json(&list);
            } else if list.is_empty() {
                println!("No copies.");
            } else {
                for copy in &list {
                    print_copy(copy);
                }
            }
        }
        CopiesCommand::Destroyed { id, yes } => {
            if !*yes {
                let copy = copies::get(&vault, id)?;
                if cli.json {
                    print_json(&copy);
                } else {
                    print_copy(&copy);
                }
                eprintln!(
                    "Nothing was recorded. Add --yes to record that this copy was destroyed."
                );
                return Ok(());
            }
            let copy = copies::mark_destroyed(&mut vault, id)?;
            if cli.json {
                print_json(&copy);
            } else {
                println!(
                    "Copy {} recorded as destroyed; it is no longer listed as outstanding.",
                    copy.id
                );
            }
        }
    }
    Ok(())
}

fn print_copy(copy: &copies::Copy) {
    let state = match &copy.destroyed_at {
        Some(at) => format!("destroyed {at}"),
        None => "OUTSTANDING".to_owned(),
    };
    let shared = match (&copy.role, copy.recipients.is_empty()) {
        (None, true) => String::new(),
        (role, _) => format!(
            "  for {} {:.1}-{:.1} s, to {}",
            role.as_deref().unwrap_or("-"),
            copy.from_seconds.unwrap_or_default(),
            copy.until_seconds.unwrap_or_default(),
            copy.recipients.join(", ")
        ),
    };
    println!(
        "{}  {:<10} of {}  made {}  {state}  at {}{shared}",
        copy.id,
        copy.kind,
        copy.recording_id
            .as_deref()
            .or(copy.consent_id.as_deref())
            .unwrap_or("-"),
        copy.made_at,
        copy.location
    );
}

/// The passphrase for a share or a bundle: `$SESSIONVAULT_PASSPHRASE` if set, else one line of
/// standard input (its line ending removed). Never taken from the command line, where other
/// users could see it.
fn read_passphrase() -> Result<share::SecretString, Failure> {
    if let Some(value) = std::env::var_os("SESSIONVAULT_PASSPHRASE") {
        let value = value.into_string().map_err(|_| Failure {
            code: "invalid_input",
            message: "SESSIONVAULT_PASSPHRASE is not valid text".to_owned(),
            json_written: false,
        })?;
        return Ok(share::SecretString::from(value));
    }
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        eprint!("Passphrase (one line; it is shown as you type, so mind who is watching): ");
    }
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure {
            code: "io_failed",
            message: format!("could not read the passphrase from standard input: {e}"),
            json_written: false,
        })?;
    let text = line.trim_end_matches(['\n', '\r']);
    Ok(share::SecretString::from(text.to_owned()))
}

/// One bookmark on a line (a note of several lines continues indented under its first).
fn print_bookmark(b: &bookmark::Bookmark) {
    let head = format!("{}  {:>12}  ", b.id, bookmark::format_time(b.at()));
    let indent = " ".repeat(head.chars().count());
    for (i, line) in b.note.lines().enumerate() {
        if i == 0 {
            println!("{head}{line}");
        } else {
            println!("{indent}{line}");
        }
    }
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

fn print_id(cli: &Cli, id: &str) {
    if cli.json {
        print_json(&json!({ "id": id }));
    } else {
        println!("{id}");
    }
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

/// Runs a shred, reporting progress on stderr.
fn run_shred(
    cli: &Cli,
    vault: &mut Vault,
    target: &shred::Target,
) -> Result<shred::Outcome, Failure> {
    let outcome = shred::shred(vault, target, &mut rand::rngs::OsRng, &mut |p| {
        if !cli.json {
            let what = p.recording_id.as_deref().unwrap_or("");
            eprintln!("[{:>3}/{}] {:<12} {what}", p.done, p.total, p.step);
        }
    })?;
    Ok(outcome)
}

fn print_preview(preview: &shred::Preview) {
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
fn copied_from(copy: &certificate::OutstandingCopy) -> String {
    match (&copy.case_study_id, &copy.consent_id) {
        (Some(case_study), _) => format!("case study {case_study}"),
        (None, Some(consent)) => format!("consent {consent}"),
        (None, None) => format!("recording {}", copy.recording_id),
    }
}

/// For a shared copy: who it was shared with and its recipients' fingerprints.
fn shared_with(copy: &certificate::OutstandingCopy) -> String {
    match (&copy.role, copy.recipients.is_empty()) {
        (None, true) => String::new(),
        (role, _) => format!(
            " (shared with a {}, encrypted to {})",
            role.as_deref().unwrap_or("-"),
            copy.recipients.join(", ")
        ),
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

fn print_host(host: &sessionvault_audio::devices::HostReport) {
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
