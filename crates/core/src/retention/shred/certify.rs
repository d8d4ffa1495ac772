//! The end of a shred: the checks made afterwards, and the destruction certificate, signed
//! with the counsellor's key and stored with the job.

use rusqlite::params;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::plan::{consent_copies, outstanding_copies};
use super::steps::{recording_path, Job};
use super::{Item, Preview, ShredError, Target};
use crate::retention::certificate::{self, Certificate, DestroyedCaseStudy, Signed};
use crate::store::audit::EventKind;
use crate::store::keys::KeyName;
use crate::store::signing::Domain;
use crate::store::vault::{Rekeyed, Vault};

const METHOD: &[&str] = &[
    "1. Cryptographic erase (NIST SP 800-88 Rev. 1): each recording's age X25519 key was \
     deleted from the OS keyring and looked up again to check it is gone; every copy of its \
     ciphertext, including backups and SSD remnants, can no longer be decrypted.",
    "2. Overwrite: each sealed file was overwritten once with random bytes, synced to disk, \
     renamed to a random name, unlinked, and its folder synced.",
    "3. Rows: each recording's database rows, its bookmarks, transcripts and waveform (and the \
     counsellor's case studies the shred covers) were deleted in the SQLCipher database with \
     secure_delete on; the database was checkpointed and vacuumed.",
    "4. Database re-key: the vault's SQLCipher database was encrypted again under a fresh \
     random 256-bit key, the old key was deleted from the OS keyring, and the database file \
     was checked to no longer open with the old key; every copy of the database taken before \
     this shred (backups, sync folders, snapshots), with the transcripts, bookmark notes and \
     case studies it held, can no longer be decrypted.",
    "5. Memory: the shred loaded no key and no audio; its buffers held random bytes only.",
];

/// What the database's re-key makes unreadable in every copy taken before the shred.
const DATABASE_ERASED: &str = "Every copy of the vault's database made before this shred \
    (a backup, a sync folder, a snapshot) is encrypted under a key that no longer exists: the \
    transcripts, bookmark notes, case studies and consent records it held, including those of \
    what this shred destroyed, can no longer be read from it.";

/// Checks what the shred destroyed, builds the certificate, signs and stores it with the job,
/// and logs it.
///
/// Errors: [`ShredError::Vault`], [`ShredError::Certificate`].
pub(super) fn issue(
    vault: &mut Vault,
    target: &Target,
    job: &Job<'_>,
    plan: Preview,
    rekeyed: &Rekeyed,
) -> Result<Signed, ShredError> {
    let checks = checks(vault, &job.items)?;
    let case_studies = case_studies_gone(vault, plan.case_studies)?;
    let mut copies = outstanding_copies(vault, &job.items)?;
    copies.extend(
        plan.outstanding_copies
            .into_iter()
            .filter(|c| c.case_study_id.is_some()),
    );
    copies.extend(consent_copies(vault, target)?);
    let key = vault.public_key();
    let vault_id = vault.id().to_string();
    let change = vault.change()?;
    let certificate = Certificate {
        format: certificate::FORMAT.to_owned(),
        id: Uuid::new_v4().to_string(),
        vault_id,
        issued_at: change.now.format(&Rfc3339)?,
        target: plan.target,
        destroyed: job.items.iter().map(destroyed).collect(),
        case_studies,
        method: METHOD.iter().map(|m| (*m).to_owned()).collect(),
        checks,
        database: Some(certificate::DatabaseErased {
            rekeyed: true,
            old_key_refused: rekeyed.old_key_refused,
            old_key_deleted: rekeyed.old_key_deleted,
            erased: DATABASE_ERASED.to_owned(),
        }),
        outstanding_copies: copies,
        kept: plan.kept,
        public_key: hex::encode(key.to_bytes()),
        fingerprint: key.fingerprint(),
    };
    let body = certificate::signed_bytes(&certificate)?;
    let signature = change.sign(Domain::DestructionCertificate, body.as_bytes());
    change.tx.execute(
        "INSERT INTO certificates (id, shred_id, issued_at, body, signature)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            certificate.id,
            job.id,
            certificate.issued_at,
            body,
            signature.to_vec()
        ],
    )?;
    change.tx.execute(
        "UPDATE shreds SET finished_at = ?2, certificate_id = ?3 WHERE id = ?1",
        params![job.id, certificate.issued_at, certificate.id],
    )?;
    change.log(
        EventKind::CertificateIssued,
        Some(&certificate.id),
        &json!({
            "shred_id": job.id,
            "target": certificate.target.kind,
            "recordings": certificate.destroyed.len(),
            "outstanding_copies": certificate.outstanding_copies.len(),
        }),
    )?;
    change.commit()?;
    Ok(Signed {
        certificate,
        body,
        signature: hex::encode(signature),
    })
}

/// What the certificate says of a destroyed recording.
fn destroyed(i: &Item) -> certificate::Destroyed {
    certificate::Destroyed {
        recording_id: i.recording_id.clone(),
        client_code: i.client_code.clone(),
        consent_id: i.consent_id.clone(),
        course_id: i.course_id.clone(),
        recorded_at: i.recorded_at.clone(),
        length: certificate::Length::Frames {
            frames: i.frames,
            sample_rate: i.sample_rate,
        },
        ciphertext_sha256: i.ciphertext_sha256.clone(),
        bookmarks: i.bookmarks,
        transcripts: i.transcripts,
    }
}

/// The checks, made now, for each recording: its key lookup fails, its file is absent, its
/// rows are gone.
fn checks(vault: &Vault, items: &[Item]) -> Result<Vec<certificate::Check>, ShredError> {
    let mut checks = Vec::new();
    for item in items {
        // The full lookup, as a reader of the key would make it: not just a search.
        let key_lookup_fails = Uuid::parse_str(&item.recording_id)
            .ok()
            .map(|uuid| matches!(vault.keys().contains(KeyName::Recording(uuid)), Ok(false)))
            .unwrap_or(false);
        let file_absent = !recording_path(vault, &item.recording_id).exists();
        let rows: i64 = vault.db().conn().query_row(
            "SELECT (SELECT count(*) FROM recordings WHERE id = ?1)
                  + (SELECT count(*) FROM bookmarks WHERE recording_id = ?1)
                  + (SELECT count(*) FROM transcripts WHERE recording_id = ?1)",
            [&item.recording_id],
            |r| r.get(0),
        )?;
        checks.push(certificate::Check {
            recording_id: item.recording_id.clone(),
            key_lookup_fails,
            file_absent,
            rows_absent: rows == 0,
        });
    }
    Ok(checks)
}

/// The case studies the shred covered, each checked to have no rows left.
fn case_studies_gone(
    vault: &Vault,
    mut case_studies: Vec<DestroyedCaseStudy>,
) -> Result<Vec<DestroyedCaseStudy>, ShredError> {
    for study in &mut case_studies {
        let rows: i64 = vault.db().conn().query_row(
            "SELECT (SELECT count(*) FROM case_studies WHERE id = ?1)
                  + (SELECT count(*) FROM case_study_clients WHERE case_study_id = ?1)",
            [&study.case_study_id],
            |r| r.get(0),
        )?;
        study.rows_absent = rows == 0;
    }
    Ok(case_studies)
}
