//! The steps of a shred, each done for every recording before the next begins, and each
//! recording's progress saved as it completes, so a shred that stops can be run again to
//! finish.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use rusqlite::params;
use serde_json::json;
use uuid::Uuid;

use super::{Item, Preview, Progress, ShredError, Stopped, Target, Timings};
use crate::retention::certificate::{CertificateError, DestroyedCaseStudy};
use crate::store::audit::EventKind;
use crate::store::keys::{KeyError, KeyName, KeyWatch};
use crate::store::vault::{Rekeyed, Vault, RECORDINGS};

/// A shred under way: its id, its recordings with how far each has got, the work done of the
/// whole, and how long each step took.
pub(super) struct Job<'p> {
    /// The shred's id (its row in `shreds`).
    pub(super) id: String,
    /// Every recording it destroys, with its steps done.
    pub(super) items: Vec<Item>,
    /// How long the steps took in this run.
    pub(super) timings: Timings,
    done: usize,
    total: usize,
    progress: &'p mut dyn FnMut(Progress),
}

impl<'p> Job<'p> {
    /// Stores the shred as a job before anything is destroyed, or takes up the unfinished one
    /// the plan resumes.
    pub(super) fn start(
        vault: &Vault,
        target: &Target,
        plan: &Preview,
        progress: &'p mut dyn FnMut(Progress),
    ) -> Result<Job<'p>, ShredError> {
        let items = plan.items.clone();
        let id = match &plan.resumes {
            Some(id) => {
                save_items(vault, id, &items)?;
                id.clone()
            }
            None => {
                let id = Uuid::new_v4().to_string();
                let started = vault
                    .now()
                    .format(&time::format_description::well_known::Rfc3339)?;
                vault.db().conn().execute(
                    "INSERT INTO shreds (id, target_kind, target_id, started_at, items)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, target.kind(), target.id(), started, items_text(&items)?],
                )?;
                id
            }
        };
        let done = items
            .iter()
            .map(|i| {
                usize::from(i.key_erased)
                    + usize::from(i.file_destroyed)
                    + usize::from(i.rows_deleted)
            })
            .sum();
        Ok(Job {
            id,
            total: items.len() * 3 + plan.case_studies.len() + 3,
            items,
            timings: Timings::default(),
            done,
            progress,
        })
    }

    /// One more unit of work done: tells the progress bar.
    pub(super) fn tell(&mut self, step: &'static str, recording_id: Option<String>) {
        self.done += 1;
        (self.progress)(Progress {
            step,
            recording_id,
            done: self.done,
            total: self.total,
        });
    }

    /// The shred stopped at `step` (on recording `at`, if any) because of `cause`.
    fn stopped(&self, step: &'static str, at: &str, cause: String) -> ShredError {
        let ids = |pick: &dyn Fn(&Item) -> bool| -> Vec<String> {
            self.items
                .iter()
                .filter(|i| pick(i))
                .map(|i| i.recording_id.clone())
                .collect()
        };
        ShredError::Partial(Box::new(Stopped {
            shred_id: self.id.clone(),
            step,
            recording_id: at.to_owned(),
            cause,
            destroyed: ids(&|i| i.done()),
            remaining: ids(&|i| !i.done()),
            key_erased: ids(&|i| i.key_erased && !i.done()),
        }))
    }

    /// Step 1: each recording's key deleted from the keyring and looked up again.
    pub(super) fn crypto_erase(&mut self, vault: &Vault) -> Result<(), ShredError> {
        let started = Instant::now();
        let mut watch = vault.keys().watch();
        for index in 0..self.items.len() {
            if self.items[index].key_erased {
                continue;
            }
            let id = self.items[index].recording_id.clone();
            match key_gone(vault, &mut watch, &id) {
                Ok(true) => {}
                Ok(false) => {
                    let cause = "its key is still in the keyring after being deleted".to_owned();
                    return Err(self.stopped("crypto-erase", &id, cause));
                }
                Err(e) => return Err(self.stopped("crypto-erase", &id, e.to_string())),
            }
            self.items[index].key_erased = true;
            save_items(vault, &self.id, &self.items)?;
            self.tell("crypto-erase", Some(id));
        }
        self.timings.crypto_erase_seconds = started.elapsed().as_secs_f64();
        Ok(())
    }

    /// Step 2: each file overwritten and removed, with bytes from a fast generator seeded by
    /// `rng`.
    pub(super) fn overwrite<R: RngCore>(
        &mut self,
        vault: &Vault,
        rng: &mut R,
    ) -> Result<(), ShredError> {
        let started = Instant::now();
        let mut fill = StdRng::from_rng(&mut *rng).map_err(|e| {
            self.stopped(
                "overwrite",
                "",
                format!("no random bytes for overwriting ({e})"),
            )
        })?;
        for index in 0..self.items.len() {
            if self.items[index].file_destroyed {
                continue;
            }
            let id = self.items[index].recording_id.clone();
            let path = recording_path(vault, &id);
            match overwrite_and_remove(&path, &mut fill) {
                Ok(bytes) => self.timings.overwritten_bytes += bytes,
                Err(e) => {
                    let cause = format!("its file {} could not be destroyed ({e})", path.display());
                    return Err(self.stopped("overwrite", &id, cause));
                }
            }
            self.items[index].file_destroyed = true;
            save_items(vault, &self.id, &self.items)?;
            self.tell("overwrite", Some(id));
        }
        self.timings.overwrite_seconds = started.elapsed().as_secs_f64();
        Ok(())
    }

    /// Step 3: each recording's rows deleted with an audit entry, then the counsellor's case
    /// studies the shred covers.
    pub(super) fn delete_rows(
        &mut self,
        vault: &mut Vault,
        case_studies: &[DestroyedCaseStudy],
    ) -> Result<(), ShredError> {
        let started = Instant::now();
        for index in 0..self.items.len() {
            if self.items[index].rows_deleted {
                continue;
            }
            self.delete_recording_rows(vault, index)?;
            let id = self.items[index].recording_id.clone();
            self.tell("rows", Some(id));
        }
        for study in case_studies {
            delete_case_study(vault, &self.id, study)?;
            self.tell("case-studies", None);
        }
        self.timings.rows_seconds = started.elapsed().as_secs_f64();
        Ok(())
    }

    /// The rows of recording `index` (its bookmarks, transcripts and its own row) and the
    /// job's progress, in one transaction with the audit entry.
    fn delete_recording_rows(&mut self, vault: &mut Vault, index: usize) -> Result<(), ShredError> {
        let item = self.items[index].clone();
        let change = vault.change()?;
        change.tx.execute(
            "DELETE FROM bookmarks WHERE recording_id = ?1",
            [&item.recording_id],
        )?;
        change.tx.execute(
            "DELETE FROM transcript_segments WHERE transcript_id IN
                 (SELECT id FROM transcripts WHERE recording_id = ?1)",
            [&item.recording_id],
        )?;
        change.tx.execute(
            "DELETE FROM transcripts WHERE recording_id = ?1",
            [&item.recording_id],
        )?;
        change
            .tx
            .execute("DELETE FROM recordings WHERE id = ?1", [&item.recording_id])?;
        change.log(
            EventKind::RecordingShredded,
            Some(&item.recording_id),
            &json!({
                "shred_id": self.id,
                "ciphertext_sha256": item.ciphertext_sha256,
            }),
        )?;
        self.items[index].rows_deleted = true;
        change.tx.execute(
            "UPDATE shreds SET items = ?2 WHERE id = ?1",
            params![self.id, items_text(&self.items)?],
        )?;
        change.commit()?;
        Ok(())
    }

    /// Freed pages out of the WAL and the file.
    pub(super) fn vacuum(&mut self, vault: &Vault) -> Result<(), ShredError> {
        let started = Instant::now();
        vault.db().conn().execute_batch(
            "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);",
        )?;
        self.timings.vacuum_seconds = started.elapsed().as_secs_f64();
        self.tell("vacuum", None);
        Ok(())
    }

    /// Step 4: the database under a fresh key, the old key deleted: every earlier copy of it
    /// (backups, sync folders, snapshots) with the text just deleted no longer opens.
    pub(super) fn rekey<R: RngCore + rand::CryptoRng>(
        &mut self,
        vault: &mut Vault,
        rng: &mut R,
    ) -> Result<Rekeyed, ShredError> {
        let started = Instant::now();
        let rekeyed = vault.rekey(&mut *rng).map_err(|e| {
            let cause = format!("the database could not be re-encrypted under a new key ({e})");
            self.stopped("database re-key", "", cause)
        })?;
        self.timings.rekey_seconds = started.elapsed().as_secs_f64();
        self.tell("re-key", None);
        Ok(rekeyed)
    }
}

