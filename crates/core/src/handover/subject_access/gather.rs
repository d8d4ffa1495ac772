//! What the vault holds about one client, selected by the client code and by the ids of that
//! client's consents, recordings, bookmarks and copies: never by anything another client
//! shares.

use serde_json::json;
use zeroize::Zeroizing;

use super::{extension, json_item, Item, SubjectAccessError, Withheld};
use crate::consent;
use crate::copies::{self, Copy};
use crate::disclosure::Recipient;
use crate::sessions::bookmark::{self, Bookmark, BookmarkError};
use crate::sessions::recording::{self, Summary};
use crate::store::vault::Vault;

/// Everything of one client that goes into the bundle as data (the documents aside).
pub(super) struct Held {
    /// Their consent records (granted or declined), oldest first.
    pub(super) consent_ids: Vec<String>,
    /// Their recordings, oldest first.
    pub(super) recordings: Vec<Summary>,
    /// The notes made on those recordings.
    pub(super) bookmarks: Vec<Bookmark>,
    /// The copies made of those recordings and of their consent records.
    pub(super) copies: Vec<Copy>,
    /// Who listened to which recording, when, and which stretches.
    pub(super) listening: Vec<serde_json::Value>,
    /// The audit entries about any of the above.
    pub(super) audit: Vec<serde_json::Value>,
    /// What was left out, and why (so far: bookmarks the gate kept back).
    pub(super) withheld: Vec<Withheld>,
}

/// Gathers what is held about client `code`.
///
/// Errors: [`SubjectAccessError::NotFound`] when the vault holds nothing of the client;
/// [`SubjectAccessError::Vault`] and the listing errors.
pub(super) fn held_about(vault: &Vault, code: &str) -> Result<Held, SubjectAccessError> {
    let consent_ids: Vec<String> = {
        let conn = vault.db().conn();
        let mut stmt =
            conn.prepare("SELECT id FROM consents WHERE client_code = ?1 ORDER BY signed_at, id")?;
        let rows = stmt.query_map([code], |r| r.get(0))?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    let mut recordings: Vec<Summary> = recording::list(vault)?
        .into_iter()
        .filter(|r| r.client_code == code)
        .collect();
    recordings.reverse(); // oldest first
    if consent_ids.is_empty() && recordings.is_empty() {
        return Err(SubjectAccessError::NotFound(code.to_owned()));
    }
    let (bookmarks, withheld) = bookmarks_of(vault, &recordings)?;
    let copies = copies_of(vault, code, &recordings)?;
    let mut held = Held {
        consent_ids,
        recordings,
        bookmarks,
        copies,
        listening: Vec::new(),
        audit: Vec::new(),
        withheld,
    };
    audit_about(vault, code, &mut held)?;
    Ok(held)
}

/// Each consent record of the client as JSON, its signature picture or scan, and its PDF.
pub(super) fn consent_items(
    vault: &Vault,
    root: &str,
    consent_ids: &[String],
) -> Result<Vec<Item>, SubjectAccessError> {
    let mut items = Vec::new();
    for id in consent_ids {
        let record = consent::get(vault, id)?;
        items.push(json_item(format!("{root}/consents/{id}.json"), &record)?);
        if let (Some(kind), Some(bytes)) = (record.attachment_kind, &record.attachment) {
            items.push(Item {
                path: format!("{root}/consents/{id}-signature.{}", extension(kind)),
                bytes: Zeroizing::new(bytes.clone()),
            });
        }
        let pdf = consent::make_pdf(vault, id)?;
        items.push(Item {
            path: format!("{root}/consents/{id}.pdf"),
            bytes: Zeroizing::new(pdf),
        });
    }
    Ok(items)
}

/// The bookmarks of the client's recordings, each recording's through the gate for the
/// client; those the gate keeps back are named as withheld.
fn bookmarks_of(
    vault: &Vault,
    recordings: &[Summary],
) -> Result<(Vec<Bookmark>, Vec<Withheld>), SubjectAccessError> {
    let mut bookmarks = Vec::new();
    let mut withheld = Vec::new();
    for r in recordings {
        match bookmark::list_for(vault, &r.id, Recipient::Client) {
            Ok(found) => bookmarks.extend(found),
            // A recording still being made has no bookmarks yet.
            Err(BookmarkError::StillRecording(_)) => {}
            Err(BookmarkError::Disclosure(e)) => withheld.push(Withheld {
                kind: "bookmarks",
                id: r.id.clone(),
                reason: e.to_string(),
            }),
            Err(e) => return Err(e.into()),
        }
    }
    Ok((bookmarks, withheld))
}

/// The copies made of the client's recordings and of their consent records.
fn copies_of(
    vault: &Vault,
    code: &str,
    recordings: &[Summary],
) -> Result<Vec<Copy>, SubjectAccessError> {
    let mut copies = Vec::new();
    for r in recordings {
        copies.extend(copies::list(
            vault,
            copies::Filter {
                recording_id: Some(&r.id),
                outstanding: false,
            },
        )?);
    }
    copies.extend(copies::of_client_consents(vault, code)?);
    Ok(copies)
}

/// The audit entries about this client (their consents, their recordings, the bookmarks and
/// copies of those recordings, and the client code itself), and from them the listening log.
fn audit_about(vault: &Vault, code: &str, held: &mut Held) -> Result<(), SubjectAccessError> {
    let recording_ids: Vec<&str> = held.recordings.iter().map(|r| r.id.as_str()).collect();
    let bookmark_ids: Vec<&str> = held.bookmarks.iter().map(|b| b.id.as_str()).collect();
    let copy_ids: Vec<&str> = held.copies.iter().map(|c| c.id.as_str()).collect();
    let consent_ids = &held.consent_ids;
    let about = |subject: &str, details: &serde_json::Value| {
        subject == code
            || consent_ids.iter().any(|c| c == subject)
            || recording_ids.contains(&subject)
            || bookmark_ids.contains(&subject)
            || copy_ids.contains(&subject)
            || details["recording_id"]
                .as_str()
                .is_some_and(|r| recording_ids.contains(&r))
    };
    let mut audit = Vec::new();
    let mut listening = Vec::new();
    for entry in vault.audit_entries()? {
        let details: serde_json::Value =
            serde_json::from_str(&entry.details).unwrap_or(serde_json::Value::Null);
        if !entry.subject.as_deref().is_some_and(|s| about(s, &details)) {
            continue;
        }
        let event = match entry.kind.as_str() {
            "recording.play_started" => Some("started listening"),
            "recording.played" => Some("finished listening"),
            _ => None,
        };
        if let Some(event) = event {
            listening.push(json!({
                "at": entry.at,
                "recording_id": entry.subject,
                "event": event,
                "listener": details["listener"],
                "from_seconds": details["from_seconds"],
                "until_seconds": details["until_seconds"],
                "ranges_heard": details["ranges"],
                "seconds_heard": details["seconds_heard"],
                "speed": details["speed"],
            }));
        }
        audit.push(json!({
            "seq": entry.seq,
            "at": entry.at,
            "kind": entry.kind,
            "subject": entry.subject,
            "details": details,
        }));
    }
    held.listening = listening;
    held.audit = audit;
    Ok(())
}
