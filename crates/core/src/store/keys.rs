//! The vault's secrets in the OS keyring.
//!
//! Every key SessionVault holds lives in the real credential store of the operating system,
//! reached through the `keyring` crate: the macOS Keychain, the Windows Credential Manager, or
//! the freedesktop Secret Service (GNOME Keyring, KWallet) on Linux. There is no key file, no
//! mock store and no plaintext fallback: when the keyring cannot be used, the operation fails
//! with a [`KeyError`] that says why.
//!
//! Entries are namespaced by vault id (service `sessionvault/<vault-id>`), so several vaults
//! coexist in one keyring, and a tool such as `secret-tool search service sessionvault/<id>`
//! finds exactly one vault's entries. Secrets are read into [`SecretBytes`], which zeroizes its
//! memory when dropped.

use std::fmt;

use uuid::Uuid;
use zeroize::Zeroizing;

/// Secret bytes read from or written to the keyring; wiped from memory when dropped.
pub type SecretBytes = Zeroizing<Vec<u8>>;

/// The prefix of every keyring service name this application writes.
pub const SERVICE_PREFIX: &str = "sessionvault";

/// Which of a vault's keys an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyName {
    /// The raw 256-bit key of the vault's SQLCipher database.
    Database,
    /// The database's next key, held only while a re-key is under way (see
    /// [`crate::store::vault::Vault::rekey`]); a vault that opens with neither
    /// [`KeyName::Database`] nor this one cannot be opened.
    DatabaseNext,
    /// The 32-byte seed of the counsellor's Ed25519 signing key.
    Signing,
    /// The age identity of one recording (crypto-erasing a recording deletes this entry).
    Recording(Uuid),
    /// A throw-away entry written and deleted to check that the keyring works.
    Probe,
}

impl KeyName {
    /// The account (user) part of the keyring entry, unique within a vault.
    pub fn account(&self) -> String {
        match self {
            KeyName::Database => "database-key".to_owned(),
            KeyName::DatabaseNext => "database-key-next".to_owned(),
            KeyName::Signing => "signing-key".to_owned(),
            KeyName::Recording(id) => format!("recording-key/{id}"),
            KeyName::Probe => "probe".to_owned(),
        }
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyName::Database => f.write_str("the database key"),
            KeyName::DatabaseNext => f.write_str("the next database key"),
            KeyName::Signing => f.write_str("the signing key"),
            KeyName::Recording(id) => write!(f, "the key of recording {id}"),
            KeyName::Probe => f.write_str("the keyring check entry"),
        }
    }
}

/// What went wrong with the keyring, in words a counsellor can act on.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// No credential store answered: on Linux, no D-Bus session or no Secret Service.
    #[error(
        "the system keyring could not be reached ({detail}). SessionVault keeps its keys only in \
         the keyring: log in to a desktop session where GNOME Keyring or KWallet runs, then try again"
    )]
    Unreachable {
        /// What the platform reported.
        detail: String,
    },
    /// The store answered but refused access: it is locked, or the unlock prompt was dismissed.
    #[error(
        "the system keyring is locked ({detail}). Unlock it (for example by logging in again, or \
         in Passwords and Keys) and try again"
    )]
    Locked {
        /// What the platform reported.
        detail: String,
    },
    /// The entry does not exist: the vault was copied from another computer or user, or the
    /// entry was deleted from the keyring.
    #[error(
        "{name} of this vault is not in the keyring: the vault may have been copied from another \
         computer or user account, or the entry was deleted. Without it this vault cannot be opened"
    )]
    Missing {
        /// Which key is missing.
        name: KeyName,
    },
    /// The entry exists but does not hold a key of the expected form.
    #[error("{name} in the keyring is damaged (expected {expected} bytes, found {found})")]
    Malformed {
        /// Which key.
        name: KeyName,
        /// The expected length in bytes.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// Any other failure reported by the keyring.
    #[error("the system keyring reported an error: {detail}")]
    Failed {
        /// What the platform reported.
        detail: String,
    },
}

impl crate::ErrorCode for KeyError {
    fn code(&self) -> &'static str {
        match self {
            KeyError::Unreachable { .. } => "keyring_unreachable",
            KeyError::Locked { .. } => "keyring_locked",
            KeyError::Missing { .. } => "key_missing",
            KeyError::Malformed { .. } => "key_damaged",
            KeyError::Failed { .. } => "keyring_failed",
        }
    }
}

/// The name of the credential store this build uses on this operating system.
pub fn backend_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "Windows Credential Manager"
    } else {
        "Secret Service (D-Bus)"
    }
}

/// The keyring entries of one vault.
#[derive(Debug, Clone)]
pub struct VaultKeys {
    service: String,
}

impl VaultKeys {
    /// The entries of the vault with this id.
    pub fn for_vault(vault_id: Uuid) -> Self {
        VaultKeys {
            service: format!("{SERVICE_PREFIX}/{vault_id}"),
        }
    }

