//! Recording: input devices, and a recording made on its own thread (with its own vault
//! instance) that goes on while the window is locked.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;

use serde::Serialize;
use sessionvault_audio::devices::{self, DeviceInfo, Direction};
use sessionvault_audio::meter;
use sessionvault_core::consent;
use sessionvault_core::sessions::recording::live::{Live, Report, Standing};
use sessionvault_core::sessions::recording::{self, Control, Summary};
use tauri::ipc::Channel;
use tauri::State;
use time::format_description::well_known::Rfc3339;

use super::{blocking, emit};
use crate::error::CommandError;
use crate::state::{guard, RunningRecording, Shell, VaultAt};

/// An audio device as the window lists it: the core's fields, its `host` (the part of its id
/// before the `:`) and `is_default` (the default for the direction listed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Device {
    /// The core's description of it.
    #[serde(flatten)]
    pub info: DeviceInfo,
    /// The audio host it belongs to.
    pub host: String,
    /// Whether it is the default device for the direction listed.
    pub is_default: bool,
}

/// The answer of `record_start` once audio is being sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Started {
    /// Always true: the recording is running.
    pub started: bool,
}

/// What a recording's channel hears: the meter's events, and the shell's own.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum RecordingMessage {
    /// A meter event: `{event: "level", peak_dbfs, rms_dbfs}`, `silence`, `clipping`, ….
    Meter(meter::Event),
    /// How far it has gone, when it finished, or why it failed.
    Shell(RecordingEvent),
}

/// The shell's events on a recording's channel.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RecordingEvent {
    /// `{event: "elapsed", seconds}`, about twice a second.
    Elapsed {
        /// Seconds of audio recorded so far.
        seconds: f64,
    },
    /// `{event: "finished", summary}`: the recording is sealed.
    Finished {
        /// The recording as sealed.
        summary: Box<Summary>,
    },
    /// `{event: "failed", code, message}`: the recording stopped on a fault.
    Failed(CommandError),
}

/// The input devices of the host SessionVault records through, the default first; each
/// with `host` and `is_default` besides the core's fields.
#[tauri::command]
pub async fn input_devices(shell: State<'_, Arc<Shell>>) -> Result<Vec<Device>, CommandError> {
    shell.ensure_unlocked()?;
    blocking(|| devices(Direction::Input)).await
}

/// The devices going `direction`, as the window lists them.
pub fn devices(direction: Direction) -> Result<Vec<Device>, CommandError> {
    Ok(devices::going(direction)?
        .into_iter()
        .map(|info| listed(info, direction))
        .collect())
}

/// Device `info` as the window lists it among those going `direction`.
fn listed(info: DeviceInfo, direction: Direction) -> Device {
    let is_default = match direction {
        Direction::Input => info.default_input,
        Direction::Output => info.default_output,
    };
    let host = info.id.split(':').next().unwrap_or_default().to_owned();
    Device {
        info,
        host,
        is_default,
    }
}

/// Starts recording under consent `consent_id` on `device` (default input when `None`) with
/// `channels` (1 or 2). Answers `{started: true}` once audio is being sealed; refusals (the
/// consent, the keyring, the device) reject the call with the core's code. `on_event` gets
/// the meter's warnings and interruptions; while the window watches (from the start, then as
/// `record_watch` says) the level 20 times a second and `{event: "elapsed", seconds}` twice;
/// then `{event: "finished", summary}` or `{event: "failed", code, message}`.
#[tauri::command]
pub async fn record_start(
    shell: State<'_, Arc<Shell>>,
    consent_id: String,
    device: Option<String>,
    channels: Option<u16>,
    on_event: Channel<RecordingMessage>,
) -> Result<Started, CommandError> {
    shell.ensure_unlocked()?;
    let shell = Arc::clone(&shell);
    blocking(move || {
        let mut running = guard(&shell.recording);
        if running.as_ref().is_some_and(RunningRecording::running) {
            return Err(CommandError::new(
                "already_recording",
                "a recording is already running: stop it before starting another",
            ));
        }
        // One that ended by itself (a fault) is finished already: its thread is collected.
        if let Some(ended) = running.take() {
            drop(ended.stop());
        }
        let started = start(
            shell.vault_at()?,
            consent_id,
            device.filter(|d| !d.is_empty()),
            channels.unwrap_or(1),
            on_event,
        )?;
        *running = Some(started);
        Ok(Started { started: true })
    })
    .await
}

