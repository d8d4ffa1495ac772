//! A vault: one folder holding a SessionVault's encrypted database and recordings, whose keys
//! live in the OS keyring under the vault's id.
//!
//! Layout of the folder:
//! - `vault.json` — the marker: format, version and vault id. No secrets; written last when a
//!   vault is created, so a folder with a marker is a complete vault.
//! - `vault.db` — the SQLCipher database (metadata, audit log), its key in the keyring.
//! - `recordings/` — age-encrypted recordings, named by recording id only.
//!
//! Creating a vault stores the keys in the keyring *before* anything is written to disk, so a
//! missing or locked keyring leaves nothing behind; if a later step fails, what was written is
//! removed again.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rand::{CryptoRng, RngCore};
use rusqlite::params;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::clock::Clock;
use crate::store::audit::{self, AuditError, EventKind, Verified};
use crate::store::db::{self, Database, DbError};
use crate::store::keys::{KeyError, KeyName, VaultKeys};
mod error;
mod rekey;
use crate::store::signing::{PublicKey, Signer};
pub(crate) use error::vault_variant_from;
pub use error::VaultError;
pub(crate) use rekey::Rekeyed;

/// The name of the marker file that makes a folder a vault.
pub const MARKER: &str = "vault.json";
/// The name of the encrypted database file.
pub const DATABASE: &str = "vault.db";
/// The folder of encrypted recordings.
pub const RECORDINGS: &str = "recordings";
/// The lock file that orders writers against a re-key of the database (see [`Vault::rekey`]).
pub const LOCK: &str = "vault.lock";
/// How long a write waits for a re-key by another SessionVault to finish.
const SHARED_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(20);
/// How long a re-key waits for the writes of other SessionVaults under way to finish.
const EXCLUSIVE_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);
/// The `format` value of the marker.
const FORMAT: &str = "sessionvault-vault";
/// The marker version this build writes and reads.
const MARKER_VERSION: u32 = 1;
/// The environment variable that names the vault folder.
pub const ENV_DIR: &str = "SESSIONVAULT_DIR";

/// The contents of `vault.json`.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Marker {
    format: String,
    version: u32,
    vault_id: Uuid,
}

/// The vault folder to use: `explicit` if given, else `$SESSIONVAULT_DIR`, else the per-OS
/// data folder (`~/.local/share/sessionvault` on Linux).
///
/// Returns `None` only when no home folder can be determined and nothing was named.
pub fn resolve_dir(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(dir) = explicit {
        return Some(dir.to_path_buf());
    }
    if let Some(dir) = std::env::var_os(ENV_DIR).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("app", "SessionVault", "SessionVault")
        .map(|p| p.data_dir().to_path_buf())
}

/// Reads the vault id from the marker in `dir`, without touching the keyring.
///
/// Errors: [`VaultError::Missing`], [`VaultError::NotAVault`], [`VaultError::TooNew`].
pub fn read_id(dir: &Path) -> Result<Uuid, VaultError> {
    if !dir.exists() {
        return Err(VaultError::Missing(dir.to_path_buf()));
    }
    let not_a_vault = |detail: String| VaultError::NotAVault {
        dir: dir.to_path_buf(),
        detail,
    };
    if !dir.is_dir() {
        return Err(not_a_vault("it is not a folder".to_owned()));
    }
    let text = match fs::read_to_string(dir.join(MARKER)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(not_a_vault(format!("it has no {MARKER}")))
        }
        Err(e) => return Err(VaultError::io("read", &dir.join(MARKER))(e)),
    };
    let marker: Marker = serde_json::from_str(&text)
        .map_err(|e| not_a_vault(format!("{MARKER} is not readable: {e}")))?;
    if marker.format != FORMAT {
        return Err(not_a_vault(format!("{MARKER} is of another format")));
    }
    if marker.version > MARKER_VERSION {
        return Err(VaultError::TooNew {
            found: marker.version,
            supported: MARKER_VERSION,
        });
    }
    Ok(marker.vault_id)
}

