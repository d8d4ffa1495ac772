//! Crash recovery, the step of opening a vault for use.
//!
//! A recording is sealed as it goes; a crash (kill -9, a power cut) leaves its row `recording`
//! and its file with an intact prefix. Opening the vault for use ([`open_for_use`]) re-seals
//! that prefix and marks the recording `recovered`, or `faulted` with the reason when nothing
//! can be kept. A live recording in another process holds its file's lock and is left alone.
//! `status` opens the vault without this step, so looking changes nothing.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use rusqlite::params;
use serde_json::json;
use uuid::Uuid;

use super::{now_text, recording_path, RecordError};
use crate::clock::Clock;
use crate::store::audit::EventKind;
use crate::store::keys::KeyName;
use crate::store::vault::{Vault, VaultError};
use sessionvault_audio::seal::{self, RecordingKey};

/// Opens the vault in `dir` for use: [`Vault::open`], then the recordings a crash left
/// unfinished are re-sealed. A failed recovery is logged (by id) and leaves those recordings
/// as they were, for the next open to try again; the vault is still opened.
///
/// Errors: as [`Vault::open`].
pub fn open_for_use(dir: &Path, clock: Arc<dyn Clock>) -> Result<Vault, VaultError> {
    let mut vault = Vault::open(dir, clock)?;
    if let Err(e) = recover_unfinished(&mut vault) {
        tracing::warn!(error = %e, "recovery of unfinished recordings failed");
    }
    Ok(vault)
}

/// Finds recordings left `recording` by a crash (no live process holds their lock), re-seals
/// the intact prefix of each and marks it `recovered`. Returns the ids recovered. A recording
/// that cannot be recovered is marked `faulted` with the reason.
///
/// Errors: [`RecordError::Vault`] when the database cannot be read or written.
pub(crate) fn recover_unfinished(vault: &mut Vault) -> Result<Vec<String>, RecordError> {
    let ids: Vec<String> = {
        let conn = vault.db().conn();
        let mut stmt = conn.prepare("SELECT id FROM recordings WHERE state = 'recording'")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    let mut recovered = Vec::new();
    for id in ids {
        let Ok(uuid) = Uuid::parse_str(&id) else {
            continue;
        };
        let path = recording_path(vault, uuid);
        // A live recording holds the lock: leave it alone.
        let lock = match File::open(&path) {
            Ok(f) => match f.try_lock() {
                Ok(()) => Some(f),
                Err(_) => continue,
            },
            Err(_) => None,
        };
        let result = match lock {
            None => Err("its file is missing".to_owned()),
            Some(_) => vault
                .keys()
                .get(KeyName::Recording(uuid))
                .map_err(|e| e.to_string())
                .and_then(|secret| RecordingKey::from_secret(&secret).map_err(|e| e.to_string()))
                .and_then(|key| seal::reseal(&path, &key).map_err(|e| e.to_string())),
        };
        let now = now_text(vault)?;
        let change = vault.change()?;
        match result {
            Ok(sealed) => {
                change.tx.execute(
                    "UPDATE recordings SET state = 'recovered', ended_at = ?2, frames = ?3,
                         ciphertext_sha256 = ?4, ciphertext_bytes = ?5 WHERE id = ?1",
                    params![id, now, sealed.frames, &sealed.sha256[..], sealed.bytes],
                )?;
                change.log(
                    EventKind::RecordingRecovered,
                    Some(&id),
                    &json!({ "frames": sealed.frames, "ciphertext_sha256": hex::encode(sealed.sha256) }),
                )?;
                recovered.push(id.clone());
                tracing::warn!(recording = %id, frames = sealed.frames, "unfinished recording recovered");
            }
            Err(reason) => {
                change.tx.execute(
                    "UPDATE recordings SET state = 'faulted', ended_at = ?2,
                         fault = coalesce(fault || '; ', '') || ?3 WHERE id = ?1",
                    params![id, now, format!("could not be recovered: {reason}")],
                )?;
                change.log(
                    EventKind::RecordingFaulted,
                    Some(&id),
                    &json!({ "recovery": "failed" }),
                )?;
                tracing::warn!(recording = %id, "unfinished recording could not be recovered");
            }
        }
        change.commit()?;
    }
    Ok(recovered)
}