/// Deletes a counsellor's case study the shred covers, with its audit entry.
fn delete_case_study(
    vault: &mut Vault,
    shred_id: &str,
    study: &DestroyedCaseStudy,
) -> Result<(), ShredError> {
    let change = vault.change()?;
    change.tx.execute(
        "DELETE FROM case_study_clients WHERE case_study_id = ?1",
        [&study.case_study_id],
    )?;
    change.tx.execute(
        "DELETE FROM case_studies WHERE id = ?1 AND owner = 'counsellor'",
        [&study.case_study_id],
    )?;
    change.log(
        EventKind::CaseStudyShredded,
        Some(&study.case_study_id),
        &json!({ "shred_id": shred_id, "clients": study.client_codes }),
    )?;
    change.commit()?;
    Ok(())
}

/// Where recording `id`'s sealed file is.
pub(super) fn recording_path(vault: &Vault, id: &str) -> PathBuf {
    vault.dir().join(RECORDINGS).join(format!("{id}.age"))
}

/// Overwrites `path` once with random bytes, syncs it, renames it to a random name, unlinks
/// it and syncs the folder. A file already gone counts as done. Returns the bytes overwritten.
fn overwrite_and_remove<R: RngCore>(path: &Path, rng: &mut R) -> std::io::Result<u64> {
    let mut file = match OpenOptions::new().write(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    let mut buf = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        rng.fill_bytes(&mut buf[..n]);
        file.write_all(&buf[..n])?;
        left -= n as u64;
    }
    file.sync_all()?;
    drop(file);
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut name = [0u8; 16];
    rng.fill_bytes(&mut name);
    let renamed = dir.join(format!("{}.shredded", hex::encode(name)));
    fs::rename(path, &renamed)?;
    File::open(dir)?.sync_all()?;
    fs::remove_file(&renamed)?;
    File::open(dir)?.sync_all()?;
    Ok(len)
}

/// The items as stored in the job's row.
fn items_text(items: &[Item]) -> Result<String, ShredError> {
    serde_json::to_string(items)
        .map_err(|e| ShredError::Certificate(CertificateError::NotACertificate(e.to_string())))
}

fn save_items(vault: &Vault, shred_id: &str, items: &[Item]) -> Result<(), ShredError> {
    vault.db().conn().execute(
        "UPDATE shreds SET items = ?2 WHERE id = ?1",
        params![shred_id, items_text(items)?],
    )?;
    Ok(())
}

/// Deletes the recording's key and looks it up again; true when it is gone.
fn key_gone(vault: &Vault, watch: &mut KeyWatch, id: &str) -> Result<bool, KeyError> {
    let uuid = Uuid::parse_str(id).map_err(|_| KeyError::Failed {
        detail: format!("{id} is not a recording id"),
    })?;
    vault.keys().delete(KeyName::Recording(uuid))?;
    Ok(!watch.exists(KeyName::Recording(uuid))?)
}
