//! Core work that blocks (the keyring, the database, audio, files) runs off the window's
//! thread.

use crate::error::CommandError;

/// Runs blocking core work (keyring, database, audio, files) off the window's thread.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(CommandError::internal)?
}