/// An open vault: its database unlocked and its signing key in memory (zeroized on drop).
pub struct Vault {
    dir: PathBuf,
    id: Uuid,
    keys: VaultKeys,
    db: Database,
    /// The vault's generation when the database was opened (see [`Vault::rekey`]): when a
    /// re-key by another SessionVault moved it on, the database is opened again.
    generation: u64,
    /// The vault's lock file ([`LOCK`]), open for the shared and exclusive locks.
    lock: Arc<fs::File>,
    signer: Signer,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("dir", &self.dir)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Creates a new vault in `dir` (created if needed; it must be empty if it exists): a vault
    /// id, a random 256-bit database key and an Ed25519 signing key, both stored in the OS
    /// keyring first, then the encrypted database and the marker. The creation is the audit
    /// log's first entry.
    ///
    /// Errors: [`VaultError::AlreadyExists`], [`VaultError::NotEmpty`], [`VaultError::Key`]
    /// (nothing is written to disk then), [`VaultError::Database`], [`VaultError::Io`]; on any
    /// error, what was written is removed again.
    pub fn create<R: RngCore + CryptoRng>(
        dir: &Path,
        clock: Arc<dyn Clock>,
        rng: &mut R,
    ) -> Result<Vault, VaultError> {
        if dir.join(MARKER).exists() {
            return Err(VaultError::AlreadyExists(dir.to_path_buf()));
        }
        let existed = dir.exists();
        if existed {
            let mut entries = fs::read_dir(dir).map_err(VaultError::io("read", dir))?;
            if entries.next().is_some() {
                return Err(VaultError::NotEmpty(dir.to_path_buf()));
            }
        }

        let id = uuid::Builder::from_random_bytes(random_bytes::<16, _>(rng)).into_uuid();
        let keys = VaultKeys::for_vault(id);
        let db_key = Zeroizing::new(random_bytes::<{ db::KEY_LEN }, _>(rng));
        let signer = Signer::generate(rng);

        // Keys first: a missing or locked keyring must leave nothing on disk.
        keys.put(KeyName::Database, db_key.as_slice())?;
        if let Err(e) = keys.put(KeyName::Signing, signer.seed().as_slice()) {
            let _ = keys.delete(KeyName::Database);
            return Err(e.into());
        }

        match Self::write_new(dir, id, db_key.as_slice(), signer, keys.clone(), clock) {
            Ok(vault) => {
                tracing::info!(vault = %id, "vault created");
                Ok(vault)
            }
            Err(e) => {
                let _ = keys.delete(KeyName::Database);
                let _ = keys.delete(KeyName::Signing);
                for name in [MARKER, DATABASE, "vault.db-wal", "vault.db-shm", LOCK] {
                    let _ = fs::remove_file(dir.join(name));
                }
                let _ = fs::remove_dir(dir.join(RECORDINGS));
                if !existed {
                    let _ = fs::remove_dir(dir);
                }
                Err(e)
            }
        }
    }

    fn write_new(
        dir: &Path,
        id: Uuid,
        db_key: &[u8],
        signer: Signer,
        keys: VaultKeys,
        clock: Arc<dyn Clock>,
    ) -> Result<Vault, VaultError> {
        create_private_dir(dir)?;
        create_private_dir(&dir.join(RECORDINGS))?;
        let lock = Arc::new(rekey::open_lock(&dir.join(LOCK))?);
        let generation = rekey::generation(&lock)?;
        let mut db = Database::create(&dir.join(DATABASE), db_key)?;
        let now = clock.now();
        db.conn()
            .execute(
                "INSERT INTO vault_meta (id, vault_id, created_at, signing_public_key)
                 VALUES (1, ?1, ?2, ?3)",
                params![
                    id.to_string(),
                    now.format(&Rfc3339).map_err(AuditError::from)?,
                    &signer.public_key().to_bytes()[..]
                ],
            )
            .map_err(DbError::from)?;
        audit::append(
            db.conn_mut(),
            &signer,
            now,
            EventKind::VaultCreated,
            Some(&id.to_string()),
            &json!({ "schema_version": db::latest_version() }),
        )?;
        let marker = Marker {
            format: FORMAT.to_owned(),
            version: MARKER_VERSION,
            vault_id: id,
        };
        let text = serde_json::to_vec_pretty(&marker).map_err(AuditError::from)?;
        write_durably(&dir.join(MARKER), &text)?;
        Ok(Vault {
            dir: dir.to_path_buf(),
            id,
            keys,
            db,
            generation,
            lock,
            signer,
            clock,
        })
    }

