//! What `status` and the window's vault screen report: the vault, the keyring, the database,
//! the signing key and the audio hosts, each with its problem if it has one.
//!
//! Gathering a report never fails; each part says what it found. [`Report::problem`] names the
//! first thing that stops the vault from being used, for the CLI's exit status and message.

use std::path::Path;
use std::sync::Arc;

use uuid::Uuid;

use crate::clock::Clock;
use crate::store::keys::{self, KeyError};
use crate::store::vault::{self, Vault, VaultError};
use crate::ErrorCode;
use sessionvault_audio::devices::{self, HostReport};

/// The state of the vault folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VaultState {
    /// The vault opened: keys found, database decrypted, signing key matches.
    Ready,
    /// There is no vault in the folder yet (the folder is missing or empty).
    Absent,
    /// The folder holds something that is not a vault.
    NotAVault,
    /// The vault is there but could not be opened (see the problem).
    Unavailable,
}

/// What was found of the OS keyring.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyringReport {
    /// The credential store this build uses.
    pub backend: &'static str,
    /// Whether the store answered.
    pub reachable: bool,
    /// Whether it let SessionVault read and write.
    pub unlocked: bool,
}

/// What was found of the database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DatabaseReport {
    /// Always "SQLCipher (AES-256)": the database is never stored in the clear.
    pub encryption: &'static str,
    /// The schema version.
    pub schema_version: u32,
    /// How many audit log entries it holds.
    pub audit_entries: u64,
}

/// The full status report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// The vault folder that was inspected.
    pub vault_dir: String,
    /// The state of the vault.
    pub vault: VaultState,
    /// The vault id, when the marker could be read.
    pub vault_id: Option<Uuid>,
    /// The keyring.
    pub keyring: KeyringReport,
    /// The database, when it opened.
    pub database: Option<DatabaseReport>,
    /// The fingerprint of the counsellor's signing key, when it was read.
    pub signing_key: Option<String>,
    /// The audio hosts and their devices.
    pub audio: Vec<HostReport>,
    /// What stops the vault from being used, if anything.
    pub problem: Option<Problem>,
}

/// Something that stops the vault from being used.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The machine-readable kind (see [`ErrorCode::code`]).
    pub code: &'static str,
    /// What happened and what to do, in words a counsellor can act on.
    pub message: String,
}

impl From<&VaultError> for Problem {
    fn from(error: &VaultError) -> Self {
        Problem {
            code: error.code(),
            message: error.to_string(),
        }
    }
}

/// Inspects the vault at `dir`, the keyring and the audio hosts.
///
/// When no vault exists yet, the keyring is checked by writing, reading and deleting a
/// throw-away entry, so the report says whether a vault *could* be created.
pub fn inspect(dir: &Path, clock: Arc<dyn Clock>) -> Report {
    let mut report = Report {
        vault_dir: dir.display().to_string(),
        vault: VaultState::Unavailable,
        vault_id: vault::read_id(dir).ok(),
        keyring: KeyringReport {
            backend: keys::backend_name(),
            reachable: false,
            unlocked: false,
        },
        database: None,
        signing_key: None,
        audio: devices::inventory(),
        problem: None,
    };
    let error = match Vault::open(dir, clock) {
        Ok(vault) => {
            report.vault = VaultState::Ready;
            report.keyring.reachable = true;
            report.keyring.unlocked = true;
            report.signing_key = Some(vault.public_key().fingerprint());
            match database_report(&vault) {
                Ok(db) => report.database = Some(db),
                Err(e) => report.problem = Some(Problem::from(&e)),
            }
            return report;
        }
        Err(error) => error,
    };
    report.vault = match &error {
        VaultError::Missing(_) => VaultState::Absent,
        VaultError::NotAVault { .. } if is_empty_dir(dir) => VaultState::Absent,
        VaultError::NotAVault { .. } => VaultState::NotAVault,
        _ => VaultState::Unavailable,
    };
    // Without a vault nothing was asked of the keyring yet: ask it now.
    let probed = match (&error, report.vault) {
        (VaultError::Key(_), _) => None,
        (_, VaultState::Absent | VaultState::NotAVault) => keys::probe().err(),
        _ => None,
    };
    let key_error = match &error {
        VaultError::Key(e) => Some(e),
        _ => probed.as_ref(),
    };
    (report.keyring.reachable, report.keyring.unlocked) = match key_error {
        Some(KeyError::Unreachable { .. }) => (false, false),
        Some(KeyError::Locked { .. } | KeyError::Failed { .. }) => (true, false),
        Some(KeyError::Missing { .. } | KeyError::Malformed { .. }) | None => (true, true),
    };
    report.problem = Some(match probed {
        // No vault yet, and the keyring would not let one be created: that is what to fix.
        Some(key_error) => {
            let key_error = VaultError::from(key_error);
            Problem {
                code: key_error.code(),
                message: format!("{key_error}. ({error})"),
            }
        }
        None => Problem::from(&error),
    });
    report
}

fn database_report(vault: &Vault) -> Result<DatabaseReport, VaultError> {
    Ok(DatabaseReport {
        encryption: "SQLCipher (AES-256)",
        schema_version: vault.schema_version()?,
        audit_entries: vault.audit_count()?,
    })
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none())
}
