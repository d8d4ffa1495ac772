//! The recording the window is making, held by the shell's state between commands: it goes on
//! while the window is locked.

use std::sync::atomic::Ordering;
use std::thread::JoinHandle;

use serde::Serialize;
use sessionvault_core::sessions::recording::live::Live;
use sessionvault_core::sessions::recording::{Control, Summary};

use crate::error::CommandError;

/// A running recording as `session_state` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordingState {
    /// The consent it is made under.
    pub consent_id: String,
    /// The client's code.
    pub client_code: String,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// Whether it is paused.
    pub paused: bool,
    /// Whether the window is being sent its level (its Record screen is in view).
    pub meter_watched: bool,
}

/// A recording being made: its controls, what the window shows of it, and its thread (which
/// returns the finished recording).
pub struct RunningRecording {
    /// Its stop, pause and resume requests.
    pub(crate) control: Control,
    /// The consent it is made under.
    pub(crate) consent_id: String,
    /// The client's code, as the window shows it.
    pub(crate) client_code: String,
    /// When it started (RFC 3339).
    pub(crate) started_at: String,
    /// Whether it is paused.
    pub(crate) paused: bool,
    /// What of its meter the window is told, and when.
    pub(crate) live: std::sync::Arc<Live>,
    /// The thread making it, which returns the finished recording.
    pub(crate) thread: JoinHandle<Result<Summary, CommandError>>,
}

impl RunningRecording {
    /// Whether it is still recording (its thread has not ended by itself, e.g. on a fault).
    pub fn running(&self) -> bool {
        !self.thread.is_finished()
    }

    /// What `session_state` reports of it.
    pub fn describe(&self) -> RecordingState {
        RecordingState {
            consent_id: self.consent_id.clone(),
            client_code: self.client_code.clone(),
            started_at: self.started_at.clone(),
            paused: self.paused,
            meter_watched: self.live.watched(),
        }
    }

    /// The consent it is made under.
    pub fn consent_id(&self) -> &str {
        &self.consent_id
    }

    /// After its consent was withdrawn: waits up to `wait` for it to stop by itself (the core
    /// re-checks the consent every second and seals what it has, saying why in the summary's
    /// fault), then asks it to stop. Blocking.
    pub(crate) fn end_after_withdrawal(
        self,
        wait: std::time::Duration,
    ) -> Result<Summary, CommandError> {
        let deadline = std::time::Instant::now() + wait;
        while !self.thread.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        self.stop()
    }

    /// Asks it to stop and waits until it is sealed. Blocking.
    pub(crate) fn stop(self) -> Result<Summary, CommandError> {
        self.control.stop.store(true, Ordering::Relaxed);
        self.thread
            .join()
            .map_err(|_| CommandError::internal("the recording thread failed"))?
    }
}