    /// Opens the vault in `dir`: reads its id, takes the database key and the signing key from
    /// the keyring, unlocks the database (migrating it forward if needed, and finishing a
    /// re-key a crash interrupted) and checks that the signing key is the vault's. Nothing is
    /// recovered.
    ///
    /// Errors: [`VaultError::Missing`], [`VaultError::NotAVault`], [`VaultError::TooNew`],
    /// [`VaultError::Key`] (unreachable, locked, missing), [`VaultError::Database`] (wrong
    /// key, newer schema), [`VaultError::SigningKeyMismatch`], [`VaultError::Busy`].
    ///
    /// To open it for use, with crash recovery, see [`crate::sessions::recording::open_for_use`].
    pub fn open(dir: &Path, clock: Arc<dyn Clock>) -> Result<Vault, VaultError> {
        let id = read_id(dir)?;
        let keys = VaultKeys::for_vault(id);
        let db_path = dir.join(DATABASE);
        if !db_path.is_file() {
            return Err(VaultError::NotAVault {
                dir: dir.to_path_buf(),
                detail: format!("its database {DATABASE} is missing"),
            });
        }
        let lock = Arc::new(rekey::open_lock(&dir.join(LOCK))?);
        let (db, generation) = {
            let _held = rekey::hold(&lock, false, SHARED_LOCK_WAIT)?;
            (rekey::open_database(dir, &keys)?, rekey::generation(&lock)?)
        };
        let (stored_id, public_key): (String, Vec<u8>) = db
            .conn()
            .query_row(
                "SELECT vault_id, signing_public_key FROM vault_meta WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(DbError::from)?;
        if stored_id != id.to_string() {
            return Err(VaultError::NotAVault {
                dir: dir.to_path_buf(),
                detail: "its database belongs to another vault".to_owned(),
            });
        }
        let expected = PublicKey::from_bytes(&public_key).map_err(|e| VaultError::NotAVault {
            dir: dir.to_path_buf(),
            detail: e.to_string(),
        })?;
        let signer = Signer::from_seed(&*keys.get_array::<32>(KeyName::Signing)?);
        if signer.public_key() != expected {
            return Err(VaultError::SigningKeyMismatch {
                found: signer.public_key().fingerprint(),
                expected: expected.fingerprint(),
            });
        }
        tracing::debug!(vault = %id, "vault opened");
        Ok(Vault {
            dir: dir.to_path_buf(),
            id,
            keys,
            db,
            generation,
            lock,
            signer,
            clock,
        })
    }

    /// Opens the database again if another SessionVault re-keyed it since this vault opened it
    /// (the vault's generation moved on). Long-lived holders (the window, a running recording,
    /// a player) call it before they read; every write does it by itself. Returns whether it
    /// was opened again.
    ///
    /// Errors: [`VaultError::Busy`], [`VaultError::Key`], [`VaultError::Database`].
    pub fn refresh(&mut self) -> Result<bool, VaultError> {
        let _held = rekey::hold(&Arc::clone(&self.lock), false, SHARED_LOCK_WAIT)?;
        self.reopen_if_rekeyed()
    }

    /// Under the lock: opens the database again if the generation moved on.
    fn reopen_if_rekeyed(&mut self) -> Result<bool, VaultError> {
        let now = rekey::generation(&self.lock)?;
        if now == self.generation {
            return Ok(false);
        }
        self.db = rekey::open_database(&self.dir, &self.keys)?;
        self.generation = now;
        tracing::info!(vault = %self.id, "database opened again after a re-key");
        Ok(true)
    }

    /// Encrypts the database again under a fresh random key and deletes the old key from the
    /// keyring (see [`Vault::rekey`]), once the writes of other SessionVaults under way have
    /// finished. Every copy of the database taken before (backups, sync folders, snapshots)
    /// then no longer opens. Returns what was checked afterwards.
    ///
    /// Errors: [`VaultError::Busy`] (another SessionVault kept writing), [`VaultError::Key`],
    /// [`VaultError::Database`], [`VaultError::Io`]. The vault opens afterwards whichever
    /// step failed.
    pub(crate) fn rekey<R: RngCore + CryptoRng>(
        &mut self,
        rng: &mut R,
    ) -> Result<Rekeyed, VaultError> {
        let _held = rekey::hold(&Arc::clone(&self.lock), true, EXCLUSIVE_LOCK_WAIT)?;
        self.reopen_if_rekeyed()?;
        match rekey::rekey(&self.dir, &self.keys, &self.lock, &self.db, rng) {
            Ok(done) => {
                self.generation = done.generation;
                tracing::info!(vault = %self.id, "database re-keyed");
                Ok(done)
            }
            Err(e) => {
                // Whatever step failed, the database is opened again from what is on disk.
                self.db = rekey::open_database(&self.dir, &self.keys)?;
                self.generation = rekey::generation(&self.lock)?;
                Err(e)
            }
        }
    }

    /// The vault's id.
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// The vault's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The keyring entries of this vault.
    pub fn keys(&self) -> &VaultKeys {
        &self.keys
    }

    /// The counsellor's public key, which checks everything this vault signs.
    pub fn public_key(&self) -> PublicKey {
        self.signer.public_key()
    }

    /// The database's schema version.
    ///
    /// Errors: [`VaultError::Database`].
    pub fn schema_version(&self) -> Result<u32, VaultError> {
        Ok(self.db.version()?)
    }

    /// Appends an event to the audit log, signed and timed by the vault.
    ///
    /// `details` must hold ids and counts only.
    ///
    /// Errors: [`VaultError::Audit`].
    pub fn log(
        &mut self,
        kind: EventKind,
        subject: Option<&str>,
        details: &serde_json::Value,
    ) -> Result<u64, VaultError> {
        let change = self.change()?;
        let seq = change.log(kind, subject, details)?;
        change.commit()?;
        Ok(seq)
    }

    /// The current time by the vault's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// The open database, for reading.
    pub(crate) fn db(&self) -> &Database {
        &self.db
    }

    /// Starts a change: a transaction, the signing key and one timestamp, so a change and the
    /// audit entry that records it are committed together.
    ///
    /// Errors: [`VaultError::Database`].
    pub(crate) fn change(&mut self) -> Result<Change<'_>, VaultError> {
        let held = rekey::hold(&self.lock, false, SHARED_LOCK_WAIT)?;
        let now_generation = rekey::generation(&self.lock)?;
        if now_generation != self.generation {
            self.db = rekey::open_database(&self.dir, &self.keys)?;
            self.generation = now_generation;
            tracing::info!(vault = %self.id, "database opened again after a re-key");
        }
        let now = self.clock.now();
        // Immediate: the write lock is taken now, so the reads the change makes (the audit
        // log's head) cannot go stale under another SessionVault's write.
        let tx = self
            .db
            .conn_mut()
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(DbError::from)?;
        Ok(Change {
            tx,
            signer: &self.signer,
            now,
            _held: held,
        })
    }

