//! What every command runs with: the output asked for, and the vault it works on.

use std::path::PathBuf;
use std::sync::Arc;

use sessionvault_core::clock::{self as clocks, Clock};
use sessionvault_core::sessions::recording;
use sessionvault_core::store::vault::{self, Vault};

use super::Failure;
use crate::args::Cli;

/// The output asked for and the vault folder, resolved once before any command runs.
pub(super) struct Context {
    /// `--json`: the result is also written to stdout as JSON.
    pub(super) json: bool,
    /// The vault folder: `--vault`, else `$SESSIONVAULT_DIR`, else the per-OS data folder.
    pub(super) dir: PathBuf,
    /// The clock the vault goes by.
    pub(super) clock: Arc<dyn Clock>,
}

impl Context {
    /// The context of a command line; refused when no vault folder can be found.
    pub(super) fn of(cli: &Cli) -> Result<Self, Failure> {
        let dir = vault::resolve_dir(cli.vault.as_deref()).ok_or_else(|| Failure {
            code: "no_vault_folder",
            message: "no home folder was found for the vault: name one with --vault DIR".to_owned(),
            json_written: false,
        })?;
        Ok(Context {
            json: cli.json,
            dir,
            clock: clocks::from_env(),
        })
    }

    /// The vault, opened for use: a recording a crash interrupted is recovered first.
    pub(super) fn open_vault(&self) -> Result<Vault, Failure> {
        Ok(recording::open_for_use(&self.dir, self.clock.clone())?)
    }
}
