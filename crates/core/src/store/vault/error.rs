//! What can go wrong opening or using a vault, each with what the counsellor can do.

use super::*;

/// What went wrong opening or creating a vault.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The folder does not exist.
    #[error("there is no vault at {}: create one with `sessionvault init`, or name the right folder with --vault", .0.display())]
    Missing(PathBuf),
    /// The folder exists but is not a SessionVault vault.
    #[error("{} is not a SessionVault vault ({detail}): name the vault folder with --vault, or create a vault with `sessionvault init`", .dir.display())]
    NotAVault {
        /// The folder.
        dir: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// A vault already exists where one was to be created.
    #[error("a vault already exists at {}: nothing was changed", .0.display())]
    AlreadyExists(PathBuf),
    /// The folder for a new vault holds other files.
    #[error("{} already holds other files: choose an empty or new folder for the vault", .0.display())]
    NotEmpty(PathBuf),
    /// The vault was made by a newer SessionVault.
    #[error("this vault was made by a newer SessionVault (format {found}; this one reads {supported}): update SessionVault")]
    TooNew {
        /// The version in the marker.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// The signing key in the keyring is not the one this vault's records were signed with.
    #[error("the signing key in the keyring is not this vault's (its fingerprint is {found}, the vault expects {expected}): the keyring entry was replaced")]
    SigningKeyMismatch {
        /// Fingerprint of the key found in the keyring.
        found: String,
        /// Fingerprint recorded in the vault.
        expected: String,
    },
    /// A keyring problem.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A database problem.
    #[error(transparent)]
    Database(#[from] DbError),
    /// An audit log problem.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// Another SessionVault (a window or a command) kept the vault busy for too long.
    #[error(
        "the vault is busy: another SessionVault window or command is {0}. Try again in a moment"
    )]
    Busy(&'static str),
    /// A file-system problem.
    #[error("could not {action} {}: {source}", .path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl From<rusqlite::Error> for VaultError {
    fn from(e: rusqlite::Error) -> Self {
        VaultError::Database(DbError::from(e))
    }
}

/// Lets `?` turn what the store fails with (SQLite's errors, the database layer's, the audit
/// log's) into the `Vault` variant of a higher layer's error, as [`VaultError`] says it:
/// `vault_variant_from!(ShareError: DbError, rusqlite::Error, AuditError);`.
macro_rules! vault_variant_from {
    ($error:ty: $($from:ty),+ $(,)?) => {$(
        impl From<$from> for $error {
            fn from(e: $from) -> Self {
                Self::Vault($crate::store::vault::VaultError::from(e))
            }
        }
    )+};
}
pub(crate) use vault_variant_from;

impl VaultError {
    pub(super) fn io(
        action: &'static str,
        path: &Path,
    ) -> impl FnOnce(std::io::Error) -> VaultError {
        let path = path.to_path_buf();
        move |source| VaultError::Io {
            action,
            path,
            source,
        }
    }
}

impl crate::ErrorCode for VaultError {
    fn code(&self) -> &'static str {
        match self {
            VaultError::Missing(_) => "vault_missing",
            VaultError::NotAVault { .. } => "not_a_vault",
            VaultError::AlreadyExists(_) => "vault_exists",
            VaultError::NotEmpty(_) => "folder_not_empty",
            VaultError::TooNew { .. } => "vault_too_new",
            VaultError::SigningKeyMismatch { .. } => "signing_key_mismatch",
            VaultError::Key(e) => e.code(),
            VaultError::Database(DbError::WrongKey) => "wrong_key",
            VaultError::Database(DbError::TooNew { .. }) => "database_too_new",
            VaultError::Database(_) => "database_failed",
            VaultError::Audit(AuditError::Broken { .. }) => "audit_broken",
            VaultError::Audit(_) => "audit_failed",
            VaultError::Busy(_) => "vault_busy",
            VaultError::Io { .. } => "io_failed",
        }
    }
}