    /// How many entries the audit log holds.
    ///
    /// Errors: [`VaultError::Audit`].
    pub fn audit_count(&self) -> Result<u64, VaultError> {
        Ok(audit::count(self.db.conn())?)
    }

    /// The audit log, oldest entry first.
    ///
    /// Errors: [`VaultError::Audit`].
    pub fn audit_entries(&self) -> Result<Vec<audit::Entry>, VaultError> {
        Ok(audit::entries(self.db.conn())?)
    }

    /// Checks the whole audit log against the vault's public key.
    ///
    /// Errors: [`VaultError::Audit`] with [`AuditError::Broken`] naming the first alteration.
    pub fn verify_audit(&self) -> Result<Verified, VaultError> {
        Ok(audit::verify(self.db.conn(), &self.public_key())?)
    }
}

/// A change in progress: one transaction, signed and timed by the vault, holding the vault's
/// lock shared so no re-key replaces the file under it. Dropped without [`Change::commit`], it
/// is rolled back.
pub(crate) struct Change<'a> {
    /// The transaction the change writes in (dropped before the lock is released).
    pub tx: rusqlite::Transaction<'a>,
    signer: &'a Signer,
    /// The time of the change.
    pub now: OffsetDateTime,
    _held: rekey::Held,
}

impl Change<'_> {
    /// Appends an audit entry inside this change.
    pub fn log(
        &self,
        kind: EventKind,
        subject: Option<&str>,
        details: &serde_json::Value,
    ) -> Result<u64, AuditError> {
        audit::append_in(&self.tx, self.signer, self.now, kind, subject, details)
    }

    /// Signs `message` in `domain` with the counsellor's key.
    pub fn sign(&self, domain: crate::store::signing::Domain, message: &[u8]) -> [u8; 64] {
        self.signer.sign(domain, message)
    }

    /// Commits the change.
    pub fn commit(self) -> Result<(), DbError> {
        Ok(self.tx.commit()?)
    }
}

