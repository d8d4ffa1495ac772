//! The record's own layout: what is drawn where, page by page — the header, the form's text,
//! the client's choices, the signatures with the signature picture, and the counsellor's
//! signature over the record.

use super::form_text::form_blocks;
use super::picture::{Picture, PICTURE_NAME};
use super::{ConsentDocument, SignatureImage};
use crate::pdf_text::{
    encode_winansi, wrap, wrap_evenly, Layout, Op, BODY, BODY_LEADING, BOTTOM, CONTENT_W, LABEL,
    MARGIN, MUTED_GRAY, ROW_PAD, RULE_GRAY, SMALL, SMALL_BOLD, TITLE, TOP, VALUE_X,
};

/// The width of the box a drawn signature is fitted into.
const SIGNATURE_BOX_W: f32 = 240.0;
/// The height of the box a drawn signature is fitted into.
const SIGNATURE_BOX_H: f32 = 90.0;
/// The largest height a scanned paper form is shown at.
const SCAN_MAX_H: f32 = 560.0;

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
pub(super) fn lay_out(doc: &ConsentDocument<'_>, picture: Option<&Picture>) -> Vec<Vec<Op>> {
    let mut layout = Layout::new();
    header(&mut layout, doc);
    form_text(&mut layout, doc);
    choices(&mut layout, doc);
    signatures(&mut layout, doc, picture);
    record_signature(&mut layout, doc);
    layout.into_pages()
}

/// The header: the title, the record's id and status, and the form's version and hash.
fn header(layout: &mut Layout, doc: &ConsentDocument<'_>) {
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
}

/// The form's text, its paragraphs and list items.
fn form_text(layout: &mut Layout, doc: &ConsentDocument<'_>) {
    for block in form_blocks(doc.form_text) {
        match &block.marker {
            Some(marker) => layout.list_item(marker, &block.text),
            None => layout.paragraph(MARGIN, CONTENT_W, BODY, &block.text),
        }
        if block.ends_paragraph {
            layout.gap(BODY_LEADING * 0.6);
        }
    }
}

/// The client's choices, as a table.
fn choices(layout: &mut Layout, doc: &ConsentDocument<'_>) {
    if !doc.choices.is_empty() {
        layout.heading("Choices");
        layout.rule(RULE_GRAY);
        for (label, value) in doc.choices {
            layout.row(label, value);
        }
    }
}

/// The signatures: the client's name and signature picture (or a note of the paper form), the
/// counsellor, and when it was signed.
fn signatures(layout: &mut Layout, doc: &ConsentDocument<'_>, picture: Option<&Picture>) {
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
        (_, Some(picture)) => place_picture(layout, picture),
        (_, None) => layout.row("Client's signature", "No signature: consent declined"),
    }
    layout.row("Counsellor", doc.counsellor_name);
    layout.row("Signed at", doc.signed_at);
}

/// The counsellor's signature over the record, kept together.
fn record_signature(layout: &mut Layout, doc: &ConsentDocument<'_>) {
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
}

/// Writes a number with commas between groups of three digits: 48213 -> "48,213".
pub(super) fn group_thousands(n: usize) -> String {
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
