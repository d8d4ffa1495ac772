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
//! documents, in `crate::documents::pdf_text`; what is here is the record's own layout and its
//! picture.

use std::collections::HashMap;
use std::io::Cursor;

use pdf_writer::{Chunk, Filter, Finish, Name, Pdf, Ref};
use svg2pdf::usvg;

use crate::documents::pdf_text::{
    deflate, encode_winansi, wrap, wrap_evenly, write_pdf, DocumentInfo, Layout, Op, BODY,
    BODY_LEADING, BOTTOM, CONTENT_W, LABEL, MARGIN, MUTED_GRAY, ROW_PAD, RULE_GRAY, SMALL,
    SMALL_BOLD, TITLE, TOP, VALUE_X,
};

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
// The picture's sizes (PDF points) and limits.

/// The width of the box a drawn signature is fitted into.
const SIGNATURE_BOX_W: f32 = 240.0;
/// The height of the box a drawn signature is fitted into.
const SIGNATURE_BOX_H: f32 = 90.0;
/// The largest height a scanned paper form is shown at.
const SCAN_MAX_H: f32 = 560.0;
/// A PNG at least this many pixels wide and high is taken for a scan of the paper form.
const SCAN_MIN_PIXELS: u32 = 800;
/// The most pixels a PNG may have (a 600 dpi A4 scan has about 35 million).
const MAX_PNG_PIXELS: u64 = 64_000_000;

/// The resource name of the signature picture's XObject.
const PICTURE_NAME: Name<'static> = Name(b"Im1");

// ---------------------------------------------------------------------------------------------
// The form's text.

/// If a line of the form text starts a list item ("- ", "* ", "• ", "1. ", "a) "), the length in
/// bytes of its marker including the space after it.
fn list_marker_len(line: &str) -> Option<usize> {
    for marker in ["- ", "* ", "\u{2022} ", "\u{2013} "] {
        if line.starts_with(marker) {
            return Some(marker.len());
        }
    }
    let label_len = line
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    let label = &line[..label_len];
    let is_label = (1..=3).contains(&label_len)
        && (label.bytes().all(|b| b.is_ascii_digit())
            || (label_len == 1 && label.bytes().all(|b| b.is_ascii_lowercase())));
    let rest = &line[label_len..];
    if is_label && (rest.starts_with(". ") || rest.starts_with(") ")) {
        return Some(label_len + 2);
    }
    None
}

/// One block of the form text: a paragraph, or an item of a list.
#[derive(Debug, PartialEq, Eq)]
struct FormBlock {
    /// The list marker ("-", "1.") when the block is a list item.
    marker: Option<String>,
    /// The block's text, its soft line breaks joined with spaces.
    text: String,
    /// Whether a paragraph break follows this block.
    ends_paragraph: bool,
}

/// Splits the form text into paragraphs (at blank lines) and list items (lines starting with a
/// list marker); other line breaks inside a paragraph are taken for soft wraps.
fn form_blocks(text: &str) -> Vec<FormBlock> {
    let mut blocks: Vec<FormBlock> = Vec::new();
    let mut in_paragraph = false;
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            if let Some(last) = blocks.last_mut() {
                last.ends_paragraph = true;
            }
            in_paragraph = false;
            continue;
        }
        let marker = list_marker_len(line);
        match blocks.last_mut() {
            Some(last) if in_paragraph && marker.is_none() => {
                last.text.push(' ');
                last.text.push_str(line);
            }
            _ => {
                let (marker, text) = match marker {
                    Some(n) => (Some(line[..n].trim_end().to_owned()), line[n..].to_owned()),
                    None => (None, line.to_owned()),
                };
                blocks.push(FormBlock {
                    marker,
                    text,
                    ends_paragraph: false,
                });
            }
        }
        in_paragraph = true;
    }
    if let Some(last) = blocks.last_mut() {
        last.ends_paragraph = true;
    }
    blocks
}

// ---------------------------------------------------------------------------------------------
// Layout: what is drawn where, page by page.

/// Places the signature picture: a drawn signature in the value column, fitted into the
/// signature box, above a signature line; a scanned form across the full width, framed.
fn place_picture(layout: &mut Layout, picture: &Picture) {
    let (pixel_w, pixel_h) = picture.display_size();
    let (box_w, box_h) = if picture.is_scan {
        (CONTENT_W, SCAN_MAX_H)
    } else {
        (SIGNATURE_BOX_W, SIGNATURE_BOX_H)
    };
    let mut scale = (box_w / pixel_w).min(box_h / pixel_h);
    if picture.is_scan {
        // A small scan is not blown up beyond one point per pixel.
        scale = scale.min(1.0);
    }
    let (w, h) = (pixel_w * scale, pixel_h * scale);
    if picture.is_scan {
        let label = encode_winansi("Signed paper form (scan):");
        layout.ensure(BODY_LEADING + ROW_PAD + h + 2.0 * ROW_PAD);
        layout.y -= ROW_PAD;
        let top = layout.y;
        layout.text_at(MARGIN, top, LABEL, label);
        layout.y -= BODY_LEADING + ROW_PAD;
        let (x, y) = (MARGIN + (CONTENT_W - w) / 2.0, layout.y - h);
        layout.push(Op::XObject {
            name: PICTURE_NAME,
            matrix: picture.matrix(x, y, w, h),
        });
        layout.push(Op::Frame {
            rect: [x, y, w, h],
            gray: RULE_GRAY,
        });
        layout.y = y - ROW_PAD;
    } else {
        layout.ensure(box_h + 2.0 * ROW_PAD + 4.0);
        layout.y -= ROW_PAD;
        let top = layout.y;
        layout.text_at(MARGIN, top, LABEL, encode_winansi("Client's signature"));
        let (x, y) = (VALUE_X, top - box_h + (box_h - h) / 2.0);
        layout.push(Op::XObject {
            name: PICTURE_NAME,
            matrix: picture.matrix(x, y, w, h),
        });
        let line_y = top - box_h - 2.0;
        layout.push(Op::Line {
            from: (VALUE_X, line_y),
            to: (VALUE_X + SIGNATURE_BOX_W, line_y),
            width: 0.5,
            gray: MUTED_GRAY,
        });
        layout.y = line_y - 2.0 - ROW_PAD;
    }
    layout.rule(RULE_GRAY);
}

