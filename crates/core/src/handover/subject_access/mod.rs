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
//! ([`crate::copies::private_file`]: mode 0600, through a temporary file beside the destination,
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
use crate::copies::CopyError;
use crate::documents::case_study::CaseStudyError;
use crate::documents::transcript::TranscriptError;
use crate::handover::share;
use crate::sessions::bookmark::BookmarkError;
use crate::sessions::recording::RecordError;
use crate::store::audit::{AuditError, EventKind};
use crate::store::db::DbError;
use crate::store::vault::{Vault, VaultError};

mod documents;
mod gather;
pub use documents::{gather_documents, shared_case_study};

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

crate::store::vault::vault_variant_from!(SubjectAccessError: AuditError, DbError, rusqlite::Error);

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
    let held = gather::held_about(vault, &code)?;
    let root = format!("subject-access-{code}");
    let mut items = gather::consent_items(vault, &root, &held.consent_ids)?;
    items.push(json_item(
        format!("{root}/recordings.json"),
        &held.recordings,
    )?);
    items.push(json_item(
        format!("{root}/bookmarks.json"),
        &held.bookmarks,
    )?);
    items.push(json_item(format!("{root}/copies.json"), &held.copies)?);
    items.push(json_item(
        format!("{root}/listening-log.json"),
        &held.listening,
    )?);
    items.push(json_item(format!("{root}/audit-log.json"), &held.audit)?);
    let mut withheld = held.withheld;
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
    let counts = Counts {
        consents: held.consent_ids.len(),
        recordings: held.recordings.len(),
        bookmarks: held.bookmarks.len(),
        listenings: held.listening.len(),
        copies: held.copies.len(),
        audit: held.audit.len(),
        documents: document_count,
    };
    let now = vault.now();
    let readme = readme(
        &code,
        &now.format(&Rfc3339).map_err(AuditError::from)?,
        &vault.public_key().fingerprint(),
        &counts,
    );
    items.insert(
        0,
        Item {
            path: format!("{root}/README.txt"),
            bytes: Zeroizing::new(readme.into_bytes()),
        },
    );
    let mtime = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    let (sha256, bytes) = write_bundle(out, passphrase, &items, mtime)?;
    let bundle = Bundle {
        client_code: code.clone(),
        consents: counts.consents,
        recordings: counts.recordings,
        bookmarks: counts.bookmarks,
        listenings: counts.listenings,
        copies: counts.copies,
        audit_entries: counts.audit,
        documents: counts.documents,
        bytes,
        sha256: hex::encode(sha256),
        out: out.to_path_buf(),
    };
    log_export(vault, &bundle)?;
    tracing::info!(client = %code, "subject access bundle written");
    Ok(bundle)
}

/// Writes `items` as a tar archive streamed through age (to `passphrase`) into the private
/// file `out`. Returns the age file's SHA-256 and size.
fn write_bundle(
    out: &Path,
    passphrase: &SecretString,
    items: &[Item],
    mtime: u64,
) -> Result<([u8; 32], u64), SubjectAccessError> {
    let io_err = |source| SubjectAccessError::Io {
        path: out.display().to_string(),
        source,
    };
    let mut write_tar = |w: &mut dyn Write| -> Result<(), SubjectAccessError> {
        let mut tar = tar::Builder::new(w);
        for item in items {
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
    share::write_age(out, encryptor, false, &mut write_tar, io_err)
}

/// Logs `client.exported` with the code and the counts only.
fn log_export(vault: &mut Vault, bundle: &Bundle) -> Result<(), SubjectAccessError> {
    vault.log(
        EventKind::ClientExported,
        Some(&bundle.client_code),
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
    Ok(())
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
