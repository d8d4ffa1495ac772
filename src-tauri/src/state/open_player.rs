//! The recording open for listening in the window, held by the shell's state between
//! commands.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use sessionvault_core::sessions::player::{Listening, Player};
use sessionvault_core::store::vault::Vault;

use crate::error::CommandError;

/// A recording open for listening: the player, and the thread that sends its position and
/// asks the disclosure gate again every second, holding the vault instance the player logs
/// to (it hands the vault back when it ends).
pub struct OpenPlayer {
    /// The player.
    pub(crate) player: Arc<Player>,
    /// The consent the recording was made under.
    pub(crate) consent_id: String,
    /// Set to end the position thread.
    pub(crate) stop: Arc<AtomicBool>,
    /// The position thread, which hands the vault instance back when it ends.
    pub(crate) follow: Option<JoinHandle<Vault>>,
}

impl OpenPlayer {
    /// Whether it is playing now (not paused, not at the end).
    pub fn playing(&self) -> bool {
        let position = self.player.position();
        position.playing && !position.ended
    }

    /// The consent the open recording was made under.
    pub fn consent_id(&self) -> &str {
        &self.consent_id
    }

    /// Stops the position thread and playback, and logs what was heard. Blocking.
    pub fn finish(mut self) -> Result<Listening, CommandError> {
        self.stop.store(true, Ordering::Relaxed);
        let vault = match self.follow.take().map(JoinHandle::join) {
            Some(Ok(vault)) => vault,
            _ => {
                return Err(CommandError::internal(
                    "the player's position thread failed",
                ))
            }
        };
        let mut vault = vault;
        let player = Arc::try_unwrap(self.player)
            .map_err(|_| CommandError::internal("the player is still in use"))?;
        let listening = player.finish(&mut vault)?;
        tracing::info!(recording = %listening.recording_id, "listening logged");
        Ok(listening)
    }
}
