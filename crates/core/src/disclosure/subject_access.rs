//! Subject access: everything the vault holds about one client code, gathered in one step and
//! written as an encrypted bundle the counsellor can hand to the client.
//!
//! The bundle is a tar archive inside an age file encrypted to a passphrase (scrypt), so any
//! age tool opens it (`age -d bundle.age > bundle.tar`) and any tar tool unpacks it. It holds,
//! under one folder `subject-access-CODE/`:
//!
//! - `README.txt` — what is inside, and what is not (audio: recordings are shared separately);
//! - `consents/ID.pdf`, `consents/ID.json` and the signature picture or scan of each consent
//!   record (granted or declined) of the client, with any withdrawal;
//! - `recordings.json` — the client's recordings with their dates and durations;
//! - `bookmarks.json` — the notes made on them;
//! - `listening-log.json` — who listened to which recording, when, and which stretches;
//! - `copies.json` — the copies made of their recordings (exports, shares) and of their
//!   consent records (PDFs), and whether they were destroyed;
//! - `audit-log.json` — every audit entry about their consents, recordings and bookmarks;
//! - `documents/` — transcripts and case studies mentioning them, and `withheld.json` naming
//!   what was left out and why ([`gather_documents`]).
//!
//! Nothing of another client is included: every item is selected by the client code or by the
//! ids of this client's consents and recordings, and each transcript, note and case study
//! passes the disclosure gate for the client ([`crate::disclosure`]); a case study about
//! several clients goes in only anonymised, with every other client's name checked as gone.
//! Everything is built in zeroized memory and streamed through age into a private file
//! ([`crate::retention::private_file`]: mode 0600, through a temporary file beside the destination,
//! renamed into place when complete). The export is logged as `client.exported` with the code
//! and counts only.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use zeroize::Zeroizing;

use crate::consent::attachment::Kind;
use crate::consent::{self, ConsentError};
use crate::disclosure::share;
use crate::disclosure::Recipient;
use crate::documents::case_study::{self, CaseStudyError};
use crate::documents::transcript::anonymise;
use crate::documents::transcript::{self, TranscriptError};
use crate::retention::copies::{self, CopyError};
use crate::sessions::bookmark::{self, BookmarkError};
use crate::sessions::recording::{self, RecordError};
use crate::store::audit::{AuditError, EventKind};
use crate::store::db::DbError;
use crate::store::vault::{Vault, VaultError};