/// Starts the recording thread and waits until it records or is refused. Blocking.
fn start(
    at: VaultAt,
    consent_id: String,
    device: Option<String>,
    channels: u16,
    on_event: Channel<RecordingMessage>,
) -> Result<RunningRecording, CommandError> {
    let control = Control::default();
    let thread_control = Control {
        stop: control.stop.clone(),
        pause: control.pause.clone(),
        resume: control.resume.clone(),
    };
    // The window that starts a recording is looking at its meter.
    let live = Arc::new(Live::new(true));
    let (tx, rx) = sync_channel(1);
    let thread = std::thread::Builder::new()
        .name("sessionvault-record".into())
        .spawn({
            let (consent_id, at, live) = (consent_id.clone(), at.clone(), Arc::clone(&live));
            move || {
                let heard = Heard { live, on_event };
                record(
                    at,
                    &consent_id,
                    device,
                    channels,
                    &thread_control,
                    heard,
                    tx,
                )
            }
        })
        .map_err(CommandError::internal)?;
    let client_code = match rx.recv() {
        Ok(Ok(client_code)) => client_code,
        Ok(Err(refused)) => {
            let _ = thread.join();
            return Err(refused);
        }
        Err(_) => {
            return Err(thread
                .join()
                .map_err(|_| CommandError::internal("the recording thread failed"))?
                .err()
                .unwrap_or_else(|| CommandError::internal("the recording did not start")))
        }
    };
    Ok(RunningRecording {
        control,
        consent_id,
        client_code,
        started_at: at.now().format(&Rfc3339).unwrap_or_default(),
        paused: false,
        live,
        thread,
    })
}

/// Who hears a recording's meter: the window's channel, through what the core passes on.
struct Heard {
    /// What of the meter the window is told, and when.
    live: Arc<Live>,
    /// The window's channel.
    on_event: Channel<RecordingMessage>,
}

impl Heard {
    /// Sends the window what the core passes on of `event`.
    fn meter(&self, event: meter::Event) {
        self.live.pass(event, &mut |report| {
            let message = match report {
                Report::Meter(event) => RecordingMessage::Meter(event),
                Report::Elapsed(seconds) => {
                    RecordingMessage::Shell(RecordingEvent::Elapsed { seconds })
                }
            };
            emit(&self.on_event, message);
        });
    }

    /// Sends the window one of the shell's own events.
    fn shell(&self, event: RecordingEvent) {
        emit(&self.on_event, RecordingMessage::Shell(event));
    }
}

/// The recording thread: opens its own vault, passes the gate, records until stopped.
/// `started` hears the client code once audio flows, or the refusal.
fn record(
    at: VaultAt,
    consent_id: &str,
    device: Option<String>,
    channels: u16,
    control: &Control,
    heard: Heard,
    started: SyncSender<Result<String, CommandError>>,
) -> Result<Summary, CommandError> {
    let mut started = Some(started);
    let outcome = (|| {
        let mut vault = at.open()?;
        let verified = consent::verify(&vault, consent_id)?;
        let client_code = verified.client_code().to_owned();
        let options = recording::Options {
            device: device.as_deref(),
            channels,
            duration: None,
        };
        let summary = recording::record(&mut vault, verified, &options, control, &mut |event| {
            if let Some(tx) = started.take() {
                let _ = tx.send(Ok(client_code.clone()));
            }
            heard.meter(event);
        })?;
        Ok::<_, CommandError>(summary)
    })();
    match (&outcome, started.take()) {
        // Refused before anything was recorded: the call is rejected, the channel stays quiet.
        (Err(e), Some(tx)) => {
            let _ = tx.send(Err(e.clone()));
        }
        (Ok(summary), tx) => {
            if let Some(tx) = tx {
                let _ = tx.send(Ok(summary.client_code.clone()));
            }
            tracing::info!(recording = %summary.id, "recording finished from the window");
            let finished = RecordingEvent::Finished {
                summary: Box::new(summary.clone()),
            };
            heard.shell(finished);
        }
        (Err(e), None) => {
            tracing::warn!(code = e.code, "recording failed");
            let failed = RecordingEvent::Failed(e.clone());
            heard.shell(failed);
        }
    }
    outcome
}

/// Runs `act` on the running recording; `not_recording` when there is none.
fn with_running(
    shell: &Shell,
    act: impl FnOnce(&mut RunningRecording),
) -> Result<(), CommandError> {
    shell.touch();
    match guard(&shell.recording).as_mut().filter(|r| r.running()) {
        Some(running) => {
            act(running);
            Ok(())
        }
        None => Err(not_recording()),
    }
}

fn not_recording() -> CommandError {
    CommandError::new("not_recording", "no recording is running")
}

/// Pauses the recording (paused time is not recorded).
#[tauri::command]
pub async fn record_pause(shell: State<'_, Arc<Shell>>) -> Result<(), CommandError> {
    with_running(&shell, |r| {
        r.control.pause.store(true, Ordering::Relaxed);
        r.paused = true;
    })
}