    /// The keyring service name under which all of this vault's entries are stored.
    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, name: KeyName) -> Result<keyring::Entry, KeyError> {
        keyring::Entry::new(&self.service, &name.account()).map_err(|e| classify(e, name))
    }

    /// Stores `secret` under `name`, replacing any earlier value.
    ///
    /// Errors: [`KeyError::Unreachable`], [`KeyError::Locked`] or [`KeyError::Failed`].
    pub fn put(&self, name: KeyName, secret: &[u8]) -> Result<(), KeyError> {
        asking_again_once(|| {
            self.entry(name)?
                .set_secret(secret)
                .map_err(|e| classify(e, name))
        })?;
        tracing::debug!(service = %self.service, key = %name.account(), "key stored in keyring");
        Ok(())
    }

    /// Reads the secret stored under `name`.
    ///
    /// Errors: [`KeyError::Missing`] when there is no such entry, otherwise as [`Self::put`].
    pub fn get(&self, name: KeyName) -> Result<SecretBytes, KeyError> {
        asking_again_once(|| {
            let secret = self
                .entry(name)?
                .get_secret()
                .map_err(|e| classify(e, name))?;
            Ok(Zeroizing::new(secret))
        })
    }

    /// Reads a secret that must be exactly `N` bytes long.
    ///
    /// Errors: as [`Self::get`], and [`KeyError::Malformed`] for a value of another length.
    pub fn get_array<const N: usize>(&self, name: KeyName) -> Result<Zeroizing<[u8; N]>, KeyError> {
        let secret = self.get(name)?;
        let mut out = Zeroizing::new([0u8; N]);
        if secret.len() != N {
            return Err(KeyError::Malformed {
                name,
                expected: N,
                found: secret.len(),
            });
        }
        out.copy_from_slice(&secret);
        Ok(out)
    }

    /// Deletes the entry `name`; deleting an entry that is already gone succeeds.
    ///
    /// Errors: as [`Self::put`].
    pub fn delete(&self, name: KeyName) -> Result<(), KeyError> {
        asking_again_once(|| match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify(e, name)),
        })?;
        tracing::debug!(service = %self.service, key = %name.account(), "key deleted from keyring");
        Ok(())
    }

    /// Whether an entry `name` exists, without keeping its value.
    ///
    /// Errors: as [`Self::put`].
    pub fn contains(&self, name: KeyName) -> Result<bool, KeyError> {
        match self.get(name) {
            Ok(_) => Ok(true),
            Err(KeyError::Missing { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// Checks that the keyring can be written and read right now, by storing, reading back and
/// deleting a throw-away entry. On a desktop with a locked keyring this is where the system
/// asks the user to unlock it.
///
/// Errors: [`KeyError::Unreachable`], [`KeyError::Locked`] or [`KeyError::Failed`].
pub fn probe() -> Result<(), KeyError> {
    let name = KeyName::Probe;
    let keys = VaultKeys {
        service: format!("{SERVICE_PREFIX}/probe"),
    };
    let token = *Uuid::new_v4().as_bytes();
    keys.put(name, &token)?;
    let read = keys.get(name);
    let deleted = keys.delete(name);
    let read = read?;
    deleted?;
    if read.as_slice() != token {
        return Err(KeyError::Failed {
            detail: "a value written to the keyring read back differently".to_owned(),
        });
    }
    Ok(())
}

/// How long to wait before asking a keyring that did not answer once more.
const ASK_AGAIN_AFTER: std::time::Duration = std::time::Duration::from_millis(250);

/// Runs one keyring request, and once more if the keyring could not be reached.
///
/// A Secret Service can go away in the middle of a request: GNOME Keyring aborts on a race
/// between many short-lived clients (upstream gnome-keyring issues 190, 196 and 199), and the
/// request in flight then ends with "recipient disconnected". D-Bus starts the service again
/// for the next request (a desktop's session restarts it too), so asking once more is what
/// turns a crash of someone else's daemon into a pause instead of a failed save or a stopped
/// recording. Every request here can be repeated safely: a read reads, a store replaces, and a
/// delete of an entry already gone succeeds.
fn asking_again_once<T>(mut request: impl FnMut() -> Result<T, KeyError>) -> Result<T, KeyError> {
    match request() {
        Err(KeyError::Unreachable { detail }) => {
            tracing::warn!(%detail, "the keyring did not answer; asking once more");
            std::thread::sleep(ASK_AGAIN_AFTER);
            request()
        }
        other => other,
    }
}

/// Sorts a `keyring` error into the kinds a user can act on.
fn classify(error: keyring::Error, name: KeyName) -> KeyError {
    match error {
        keyring::Error::NoEntry => KeyError::Missing { name },
        keyring::Error::NoStorageAccess(e) => KeyError::Locked {
            detail: e.to_string(),
        },
        keyring::Error::PlatformFailure(e) => classify_platform(e.as_ref()),
        other => KeyError::Failed {
            detail: other.to_string(),
        },
    }
}

/// Watches whether entries still exist, cheaply and without reading any secret: for checks
/// repeated while a recording runs. On Linux it keeps one Secret Service connection with a
/// plain session (no secret ever crosses it: it only searches by attributes), so a check costs
/// one D-Bus round trip instead of a new encrypted session; elsewhere it asks the platform
/// store. An entry in a locked keyring still exists: locking does not lose it.
pub struct KeyWatch {
    keys: VaultKeys,
    #[cfg(target_os = "linux")]
    service: Option<dbus_secret_service::SecretService>,
}

impl VaultKeys {
    /// A [`KeyWatch`] over this vault's entries.
    pub fn watch(&self) -> KeyWatch {
        KeyWatch {
            keys: self.clone(),
            #[cfg(target_os = "linux")]
            service: None,
        }
    }
}

impl KeyWatch {
    /// Whether the entry `name` exists.
    ///
    /// Errors: [`KeyError::Unreachable`] when the keyring cannot be asked (its service is gone),
    /// [`KeyError::Failed`] otherwise.
    #[cfg(target_os = "linux")]
    pub fn exists(&mut self, name: KeyName) -> Result<bool, KeyError> {
        asking_again_once(|| self.search(name))
    }

    /// One search for the entry `name` on the kept connection, made first if need be.
    #[cfg(target_os = "linux")]
    fn search(&mut self, name: KeyName) -> Result<bool, KeyError> {
        use dbus_secret_service::{EncryptionType, SecretService};
        if self.service.is_none() {
            let service =
                SecretService::connect(EncryptionType::Plain).map_err(|e| classify_platform(&e))?;
            self.service = Some(service);
        }
        let Some(service) = self.service.as_ref() else {
            return Err(KeyError::Failed {
                detail: "no Secret Service connection".to_owned(),
            });
        };
        let account = name.account();
        let attributes = std::collections::HashMap::from([
            ("service", self.keys.service.as_str()),
            ("username", account.as_str()),
        ]);
        match service.search_items(attributes) {
            Ok(found) => Ok(!found.unlocked.is_empty() || !found.locked.is_empty()),
            Err(e) => {
                // The next search connects afresh.
                self.service = None;
                Err(classify_platform(&e))
            }
        }
    }

    /// Whether the entry `name` exists.
    ///
    /// Errors: as [`VaultKeys::contains`]; a locked store counts as holding the entry.
    #[cfg(not(target_os = "linux"))]
    pub fn exists(&mut self, name: KeyName) -> Result<bool, KeyError> {
        match self.keys.contains(name) {
            Err(KeyError::Locked { .. }) => Ok(true),
            other => other,
        }
    }
}

/// Sorts a platform failure of the Secret Service: a D-Bus-level error means the service could
/// not be reached; the service's own `IsLocked` error (creating an item in a locked collection
/// whose unlock prompt could not be shown) means the keyring is locked.
#[cfg(target_os = "linux")]
fn classify_platform(error: &(dyn std::error::Error + Send + Sync + 'static)) -> KeyError {
    use dbus_secret_service::Error as SsError;
    let detail = error.to_string();
    match error.downcast_ref::<SsError>() {
        Some(SsError::Locked | SsError::Prompt) => KeyError::Locked { detail },
        Some(SsError::Unavailable) => KeyError::Unreachable { detail },
        Some(SsError::Dbus(e)) => match e.name() {
            Some("org.freedesktop.Secret.Error.IsLocked") => KeyError::Locked { detail },
            Some(name) if name.starts_with("org.freedesktop.DBus.Error.") => {
                KeyError::Unreachable { detail }
            }
            _ => KeyError::Failed { detail },
        },
        _ => KeyError::Failed { detail },
    }
}

/// On macOS and Windows a platform failure means the credential store did not answer.
#[cfg(not(target_os = "linux"))]
fn classify_platform(error: &(dyn std::error::Error + Send + Sync + 'static)) -> KeyError {
    KeyError::Unreachable {
        detail: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_distinct_per_key() {
        let id = Uuid::from_u128(7);
        assert_eq!(KeyName::Database.account(), "database-key");
        assert_eq!(KeyName::Signing.account(), "signing-key");
        assert_eq!(
            KeyName::Recording(id).account(),
            format!("recording-key/{id}")
        );
    }

    #[test]
    fn service_is_namespaced_by_vault() {
        let a = VaultKeys::for_vault(Uuid::from_u128(1));
        let b = VaultKeys::for_vault(Uuid::from_u128(2));
        assert_ne!(a.service(), b.service());
        assert!(a.service().starts_with("sessionvault/"));
    }
}