/// Lays out the whole document.
fn lay_out(doc: &ConsentDocument<'_>, picture: Option<&Picture>) -> Vec<Vec<Op>> {
    let mut layout = Layout::new();

    // Header.
    layout.paragraph(MARGIN, CONTENT_W, TITLE, doc.title);
    layout.gap(4.0);
    layout.paragraph(
        MARGIN,
        CONTENT_W,
        BODY,
        &format!("Record {}   \u{b7}   Status: {}", doc.record_id, doc.status),
    );
    layout.paragraph(
        MARGIN,
        CONTENT_W,
        SMALL,
        &format!(
            "Form version {} (SHA-256 {})",
            doc.form_version, doc.form_hash_hex
        ),
    );
    layout.gap(6.0);
    layout.rule(RULE_GRAY);
    layout.gap(BODY_LEADING * 0.75);

    // The form's text.
    for block in form_blocks(doc.form_text) {
        match &block.marker {
            Some(marker) => layout.list_item(marker, &block.text),
            None => layout.paragraph(MARGIN, CONTENT_W, BODY, &block.text),
        }
        if block.ends_paragraph {
            layout.gap(BODY_LEADING * 0.6);
        }
    }

    // The client's choices.
    if !doc.choices.is_empty() {
        layout.heading("Choices");
        layout.rule(RULE_GRAY);
        for (label, value) in doc.choices {
            layout.row(label, value);
        }
    }

    // Signatures.
    layout.heading("Signatures");
    layout.rule(RULE_GRAY);
    layout.row(
        "Client's name",
        doc.client_name.unwrap_or("(no name given)"),
    );
    match (&doc.signature, picture) {
        (SignatureImage::PaperPdf { sha256_hex, bytes }, _) => layout.row_parts(
            "Client's signature",
            &[
                (
                    BODY,
                    &format!(
                        "On the signed paper form, attached as a PDF file ({} bytes).",
                        group_thousands(*bytes)
                    ),
                ),
                (SMALL, &format!("SHA-256 {sha256_hex}")),
            ],
        ),
        (_, Some(picture)) => place_picture(&mut layout, picture),
        (_, None) => layout.row("Client's signature", "No signature: consent declined"),
    }
    layout.row("Counsellor", doc.counsellor_name);
    layout.row("Signed at", doc.signed_at);

    // The counsellor's signature over the record, kept together.
    let key_line = format!(
        "Signed by the counsellor's key {}",
        doc.signature_fingerprint
    );
    let key_lines = wrap(
        &encode_winansi(&key_line),
        SMALL.font,
        SMALL.size,
        CONTENT_W,
    );
    let hex = encode_winansi(doc.record_signature_hex);
    let hex_lines = if hex.contains(&b' ') {
        wrap(&hex, SMALL.font, SMALL.size, CONTENT_W)
    } else {
        wrap_evenly(&hex, SMALL.font, SMALL.size, CONTENT_W)
    };
    let block_h = (key_lines.len() + 1 + hex_lines.len()) as f32 * SMALL.leading + BODY_LEADING;
    layout.gap(BODY_LEADING);
    if block_h <= TOP - BOTTOM {
        layout.ensure(block_h);
    }
    layout.lines(MARGIN, SMALL, key_lines);
    layout.lines(
        MARGIN,
        SMALL_BOLD,
        vec![encode_winansi("Record signature:")],
    );
    layout.lines(MARGIN, SMALL, hex_lines);

    layout.into_pages()
}

// ---------------------------------------------------------------------------------------------
// The signature picture.

/// The colour space of raster samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ColorSpace {
    Gray,
    Rgb,
    Cmyk,
}

/// A raster image's samples and how they are stored.
struct Raster {
    /// The stream data (DCT-encoded JPEG, or zlib-deflated samples).
    data: Vec<u8>,
    filter: Filter,
    width: u32,
    height: u32,
    color: ColorSpace,
    /// Inverted CMYK (as Adobe's JPEGs are stored).
    inverted: bool,
    /// Deflated 8-bit alpha, the soft mask.
    alpha: Option<Vec<u8>>,
    /// The EXIF orientation (1-8) to display the image in.
    orientation: u8,
}

/// An SVG drawing converted to a form XObject by `svg2pdf`.
struct Vector {
    chunk: Chunk,
    /// The XObject's id within `chunk`.
    root: Ref,
    width: f32,
    height: f32,
}

enum PictureKind {
    Raster(Raster),
    Vector(Vector),
}

/// The signature picture, read and ready to embed.
struct Picture {
    kind: PictureKind,
    /// Whether it is a scan of the paper form (shown large) rather than a drawn signature.
    is_scan: bool,
}

