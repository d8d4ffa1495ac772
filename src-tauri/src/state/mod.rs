//! What the shell holds between commands: the open vault (or none: locked), a running
//! recording, an open player, when the window was last used, and who wants to hear that it
//! locked.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;
use sessionvault_core::clock::{self, Clock};
use sessionvault_core::sessions::recording;
use sessionvault_core::settings::{self, DEFAULT_IDLE_LOCK_MINUTES};
use sessionvault_core::store::vault::{self, Vault};
use tauri::ipc::Channel;

use crate::background::blocking;
use crate::error::CommandError;

mod open_player;
mod running;
pub(crate) mod save_dir;
pub use open_player::OpenPlayer;
pub use running::{RecordingState, RunningRecording};
use save_dir::{save_dir_bypass, SAVE_DIR_ENV};

/// How long a withdrawal waits for the window's recording under that consent to stop by
/// itself (so it can say why) before it is stopped.
pub const WITHDRAWAL_STOP_WAIT: Duration = Duration::from_secs(4);

/// How often the idle timer looks whether the window should lock itself.
pub const IDLE_CHECK_EVERY: Duration = Duration::from_secs(15);

/// Why the shell locked, as sent to `lock_watch` listeners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LockReason {
    /// No command for the idle lock time.
    Idle,
    /// The counsellor asked (`vault_lock`).
    Request,
}

impl LockReason {
    /// The word sent to the webview.
    pub fn as_str(self) -> &'static str {
        match self {
            LockReason::Idle => "idle",
            LockReason::Request => "request",
        }
    }
}

/// What `lock_watch` listeners hear: `{event: "locked", reason: "idle"|"request"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LockEvent {
    /// The vault locked.
    Locked {
        /// Why.
        reason: LockReason,
    },
}

/// The shell's state, shared by every command (managed as `Arc<Shell>`).
pub struct Shell {
    /// The vault folder chosen at start-up (`SESSIONVAULT_DIR`, else the per-OS data folder).
    /// The webview never names a path.
    vault_dir: Option<PathBuf>,
    /// The open vault; `None` while locked. Its keys leave memory when it is dropped.
    vault: Mutex<Option<Vault>>,
    /// Whether `vault` holds a vault, readable without waiting for a command using it.
    unlocked: AtomicBool,
    /// The recording being made, on its own thread with its own vault instance.
    pub recording: Mutex<Option<RunningRecording>>,
    /// The recording open for listening, with its own vault instance.
    pub player: Mutex<Option<OpenPlayer>>,
    /// When a command last came in.
    last_activity: Mutex<Instant>,
    /// Channels of `lock_watch` callers.
    lock_listeners: Mutex<Vec<Channel<LockEvent>>>,
    /// The idle lock time in minutes (from the vault's settings once unlocked).
    idle_minutes: AtomicU32,
    /// Where the time comes from, for every vault the shell opens.
    clock: Arc<dyn Clock>,
    /// Where saves go without a dialog (debug builds, for WebDriver), if anywhere.
    save_dir: Option<PathBuf>,
}

/// Where the shell's vault is and what clock it goes by: enough for a thread of its own (a
/// recording, a player) to open its own vault instance.
#[derive(Clone)]
pub struct VaultAt {
    dir: PathBuf,
    clock: Arc<dyn Clock>,
}

impl VaultAt {
    /// Opens the vault for use, with crash recovery (see [`recording::open_for_use`]).
    ///
    /// Errors: as [`Vault::open`].
    pub fn open(&self) -> Result<Vault, vault::VaultError> {
        recording::open_for_use(&self.dir, Arc::clone(&self.clock))
    }

    /// The current time by its clock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }
}

/// Locks `mutex`; a panic elsewhere while it was held leaves plain state that is still usable.
pub fn guard<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether the idle timer should lock now: the vault is open, nothing is recording or playing,
/// and no command came in for `idle`.
pub fn should_lock(
    now: Instant,
    last: Instant,
    idle: Duration,
    recording: bool,
    playing: bool,
) -> bool {
    !recording && !playing && now.saturating_duration_since(last) > idle
}

impl Shell {
    /// The shell state for this process's environment, locked.
    pub fn from_env() -> Self {
        let mut shell = Shell::new(vault::resolve_dir(None), clock::from_env());
        shell.save_dir = save_dir_bypass(std::env::var_os(SAVE_DIR_ENV), cfg!(debug_assertions));
        shell
    }

    /// The shell state for the vault in `vault_dir` (none: no home folder), going by `clock`,
    /// locked.
    pub fn new(vault_dir: Option<PathBuf>, clock: Arc<dyn Clock>) -> Self {
        Shell {
            clock,
            save_dir: None,
            vault_dir,
            vault: Mutex::new(None),
            unlocked: AtomicBool::new(false),
            recording: Mutex::new(None),
            player: Mutex::new(None),
            last_activity: Mutex::new(Instant::now()),
            lock_listeners: Mutex::new(Vec::new()),
            idle_minutes: AtomicU32::new(DEFAULT_IDLE_LOCK_MINUTES),
        }
    }