/// Resumes a paused recording.
#[tauri::command]
pub async fn record_resume(shell: State<'_, Arc<Shell>>) -> Result<(), CommandError> {
    with_running(&shell, |r| {
        r.control.resume.store(true, Ordering::Relaxed);
        r.paused = false;
    })
}

/// Starts (`watching`) or stops sending the level and the time recorded to the window: the
/// window watches while its Record screen is in view and the window is shown. Warnings and
/// interruptions are sent either way. Answers where the recording stands (the time recorded,
/// the loudest level so far) so the meter is up to date at once. Not a use of the window: the
/// idle timer is not touched. Stopping answers while locked; starting needs the vault open.
#[tauri::command]
pub async fn record_watch(
    shell: State<'_, Arc<Shell>>,
    watching: bool,
) -> Result<Standing, CommandError> {
    if watching {
        shell.ensure_unlocked()?;
    }
    let running = guard(&shell.recording);
    let running = running
        .as_ref()
        .filter(|r| r.running())
        .ok_or_else(not_recording)?;
    Ok(running.live.watch(watching))
}

/// Stops the recording, waits for the seal, and returns the recording's summary.
#[tauri::command]
pub async fn record_stop(shell: State<'_, Arc<Shell>>) -> Result<Summary, CommandError> {
    shell.touch();
    let shell = Arc::clone(&shell);
    blocking(move || {
        let running = guard(&shell.recording).take().ok_or_else(not_recording)?;
        running.stop()
    })
    .await
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::commands::as_sent::{keys, sent};
    use serde_json::json;

    /// A recording as the core lists it.
    pub(crate) fn summary() -> Summary {
        Summary {
            id: "r1".into(),
            consent_id: "k1".into(),
            client_code: "C-017".into(),
            course_id: None,
            state: "complete".into(),
            started_at: "2027-07-03T10:00:00Z".into(),
            seconds: 1.0,
            frames: 48_000,
            sample_rate: 48_000,
            channels: 1,
            device: "alsa:default".into(),
            device_format: "i16".into(),
            device_channels: 1,
            conversion: "none".into(),
            overruns: 0,
            fault: None,
            pauses: Vec::new(),
        }
    }

    #[test]
    fn devices_carry_their_host_and_whether_they_are_the_default() {
        let info = DeviceInfo {
            id: "alsa:hw0".into(),
            name: "Microphone".into(),
            input: true,
            output: true,
            default_input: true,
            default_output: false,
        };
        let input = sent(listed(info.clone(), Direction::Input));
        assert_eq!(
            keys(&input),
            [
                "default_input",
                "default_output",
                "host",
                "id",
                "input",
                "is_default",
                "name",
                "output"
            ]
        );
        assert_eq!(input["host"], "alsa");
        assert_eq!(input["is_default"], true);
        assert_eq!(sent(listed(info, Direction::Output))["is_default"], false);
    }

    #[test]
    fn the_recording_channel_sends_the_meter_and_the_shell_events() {
        assert_eq!(sent(Started { started: true }), json!({"started": true}));
        let level = meter::Event::Level(meter::Level {
            peak_dbfs: -6.0,
            rms_dbfs: -20.0,
        });
        assert_eq!(
            sent(RecordingMessage::Meter(level)),
            json!({"event": "level", "peak_dbfs": -6.0, "rms_dbfs": -20.0})
        );
        let silence = meter::Event::Silence { seconds: 10 };
        assert_eq!(
            sent(RecordingMessage::Meter(silence)),
            json!({"event": "silence", "seconds": 10})
        );
        let elapsed = RecordingEvent::Elapsed { seconds: 0.5 };
        assert_eq!(
            sent(RecordingMessage::Shell(elapsed)),
            json!({"event": "elapsed", "seconds": 0.5})
        );
        let failed = RecordingEvent::Failed(CommandError::new("device_failed", "it went away"));
        assert_eq!(
            sent(RecordingMessage::Shell(failed)),
            json!({"event": "failed", "code": "device_failed", "message": "it went away"})
        );
        let finished = RecordingEvent::Finished {
            summary: Box::new(summary()),
        };
        let finished = sent(RecordingMessage::Shell(finished));
        assert_eq!(keys(&finished), ["event", "summary"]);
        assert_eq!(finished["event"], "finished");
        assert_eq!(finished["summary"]["id"], "r1");
        assert_eq!(finished["summary"]["client_code"], "C-017");
    }

    #[test]
    fn watching_the_meter_answers_where_the_recording_stands() {
        let standing = Standing {
            seconds: 12.5,
            loudest_dbfs: Some(-3.5),
        };
        assert_eq!(
            sent(standing),
            json!({"seconds": 12.5, "loudest_dbfs": -3.5})
        );
        let before = Standing {
            seconds: 0.0,
            loudest_dbfs: None,
        };
        assert_eq!(sent(before), json!({"seconds": 0.0, "loudest_dbfs": null}));
    }
}
