//! Renders a consent record as a PDF document.
//!
//! The document is A4, uses the standard Type 1 fonts Helvetica and Helvetica-Bold with
//! WinAnsiEncoding (so no font file is embedded), and is laid out by this module: text is
//! word-wrapped with the standard Helvetica advance widths and paginated onto as many pages
//! as needed. The client's signature is embedded as a vector drawing (SVG, converted with
//! `svg2pdf`), a PNG (FlateDecode, alpha as a soft mask) or a JPEG (DCTDecode, passed through
//! unchanged); a signed paper form kept as a PDF is only referred to by its SHA-256.
//!
//! The fonts, text encoding, wrapping, page flow and footer are shared with the other
//! documents, in `crate::pdf_text`; what is here is the record's own layout and its
//! picture: `layout` places the record's text and picture on the pages, `form_text` splits the
//! form's text into paragraphs and list items, `picture` reads the signature picture and writes
//! it into the PDF, and `jpeg` reads what the PDF needs to know of a JPEG file.

use crate::pdf_text::{write_pdf, DocumentInfo, Op};
use layout::lay_out;
use picture::{write_picture, Picture, PICTURE_NAME};

mod form_text;
mod jpeg;
mod layout;
mod picture;
#[cfg(test)]
mod tests;

/// The picture of the client's signature, or a scan of the signed paper form.
pub enum SignatureImage<'a> {
    /// A drawn signature as SVG (already validated/sanitised by the caller: only shapes, no
    /// scripts, no external refs).
    Svg(&'a [u8]),
    /// A drawn signature or a scanned paper form as PNG.
    Png(&'a [u8]),
    /// A scanned paper form as JPEG.
    Jpeg(&'a [u8]),
    /// A scanned paper form as PDF: not embedded; the page shows that it is attached, with this
    /// SHA-256 (hex).
    PaperPdf {
        /// The SHA-256 of the attached PDF file, in hex.
        sha256_hex: &'a str,
        /// The size of the attached PDF file in bytes.
        bytes: usize,
    },
    /// No signature (a declined record).
    None,
}

/// Everything printed on a consent record's PDF. All strings are UTF-8; the renderer must handle
/// non-ASCII (e.g. "é", "’", "—", "…") without panicking (map to WinAnsi where possible, replace
/// the rest with '?').
pub struct ConsentDocument<'a> {
    /// The document's title, e.g. "Consent to record counselling sessions".
    pub title: &'a str,
    /// The consent record's identifier.
    pub record_id: &'a str,
    /// The record's status, e.g. "Granted", "Declined", "Withdrawn on 2026-12-01".
    pub status: &'a str,
    /// The version of the consent form, e.g. "2026-1"; printed as "Form version 2026-1".
    pub form_version: &'a str,
    /// The SHA-256 (hex) of the consent form's text.
    pub form_hash_hex: &'a str,
    /// The consent form's text: paragraphs separated by blank lines.
    pub form_text: &'a str,
    /// Label/value rows: "Client code", "Purposes", "Who may hear it", "After use", "Case study",
    /// ...
    pub choices: &'a [(&'a str, String)],
    /// The client's typed name.
    pub client_name: Option<&'a str>,
    /// The client's signature picture, a scan of the signed paper form, or none.
    pub signature: SignatureImage<'a>,
    /// The counsellor's name.
    pub counsellor_name: &'a str,
    /// When the record was signed, already formatted.
    pub signed_at: &'a str,
    /// The counsellor's key fingerprint, e.g. "SHA256:ab12:...".
    pub signature_fingerprint: &'a str,
    /// The record's signature in hex (128 hex chars); printed wrapped.
    pub record_signature_hex: &'a str,
}

/// Why a consent record could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The PNG or JPEG signature picture could not be read.
    #[error("the signature picture could not be read: {0}")]
    Image(String),
    /// The SVG signature drawing could not be read or converted.
    #[error("the signature drawing could not be read: {0}")]
    Svg(String),
}

/// Renders the record as a PDF (A4, several pages when needed) and returns its bytes.
pub fn render(doc: &ConsentDocument<'_>) -> Result<Vec<u8>, PdfError> {
    // Read the picture first: a broken picture fails before any layout work.
    let picture = match &doc.signature {
        SignatureImage::Svg(bytes) => Some(Picture::from_svg(bytes)?),
        SignatureImage::Png(bytes) => Some(Picture::from_png(bytes)?),
        SignatureImage::Jpeg(bytes) => Some(Picture::from_jpeg(bytes)?),
        SignatureImage::PaperPdf { .. } | SignatureImage::None => None,
    };
    let pages = lay_out(doc, picture.as_ref());
    Ok(write_consent_pdf(doc, &pages, picture))
}

// ---------------------------------------------------------------------------------------------
// Writing the PDF.

/// Writes the laid-out pages and the picture (on every page's resources) as the PDF's bytes.
fn write_consent_pdf(
    doc: &ConsentDocument<'_>,
    pages: &[Vec<Op>],
    picture: Option<Picture>,
) -> Vec<u8> {
    let info = DocumentInfo {
        title: doc.title,
        subject: &format!("Consent record {}", doc.record_id),
        footer: &format!("Record {}", doc.record_id),
    };
    write_pdf(pages, &info, |pdf, alloc| {
        picture
            .map(|picture| (PICTURE_NAME, write_picture(pdf, alloc, picture)))
            .into_iter()
            .collect()
    })
}
