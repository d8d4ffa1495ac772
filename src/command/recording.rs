//! `sessionvault record`, `recordings` and `export`: recording a session under a consent,
//! listing recordings and their waveforms, and writing one out as a WAV file.

use sessionvault_audio::meter::Event;
use sessionvault_core::consent::{self, ConsentError};
use sessionvault_core::sessions::recording;
use sessionvault_core::store::vault::Vault;
use sessionvault_core::ErrorCode;

use super::context::Context;
use super::output::print_json;
use super::signals::watch_signals;
use super::Failure;
use crate::args::recording::{Export, Record, RecordingsCommand};

/// Records under a verified consent until the duration is reached or a signal stops it.
pub(super) fn record(context: &Context, args: &Record) -> Result<(), Failure> {
    let Record {
        consent: consent_id,
        device,
        duration,
        channels,
    } = args;
    let mut vault = context.open_vault()?;
    let verified = consent::verify(&vault, consent_id)?;
    let control = recording::Control::default();
    watch_signals(&control)?;
    let options = recording::Options {
        device: device.as_deref(),
        channels: *channels,
        duration: *duration,
    };
    if duration.is_none() && !context.json {
        eprintln!(
            "Recording {} channel(s). Ctrl-C stops; SIGUSR1 pauses, SIGUSR2 resumes.",
            channels
        );
    }
    let summary = recording::record(&mut vault, verified, &options, &control, &mut warn_of)?;
    if let Some(fault) = &summary.fault {
        eprintln!(
            "sessionvault: the recording stopped early: {fault}. What was recorded is sealed."
        );
    }
    if context.json {
        print_json(&summary);
    } else {
        println!("{}", summary.id);
    }
    if summary.fault.is_some() {
        return Err(stopped_early(context, &vault, &summary));
    }
    Ok(())
}

/// The warnings a counsellor needs while recording, on stderr: silence, clipping, sound back,
/// an interruption.
fn warn_of(event: Event) {
    match event {
        Event::Level(_) => {}
        Event::Silence { seconds } => {
            eprintln!("WARNING: nothing above -60 dBFS for {seconds} s. Is the microphone muted?")
        }
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
            recording::interruption_words(after_seconds, seconds, Some(missing_seconds))
        ),
    }
}

/// A recording that stopped before it was asked to: refused by the consent gate (a withdrawal
/// meanwhile), else faulted. What was recorded is sealed and its summary already printed.
fn stopped_early(context: &Context, vault: &Vault, summary: &recording::Summary) -> Failure {
    let code = match consent::verify(vault, &summary.consent_id) {
        Err(ConsentError::Refused(refusal)) => refusal.code(),
        _ => "recording_faulted",
    };
    Failure {
        code,
        message: format!("recording {} stopped early", summary.id),
        json_written: context.json,
    }
}

/// Lists the recordings, or prints one's waveform.
pub(super) fn recordings(context: &Context, command: &RecordingsCommand) -> Result<(), Failure> {
    match command {
        RecordingsCommand::Peaks { id } => {
            let vault = context.open_vault()?;
            let waveform = recording::waveform(&vault, id)?;
            if context.json {
                print_json(&waveform);
            } else {
                for chunk in waveform.peaks.chunks(20) {
                    let line: Vec<String> = chunk.iter().map(u16::to_string).collect();
                    println!("{}", line.join(" "));
                }
            }
            Ok(())
        }
        RecordingsCommand::List => {
            let vault = context.open_vault()?;
            let list = recording::list(&vault)?;
            if context.json {
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
    }
}

/// Writes a recording as a WAV file, logged as an outstanding copy.
pub(super) fn export(context: &Context, args: &Export) -> Result<(), Failure> {
    let Export { id, wav: _, out } = args;
    let mut vault = context.open_vault()?;
    let export = recording::export_wav(&mut vault, id, out)?;
    if context.json {
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
