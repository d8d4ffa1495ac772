//! Saving a stored certificate to a file the counsellor chose: its signed JSON, or its PDF.

use std::io;
use std::path::Path;

use super::pdf::PdfError;
use super::CertificateError;
use crate::copies::private_file::{write, Written};
use crate::store::vault::Vault;

/// The two forms a destruction certificate is saved in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateFormat {
    /// The signed JSON, checkable with `sessionvault certificate verify`.
    Json,
    /// The PDF, for printing.
    Pdf,
}

impl CertificateFormat {
    /// The format named by `path`'s extension: `.json` or `.pdf` (any case); `None` for any
    /// other.
    pub fn of_path(path: &Path) -> Option<CertificateFormat> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "json" => Some(CertificateFormat::Json),
            "pdf" => Some(CertificateFormat::Pdf),
            _ => None,
        }
    }
}

/// What went wrong saving a certificate.
#[derive(Debug, thiserror::Error)]
pub enum CertificateSaveError {
    /// The certificate could not be read, or does not verify.
    #[error(transparent)]
    Certificate(#[from] CertificateError),
    /// Its PDF could not be made.
    #[error(transparent)]
    Pdf(#[from] PdfError),
    /// The file could not be written; nothing was left at the destination.
    #[error("could not write {path}: {source}")]
    Io {
        /// Where.
        path: String,
        /// Why.
        source: io::Error,
    },
}

impl crate::ErrorCode for CertificateSaveError {
    fn code(&self) -> &'static str {
        match self {
            CertificateSaveError::Certificate(e) => e.code(),
            CertificateSaveError::Pdf(e) => e.code(),
            CertificateSaveError::Io { .. } => "io_failed",
        }
    }
}

/// A certificate saved to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedCertificate {
    /// The certificate's id.
    pub certificate_id: String,
    /// What was written.
    pub written: Written,
}

/// Saves stored certificate `id` to `out` in `format`, as a private file. A certificate holds
/// no client text (client codes and ids only), so it is not recorded as an outstanding copy.
///
/// Errors: [`CertificateSaveError::Certificate`] (not found, altered),
/// [`CertificateSaveError::Pdf`], [`CertificateSaveError::Io`].
pub fn save_certificate(
    vault: &Vault,
    id: &str,
    format: CertificateFormat,
    out: &Path,
) -> Result<SavedCertificate, CertificateSaveError> {
    let signed = super::get(vault, id)?;
    let bytes = match format {
        CertificateFormat::Json => super::to_json(&signed)?.into_bytes(),
        CertificateFormat::Pdf => super::pdf::render(&signed)?,
    };
    let written = write(out, &bytes).map_err(|source| CertificateSaveError::Io {
        path: out.display().to_string(),
        source,
    })?;
    tracing::info!(certificate = %signed.certificate.id, "certificate saved");
    Ok(SavedCertificate {
        certificate_id: signed.certificate.id,
        written,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_formats_come_from_the_extension() {
        let of = |p: &str| CertificateFormat::of_path(Path::new(p));
        assert_eq!(of("a/c.json"), Some(CertificateFormat::Json));
        assert_eq!(of("c.PDF"), Some(CertificateFormat::Pdf));
        assert_eq!(of("c.txt"), None);
        assert_eq!(of("c"), None);
    }
}
