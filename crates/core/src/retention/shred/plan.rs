//! What a shred of a target will destroy, before anything is destroyed: its recordings, the
//! case studies it covers, the copies outside the vault still outstanding, and what is kept.

use rusqlite::{params, OptionalExtension};

use super::{Item, Preview, ShredError, Target};
use crate::retention::certificate::{self, OutstandingCopy};
use crate::store::vault::{Vault, VaultError};

const KEPT: &[&str] = &[
    "Consent records and withdrawals are kept: they are the evidence of what each client \
     agreed to, and hold no audio.",
    "Case studies the organisation keeps as permanent records are never shredded by a \
     recording, course or client shred.",
    "The audit log keeps its entries, which hold ids, times and hashes only.",
];

/// The ids of the recordings the target covers.
fn recordings_of(vault: &Vault, target: &Target) -> Result<Vec<String>, ShredError> {
    let conn = vault.db().conn();
    let (exists, select): (&str, &str) = match target {
        Target::Recording(_) => (
            "SELECT count(*) FROM recordings WHERE id = ?1",
            "SELECT id FROM recordings WHERE id = ?1",
        ),
        Target::Course(_) => (
            "SELECT count(*) FROM courses WHERE id = ?1",
            "SELECT id FROM recordings WHERE course_id = ?1 ORDER BY started_at, id",
        ),
        Target::Client(_) => (
            "SELECT count(*) FROM consents WHERE client_code = ?1",
            "SELECT id FROM recordings WHERE client_code = ?1 ORDER BY started_at, id",
        ),
        Target::Consent(_) => (
            "SELECT count(*) FROM consents WHERE id = ?1",
            "SELECT id FROM recordings WHERE consent_id = ?1 ORDER BY started_at, id",
        ),
    };
    let found: i64 = conn.query_row(exists, [target.id()], |r| r.get(0))?;
    let mut stmt = conn.prepare(select)?;
    let ids = stmt
        .query_map([target.id()], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    if found == 0 && ids.is_empty() {
        return Err(ShredError::NotFound {
            kind: target.kind(),
            id: target.id().to_owned(),
        });
    }
    Ok(ids)
}

fn item_of(vault: &Vault, id: &str) -> Result<Item, ShredError> {
    let conn = vault.db().conn();
    let item = conn.query_row(
        "SELECT r.id, r.client_code, r.consent_id, r.course_id, r.started_at, r.frames,
                r.sample_rate, r.ciphertext_sha256, r.ciphertext_bytes, r.state,
                (SELECT count(*) FROM bookmarks b WHERE b.recording_id = r.id),
                (SELECT count(*) FROM transcripts t WHERE t.recording_id = r.id)
         FROM recordings r WHERE r.id = ?1",
        [id],
        |r| {
            let frames: u64 = r.get(5)?;
            let rate: u32 = r.get(6)?;
            let sha: Option<Vec<u8>> = r.get(7)?;
            let state: String = r.get(9)?;
            Ok((
                Item {
                    recording_id: r.get(0)?,
                    client_code: r.get(1)?,
                    consent_id: r.get(2)?,
                    course_id: r.get(3)?,
                    recorded_at: r.get(4)?,
                    frames,
                    sample_rate: rate,
                    ciphertext_sha256: sha.map(hex::encode).unwrap_or_default(),
                    bytes: r.get::<_, Option<u64>>(8)?.unwrap_or(0),
                    bookmarks: r.get(10)?,
                    transcripts: r.get(11)?,
                    key_erased: false,
                    file_destroyed: false,
                    rows_deleted: false,
                },
                state,
            ))
        },
    )?;
    if item.1 == "recording" {
        return Err(ShredError::StillRecording(item.0.recording_id));
    }
    Ok(item.0)
}

fn label_of(vault: &Vault, target: &Target) -> Option<String> {
    match target {
        Target::Course(id) => crate::course::get(vault, id).ok().map(|c| c.name),
        _ => None,
    }
}

/// An unfinished shred of this target: (id, its items).
fn unfinished(vault: &Vault, target: &Target) -> Result<Option<(String, Vec<Item>)>, ShredError> {
    let row: Option<(String, String)> = vault
        .db()
        .conn()
        .query_row(
            "SELECT id, items FROM shreds
             WHERE target_kind = ?1 AND target_id = ?2 AND finished_at IS NULL
             ORDER BY started_at LIMIT 1",
            params![target.kind(), target.id()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.map(|(id, items)| (id, serde_json::from_str(&items).unwrap_or_default())))
}

pub(super) fn outstanding_copies(
    vault: &Vault,
    items: &[Item],
) -> Result<Vec<OutstandingCopy>, ShredError> {
    let conn = vault.db().conn();
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM copies
         WHERE recording_id = ?1 AND destroyed_at IS NULL ORDER BY made_at, id",
        crate::copies::COLUMNS
    ))?;
    let mut out = Vec::new();
    for item in items {
        let rows = stmt.query_map([&item.recording_id], crate::copies::row)?;
        for row in rows {
            let copy = row?;
            out.push(OutstandingCopy {
                copy_id: copy.id,
                recording_id: copy.recording_id.unwrap_or_default(),
                kind: copy.kind,
                made_at: copy.made_at,
                location: copy.location,
                sha256: copy.sha256,
                role: copy.role,
                recipients: copy.recipients,
                case_study_id: None,
                consent_id: None,
            });
        }
    }
    Ok(out)
}