    /// The vault folder.
    pub fn dir(&self) -> Result<PathBuf, CommandError> {
        self.vault_dir.clone().ok_or_else(|| {
            CommandError::new(
                "no_vault_folder",
                "no home folder was found for the vault: start SessionVault with \
                 SESSIONVAULT_DIR set to a folder",
            )
        })
    }

    /// Where the vault is and its clock, for a thread that opens its own vault instance.
    pub fn vault_at(&self) -> Result<VaultAt, CommandError> {
        Ok(VaultAt {
            dir: self.dir()?,
            clock: self.clock(),
        })
    }

    /// Where saves go without a dialog, if anywhere (see [`save_dir_bypass`]).
    pub fn save_dir(&self) -> Option<PathBuf> {
        self.save_dir.clone()
    }

    /// The same shell, saving into `dir` without a dialog (for tests of the commands).
    #[cfg(test)]
    pub fn saving_into(mut self, dir: PathBuf) -> Self {
        self.save_dir = Some(dir);
        self
    }

    /// The clock every vault of the shell goes by.
    pub fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.clock)
    }

    /// Notes that the window is in use now.
    pub fn touch(&self) {
        *guard(&self.last_activity) = Instant::now();
    }

    /// Whether the vault is open.
    pub fn is_unlocked(&self) -> bool {
        self.unlocked.load(Ordering::SeqCst)
    }

    /// Refuses with `locked` unless the vault is open; counts as use of the window.
    pub fn ensure_unlocked(&self) -> Result<(), CommandError> {
        self.touch();
        if self.is_unlocked() {
            Ok(())
        } else {
            Err(CommandError::locked())
        }
    }

    /// The idle lock time, in minutes.
    pub fn idle_minutes(&self) -> u32 {
        self.idle_minutes.load(Ordering::Relaxed)
    }

    /// Remembers the idle lock time the vault's settings give.
    pub fn set_idle_minutes(&self, minutes: u32) {
        self.idle_minutes.store(minutes, Ordering::Relaxed);
    }

    /// Runs `work` on the open vault off the window's thread; `locked` when there is none.
    pub async fn with_vault<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&mut Vault) -> Result<T, CommandError> + Send + 'static,
    ) -> Result<T, CommandError> {
        self.touch();
        let shell = Arc::clone(self);
        let result = blocking(move || match guard(&shell.vault).as_mut() {
            Some(vault) => {
                // Another SessionVault may have re-keyed the database since the last command.
                vault.refresh()?;
                work(vault)
            }
            None => Err(CommandError::locked()),
        })
        .await;
        self.touch();
        result
    }

    /// Puts a vault just opened or created in place (unlocked) and reads its idle lock time.
    pub fn install(&self, vault: Vault) -> Result<u32, CommandError> {
        let minutes = settings::get(&vault)?.idle_lock_minutes;
        self.set_idle_minutes(minutes);
        *guard(&self.vault) = Some(vault);
        self.unlocked.store(true, Ordering::SeqCst);
        self.touch();
        tracing::info!("vault unlocked");
        Ok(minutes)
    }

    /// Opens the vault from the OS keyring, unless it is open already. Blocking.
    pub fn unlock(&self) -> Result<u32, CommandError> {
        if self.is_unlocked() {
            self.touch();
            return Ok(self.idle_minutes());
        }
        let vault = recording::open_for_use(&self.dir()?, self.clock())?;
        self.install(vault)
    }

    /// Locks: finishes an open player (its listening logged), drops the vault (its keys are
    /// zeroized), leaves a running recording alone, and tells the `lock_watch` listeners.
    /// Blocking.
    pub fn lock(&self, reason: LockReason) {
        if let Some(open) = guard(&self.player).take() {
            if let Err(e) = open.finish() {
                tracing::warn!(
                    code = e.code,
                    "the player could not log its listening on lock"
                );
            }
        }
        self.unlocked.store(false, Ordering::SeqCst);
        let was_open = guard(&self.vault).take().is_some();
        if was_open || reason == LockReason::Request {
            tracing::info!(reason = reason.as_str(), "vault locked");
            let event = LockEvent::Locked { reason };
            guard(&self.lock_listeners).retain(|channel| channel.send(event).is_ok());
        }
    }

    /// Before the app exits (window closed, or SIGTERM at logout): a running recording is
    /// stopped and sealed, as if Stop had been pressed, rather than left to crash recovery;
    /// then the vault locks (an open player's listening is logged). Blocking.
    pub fn shut_down(&self) {
        if let Some(recording) = guard(&self.recording).take() {
            match recording.stop() {
                Ok(summary) => tracing::info!(recording = %summary.id, "recording sealed at exit"),
                Err(e) => {
                    tracing::warn!(code = e.code, "the recording could not be sealed at exit")
                }
            }
        }
        self.lock(LockReason::Request);
    }

    /// After consent `consent_id` was withdrawn: a recording being made under it is let stop
    /// by itself (it sees the withdrawal within a second and seals what it has, telling its
    /// channel why), or stopped if it has not after a few seconds; a player open on a
    /// recording made under it is closed and its listening logged. Blocking.
    pub fn end_uses_of_consent(&self, consent_id: &str) {
        let mut running = guard(&self.recording);
        if running
            .as_ref()
            .is_some_and(|r| r.consent_id() == consent_id)
        {
            if let Some(recording) = running.take() {
                match recording.end_after_withdrawal(WITHDRAWAL_STOP_WAIT) {
                    Ok(summary) => {
                        tracing::info!(recording = %summary.id, "recording stopped by the withdrawal")
                    }
                    Err(e) => tracing::warn!(
                        code = e.code,
                        "the recording stopped by the withdrawal reported a problem"
                    ),
                }
            }
        }
        drop(running);
        let mut player = guard(&self.player);
        if player
            .as_ref()
            .is_some_and(|p| p.consent_id() == consent_id)
        {
            if let Some(open) = player.take() {
                if let Err(e) = open.finish() {
                    tracing::warn!(code = e.code, "the player could not log its listening");
                }
            }
        }
    }

    /// Adds a `lock_watch` listener.
    pub fn watch_locks(&self, channel: Channel<LockEvent>) {
        guard(&self.lock_listeners).push(channel);
    }

    /// Whether a recording is being made now.
    pub fn recording_running(&self) -> bool {
        guard(&self.recording)
            .as_ref()
            .is_some_and(RunningRecording::running)
    }

    /// Whether the player is playing now.
    pub fn player_playing(&self) -> bool {
        guard(&self.player)
            .as_ref()
            .is_some_and(OpenPlayer::playing)
    }

    /// The idle timer's look: locks when the vault is open, nothing records or plays, and no
    /// command came in for the idle lock time. Blocking.
    pub fn idle_check(&self) {
        let idle = Duration::from_secs(u64::from(self.idle_minutes()) * 60);
        let last = *guard(&self.last_activity);
        // A command holding the vault (a long shred) is use: do not wait for it.
        let busy = matches!(
            self.vault.try_lock(),
            Err(std::sync::TryLockError::WouldBlock)
        );
        if self.is_unlocked()
            && !busy
            && should_lock(
                Instant::now(),
                last,
                idle,
                self.recording_running(),
                self.player_playing(),
            )
        {
            self.lock(LockReason::Idle);
        }
    }

    /// Starts the idle timer thread.
    pub fn start_idle_timer(self: &Arc<Self>) -> std::io::Result<()> {
        let shell = Arc::clone(self);
        std::thread::Builder::new()
            .name("sessionvault-idle".into())
            .spawn(move || loop {
                std::thread::sleep(IDLE_CHECK_EVERY);
                shell.idle_check();
            })
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_only_when_idle_long_enough_and_nothing_runs() {
        let last = Instant::now();
        let idle = Duration::from_secs(5 * 60);
        let later = last + Duration::from_secs(5 * 60 + 1);
        let sooner = last + Duration::from_secs(4 * 60);
        assert!(should_lock(later, last, idle, false, false));
        assert!(!should_lock(sooner, last, idle, false, false));
        assert!(!should_lock(later, last, idle, true, false));
        assert!(!should_lock(later, last, idle, false, true));
        // A clock that seems to go back never locks.
        assert!(!should_lock(last, later, idle, false, false));
    }

    #[test]
    fn a_new_shell_is_locked_with_the_default_idle_time() {
        let shell = Shell::from_env();
        assert!(!shell.is_unlocked());
        assert_eq!(shell.idle_minutes(), DEFAULT_IDLE_LOCK_MINUTES);
        assert_eq!(shell.ensure_unlocked(), Err(CommandError::locked()));
        assert!(!shell.recording_running());
        assert!(!shell.player_playing());
    }

    #[test]
    fn lock_listeners_hear_the_event_and_its_reason() {
        let sent = |reason| serde_json::to_value(LockEvent::Locked { reason }).unwrap();
        assert_eq!(
            sent(LockReason::Idle),
            serde_json::json!({"event": "locked", "reason": "idle"})
        );
        assert_eq!(
            sent(LockReason::Request),
            serde_json::json!({"event": "locked", "reason": "request"})
        );
    }
}