fn random_bytes<const N: usize, R: RngCore + CryptoRng>(rng: &mut R) -> [u8; N] {
    let mut out = [0u8; N];
    rng.fill_bytes(&mut out);
    out
}

/// Creates `dir` if needed, readable by the owner only (on Unix).
fn create_private_dir(dir: &Path) -> Result<(), VaultError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(VaultError::io("create", dir))
}

/// Writes `bytes` to `path` through a temporary file, an fsync and a rename, then fsyncs the
/// folder, so `path` is either absent or complete after a crash.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = path.with_extension("tmp");
    let mut file = fs::File::create(&tmp).map_err(VaultError::io("create", &tmp))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(VaultError::io("write", &tmp))?;
    fs::rename(&tmp, path).map_err(VaultError::io("rename", &tmp))?;
    sync_dir(dir)
}

/// Fsyncs a folder so a rename or unlink in it is durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), VaultError> {
    #[cfg(unix)]
    {
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(VaultError::io("sync", dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_id_distinguishes_missing_folder_from_non_vault() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_id(&dir.path().join("nope")),
            Err(VaultError::Missing(_))
        ));
        assert!(matches!(
            read_id(dir.path()),
            Err(VaultError::NotAVault { .. })
        ));
        fs::write(dir.path().join(MARKER), b"{not json").unwrap();
        assert!(matches!(
            read_id(dir.path()),
            Err(VaultError::NotAVault { .. })
        ));
        let id = Uuid::from_u128(42);
        fs::write(
            dir.path().join(MARKER),
            serde_json::to_vec(&json!({"format": FORMAT, "version": 1, "vault_id": id})).unwrap(),
        )
        .unwrap();
        assert_eq!(read_id(dir.path()).unwrap(), id);
        fs::write(
            dir.path().join(MARKER),
            serde_json::to_vec(&json!({"format": FORMAT, "version": 99, "vault_id": id})).unwrap(),
        )
        .unwrap();
        assert!(matches!(
            read_id(dir.path()),
            Err(VaultError::TooNew { found: 99, .. })
        ));
    }

    #[test]
    fn explicit_dir_wins() {
        let p = Path::new("/somewhere/vault");
        assert_eq!(resolve_dir(Some(p)).as_deref(), Some(p));
    }
}
