//! Re-keying the vault's database, so that a shred erases text too, and the lock that keeps
//! every SessionVault on one vault in step while it happens.
//!
//! Deleting rows from SQLCipher does not touch a copy of `vault.db` taken earlier (a backup, a
//! sync folder, a snapshot): with the key in the keyring, that copy still opens and its
//! transcripts, bookmark notes and case studies come back. After every shred the database is
//! therefore encrypted again under a fresh random key, and the old key is deleted from the
//! keyring; every earlier copy is then unreadable (a cryptographic erase, as for recordings).
//!
//! The bundled SQLCipher (4.6) re-keys a database in WAL mode in one transaction: every page
//! is written to the WAL under the new key, and a checkpoint then puts them in the file and
//! empties the WAL. The steps are ordered so that a crash at any point leaves a vault that
//! opens with one of the two keys:
//!
//! 1. the new key is stored in the keyring as `database-key-next`, and the vault's
//!    generation (in `vault.lock`) moves on, so every other SessionVault on this vault opens
//!    the database again before it next reads or writes;
//! 2. `PRAGMA rekey` with the new key (one transaction), then a checkpoint that truncates the
//!    WAL;
//! 3. the new key replaces the old one as `database-key`;
//! 4. `database-key-next` is deleted.
//!
//! Opening a vault tries `database-key`, then `database-key-next`, and finishes steps 3 and 4
//! if the re-key had committed; a `database-key-next` left over from a re-key that had not is
//! deleted.
//!
//! Every write to the database holds a shared lock on `vault.lock` for its transaction, and
//! the re-key holds it exclusively: no write of another SessionVault is under way while the
//! pages change key, and each write first looks whether the generation moved on.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use super::{VaultError, DATABASE, LOCK};
use crate::store::db::{self, Database, DbError};
use crate::store::keys::{KeyError, KeyName, VaultKeys};
use crate::ErrorCode;

/// Opens (creating if needed) the lock file, readable by the owner only.
///
/// Errors: [`VaultError::Io`].
pub(crate) fn open_lock(path: &Path) -> Result<File, VaultError> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(lock_io("open"))
}

fn lock_io(action: &'static str) -> impl FnOnce(std::io::Error) -> VaultError {
    move |source| VaultError::Io {
        action,
        path: std::path::PathBuf::from(LOCK),
        source,
    }
}

/// A lock held on the vault's lock file; released when dropped.
#[derive(Debug)]
pub(crate) struct Held(Arc<File>);

impl Drop for Held {
    fn drop(&mut self) {
        if let Err(e) = self.0.unlock() {
            tracing::warn!(error = %e, "the vault lock could not be released");
        }
    }
}

/// Takes the lock shared (writes, opening) or exclusive (a re-key), waiting up to `wait`.
///
/// Errors: [`VaultError::Busy`] when it is not free in time, [`VaultError::Io`].
pub(crate) fn hold(file: &Arc<File>, exclusive: bool, wait: Duration) -> Result<Held, VaultError> {
    let deadline = Instant::now() + wait;
    loop {
        let tried = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match tried {
            Ok(()) => return Ok(Held(Arc::clone(file))),
            Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(VaultError::Busy(if exclusive {
                    "writing to it"
                } else {
                    "re-encrypting its database"
                }))
            }
            Err(fs::TryLockError::Error(source)) => return Err(lock_io("lock")(source)),
        }
    }
}

/// The vault's generation: a number in the lock file that every re-key moves on, so a
/// SessionVault whose database connection was opened under an earlier generation knows to open
/// it again. A missing or short file is generation 0.
///
/// Errors: [`VaultError::Io`].
pub(crate) fn generation(mut file: &File) -> Result<u64, VaultError> {
    let mut bytes = [0u8; 8];
    file.seek(SeekFrom::Start(0)).map_err(lock_io("read"))?;
    let mut read = 0;
    while read < bytes.len() {
        match file.read(&mut bytes[read..]).map_err(lock_io("read"))? {
            0 => return Ok(0),
            n => read += n,
        }
    }
    Ok(u64::from_le_bytes(bytes))
}

/// Moves the generation on; call it holding the lock exclusively. Returns the new generation.
///
/// Errors: [`VaultError::Io`].
fn next_generation(mut file: &File) -> Result<u64, VaultError> {
    let next = generation(file)?.wrapping_add(1);
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.write_all(&next.to_le_bytes()))
        .and_then(|()| file.sync_data())
        .map_err(lock_io("write"))?;
    Ok(next)
}

/// Opens the database of the vault in `dir` with the key in the keyring, or, after a re-key
/// that a crash interrupted, with the next key (then finishing the re-key's last steps). Call
/// it holding the lock.
///
/// Errors: [`VaultError::Key`], [`VaultError::Database`] ([`DbError::WrongKey`] when neither
/// key opens it).
pub(crate) fn open_database(dir: &Path, keys: &VaultKeys) -> Result<Database, VaultError> {
    let path = dir.join(DATABASE);
    let key = keys.get_array::<{ db::KEY_LEN }>(KeyName::Database)?;
    match Database::open(&path, key.as_slice()) {
        Ok(db) => {
            // A re-key that had not committed leaves its next key behind: it goes.
            if let Err(e) = keys.delete(KeyName::DatabaseNext) {
                tracing::warn!(
                    code = e.code(),
                    "a leftover next database key could not be removed"
                );
            }
            Ok(db)
        }
        Err(DbError::WrongKey) => {
            let next = match keys.get_array::<{ db::KEY_LEN }>(KeyName::DatabaseNext) {
                Ok(next) => next,
                Err(KeyError::Missing { .. }) => return Err(DbError::WrongKey.into()),
                Err(e) => return Err(e.into()),
            };
            let db = Database::open(&path, next.as_slice())?;
            // The re-key committed: the next key is the key now.
            keys.put(KeyName::Database, next.as_slice())?;
            keys.delete(KeyName::DatabaseNext)?;
            tracing::warn!("an interrupted re-key of the database was finished");
            Ok(db)
        }
        Err(e) => Err(e.into()),
    }
}

