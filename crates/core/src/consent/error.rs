//! What can go wrong with a consent operation, and the code each error is known by.

use super::attachment::AttachmentError;
use super::{pdf, Refusal};
use crate::course::CourseError;
use crate::store::db::DbError;
use crate::store::vault::VaultError;

/// What went wrong with a consent operation.
#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    /// A field of the input is not acceptable; nothing was stored.
    #[error("{field}: {reason}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// Why, and what is accepted.
        reason: String,
    },
    /// The signature picture or scan is not acceptable; nothing was stored.
    #[error("client signature: {0}")]
    Attachment(#[from] AttachmentError),
    /// No consent record has this id.
    #[error("there is no consent record with id {0}: see `sessionvault consent list`")]
    NotFound(String),
    /// The gate refuses this consent.
    #[error("{0}")]
    Refused(Refusal),
    /// The consent was already withdrawn.
    #[error("this consent was already withdrawn on {0}")]
    AlreadyWithdrawn(String),
    /// The PDF could not be made.
    #[error("the consent PDF could not be made: {0}")]
    Pdf(#[from] pdf::PdfError),
    /// The PDF could not be written; nothing was left at the destination.
    #[error("could not write {path}: {source}")]
    Io {
        /// Where.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A course problem.
    #[error(transparent)]
    Course(#[from] CourseError),
    /// A vault problem.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl crate::ErrorCode for ConsentError {
    fn code(&self) -> &'static str {
        match self {
            ConsentError::Invalid { .. } => "invalid_input",
            ConsentError::Attachment(_) => "invalid_signature_file",
            ConsentError::NotFound(_) => "consent_not_found",
            ConsentError::Refused(r) => r.code(),
            ConsentError::AlreadyWithdrawn(_) => "consent_already_withdrawn",
            ConsentError::Pdf(_) => "pdf_failed",
            ConsentError::Io { .. } => "io_failed",
            ConsentError::Course(e) => e.code(),
            ConsentError::Vault(e) => e.code(),
        }
    }
}

crate::store::vault::vault_variant_from!(ConsentError: rusqlite::Error, DbError);

impl From<crate::store::audit::AuditError> for ConsentError {
    fn from(e: crate::store::audit::AuditError) -> Self {
        ConsentError::Vault(e.into())
    }
}