/// What went wrong gathering or writing a subject access bundle.
#[derive(Debug, thiserror::Error)]
pub enum SubjectAccessError {
    /// The vault holds nothing about this client code.
    #[error("the vault holds nothing about client {0}: see `sessionvault consent list`")]
    NotFound(String),
    /// The passphrase is too short.
    #[error(
        "the passphrase must be at least {} characters long",
        share::MIN_PASSPHRASE_CHARS
    )]
    WeakPassphrase,
    /// A consent record could not be read or rendered, or the code is not a client code.
    #[error(transparent)]
    Consent(#[from] ConsentError),
    /// The recordings could not be listed.
    #[error(transparent)]
    Recording(#[from] RecordError),
    /// The bookmarks could not be listed.
    #[error(transparent)]
    Bookmark(#[from] BookmarkError),
    /// The copies could not be listed.
    #[error(transparent)]
    Copies(#[from] CopyError),
    /// The transcripts could not be read.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
    /// The case studies could not be read.
    #[error(transparent)]
    CaseStudy(#[from] CaseStudyError),
    /// Writing the bundle failed; nothing was left at the destination.
    #[error("could not write {path}: {source}")]
    Io {
        /// Where.
        path: String,
        /// Why.
        source: io::Error,
    },
    /// A vault problem.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl crate::ErrorCode for SubjectAccessError {
    fn code(&self) -> &'static str {
        match self {
            SubjectAccessError::NotFound(_) => "client_not_found",
            SubjectAccessError::WeakPassphrase => "weak_passphrase",
            SubjectAccessError::Consent(e) => e.code(),
            SubjectAccessError::Recording(e) => e.code(),
            SubjectAccessError::Bookmark(e) => e.code(),
            SubjectAccessError::Copies(e) => e.code(),
            SubjectAccessError::Transcript(e) => e.code(),
            SubjectAccessError::CaseStudy(e) => e.code(),
            SubjectAccessError::Io { .. } => "io_failed",
            SubjectAccessError::Vault(e) => e.code(),
        }
    }
}

impl From<AuditError> for SubjectAccessError {
    fn from(e: AuditError) -> Self {
        SubjectAccessError::Vault(e.into())
    }
}

impl From<DbError> for SubjectAccessError {
    fn from(e: DbError) -> Self {
        SubjectAccessError::Vault(e.into())
    }
}

impl From<rusqlite::Error> for SubjectAccessError {
    fn from(e: rusqlite::Error) -> Self {
        SubjectAccessError::Vault(DbError::from(e).into())
    }
}

impl From<serde_json::Error> for SubjectAccessError {
    fn from(e: serde_json::Error) -> Self {
        SubjectAccessError::Vault(AuditError::from(e).into())
    }
}

/// A document about the client (a transcript, a case study) to put in the bundle.
pub struct Document {
    /// Its file name under `documents/` (ids only, never a name).
    pub name: String,
    /// Its content; zeroized when dropped.
    pub bytes: Zeroizing<Vec<u8>>,
}

/// What stands for another client's code in a case study about several clients.
const ANOTHER_CLIENT: &str = "[another client]";

/// A transcript or case study about the client that the bundle leaves out, and why (ids and
/// reasons only: nothing of its text).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Withheld {
    /// `transcript` or `case-study`.
    pub kind: &'static str,
    /// Its id.
    pub id: String,
    /// Why it is left out, in words.
    pub reason: String,
}

/// The transcripts and case studies that mention client `client_code`, as files for the
/// bundle's `documents/` folder, and those left out with the reason. Each passes the
/// disclosure gate for the client ([`Recipient::Client`]): a transcript whose recording's
/// consent no longer verifies is left out.
///
/// - Each transcript of the client's recordings: `transcript-<id>.json` (range, speaker key,
///   timed segments) and `transcript-<id>.txt` (lines `[mm:ss] C: …`).
/// - Each case study about the client alone: `case-study-<id>.json` and `.txt`, as written.
/// - A case study about the client and others ([`shared_case_study`]) is included only with
///   its anonymisation list applied, the list's check passing, every other client's code
///   replaced by "[another client]", and no other client's typed name (from their consent
///   records) left in it; otherwise it is withheld, with the reason. Anonymisation lists are
///   never included (they are the counsellor's working notes and name other people).
///
/// Errors: [`SubjectAccessError::Transcript`], [`SubjectAccessError::CaseStudy`],
/// [`SubjectAccessError::Vault`].
pub fn gather_documents(
    vault: &Vault,
    client_code: &str,
) -> Result<(Vec<Document>, Vec<Withheld>), SubjectAccessError> {
    let mut out = Vec::new();
    let mut withheld = Vec::new();
    for id in transcript::ids_for_client(vault, client_code)? {
        match transcript::get_for(vault, &id, Recipient::Client) {
            Ok(t) => out.extend(transcript_documents(&t)?),
            Err(TranscriptError::Disclosure(e)) => withheld.push(Withheld {
                kind: "transcript",
                id,
                reason: e.to_string(),
            }),
            Err(e) => return Err(e.into()),
        }
    }
    for id in case_study::mentioning(vault, client_code)? {
        let study = match case_study::get_for_client(vault, &id, client_code) {
            Ok(study) => study,
            Err(CaseStudyError::Disclosure(e)) => {
                withheld.push(Withheld {
                    kind: "case-study",
                    id,
                    reason: e.to_string(),
                });
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let text = if study.clients.len() == 1 {
            Ok((
                Zeroizing::new(study.title.clone()),
                Zeroizing::new(study.body.clone()),
            ))
        } else {
            shared_case_study(vault, &study, client_code)?
        };
        match text {
            Ok((title, body)) => {
                out.extend(case_study_documents(&study, client_code, &title, &body)?)
            }
            Err(reason) => withheld.push(Withheld {
                kind: "case-study",
                id,
                reason,
            }),
        }
    }
    Ok((out, withheld))
}

/// A transcript as the bundle's two files.
fn transcript_documents(t: &transcript::Transcript) -> Result<Vec<Document>, SubjectAccessError> {
    let key: Vec<String> = t
        .speakers
        .iter()
        .map(|s| format!("{} {}", s.label, s.meaning))
        .collect();
    let mut text = Zeroizing::new(format!(
        "Transcript of the recording of {}\nRange: {:.1} s to {:.1} s\nSpeakers: {}\n\n",
        t.recorded_at,
        t.from_seconds,
        t.until_seconds,
        key.join(", ")
    ));
    for segment in &t.segments {
        text.push_str(&format!(
            "[{}] {} {}\n",
            transcript::format_stamp(std::time::Duration::from_secs_f64(segment.at_seconds)),
            segment.speaker,
            segment.text
        ));
    }
    let json = json!({
        "id": t.id,
        "recording_id": t.recording_id,
        "recorded_at": t.recorded_at,
        "from_seconds": t.from_seconds,
        "until_seconds": t.until_seconds,
        "speakers": t.speakers,
        "segments": t.segments.iter().map(|s| json!({
            "at_seconds": s.at_seconds,
            "speaker": s.speaker,
            "text": s.text,
        })).collect::<Vec<_>>(),
        "created_at": t.created_at,
        "updated_at": t.updated_at,
    });
    Ok(vec![
        Document {
            name: format!("transcript-{}.json", t.id),
            bytes: Zeroizing::new(serde_json::to_vec_pretty(&json)?),
        },
        Document {
            name: format!("transcript-{}.txt", t.id),
            bytes: Zeroizing::new(text.as_bytes().to_vec()),
        },
    ])
}

/// A case study as the bundle's two files, with `title` and `body` as they may be shown.
fn case_study_documents(
    study: &case_study::CaseStudy,
    client_code: &str,
    title: &str,
    body: &str,
) -> Result<Vec<Document>, SubjectAccessError> {
    let json = json!({
        "id": study.id,
        "title": title,
        "owner": study.owner,
        "clients": [client_code],
        "other_clients": study.clients.len() - 1,
        "body": body,
        "final_at": study.final_at,
        "created_at": study.created_at,
        "updated_at": study.updated_at,
    });
    Ok(vec![
        Document {
            name: format!("case-study-{}.json", study.id),
            bytes: Zeroizing::new(serde_json::to_vec_pretty(&json)?),
        },
        Document {
            name: format!("case-study-{}.txt", study.id),
            bytes: Zeroizing::new(format!("{title}\n\n{body}\n").into_bytes()),
        },
    ])
}

/// What of a case study a client may be given: `Ok` with its title and text as shown, or
/// `Err` with the reason it is withheld.
pub type Shown = Result<(Zeroizing<String>, Zeroizing<String>), String>;

/// The title and text a client may be given of a case study that is also about other
/// clients: `Ok` with the anonymised title and text, or `Err` with the reason it is withheld.
///
/// It is given only when its anonymisation list is not empty and its check passes (no
/// original left), every other client's code is replaced, and none of the other clients'
/// typed names (each whole name, and each of its words of three letters or more) is left,
/// by the same wary check as anonymisation uses.
///
/// Errors: [`SubjectAccessError::Consent`] when another client's records cannot be read.
pub fn shared_case_study(
    vault: &Vault,
    study: &case_study::CaseStudy,
    client_code: &str,
) -> Result<Shown, SubjectAccessError> {
    let rules = &study.anonymisation;
    if rules.is_empty() {
        return Ok(Err(
            "it is also about other clients and has no anonymisation list, so \
                       their names and stories cannot be kept out of it"
                .to_owned(),
        ));
    }
    let others: Vec<&String> = study.clients.iter().filter(|c| *c != client_code).collect();
    let hide = |text: &str| {
        let text = anonymise::apply(text, rules);
        others
            .iter()
            .fold(text, |t, code| t.replace(code.as_str(), ANOTHER_CLIENT))
    };
    let title = Zeroizing::new(hide(&study.title));
    let body = Zeroizing::new(hide(&study.body));
    let parts = || {
        [
            ("title".to_owned(), title.as_str()),
            ("text".to_owned(), body.as_str()),
        ]
    };
    if !anonymise::leftovers(parts(), rules).is_empty() {
        return Ok(Err(
            "it is also about other clients and its anonymisation is incomplete \
                       (an original it lists is still in it)"
                .to_owned(),
        ));
    }
    let mut names = Vec::new();
    for code in &others {
        names.extend(typed_names(vault, code)?);
    }
    if !anonymise::leftovers(parts(), &names).is_empty() {
        return Ok(Err(
            "it is also about other clients and still holds another client's \
                       name: add it to the case study's anonymisation list"
                .to_owned(),
        ));
    }
    Ok(Ok((title, body)))
}

/// The typed names on client `code`'s consent records, as rules for the anonymisation check:
/// each whole name and each of its words of three letters or more.
fn typed_names(vault: &Vault, code: &str) -> Result<Vec<anonymise::Rule>, SubjectAccessError> {
    let mut names: Vec<String> = Vec::new();
    let ids: Vec<String> = {
        let conn = vault.db().conn();
        let mut stmt = conn.prepare("SELECT id FROM consents WHERE client_code = ?1")?;
        let rows = stmt.query_map([code], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for id in ids {
        let name = match consent::get(vault, &id) {
            Ok(record) => record.client_name,
            // An unreadable record still names nobody we could check for.
            Err(ConsentError::Refused(_)) => None,
            Err(e) => return Err(e.into()),
        };
        if let Some(name) = name {
            names.push(name.clone());
            names.extend(
                name.split(|c: char| !c.is_alphanumeric())
                    .filter(|w| w.chars().count() >= 3)
                    .map(str::to_owned),
            );
        }
    }
    names.sort();
    names.dedup();
    Ok(names
        .into_iter()
        .map(|original| anonymise::Rule {
            original,
            replacement: ANOTHER_CLIENT.to_owned(),
        })
        .collect())
}

/// What a subject access export wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Bundle {
    /// The client code.
    pub client_code: String,
    /// Consent records (granted and declined) included.
    pub consents: usize,
    /// Recordings listed.
    pub recordings: usize,
    /// Bookmarks included.
    pub bookmarks: usize,
    /// Listenings (starts and ends of playback) in the listening log.
    pub listenings: usize,
    /// Copies (exports, shares) listed.
    pub copies: usize,
    /// Audit entries included.
    pub audit_entries: usize,
    /// Files of transcripts and case studies included (a JSON and a text file for each).
    pub documents: usize,
    /// Bytes of the age file written.
    pub bytes: u64,
    /// SHA-256 of the age file written, hex.
    pub sha256: String,
    /// Where it was written.
    pub out: PathBuf,
}

/// One file of the bundle.
struct Item {
    path: String,
    bytes: Zeroizing<Vec<u8>>,
}

fn json_item(path: String, value: &impl serde::Serialize) -> Result<Item, SubjectAccessError> {
    let mut bytes = Zeroizing::new(serde_json::to_vec_pretty(value)?);
    bytes.push(b'\n');
    Ok(Item { path, bytes })
}

fn extension(kind: Kind) -> &'static str {
    match kind {
        Kind::DrawnSvg => "svg",
        Kind::DrawnPng | Kind::ScanPng => "png",
        Kind::ScanJpeg => "jpg",
        Kind::ScanPdf => "pdf",
    }
}

/// Gathers everything held about `client_code` and writes it to `out` as a tar archive inside
/// an age file encrypted to `passphrase`; logs `client.exported` (the code and counts).
///
/// Invariants: nothing of another client is in the bundle; no audio is; `out` is either the
/// complete bundle or untouched.
///
/// Errors: [`SubjectAccessError::WeakPassphrase`]; [`SubjectAccessError::Consent`] (not a
/// client code, a record that cannot be rendered); [`SubjectAccessError::NotFound`];
/// [`SubjectAccessError::Io`]; [`SubjectAccessError::Vault`] and the listing errors.
pub fn export(
    vault: &mut Vault,
    client_code: &str,
    passphrase: &SecretString,
    out: &Path,
) -> Result<Bundle, SubjectAccessError> {
    share::check_passphrase(passphrase).map_err(|_| SubjectAccessError::WeakPassphrase)?;
    let code = consent::check_client_code(client_code)?;

    let consent_ids: Vec<String> = {
        let conn = vault.db().conn();
        let mut stmt =
            conn.prepare("SELECT id FROM consents WHERE client_code = ?1 ORDER BY signed_at, id")?;
        let rows = stmt.query_map([&code], |r| r.get(0))?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    let mut recordings: Vec<recording::Summary> = recording::list(vault)?
        .into_iter()
        .filter(|r| r.client_code == code)
        .collect();
    recordings.reverse(); // oldest first
    if consent_ids.is_empty() && recordings.is_empty() {
        return Err(SubjectAccessError::NotFound(code));
    }

    let root = format!("subject-access-{code}");
    let mut items = Vec::new();
    for id in &consent_ids {
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
    items.push(json_item(format!("{root}/recordings.json"), &recordings)?);

    let mut bookmarks = Vec::new();
    let mut withheld = Vec::new();
    for r in &recordings {
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
    items.push(json_item(format!("{root}/bookmarks.json"), &bookmarks)?);

    let mut copies = Vec::new();
    for r in &recordings {
        copies.extend(copies::list(
            vault,
            copies::Filter {
                recording_id: Some(&r.id),
                outstanding: false,
            },
        )?);
    }
    copies.extend(copies::of_client_consents(vault, &code)?);
    items.push(json_item(format!("{root}/copies.json"), &copies)?);

    // The audit entries about this client: their consents, their recordings, the bookmarks
    // and copies of those recordings, and the client code itself.
    let recording_ids: Vec<&str> = recordings.iter().map(|r| r.id.as_str()).collect();
    let bookmark_ids: Vec<&str> = bookmarks.iter().map(|b| b.id.as_str()).collect();
    let copy_ids: Vec<&str> = copies.iter().map(|c| c.id.as_str()).collect();
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
    items.push(json_item(format!("{root}/listening-log.json"), &listening)?);
    items.push(json_item(format!("{root}/audit-log.json"), &audit)?);

    let (documents, withheld_documents) = gather_documents(vault, &code)?;
    withheld.extend(withheld_documents);
    let document_count = documents.len();
    for document in documents {
        items.push(Item {
            path: format!("{root}/documents/{}", document.name),
            bytes: document.bytes,
        });
    }
    items.push(json_item(
        format!("{root}/documents/withheld.json"),
        &withheld,
    )?);

    let now = vault.now();
    let readme = readme(
        &code,
        &now.format(&Rfc3339).map_err(AuditError::from)?,
        &vault.public_key().fingerprint(),
        &Counts {
            consents: consent_ids.len(),
            recordings: recordings.len(),
            bookmarks: bookmarks.len(),
            listenings: listening.len(),
            copies: copies.len(),
            audit: audit.len(),
            documents: document_count,
        },
    );
    items.insert(
        0,
        Item {
            path: format!("{root}/README.txt"),
            bytes: Zeroizing::new(readme.into_bytes()),
        },
    );

    let mtime = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    let io_err = |source| SubjectAccessError::Io {
        path: out.display().to_string(),
        source,
    };
    let mut write_tar = |w: &mut dyn Write| -> Result<(), SubjectAccessError> {
        let mut tar = tar::Builder::new(w);
        for item in &items {
            let mut header = tar::Header::new_ustar();
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(item.bytes.len() as u64);
            header.set_mode(0o600);
            header.set_mtime(mtime);
            tar.append_data(&mut header, &item.path, &item.bytes[..])
                .map_err(io_err)?;
        }
        tar.into_inner().map_err(io_err)?;
        Ok(())
    };
    let encryptor = age::Encryptor::with_user_passphrase(passphrase.clone());
    let (sha256, bytes) = share::write_age(out, encryptor, false, &mut write_tar, io_err)?;

    let bundle = Bundle {
        client_code: code.clone(),
        consents: consent_ids.len(),
        recordings: recordings.len(),
        bookmarks: bookmarks.len(),
        listenings: listening.len(),
        copies: copies.len(),
        audit_entries: audit.len(),
        documents: document_count,
        bytes,
        sha256: hex::encode(sha256),
        out: out.to_path_buf(),
    };
    vault.log(
        EventKind::ClientExported,
        Some(&code),
        &json!({
            "consents": bundle.consents,
            "recordings": bundle.recordings,
            "bookmarks": bundle.bookmarks,
            "listenings": bundle.listenings,
            "copies": bundle.copies,
            "audit_entries": bundle.audit_entries,
            "documents": bundle.documents,
        }),
    )?;
    tracing::info!(client = %code, "subject access bundle written");
    Ok(bundle)
}

/// The counts README.txt states.
struct Counts {
    consents: usize,
    recordings: usize,
    bookmarks: usize,
    listenings: usize,
    copies: usize,
    audit: usize,
    documents: usize,
}

/// The bundle's README.txt: what each file holds, and what the bundle leaves out.
fn readme(code: &str, at: &str, fingerprint: &str, n: &Counts) -> String {
    format!(
        "Everything held about client {code}\n\
         ==================================\n\
         \n\
         Gathered by SessionVault on {at}, at the client's request (subject access).\n\
         Records are signed with the counsellor's key, fingerprint {fingerprint}.\n\
         \n\
         consents/            {} consent record(s), granted or declined, with any \
         withdrawal:\n\
         \x20                    ID.pdf (the printable record), ID.json (the same as data) and\n\
         \x20                    the signature picture or paper scan.\n\
         recordings.json      {} recording(s) of sessions: when each was made, how \
         long it is,\n\
         \x20                    its state and the consent it was made under.\n\
         bookmarks.json       {} bookmark(s): timestamped notes the counsellor made on \
         the recordings.\n\
         listening-log.json   {} entries: who listened to which recording (the \
         counsellor,\n\
         \x20                    a supervisor, a tutor, a student), when, and which stretches \
         were heard.\n\
         copies.json          {} copy(ies) made of the recordings (exports, encrypted \
         shares)\n\
         \x20                    and of the consent records (printed PDFs):\n\
         \x20                    when, for whom, and whether each was destroyed.\n\
         audit-log.json       {} entries of the signed audit log about these consents, \
         recordings,\n\
         \x20                    bookmarks and copies (ids and counts only).\n\
         documents/           {} file(s): the transcripts and case studies mentioning \
         the client, as JSON and as text;\n\
         \x20                    withheld.json lists any left out, and why (a case study also \
         about other\n\
         \x20                    clients is included only once their names are kept out of it).\n\
         \n\
         Not included: the audio. Recordings can be shared separately, encrypted, on request.\n\
         Nothing about any other client is included.\n",
        n.consents, n.recordings, n.bookmarks, n.listenings, n.copies, n.audit, n.documents,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readme_states_the_counts_and_that_audio_is_not_included() {
        let text = readme(
            "C-7",
            "2026-01-01T00:00:00Z",
            "ab:cd",
            &Counts {
                consents: 2,
                recordings: 3,
                bookmarks: 4,
                listenings: 5,
                copies: 6,
                audit: 7,
                documents: 0,
            },
        );
        assert!(text.contains("client C-7"));
        assert!(text.contains("2 consent record(s)"));
        assert!(text.contains("3 recording(s)"));
        assert!(text.contains("Not included: the audio"));
    }
}