/// What a re-key did, checked afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rekeyed {
    /// The generation the vault is at now.
    pub(crate) generation: u64,
    /// The old key no longer opens the database file.
    pub(crate) old_key_refused: bool,
    /// The keyring holds the new key only: the old key and the next-key entry are gone.
    pub(crate) old_key_deleted: bool,
}

/// Encrypts the database `db` of the vault in `dir` again under a fresh random key and swaps
/// the keys in the keyring (the module's steps 1 to 4). Call it holding `lock` exclusively.
///
/// Errors: [`VaultError::Key`], [`VaultError::Database`], [`VaultError::Io`]; the vault opens
/// afterwards with one of the two keys, whichever step failed.
pub(crate) fn rekey<R: RngCore + CryptoRng>(
    dir: &Path,
    keys: &VaultKeys,
    lock: &File,
    db: &Database,
    rng: &mut R,
) -> Result<Rekeyed, VaultError> {
    let old_key = keys.get_array::<{ db::KEY_LEN }>(KeyName::Database)?;
    let mut new_key = Zeroizing::new([0u8; db::KEY_LEN]);
    rng.fill_bytes(new_key.as_mut_slice());
    keys.put(KeyName::DatabaseNext, new_key.as_slice())?;
    let generation = next_generation(lock)?;
    crash_point("rekey:next-key-stored");
    db.rekey(new_key.as_slice())?;
    crash_point("rekey:rekeyed");
    keys.put(KeyName::Database, new_key.as_slice())?;
    crash_point("rekey:key-replaced");
    keys.delete(KeyName::DatabaseNext)?;
    // The checks the certificate states, made on the real file and the real keyring.
    let old_key_refused = matches!(
        Database::open(&dir.join(DATABASE), old_key.as_slice()),
        Err(DbError::WrongKey)
    );
    let stored = keys.get_array::<{ db::KEY_LEN }>(KeyName::Database)?;
    let old_key_deleted = stored.as_slice() == new_key.as_slice()
        && matches!(
            keys.get(KeyName::DatabaseNext),
            Err(KeyError::Missing { .. })
        );
    Ok(Rekeyed {
        generation,
        old_key_refused,
        old_key_deleted,
    })
}

/// In debug builds only: ends the process abruptly at the named step when
/// `SESSIONVAULT_TEST_CRASH_AT` names it, so tests can prove that every step survives a crash.
pub(crate) fn crash_point(step: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("SESSIONVAULT_TEST_CRASH_AT").is_ok_and(|at| at == step) {
        eprintln!("sessionvault: stopping abruptly at {step} (SESSIONVAULT_TEST_CRASH_AT)");
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = step;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_keeps_the_exclusive_one_out_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.lock");
        let (one, two) = (
            Arc::new(open_lock(&path).unwrap()),
            Arc::new(open_lock(&path).unwrap()),
        );
        let shared = hold(&one, false, Duration::ZERO).unwrap();
        assert!(matches!(
            hold(&two, true, Duration::from_millis(20)),
            Err(VaultError::Busy(_))
        ));
        let also_shared = hold(&two, false, Duration::ZERO).unwrap();
        drop((shared, also_shared));
        let exclusive = hold(&two, true, Duration::ZERO).unwrap();
        assert!(matches!(
            hold(&one, false, Duration::from_millis(20)),
            Err(VaultError::Busy(_))
        ));
        drop(exclusive);
        hold(&one, false, Duration::ZERO).unwrap();
    }

    #[test]
    fn the_generation_moves_on_and_is_seen_by_every_handle() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.lock");
        let (one, two) = (open_lock(&path).unwrap(), open_lock(&path).unwrap());
        assert_eq!(generation(&one).unwrap(), 0);
        assert_eq!(next_generation(&two).unwrap(), 1);
        assert_eq!(next_generation(&two).unwrap(), 2);
        assert_eq!(generation(&one).unwrap(), 2);
    }

    #[test]
    fn a_database_rekeyed_in_wal_mode_opens_with_the_new_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.db");
        let db = Database::create(&path, &[1; 32]).unwrap();
        db.conn().execute_batch("CREATE TABLE t(x TEXT);").unwrap();
        for i in 0..500 {
            db.conn()
                .execute(
                    "INSERT INTO t VALUES (?1)",
                    [format!("row {i} {}", "y".repeat(90))],
                )
                .unwrap();
        }
        let other = Database::open(&path, &[1; 32]).unwrap();
        db.rekey(&[2; 32]).unwrap();
        db.conn()
            .execute("INSERT INTO t VALUES ('after')", [])
            .unwrap();
        // A connection still on the old key can no longer read: it must open again.
        assert!(other
            .conn()
            .query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
            .is_err());
        drop((db, other));
        assert!(matches!(
            Database::open(&path, &[1; 32]),
            Err(DbError::WrongKey)
        ));
        let db = Database::open(&path, &[2; 32]).unwrap();
        let n: i64 = db
            .conn()
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 501);
        let check: String = db
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }
}