impl Picture {
    fn from_svg(bytes: &[u8]) -> Result<Picture, PdfError> {
        let options = usvg::Options {
            // Defence in depth: never read files or embedded pictures referred to by the drawing.
            image_href_resolver: usvg::ImageHrefResolver {
                resolve_data: Box::new(|_, _, _| None),
                resolve_string: Box::new(|_, _| None),
            },
            ..usvg::Options::default()
        };
        let tree =
            usvg::Tree::from_data(bytes, &options).map_err(|e| PdfError::Svg(e.to_string()))?;
        let size = tree.size();
        let (width, height) = (size.width(), size.height());
        if !(width.is_finite() && height.is_finite() && width > 0.0 && height > 0.0) {
            return Err(PdfError::Svg("the drawing has no size".into()));
        }
        let (chunk, root) = svg2pdf::to_chunk(&tree, svg2pdf::ConversionOptions::default())
            .map_err(|e| PdfError::Svg(e.to_string()))?;
        Ok(Picture {
            kind: PictureKind::Vector(Vector {
                chunk,
                root,
                width,
                height,
            }),
            is_scan: false,
        })
    }

    fn from_png(bytes: &[u8]) -> Result<Picture, PdfError> {
        let image_err = |e: png::DecodingError| PdfError::Image(format!("PNG: {e}"));
        let mut decoder = png::Decoder::new(Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info().map_err(image_err)?;
        let (width, height) = reader.info().size();
        if u64::from(width) * u64::from(height) > MAX_PNG_PIXELS {
            return Err(PdfError::Image(format!(
                "PNG: {width}x{height} pixels is too large"
            )));
        }
        let size = reader
            .output_buffer_size()
            .ok_or_else(|| PdfError::Image("PNG: the image is too large".into()))?;
        let mut buf = vec![0; size];
        let info = reader.next_frame(&mut buf).map_err(image_err)?;
        buf.truncate(info.buffer_size());
        if info.bit_depth != png::BitDepth::Eight {
            return Err(PdfError::Image("PNG: unexpected bit depth".into()));
        }
        let (color, channels, has_alpha) = match info.color_type {
            png::ColorType::Grayscale => (ColorSpace::Gray, 1, false),
            png::ColorType::GrayscaleAlpha => (ColorSpace::Gray, 2, true),
            png::ColorType::Rgb => (ColorSpace::Rgb, 3, false),
            png::ColorType::Rgba => (ColorSpace::Rgb, 4, true),
            png::ColorType::Indexed => {
                return Err(PdfError::Image("PNG: unexpected palette output".into()))
            }
        };
        let pixels = info.width as usize * info.height as usize;
        if buf.len() < pixels * channels {
            return Err(PdfError::Image("PNG: the image data is incomplete".into()));
        }
        let (samples, alpha) = if has_alpha {
            let colour_channels = channels - 1;
            let mut samples = Vec::with_capacity(pixels * colour_channels);
            let mut alpha = Vec::with_capacity(pixels);
            for pixel in buf.chunks_exact(channels) {
                samples.extend_from_slice(&pixel[..colour_channels]);
                alpha.push(pixel[colour_channels]);
            }
            let opaque = alpha.iter().all(|&a| a == u8::MAX);
            (samples, (!opaque).then_some(alpha))
        } else {
            (buf, None)
        };
        Ok(Picture {
            kind: PictureKind::Raster(Raster {
                data: deflate(&samples),
                filter: Filter::FlateDecode,
                width: info.width,
                height: info.height,
                color,
                inverted: false,
                alpha: alpha.map(|a| deflate(&a)),
                orientation: 1,
            }),
            is_scan: info.width >= SCAN_MIN_PIXELS && info.height >= SCAN_MIN_PIXELS,
        })
    }

    fn from_jpeg(bytes: &[u8]) -> Result<Picture, PdfError> {
        let header = parse_jpeg(bytes).map_err(|e| PdfError::Image(format!("JPEG: {e}")))?;
        let color = match header.components {
            1 => ColorSpace::Gray,
            3 => ColorSpace::Rgb,
            _ => ColorSpace::Cmyk,
        };
        Ok(Picture {
            kind: PictureKind::Raster(Raster {
                data: bytes.to_vec(),
                filter: Filter::DctDecode,
                width: header.width,
                height: header.height,
                color,
                inverted: color == ColorSpace::Cmyk && header.adobe,
                alpha: None,
                orientation: header.orientation,
            }),
            is_scan: true,
        })
    }

    /// The picture's width and height as displayed (pixels, or SVG user units).
    fn display_size(&self) -> (f32, f32) {
        match &self.kind {
            PictureKind::Raster(r) => {
                let (w, h) = (r.width.max(1) as f32, r.height.max(1) as f32);
                if r.orientation >= 5 {
                    (h, w)
                } else {
                    (w, h)
                }
            }
            PictureKind::Vector(v) => (v.width, v.height),
        }
    }

    /// The transformation that draws the picture's unit square into the box at (x, y) of
    /// size w×h, applying a JPEG's EXIF orientation.
    fn matrix(&self, x: f32, y: f32, w: f32, h: f32) -> [f32; 6] {
        let orientation = match &self.kind {
            PictureKind::Raster(r) => r.orientation,
            PictureKind::Vector(_) => 1,
        };
        orientation_matrix(orientation, x, y, w, h)
    }
}

/// Maps an image's unit square into the box at (x, y) of size w×h (both as displayed), so that
/// the image appears as its EXIF orientation says it should.
fn orientation_matrix(orientation: u8, x: f32, y: f32, w: f32, h: f32) -> [f32; 6] {
    match orientation {
        2 => [-w, 0.0, 0.0, h, x + w, y],
        3 => [-w, 0.0, 0.0, -h, x + w, y + h],
        4 => [w, 0.0, 0.0, -h, x, y + h],
        5 => [0.0, -h, -w, 0.0, x + w, y + h],
        6 => [0.0, -h, w, 0.0, x, y + h],
        7 => [0.0, h, w, 0.0, x, y],
        8 => [0.0, h, -w, 0.0, x + w, y],
        _ => [w, 0.0, 0.0, h, x, y],
    }
}

/// Writes a number with commas between groups of three digits: 48213 -> "48,213".
fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// What the PDF needs to know about a JPEG file.
#[derive(Debug, PartialEq, Eq)]
struct JpegHeader {
    width: u32,
    height: u32,
    components: u8,
    /// Whether the file has Adobe's APP14 marker (whose CMYK data is stored inverted).
    adobe: bool,
    /// The EXIF orientation, 1 when there is none.
    orientation: u8,
}

/// Reads the frame header of a JPEG file, checking that PDF's DCTDecode filter can show it
/// (baseline, extended or progressive Huffman coding, 8 bits, 1, 3 or 4 components).
fn parse_jpeg(data: &[u8]) -> Result<JpegHeader, String> {
    let be16 = |at: usize| -> Option<u16> {
        let bytes = data.get(at..at.checked_add(2)?)?;
        Some(u16::from_be_bytes([bytes[0], bytes[1]]))
    };
    if !data.starts_with(&[0xff, 0xd8]) {
        return Err("not a JPEG file".into());
    }
    let mut pos = 2;
    let mut frame: Option<(u32, u32, u8)> = None;
    let mut adobe = false;
    let mut orientation = 1;
    loop {
        if data.get(pos) != Some(&0xff) {
            return Err(if pos >= data.len() {
                "the file ends before the image data".into()
            } else {
                "the file is damaged (no marker where one was expected)".into()
            });
        }
        while data.get(pos) == Some(&0xff) {
            pos += 1;
        }
        let marker = *data.get(pos).ok_or("the file ends before the image data")?;
        pos += 1;
        match marker {
            0xd8 | 0x01 | 0xd0..=0xd7 => continue,
            0xd9 => return Err("the file ends before the image data".into()),
            0xda => {
                let (width, height, components) =
                    frame.ok_or("the image data comes before the frame header")?;
                let len = usize::from(be16(pos).ok_or("the file is truncated")?);
                if len < 2 || pos + len > data.len() {
                    return Err("the scan header is truncated".into());
                }
                return Ok(JpegHeader {
                    width,
                    height,
                    components,
                    adobe,
                    orientation,
                });
            }
            _ => {}
        }
        let len = usize::from(be16(pos).ok_or("the file is truncated")?);
        if len < 2 {
            return Err("the file is damaged (bad segment length)".into());
        }
        let segment = data
            .get(pos + 2..pos + len)
            .ok_or("the file is truncated")?;
        match marker {
            0xc0..=0xc2 => {
                if frame.is_some() {
                    return Err("the file has more than one frame".into());
                }
                let &[precision, h1, h0, w1, w0, components, ..] = segment else {
                    return Err("the frame header is truncated".into());
                };
                if precision != 8 {
                    return Err(format!("{precision}-bit samples are not supported"));
                }
                let height = u32::from(u16::from_be_bytes([h1, h0]));
                let width = u32::from(u16::from_be_bytes([w1, w0]));
                if width == 0 || height == 0 {
                    return Err("the image has no size".into());
                }
                if !matches!(components, 1 | 3 | 4) {
                    return Err(format!("{components} colour components are not supported"));
                }
                if segment.len() < 6 + 3 * usize::from(components) {
                    return Err("the frame header is truncated".into());
                }
                frame = Some((width, height, components));
            }
            0xc3 | 0xc5..=0xc7 | 0xc9..=0xcb | 0xcd..=0xcf => {
                return Err(
                    "lossless, hierarchical or arithmetic-coded JPEG is not supported".into(),
                )
            }
            0xe1 => {
                if let Some(tiff) = segment.strip_prefix(b"Exif\0\0") {
                    orientation = exif_orientation(tiff).unwrap_or(1);
                }
            }
            0xee if segment.starts_with(b"Adobe") => adobe = true,
            _ => {}
        }
        pos += len;
    }
}

/// The orientation tag (1-8) of EXIF data (a TIFF structure), if it has a valid one.
fn exif_orientation(tiff: &[u8]) -> Option<u8> {
    let little = match tiff.get(..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b = tiff.get(at..at.checked_add(2)?)?;
        Some(if little {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b = tiff.get(at..at.checked_add(4)?)?;
        Some(if little {
            u32::from_le_bytes([b[0], b[1], b[2], b[3]])
        } else {
            u32::from_be_bytes([b[0], b[1], b[2], b[3]])
        })
    };
    if u16_at(2)? != 42 {
        return None;
    }
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    for i in 0..count {
        let entry = ifd.checked_add(2 + 12 * i)?;
        // Tag 0x0112 (Orientation), type 3 (SHORT), count 1.
        if u16_at(entry)? == 0x0112 {
            if u16_at(entry + 2)? != 3 || u32_at(entry + 4)? != 1 {
                return None;
            }
            let value = u16_at(entry + 8)?;
            return u8::try_from(value).ok().filter(|v| (1..=8).contains(v));
        }
    }
    None
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

/// Writes the picture's objects and returns the id of the XObject to draw.
fn write_picture(pdf: &mut Pdf, alloc: &mut Ref, picture: Picture) -> Ref {
    match picture.kind {
        PictureKind::Raster(raster) => {
            let image_id = alloc.bump();
            let mask_id = raster.alpha.as_ref().map(|_| alloc.bump());
            let width = i32::try_from(raster.width).unwrap_or(i32::MAX);
            let height = i32::try_from(raster.height).unwrap_or(i32::MAX);
            let mut image = pdf.image_xobject(image_id, &raster.data);
            image.filter(raster.filter);
            image.width(width).height(height).bits_per_component(8);
            match raster.color {
                ColorSpace::Gray => image.color_space().device_gray(),
                ColorSpace::Rgb => image.color_space().device_rgb(),
                ColorSpace::Cmyk => image.color_space().device_cmyk(),
            }
            if raster.inverted {
                image.decode([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
            }
            if let Some(mask_id) = mask_id {
                image.s_mask(mask_id);
            }
            image.finish();
            if let (Some(mask_id), Some(alpha)) = (mask_id, &raster.alpha) {
                let mut mask = pdf.image_xobject(mask_id, alpha);
                mask.filter(Filter::FlateDecode);
                mask.width(width).height(height).bits_per_component(8);
                mask.color_space().device_gray();
                mask.finish();
            }
            image_id
        }
        PictureKind::Vector(vector) => {
            let mut map = HashMap::new();
            let chunk = vector
                .chunk
                .renumber(|old| *map.entry(old).or_insert_with(|| alloc.bump()));
            pdf.extend(&chunk);
            // svg2pdf always defines its root XObject in the chunk, so it has been renumbered.
            map.get(&vector.root).copied().unwrap_or(vector.root)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    const SVG_SIGNATURE: &[u8] = br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100"><path d="M10 80 C 40 10, 65 10, 95 80 S 150 150, 180 80" stroke="black" fill="none" stroke-width="3"/></svg>"#;

    /// An 8x8 grey baseline JPEG (made with libjpeg's cjpeg).
    const GREY_JPEG: [u8; 195] = [
        0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x08, 0x06, 0x06, 0x07, 0x06,
        0x05, 0x08, 0x07, 0x07, 0x07, 0x09, 0x09, 0x08, 0x0a, 0x0c, 0x14, 0x0d, 0x0c, 0x0b, 0x0b,
        0x0c, 0x19, 0x12, 0x13, 0x0f, 0x14, 0x1d, 0x1a, 0x1f, 0x1e, 0x1d, 0x1a, 0x1c, 0x1c, 0x20,
        0x24, 0x2e, 0x27, 0x20, 0x22, 0x2c, 0x23, 0x1c, 0x1c, 0x28, 0x37, 0x29, 0x2c, 0x30, 0x31,
        0x34, 0x34, 0x34, 0x1f, 0x27, 0x39, 0x3d, 0x38, 0x32, 0x3c, 0x2e, 0x33, 0x34, 0x32, 0xff,
        0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00,
        0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x03, 0xff, 0xc4, 0x00, 0x20, 0x10, 0x00, 0x01, 0x02, 0x05, 0x05, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x01, 0x12, 0x02, 0x03,
        0x04, 0x13, 0x14, 0x00, 0x05, 0x06, 0x07, 0x15, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00,
        0x00, 0x3f, 0x00, 0x3e, 0xbb, 0x95, 0xe2, 0x71, 0xea, 0xbd, 0xdb, 0x1e, 0xf6, 0x0d, 0x24,
        0xca, 0x9b, 0x4e, 0x6b, 0xd9, 0x02, 0xc4, 0xd2, 0x14, 0x10, 0x08, 0x5d, 0x7f, 0xff, 0xd9,
    ];

    const RECORD_SIGNATURE: &str = "3f1a9c0b7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a\
                                    4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c";

    /// About 900 words of form text in paragraphs, with a list.
    fn long_form_text() -> String {
        let sentences = [
            "Your counsellor would like to record some of your sessions.",
            "Recordings help counsellors reflect on their work and take part in supervision.",
            "You can say no, and saying no will not change the help you are offered.",
            "You can change your mind at any time, before or after a session is recorded.",
            "Recordings are encrypted and kept on the counsellor\u{2019}s computer only.",
            "Nobody outside the purposes you choose below will hear a recording.",
            "When a recording is no longer needed for those purposes it is deleted.",
            "If you have questions about this form, please ask before you sign it.",
        ];
        let mut text = String::new();
        let mut words = 0;
        let mut paragraph = 0;
        while words < 900 {
            for i in 0..6 {
                let sentence = sentences[(paragraph * 3 + i) % sentences.len()];
                if i > 0 {
                    // Soft line breaks inside a paragraph are joined.
                    text.push(if i == 3 { '\n' } else { ' ' });
                }
                text.push_str(sentence);
                words += sentence.split_whitespace().count();
            }
            text.push_str("\n\n");
            paragraph += 1;
            if paragraph == 2 {
                text.push_str("You may agree to any of these uses:\n");
                text.push_str("- supervision with a qualified supervisor, who is bound by the same duty of confidentiality as your counsellor and will hear only the parts of a session that matter for your counsellor\u{2019}s work;\n");
                text.push_str("- training, with your name and other details removed;\n");
                text.push_str("1. a case study, only if you say so separately.\n\n");
                words += 60;
            }
        }
        text
    }

    fn choices() -> Vec<(&'static str, String)> {
        vec![
            ("Client code", "CL-4821".to_string()),
            ("Purposes", "Supervision\nTraining".to_string()),
            (
                "Who may hear it",
                "The counsellor and their clinical supervisor; with consent also the training group of the counselling service, which meets monthly.".to_string(),
            ),
            ("After use", "Delete within 30 days".to_string()),
            ("Case study", "No".to_string()),
        ]
    }

    fn document<'a>(
        form_text: &'a str,
        choices: &'a [(&'a str, String)],
        signature: SignatureImage<'a>,
    ) -> ConsentDocument<'a> {
        ConsentDocument {
            title: "Consent to record counselling sessions",
            record_id: "rec-7f3c2a91",
            status: "Granted",
            form_version: "2026-1",
            form_hash_hex: "9b74c9897bac770ffc029102a200c5de0f5b3c1e7e2f5e0e9a3d7f6b2c1a0e4d",
            form_text,
            choices,
            client_name: Some("Alex Example"),
            signature,
            counsellor_name: "Sam Counsellor",
            signed_at: "2026-03-14 10:32",
            signature_fingerprint: "SHA256:ab12:cd34:ef56:7890:1a2b:3c4d:5e6f:7a8b",
            record_signature_hex: RECORD_SIGNATURE,
        }
    }

    fn write_pdf_file(dir: &Path, bytes: &[u8]) -> std::path::PathBuf {
        let path = dir.join("record.pdf");
        std::fs::write(&path, bytes).expect("write the PDF");
        path
    }

    /// Runs a poppler-utils tool, failing the test with its stderr when it fails.
    fn poppler(tool: &str, args: &[&std::ffi::OsStr]) -> String {
        let output = Command::new(tool).args(args).output().unwrap_or_else(|e| {
            panic!("cannot run {tool} ({e}); install poppler-utils to run these tests")
        });
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{tool} failed: {stderr}");
        assert!(
            !stderr.contains("Error"),
            "{tool} reported problems: {stderr}"
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn pdf_text(pdf: &Path) -> String {
        poppler(
            "pdftotext",
            &[
                "-enc".as_ref(),
                "UTF-8".as_ref(),
                pdf.as_os_str(),
                "-".as_ref(),
            ],
        )
    }

    /// Renders every page at 50 dpi and returns the PNG files made, in page order.
    fn rasterize(pdf: &Path, dir: &Path) -> Vec<std::path::PathBuf> {
        let prefix = dir.join("page");
        poppler(
            "pdftoppm",
            &[
                "-png".as_ref(),
                "-r".as_ref(),
                "50".as_ref(),
                pdf.as_os_str(),
                prefix.as_os_str(),
            ],
        );
        let mut pages: Vec<_> = std::fs::read_dir(dir)
            .expect("read the output directory")
            .map(|entry| entry.expect("directory entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .collect();
        pages.sort();
        pages
    }

    /// The type column ("image", "smask", ...) of `pdfimages -list`.
    fn image_types(pdf: &Path) -> Vec<String> {
        poppler("pdfimages", &["-list".as_ref(), pdf.as_os_str()])
            .lines()
            .skip(2)
            .filter_map(|line| line.split_whitespace().nth(2).map(str::to_owned))
            .collect()
    }

    fn encode_png(
        width: u32,
        height: u32,
        color: png::ColorType,
        depth: png::BitDepth,
        palette: Option<&[u8]>,
        data: &[u8],
    ) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, width, height);
            encoder.set_color(color);
            encoder.set_depth(depth);
            if let Some(palette) = palette {
                encoder.set_palette(palette.to_vec());
            }
            let mut writer = encoder.write_header().expect("PNG header");
            writer.write_image_data(data).expect("PNG data");
        }
        out
    }

    /// A 120x40 RGBA signature: a dark blue diagonal stroke on a transparent background.
    fn rgba_signature_png() -> Vec<u8> {
        let (w, h) = (120u32, 40u32);
        let mut data = vec![0u8; (w * h * 4) as usize];
        for x in 0..w {
            let y = (x * (h - 1)) / (w - 1);
            for dy in 0..3 {
                let row = (y + dy).min(h - 1);
                let i = ((row * w + x) * 4) as usize;
                data[i..i + 4].copy_from_slice(&[10, 20, 120, 255]);
            }
        }
        encode_png(
            w,
            h,
            png::ColorType::Rgba,
            png::BitDepth::Eight,
            None,
            &data,
        )
    }

    #[test]
    fn long_form_with_svg_signature_spans_pages() {
        let form_text = long_form_text();
        assert!(form_text.split_whitespace().count() >= 850);
        let choices = choices();
        let doc = document(&form_text, &choices, SignatureImage::Svg(SVG_SIGNATURE));
        let bytes = render(&doc).expect("render");
        assert!(bytes.starts_with(b"%PDF-"));

        let dir = tempfile::tempdir().expect("tempdir");
        let pdf = write_pdf_file(dir.path(), &bytes);
        let text = pdf_text(&pdf);
        assert!(text.contains("Form version 2026-1"), "{text}");
        assert!(text.contains("rec-7f3c2a91"));
        assert!(text.contains("CL-4821"));
        assert!(text.contains("Page 2 of"));
        assert!(text.contains("Signed by the counsellor's key SHA256:ab12:cd34"));
        assert!(text.contains(&RECORD_SIGNATURE[..64]));
        assert!(text.contains(&RECORD_SIGNATURE[64..]));
        assert!(text.contains("counsellor\u{2019}s computer"));

        let pages = rasterize(&pdf, dir.path());
        assert!(pages.len() >= 2, "expected several pages, got {pages:?}");
        assert!(image_types(&pdf).is_empty(), "the SVG is drawn as vectors");
    }

    #[test]
    fn png_signature_and_jpeg_scan_are_embedded() {
        let choices = choices();
        let png = rgba_signature_png();
        let jpeg = GREY_JPEG;
        for (signature, expected) in [
            (SignatureImage::Png(&png), vec!["image", "smask"]),
            (SignatureImage::Jpeg(&jpeg), vec!["image"]),
        ] {
            let doc = document("A short form.", &choices, signature);
            let bytes = render(&doc).expect("render");
            let dir = tempfile::tempdir().expect("tempdir");
            let pdf = write_pdf_file(dir.path(), &bytes);
            assert_eq!(rasterize(&pdf, dir.path()).len(), 1);
            assert_eq!(image_types(&pdf), expected);
        }
    }

    #[test]
    fn grey_palette_and_16_bit_pngs_are_converted() {
        let choices = choices();
        let grey16: Vec<u8> = (0..16u16 * 8)
            .flat_map(|v| (v * 500).to_be_bytes())
            .collect();
        let palette_data: Vec<u8> = (0..16u8 * 8).map(|v| v % 2).collect();
        let pngs = [
            encode_png(
                16,
                8,
                png::ColorType::Grayscale,
                png::BitDepth::Sixteen,
                None,
                &grey16,
            ),
            encode_png(
                16,
                8,
                png::ColorType::Indexed,
                png::BitDepth::Eight,
                Some(&[255, 255, 255, 0, 0, 128]),
                &palette_data,
            ),
        ];
        for png in &pngs {
            let doc = document("A short form.", &choices, SignatureImage::Png(png));
            let bytes = render(&doc).expect("render");
            let dir = tempfile::tempdir().expect("tempdir");
            let pdf = write_pdf_file(dir.path(), &bytes);
            assert_eq!(rasterize(&pdf, dir.path()).len(), 1);
            assert_eq!(image_types(&pdf), vec!["image"]);
        }
    }

    #[test]
    fn garbage_pictures_are_errors() {
        let choices = choices();
        let garbage: &[u8] = b"\x89PNG this is not really an image at all";
        let doc = document("Form.", &choices, SignatureImage::Png(garbage));
        assert!(matches!(render(&doc), Err(PdfError::Image(_))));
        let doc = document("Form.", &choices, SignatureImage::Jpeg(garbage));
        assert!(matches!(render(&doc), Err(PdfError::Image(_))));
        let doc = document("Form.", &choices, SignatureImage::Svg(garbage));
        assert!(matches!(render(&doc), Err(PdfError::Svg(_))));
        let doc = document(
            "Form.",
            &choices,
            SignatureImage::Svg(b"<svg xmlns='http://www.w3.org/2000/svg'><path d='M0 0'"),
        );
        assert!(matches!(render(&doc), Err(PdfError::Svg(_))));
    }

    #[test]
    fn damaged_pictures_never_panic() {
        let choices = choices();
        let png = rgba_signature_png();
        for len in 0..png.len() {
            let doc = document("Form.", &choices, SignatureImage::Png(&png[..len]));
            let result = render(&doc);
            // Only a missing 12-byte IEND chunk is forgiven.
            if len < png.len() - 12 {
                assert!(matches!(result, Err(PdfError::Image(_))), "{len}");
            }
        }
        for len in 0..SVG_SIGNATURE.len() {
            let doc = document(
                "Form.",
                &choices,
                SignatureImage::Svg(&SVG_SIGNATURE[..len]),
            );
            let _ = render(&doc);
        }
        let mut jpeg = GREY_JPEG;
        for i in 0..jpeg.len() {
            let original = jpeg[i];
            for value in [0x00, 0xff, original.wrapping_add(1)] {
                jpeg[i] = value;
                let doc = document("Form.", &choices, SignatureImage::Jpeg(&jpeg));
                let _ = render(&doc);
            }
            jpeg[i] = original;
        }
    }

    #[test]
    fn non_ascii_text_is_shown() {
        let choices = vec![("Client code", "Zoë’s — café … 🙂".to_string())];
        let mut doc = document(
            "Zoë’s consent — «café» … naïve\n\nDecomposed: Zoe\u{308} and cafe\u{301}.",
            &choices,
            SignatureImage::None,
        );
        doc.title = "Zoë’s consent — café …";
        doc.client_name = Some("Zoë Åström-Łukasz");
        doc.status = "Withdrawn on 2026-12-01 \u{2014} by the client";
        let bytes = render(&doc).expect("render");
        let dir = tempfile::tempdir().expect("tempdir");
        let pdf = write_pdf_file(dir.path(), &bytes);
        let text = pdf_text(&pdf);
        assert!(text.contains("Zoë’s consent — café …"), "{text}");
        assert!(text.contains("Zoë Åström-?ukasz"), "{text}");
        assert!(text.contains("Decomposed: Zoë and café."), "{text}");
        assert!(text.contains("«café» … naïve"), "{text}");
        assert!(text.contains("No signature: consent declined"), "{text}");
        assert_eq!(rasterize(&pdf, dir.path()).len(), 1);
    }

    #[test]
    fn paper_pdf_is_referred_to_not_embedded() {
        let choices = choices();
        let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let doc = document(
            "Form.",
            &choices,
            SignatureImage::PaperPdf {
                sha256_hex: sha,
                bytes: 48213,
            },
        );
        let bytes = render(&doc).expect("render");
        let dir = tempfile::tempdir().expect("tempdir");
        let pdf = write_pdf_file(dir.path(), &bytes);
        let text = pdf_text(&pdf);
        assert!(text.contains("48,213 bytes"), "{text}");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        assert_eq!(group_thousands(999), "999");
        assert!(text.contains(sha), "{text}");
        assert!(image_types(&pdf).is_empty());
    }

    #[test]
    fn empty_and_huge_fields_do_not_break_layout() {
        let huge_value = "word ".repeat(2500);
        let choices = vec![("", String::new()), ("Notes", huge_value)];
        let mut doc = document("", &choices, SignatureImage::None);
        doc.title = "";
        doc.record_id = &RECORD_SIGNATURE[..100];
        doc.record_signature_hex = "";
        doc.client_name = None;
        let bytes = render(&doc).expect("render");
        let dir = tempfile::tempdir().expect("tempdir");
        let pdf = write_pdf_file(dir.path(), &bytes);
        let text = pdf_text(&pdf);
        assert!(text.contains("(no name given)"));
        assert!(rasterize(&pdf, dir.path()).len() >= 3);
    }

    #[test]
    fn form_text_is_split_into_paragraphs_and_list_items() {
        let blocks = form_blocks("One\r\ntwo.\n\n  \nIntro:\n- a\n  continued\n2. b\n\nEnd");
        let summary: Vec<_> = blocks
            .iter()
            .map(|b| (b.marker.as_deref(), b.text.as_str(), b.ends_paragraph))
            .collect();
        assert_eq!(
            summary,
            vec![
                (None, "One two.", true),
                (None, "Intro:", false),
                (Some("-"), "a continued", false),
                (Some("2."), "b", true),
                (None, "End", true),
            ]
        );
        assert_eq!(list_marker_len("• item"), Some("• ".len()));
        assert_eq!(list_marker_len("a) item"), Some(3));
        assert_eq!(list_marker_len("Dr. Smith"), None);
        assert_eq!(list_marker_len("2026. A year"), None);
    }

    #[test]
    fn jpeg_headers_are_read_with_bounds_checks() {
        let header = parse_jpeg(&GREY_JPEG).expect("valid JPEG");
        assert_eq!(
            header,
            JpegHeader {
                width: 8,
                height: 8,
                components: 1,
                adobe: false,
                orientation: 1
            }
        );
        // No prefix panics; those cut before the scan are rejected.
        let sos = GREY_JPEG
            .windows(2)
            .position(|w| w == [0xff, 0xda])
            .expect("SOS marker");
        for len in 0..GREY_JPEG.len() {
            let result = parse_jpeg(&GREY_JPEG[..len]);
            assert_eq!(result.is_ok(), len >= sos + 10, "prefix of {len} bytes");
        }

        // A 20x10 RGB frame with big-endian EXIF orientation 6 (rotate 90° clockwise).
        let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe1, 0x00, 0x1e];
        jpeg.extend_from_slice(b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01");
        jpeg.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x06, 0, 0]);
        jpeg.extend_from_slice(&[0xff, 0xee, 0x00, 0x07]);
        jpeg.extend_from_slice(b"Adobe");
        jpeg.extend_from_slice(&[0xff, 0xc2, 0x00, 0x11, 8, 0, 10, 0, 20, 3]);
        jpeg.extend_from_slice(&[1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        jpeg.extend_from_slice(&[0xff, 0xda, 0x00, 0x02]);
        let header = parse_jpeg(&jpeg).expect("valid header");
        assert_eq!((header.width, header.height), (20, 10));
        assert_eq!(
            (header.components, header.adobe, header.orientation),
            (3, true, 6)
        );
        let picture = Picture::from_jpeg(&jpeg).expect("picture");
        assert_eq!(picture.display_size(), (10.0, 20.0));

        // Arithmetic coding and 12-bit samples cannot be shown by DCTDecode.
        let mut arithmetic = jpeg.clone();
        let sof = arithmetic.iter().position(|&b| b == 0xc2).expect("SOF");
        arithmetic[sof] = 0xc9;
        assert!(parse_jpeg(&arithmetic).is_err());
        let mut twelve_bit = jpeg.clone();
        twelve_bit[sof + 3] = 12;
        assert!(parse_jpeg(&twelve_bit).is_err());
        assert!(parse_jpeg(b"\xff\xd8\xff\xda\x00\x02").is_err());
        assert!(parse_jpeg(&jpeg[..jpeg.len() - 1]).is_err());
        assert!(parse_jpeg(b"\xff\xd8\xff\xc0\x00\x01").is_err());
    }

    #[test]
    fn orientation_matrices_keep_the_picture_in_its_box() {
        let (x, y, w, h) = (10.0, 20.0, 30.0, 40.0);
        for orientation in 1..=8 {
            let [a, b, c, d, e, f] = orientation_matrix(orientation, x, y, w, h);
            let mut corners = Vec::new();
            for (u, v) in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)] {
                corners.push((a * u + c * v + e, b * u + d * v + f));
            }
            for corner in [(x, y), (x + w, y), (x, y + h), (x + w, y + h)] {
                assert!(corners.contains(&corner), "orientation {orientation}");
            }
        }
        // Orientation 6: the stored top-left corner (u=0, v=1) is shown top right.
        let [_, _, c, d, e, f] = orientation_matrix(6, x, y, w, h);
        assert_eq!((c + e, d + f), (x + w, y + h));
    }
}