/// The outstanding copies of the consent records a client or consent shred is about: their
/// PDFs, which hold the client's name and signature. (The records themselves are kept.)
pub(super) fn consent_copies(
    vault: &Vault,
    target: &Target,
) -> Result<Vec<OutstandingCopy>, ShredError> {
    let consents = match target {
        Target::Client(_) => "SELECT id FROM consents WHERE client_code = ?1",
        Target::Consent(_) => "SELECT id FROM consents WHERE id = ?1",
        Target::Recording(_) | Target::Course(_) => return Ok(Vec::new()),
    };
    let conn = vault.db().conn();
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM copies
         WHERE consent_id IN ({consents}) AND destroyed_at IS NULL ORDER BY made_at, id",
        crate::copies::COLUMNS
    ))?;
    let rows = stmt.query_map([target.id()], crate::copies::row)?;
    let mut out = Vec::new();
    for row in rows {
        let copy = row?;
        out.push(OutstandingCopy {
            copy_id: copy.id,
            recording_id: String::new(),
            kind: copy.kind,
            made_at: copy.made_at,
            location: copy.location,
            sha256: copy.sha256,
            role: None,
            recipients: Vec::new(),
            case_study_id: None,
            consent_id: copy.consent_id,
        });
    }
    Ok(out)
}

/// What shredding `target` would destroy, without destroying anything. If an earlier shred of
/// the same target stopped part-way, the preview shows what it has left to do.
///
/// Errors: [`ShredError::NotFound`], [`ShredError::StillRecording`], [`ShredError::Vault`].
pub fn preview(vault: &Vault, target: &Target) -> Result<Preview, ShredError> {
    let resumed = unfinished(vault, target)?;
    let mut items = resumed
        .as_ref()
        .map(|(_, items)| items.clone())
        .unwrap_or_default();
    // A shred that stopped after deleting its target's rows still has its items to finish.
    let ids = match recordings_of(vault, target) {
        Err(ShredError::NotFound { .. }) if resumed.is_some() => Vec::new(),
        other => other?,
    };
    for id in ids {
        if !items.iter().any(|i| i.recording_id == id) {
            items.push(item_of(vault, &id)?);
        }
    }
    let plan = case_study_plan(vault, target)?;
    let mut outstanding_copies = outstanding_copies(vault, &items)?;
    outstanding_copies.extend(case_study_copies(vault, &plan.destroy)?);
    outstanding_copies.extend(consent_copies(vault, target)?);
    let mut kept: Vec<String> = KEPT.iter().map(|k| (*k).to_owned()).collect();
    kept.extend(plan.kept);
    Ok(Preview {
        target: certificate::Target {
            kind: target.kind().to_owned(),
            id: target.id().to_owned(),
            label: label_of(vault, target),
        },
        items,
        case_studies: plan
            .destroy
            .into_iter()
            .map(|s| certificate::DestroyedCaseStudy {
                case_study_id: s.id,
                client_codes: s.clients,
                course_id: s.course_id,
                rows_absent: false,
            })
            .collect(),
        outstanding_copies,
        kept,
        resumes: resumed.map(|(id, _)| id),
    })
}

/// What the shred of `target` does to case studies: a course shred destroys the counsellor's
/// case studies of the course, a client shred those about only that client; the
/// organisation's are kept, and so is a counsellor's that is also about other clients (both
/// named under "kept"). Recording and consent shreds leave case studies alone.
fn case_study_plan(
    vault: &Vault,
    target: &Target,
) -> Result<crate::documents::case_study::ShredPlan, ShredError> {
    let plan = match target {
        Target::Course(id) => {
            crate::documents::case_study::shred_plan(vault, Some(id.trim()), None)
        }
        Target::Client(code) => {
            crate::documents::case_study::shred_plan(vault, None, Some(code.trim()))
        }
        Target::Recording(_) | Target::Consent(_) => Ok(Default::default()),
    };
    plan.map_err(|e| match e {
        crate::documents::case_study::CaseStudyError::Vault(e) => ShredError::Vault(e),
        other => ShredError::Vault(VaultError::Database(crate::store::db::DbError::Sqlite(
            rusqlite::Error::InvalidParameterName(other.to_string()),
        ))),
    })
}

/// The outstanding copies of case studies that a shred destroys.
fn case_study_copies(
    vault: &Vault,
    studies: &[crate::documents::case_study::Parties],
) -> Result<Vec<OutstandingCopy>, ShredError> {
    let conn = vault.db().conn();
    let mut stmt = conn.prepare(
        "SELECT id, kind, made_at, location, sha256 FROM copies
         WHERE case_study_id = ?1 AND destroyed_at IS NULL ORDER BY made_at, id",
    )?;
    let mut out = Vec::new();
    for study in studies {
        let rows = stmt.query_map([&study.id], |r| {
            Ok(OutstandingCopy {
                copy_id: r.get(0)?,
                recording_id: String::new(),
                kind: r.get(1)?,
                made_at: r.get(2)?,
                location: r.get(3)?,
                sha256: hex::encode(r.get::<_, Vec<u8>>(4)?),
                role: None,
                recipients: Vec::new(),
                case_study_id: Some(study.id.clone()),
                consent_id: None,
            })
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}
