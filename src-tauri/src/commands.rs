//! The window's commands: each forwards to the core and returns its answer.

use std::path::PathBuf;
use std::sync::Arc;

use sessionvault::clock::SystemClock;
use sessionvault::status::{self, Report};
use sessionvault::vault::{self, Vault, VaultError};

/// What the shell holds for its commands: the vault folder chosen at start-up
/// (`SESSIONVAULT_DIR`, else the per-OS data folder). The webview never names a path.
pub struct Shell {
    vault_dir: Option<PathBuf>,
}

impl Shell {
    /// The shell state for this process's environment.
    pub fn from_env() -> Self {
        Shell {
            vault_dir: vault::resolve_dir(None),
        }
    }

    fn dir(&self) -> Result<PathBuf, CommandError> {
        self.vault_dir.clone().ok_or_else(|| CommandError {
            code: "no_vault_folder",
            message: "no home folder was found for the vault: start SessionVault with \
                      SESSIONVAULT_DIR set to a folder"
                .to_owned(),
        })
    }
}

/// An error as the webview receives it: a stable code and a message for the counsellor.
#[derive(Debug, serde::Serialize)]
pub struct CommandError {
    code: &'static str,
    message: String,
}

impl From<VaultError> for CommandError {
    fn from(e: VaultError) -> Self {
        CommandError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// Runs blocking core work (keyring, database, audio listing) off the window's thread.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| CommandError {
            code: "internal",
            message: format!("the operation stopped unexpectedly: {e}"),
        })?
}

/// The vault screen's report: vault, keyring, database, signing key, audio.
#[tauri::command]
pub async fn vault_status(shell: tauri::State<'_, Shell>) -> Result<Report, CommandError> {
    let dir = shell.dir()?;
    blocking(move || Ok(status::inspect(&dir, Arc::new(SystemClock)))).await
}

/// Creates the vault (keys into the OS keyring) and returns the new report.
#[tauri::command]
pub async fn vault_create(shell: tauri::State<'_, Shell>) -> Result<Report, CommandError> {
    let dir = shell.dir()?;
    blocking(move || {
        let clock = Arc::new(SystemClock);
        drop(Vault::create(&dir, clock.clone(), &mut rand::rngs::OsRng)?);
        Ok(status::inspect(&dir, clock))
    })
    .await
}
