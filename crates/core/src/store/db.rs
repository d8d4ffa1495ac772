//! The vault's SQLCipher database: opening with a raw key, pragmas, and versioned migrations.
//!
//! The database is encrypted as a whole by SQLCipher with a random 256-bit raw key that lives
//! in the OS keyring. It is opened with `secure_delete` (deleted content is overwritten),
//! foreign keys on and the WAL journal. Its schema version is SQLite's `user_version`; each
//! entry of [`MIGRATIONS`] moves the schema one version up inside a transaction, and a database
//! written by a newer SessionVault is refused rather than guessed at.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use zeroize::Zeroizing;

/// How long a statement waits for another connection's write to finish.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The length in bytes of the database key.
pub const KEY_LEN: usize = 32;

/// The ordered schema migrations; migration `i` moves `user_version` from `i` to `i + 1`.
/// Never edit a released entry: add a new one.
pub const MIGRATIONS: &[&str] = &[
    // 1: vault identity and the audit log.
    r#"
    CREATE TABLE vault_meta (
        id                 INTEGER PRIMARY KEY CHECK (id = 1),
        vault_id           TEXT NOT NULL,
        created_at         TEXT NOT NULL,
        signing_public_key BLOB NOT NULL CHECK (length(signing_public_key) = 32)
    );
    CREATE TABLE audit_log (
        seq       INTEGER PRIMARY KEY,
        at        TEXT NOT NULL,
        kind      TEXT NOT NULL,
        subject   TEXT,
        details   TEXT NOT NULL,
        prev_hash BLOB NOT NULL,
        hash      BLOB NOT NULL,
        signature BLOB NOT NULL
    );
    CREATE TABLE audit_head (
        id        INTEGER PRIMARY KEY CHECK (id = 1),
        seq       INTEGER NOT NULL,
        hash      BLOB NOT NULL,
        signature BLOB NOT NULL
    );
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    "#,
    // 2: training courses, consent records (granted and declined) and their withdrawals.
    r#"
    CREATE TABLE courses (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        ends_on    TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE consents (
        id               TEXT PRIMARY KEY,
        client_code      TEXT NOT NULL,
        decision         TEXT NOT NULL CHECK (decision IN ('granted', 'declined')),
        course_id        TEXT REFERENCES courses(id),
        destroy_by       TEXT,
        purposes         TEXT NOT NULL,
        audience         TEXT NOT NULL,
        case_study       TEXT NOT NULL,
        form_version     TEXT NOT NULL,
        form_hash        BLOB NOT NULL,
        client_name      TEXT,
        attachment_kind  TEXT,
        attachment       BLOB,
        counsellor_name  TEXT NOT NULL,
        signed_at        TEXT NOT NULL,
        record_signature BLOB NOT NULL
    );
    CREATE INDEX consents_by_client ON consents(client_code);
    CREATE TABLE consent_withdrawals (
        consent_id   TEXT PRIMARY KEY REFERENCES consents(id),
        withdrawn_at TEXT NOT NULL,
        reason       TEXT NOT NULL,
        signature    BLOB NOT NULL
    );
    CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents
        BEGIN SELECT RAISE(ABORT, 'consent records are never edited: withdraw instead'); END;
    CREATE TRIGGER consent_withdrawals_no_update BEFORE UPDATE ON consent_withdrawals
        BEGIN SELECT RAISE(ABORT, 'withdrawals are never edited'); END;
    "#,
    // 3: sealed recordings and the plaintext copies made of them.
    r#"
    CREATE TABLE recordings (
        id                TEXT PRIMARY KEY,
        consent_id        TEXT NOT NULL REFERENCES consents(id),
        client_code       TEXT NOT NULL,
        course_id         TEXT REFERENCES courses(id),
        state             TEXT NOT NULL
                          CHECK (state IN ('recording', 'complete', 'recovered', 'faulted')),
        started_at        TEXT NOT NULL,
        ended_at          TEXT,
        device            TEXT NOT NULL,
        device_format     TEXT NOT NULL,
        sample_rate       INTEGER NOT NULL,
        channels          INTEGER NOT NULL,
        frames            INTEGER NOT NULL DEFAULT 0,
        ciphertext_sha256 BLOB,
        ciphertext_bytes  INTEGER,
        recipient         TEXT NOT NULL,
        overruns          INTEGER NOT NULL DEFAULT 0,
        fault             TEXT,
        peaks             BLOB,
        pauses            TEXT
    );
    CREATE INDEX recordings_by_consent ON recordings(consent_id);
    CREATE TABLE copies (
        id           TEXT PRIMARY KEY,
        recording_id TEXT NOT NULL,
        kind         TEXT NOT NULL,
        made_at      TEXT NOT NULL,
        location     TEXT NOT NULL,
        sha256       BLOB NOT NULL,
        destroyed_at TEXT
    );
    "#,
    // 4: bookmarks: timestamped supervision notes on a recording.
    r#"
    CREATE TABLE bookmarks (
        id           TEXT PRIMARY KEY,
        recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        at_frame     INTEGER NOT NULL CHECK (at_frame >= 0),
        note         TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL
    );
    CREATE INDEX bookmarks_by_recording ON bookmarks(recording_id, at_frame);
    "#,
    // 5: shreds (each a job that a re-run can finish) and the signed destruction certificates.
    r#"
    CREATE TABLE shreds (
        id             TEXT PRIMARY KEY,
        target_kind    TEXT NOT NULL CHECK (target_kind IN ('recording', 'course', 'client', 'consent')),
        target_id      TEXT NOT NULL,
        started_at     TEXT NOT NULL,
        finished_at    TEXT,
        items          TEXT NOT NULL,
        certificate_id TEXT
    );
    CREATE TABLE certificates (
        id        TEXT PRIMARY KEY,
        shred_id  TEXT NOT NULL REFERENCES shreds(id),
        issued_at TEXT NOT NULL,
        body      TEXT NOT NULL,
        signature BLOB NOT NULL
    );
    CREATE TRIGGER certificates_no_update BEFORE UPDATE ON certificates
        BEGIN SELECT RAISE(ABORT, 'certificates are never changed'); END;
    CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates
        BEGIN SELECT RAISE(ABORT, 'certificates are never deleted'); END;
    "#,
    // 6: the vault's settings (name → JSON value), e.g. how long the window waits before it
    // locks itself.
    r#"
    CREATE TABLE settings (
        name       TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    "#,
    // 7: shares: what a copy was shared with — the role the consent's audience allowed, the
    // range shared, and the age recipients' fingerprints (JSON array; `passphrase` for a
    // passphrase). Plain exports leave these empty.
    r#"
    ALTER TABLE copies ADD COLUMN role TEXT;
    ALTER TABLE copies ADD COLUMN from_seconds REAL;
    ALTER TABLE copies ADD COLUMN until_seconds REAL;
    ALTER TABLE copies ADD COLUMN recipients TEXT;
    CREATE INDEX copies_by_recording ON copies(recording_id);
    "#,
    // 8: transcripts (excerpts of a recording, with timed segments, a speaker key and an
    // anonymisation list) and case studies (over one or more client codes). Transcripts go
    // with their recording. Copies may now be made of a case study, which has no recording:
    // `copies` is rebuilt with `recording_id` nullable and the source named by
    // `transcript_id` / `case_study_id`.
    r#"
    CREATE TABLE transcripts (
        id            TEXT PRIMARY KEY,
        recording_id  TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        from_frame    INTEGER NOT NULL CHECK (from_frame >= 0),
        until_frame   INTEGER NOT NULL CHECK (until_frame > from_frame),
        speakers      TEXT NOT NULL,
        anonymisation TEXT NOT NULL DEFAULT '[]',
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );
    CREATE INDEX transcripts_by_recording ON transcripts(recording_id);
    CREATE TABLE transcript_segments (
        id            TEXT PRIMARY KEY,
        transcript_id TEXT NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
        at_frame      INTEGER NOT NULL CHECK (at_frame >= 0),
        seq           INTEGER NOT NULL,
        speaker       TEXT NOT NULL,
        text          TEXT NOT NULL
    );
    CREATE INDEX transcript_segments_in_order ON transcript_segments(transcript_id, at_frame, seq);
    CREATE TABLE case_studies (
        id            TEXT PRIMARY KEY,
        title         TEXT NOT NULL,
        owner         TEXT NOT NULL CHECK (owner IN ('counsellor', 'organisation')),
        course_id     TEXT REFERENCES courses(id),
        body          TEXT NOT NULL,
        anonymisation TEXT NOT NULL DEFAULT '[]',
        final_at      TEXT,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );
    CREATE TABLE case_study_clients (
        case_study_id TEXT NOT NULL REFERENCES case_studies(id) ON DELETE CASCADE,
        client_code   TEXT NOT NULL,
        PRIMARY KEY (case_study_id, client_code)
    );
    CREATE INDEX case_study_clients_by_code ON case_study_clients(client_code);
    CREATE TRIGGER case_studies_final_no_update BEFORE UPDATE ON case_studies
        WHEN OLD.final_at IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'a final case study is never edited'); END;
    CREATE TRIGGER case_studies_organisation_no_delete BEFORE DELETE ON case_studies
        WHEN OLD.owner = 'organisation'
        BEGIN SELECT RAISE(ABORT, 'the organisation''s case studies are permanent records'); END;
    CREATE TABLE copies_rebuilt (
        id            TEXT PRIMARY KEY,
        recording_id  TEXT,
        kind          TEXT NOT NULL,
        made_at       TEXT NOT NULL,
        location      TEXT NOT NULL,
        sha256        BLOB NOT NULL,
        destroyed_at  TEXT,
        role          TEXT,
        from_seconds  REAL,
        until_seconds REAL,
        recipients    TEXT,
        transcript_id TEXT,
        case_study_id TEXT,
        CHECK (recording_id IS NOT NULL OR case_study_id IS NOT NULL)
    );
    INSERT INTO copies_rebuilt (id, recording_id, kind, made_at, location, sha256, destroyed_at,
                                role, from_seconds, until_seconds, recipients)
        SELECT id, recording_id, kind, made_at, location, sha256, destroyed_at,
               role, from_seconds, until_seconds, recipients FROM copies;
    DROP TABLE copies;
    ALTER TABLE copies_rebuilt RENAME TO copies;
    CREATE INDEX copies_by_recording ON copies(recording_id);
    CREATE INDEX copies_by_case_study ON copies(case_study_id);
    "#,
    // 9: consent PDFs (the client's name and signature) are outstanding copies too, of a
    // consent record: `copies` is rebuilt (SQLite cannot change a CHECK) with `consent_id`, and
    // a copy must name a recording, a case study or a consent.
    r#"
    CREATE TABLE copies_rebuilt (
        id            TEXT PRIMARY KEY,
        recording_id  TEXT,
        kind          TEXT NOT NULL,
        made_at       TEXT NOT NULL,
        location      TEXT NOT NULL,
        sha256        BLOB NOT NULL,
        destroyed_at  TEXT,
        role          TEXT,
        from_seconds  REAL,
        until_seconds REAL,
        recipients    TEXT,
        transcript_id TEXT,
        case_study_id TEXT,
        consent_id    TEXT,
        CHECK (recording_id IS NOT NULL OR case_study_id IS NOT NULL OR consent_id IS NOT NULL)
    );
    INSERT INTO copies_rebuilt (id, recording_id, kind, made_at, location, sha256, destroyed_at,
                                role, from_seconds, until_seconds, recipients, transcript_id,
                                case_study_id)
        SELECT id, recording_id, kind, made_at, location, sha256, destroyed_at,
               role, from_seconds, until_seconds, recipients, transcript_id,
               case_study_id FROM copies;
    DROP TABLE copies;
    ALTER TABLE copies_rebuilt RENAME TO copies;
    CREATE INDEX copies_by_recording ON copies(recording_id);
    CREATE INDEX copies_by_case_study ON copies(case_study_id);
    CREATE INDEX copies_by_consent ON copies(consent_id);
    "#,
    // 10: how a recording's audio was made from what its device delivered (the device's
    // channel count, and the conversion in words); older recordings were stored as delivered.
    r#"
    ALTER TABLE recordings ADD COLUMN device_channels INTEGER;
    ALTER TABLE recordings ADD COLUMN conversion TEXT;
    "#,
    // 11: the audit log looked up by kind and subject (a running recording asks every second
    // whether a withdrawal of its consent was logged), without reading the whole log.
    r#"
    CREATE INDEX audit_log_by_kind_subject ON audit_log(kind, subject);
    "#,
];

/// The schema version this build writes and understands.
pub fn latest_version() -> u32 {
    MIGRATIONS.len() as u32
}

/// What went wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLCipher could not decrypt the file with the key from the keyring.
    #[error(
        "the vault's database cannot be decrypted with the key in the keyring: the key belongs to \
         another vault, or the database file is damaged or not a SessionVault database"
    )]
    WrongKey,
    /// The database was written by a newer version of SessionVault.
    #[error(
        "the vault's database has schema version {found}, newer than this SessionVault \
         understands ({supported}): update SessionVault to open it"
    )]
    TooNew {
        /// The version found in the file.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// The key handed in is not a 256-bit key.
    #[error("the database key must be {KEY_LEN} bytes")]
    BadKey,
    /// The database file to create already exists.
    #[error("a database already exists at {0}")]
    Exists(String),
    /// A re-key of the database did not complete.
    #[error("the database could not be re-encrypted completely: {0}")]
    Rekeyed(&'static str),
    /// Any other SQLite failure.
    #[error("the vault's database reported an error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// An open, unlocked vault database.
#[derive(Debug)]
pub struct Database {
    conn: Connection,
}

impl Database {
    /// Creates a new encrypted database at `path` with `key`, and migrates it to the latest
    /// schema.
    ///
    /// Errors: [`DbError::Exists`] when a file is already there, [`DbError::BadKey`],
    /// [`DbError::Sqlite`].
    pub fn create(path: &Path, key: &[u8]) -> Result<Self, DbError> {
        if path.exists() {
            return Err(DbError::Exists(path.display().to_string()));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let mut db = Database::unlock(conn, key)?;
        db.migrate()?;
        Ok(db)
    }

    /// Opens the existing encrypted database at `path` with `key`, migrating it forward if it
    /// was written by an older version.
    ///
    /// Errors: [`DbError::WrongKey`] when the key does not decrypt it, [`DbError::TooNew`],
    /// [`DbError::BadKey`], [`DbError::Sqlite`].
    pub fn open(path: &Path, key: &[u8]) -> Result<Self, DbError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let mut db = Database::unlock(conn, key)?;
        db.migrate()?;
        Ok(db)
    }

    /// Creates a database at `path` with only the first `version` migrations applied, as an
    /// older SessionVault would have left it.
    #[cfg(test)]
    fn create_at_version(path: &Path, key: &[u8], version: u32) -> Result<Self, DbError> {
        let conn = Connection::open(path)?;
        let mut db = Database::unlock(conn, key)?;
        db.migrate_to(version)?;
        Ok(db)
    }

    /// Applies the key and the pragmas, and proves the key right with a first read.
    fn unlock(conn: Connection, key: &[u8]) -> Result<Self, DbError> {
        if key.len() != KEY_LEN {
            return Err(DbError::BadKey);
        }
        // Another SessionVault writing at the same moment is waited for, not an error: from
        // the first statement, since setting the journal mode needs the database's lock too.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // SQLCipher would otherwise print its own decryption errors to stderr.
        conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
        let pragma = Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", hex::encode(key)));
        conn.execute_batch(&pragma)?;
        drop(pragma);
        // The first read decides whether the key is right: SQLCipher answers SQLITE_NOTADB.
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        }) {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::NotADatabase =>
            {
                return Err(DbError::WrongKey)
            }
            Err(e) => return Err(e.into()),
        }
        conn.execute_batch(
            "PRAGMA cipher_memory_security = ON;
             PRAGMA secure_delete = ON;
             PRAGMA foreign_keys = ON;
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;",
        )?;
        Ok(Database { conn })
    }

    /// The schema version of the open database.
    ///
    /// Errors: [`DbError::Sqlite`].
    pub fn version(&self) -> Result<u32, DbError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    fn migrate(&mut self) -> Result<(), DbError> {
        self.migrate_to(latest_version())
    }

    fn migrate_to(&mut self, target: u32) -> Result<(), DbError> {
        let found = self.version()?;
        if found > latest_version() {
            return Err(DbError::TooNew {
                found,
                supported: latest_version(),
            });
        }
        for version in found..target.min(latest_version()) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(MIGRATIONS[version as usize])?;
            tx.pragma_update(None, "user_version", version + 1)?;
            tx.commit()?;
            tracing::info!(version = version + 1, "database migrated");
        }
        Ok(())
    }

    /// Re-encrypts every page of the database with `key`, in one transaction (SQLCipher's
    /// `PRAGMA rekey`, which the bundled 4.6 carries out in WAL mode: the pages go to the WAL
    /// under the new key), then checkpoints and truncates the WAL, so that no page under the
    /// old key is left in either file. Other connections cannot read the database until they
    /// open it again with the new key.
    ///
    /// Errors: [`DbError::BadKey`], [`DbError::Rekeyed`], [`DbError::Sqlite`].
    pub fn rekey(&self, key: &[u8]) -> Result<(), DbError> {
        if key.len() != KEY_LEN {
            return Err(DbError::BadKey);
        }
        let pragma = Zeroizing::new(format!("PRAGMA rekey = \"x'{}'\";", hex::encode(key)));
        self.conn.execute_batch(&pragma)?;
        drop(pragma);
        let (busy, _, _): (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        if busy != 0 {
            return Err(DbError::Rekeyed(
                "another connection kept reading, so the old pages could not be cleared from \
                 the write-ahead log",
            ));
        }
        Ok(())
    }

    /// The connection, for the modules that own tables in it.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The connection, mutably, for transactions.
    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

#[cfg(test)]
mod tests;
