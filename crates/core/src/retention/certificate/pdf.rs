//! Renders a destruction certificate as a PDF document, to read, print or hand over.
//!
//! The PDF is a readable copy of a signed certificate, not a replacement for it: what can be
//! checked is the JSON export, and the document's last lines say how. It shows what is in the
//! certificate and nothing else: ids, client codes, times, durations, hashes, the steps, the
//! checks, the outstanding copies, what was kept, the signer's key and the signature. Nothing
//! is looked up in the vault, so a certificate renders the same anywhere.
//!
//! The layout is A4 in Helvetica, made with `crate::pdf_text` like the consent record: a
//! title and the certificate's facts, then one section per part of the certificate. The
//! recordings and the checks are tables whose header is repeated on every page they run onto;
//! each recording's ciphertext hash is set in small print below its row. Every page has the
//! certificate id and "Page n of N" in its footer.

use crate::pdf_text::{
    encode_winansi, wrap, wrap_evenly, write_pdf, Align, Column, DocumentInfo, Font, Layout, Style,
    Table, BODY, BODY_LEADING, CONTENT_W, MARGIN, RULE_GRAY, SMALL, TEXT_GRAY, TITLE, VALUE_W,
};
use crate::retention::certificate::{Certificate, Length, Signed, FORMAT, FORMAT_1};

/// The document's title.
const TITLE_TEXT: &str = "Destruction certificate";

/// The closing line: how to check the certificate.
const HOW_TO_CHECK: &str = "Check this certificate with: sessionvault certificate verify \
                            FILE.json (the JSON export); compare the fingerprint with the \
                            counsellor's.";

/// The text of table cells.
const CELL: Style = Style {
    font: Font::Regular,
    size: 9.0,
    leading: 12.0,
    gray: TEXT_GRAY,
};

/// A table cell that must stand out (a failed check).
const CELL_BOLD: Style = Style {
    font: Font::Bold,
    ..CELL
};

/// The columns of the table of recordings destroyed (widths fit [`CONTENT_W`] with the
/// table's gaps; a recording id, a UUID, fits on one line).
const RECORDING_COLUMNS: [Column<'static>; 4] = [
    Column {
        title: "Recording",
        width: 178.0,
        align: Align::Left,
    },
    Column {
        title: "Client code",
        width: 90.0,
        align: Align::Left,
    },
    Column {
        title: "Recorded at",
        width: 120.0,
        align: Align::Left,
    },
    Column {
        title: "Duration",
        width: 55.0,
        align: Align::Right,
    },
];

/// The columns of the table of checks.
const CHECK_COLUMNS: [Column<'static>; 4] = [
    Column {
        title: "Recording",
        width: 178.0,
        align: Align::Left,
    },
    Column {
        title: "Key lookup fails",
        width: 90.0,
        align: Align::Left,
    },
    Column {
        title: "File absent",
        width: 80.0,
        align: Align::Left,
    },
    Column {
        title: "Rows absent",
        width: 80.0,
        align: Align::Left,
    },
];

/// Why a certificate could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The certificate is of a format this version does not know, so it could be shown wrongly.
    #[error(
        "this certificate's format is {0:?}, which this version of SessionVault cannot show \
         as a PDF"
    )]
    UnknownFormat(String),
}

impl crate::ErrorCode for PdfError {
    fn code(&self) -> &'static str {
        match self {
            PdfError::UnknownFormat(_) => "certificate_format_unknown",
        }
    }
}

/// Renders the certificate as a PDF (A4, as many pages as needed) and returns its bytes.
///
/// The signature is not checked here (that is [`crate::retention::certificate::verify_json`]'s
/// job); the certificate is shown as it is.
///
/// Errors: [`PdfError::UnknownFormat`] if the certificate is neither of [`FORMAT`] nor of
/// [`FORMAT_1`].
pub fn render(signed: &Signed) -> Result<Vec<u8>, PdfError> {
    let certificate = &signed.certificate;
    if certificate.format != FORMAT && certificate.format != FORMAT_1 {
        return Err(PdfError::UnknownFormat(certificate.format.clone()));
    }
    let pages = lay_out(signed);
    let info = DocumentInfo {
        title: TITLE_TEXT,
        subject: &format!("Destruction certificate {}", certificate.id),
        footer: &format!("Destruction certificate {}", certificate.id),
    };
    Ok(write_pdf(&pages, &info, |_, _| Vec::new()))
}

/// Lays out the whole certificate, section by section.
fn lay_out(signed: &Signed) -> Vec<Vec<crate::pdf_text::Op>> {
    let c = &signed.certificate;
    let mut layout = Layout::new();
    header(&mut layout, c);
    target(&mut layout, c);
    recordings(&mut layout, c);
    case_studies(&mut layout, c);
    method(&mut layout, c);
    checks(&mut layout, c);
    outstanding_copies(&mut layout, c);
    kept(&mut layout, c);
    signature(&mut layout, signed);
    layout.into_pages()
}

/// The title, what a certificate is, and its ids.
fn header(layout: &mut Layout, c: &Certificate) {
    layout.paragraph(MARGIN, CONTENT_W, TITLE, TITLE_TEXT);
    layout.gap(4.0);
    layout.paragraph(
        MARGIN,
        CONTENT_W,
        BODY,
        "What was shredded, how, the checks made afterwards and the copies still outstanding, \
         signed with the counsellor's key.",
    );
    layout.gap(6.0);
    layout.rule(RULE_GRAY);
    layout.row("Certificate id", &c.id);
    layout.row("Vault id", &c.vault_id);
    layout.row("Issued at", &c.issued_at);
}

/// What was shredded: the target's kind, id and name.
fn target(layout: &mut Layout, c: &Certificate) {
    layout.heading("What was shredded");
    layout.rule(RULE_GRAY);
    let (kind, id_label) = match c.target.kind.as_str() {
        "recording" => ("A recording", "Recording id"),
        "course" => ("A course", "Course id"),
        "client" => ("A client", "Client code"),
        "consent" => ("A withdrawn consent", "Consent id"),
        other => (other, "Id"),
    };
    layout.row("Kind", kind);
    layout.row(id_label, &c.target.id);
    if let Some(label) = &c.target.label {
        layout.row("Name", label);
    }
}

/// The recordings destroyed, one table row each.
fn recordings(layout: &mut Layout, c: &Certificate) {
    layout.heading(&format!("Recordings destroyed ({})", c.destroyed.len()));
    if c.destroyed.is_empty() {
        layout.paragraph(MARGIN, CONTENT_W, BODY, "None.");
    } else {
        let table = Table::new(&RECORDING_COLUMNS);
        table.header(layout);
        for d in &c.destroyed {
            let hash = if d.ciphertext_sha256.is_empty() {
                "Ciphertext SHA-256: none (never finished)".to_owned()
            } else {
                format!("Ciphertext SHA-256 {}", d.ciphertext_sha256)
            };
            let mut context = format!("Consent {}", d.consent_id);
            if let Some(course) = &d.course_id {
                context.push_str(&format!("   \u{b7}   course {course}"));
            }
            context.push_str(&format!("   \u{b7}   {}", bookmarks(d.bookmarks)));
            context.push_str(&format!("   \u{b7}   transcripts: {}", d.transcripts));
            if let Length::Frames {
                frames,
                sample_rate,
            } = d.length
            {
                context.push_str(&format!("   \u{b7}   {frames} frames at {sample_rate} Hz"));
            }
            table.row(
                layout,
                &[
                    (CELL, &d.recording_id),
                    (CELL, &d.client_code),
                    (CELL, &d.recorded_at),
                    (CELL, &duration(&d.length)),
                ],
                &[(SMALL, &hash), (SMALL, &context)],
            );
        }
    }
}

/// The counsellor's case studies destroyed, if any.
fn case_studies(layout: &mut Layout, c: &Certificate) {
    if !c.case_studies.is_empty() {
        layout.heading(&format!(
            "Case studies destroyed ({})",
            c.case_studies.len()
        ));
        for s in &c.case_studies {
            let mut text = format!(
                "Case study {} about {}",
                s.case_study_id,
                s.client_codes.join(", ")
            );
            if let Some(course) = &s.course_id {
                text.push_str(&format!(", course {course}"));
            }
            text.push_str(if s.rows_absent {
                "; no row of it is left"
            } else {
                "; NOT ALL ITS ROWS ARE GONE"
            });
            layout.list_item("\u{2022}", &text);
        }
    }
}

/// How everything was destroyed, step by step.
fn method(layout: &mut Layout, c: &Certificate) {
    layout.heading("Method");
    if c.method.is_empty() {
        layout.paragraph(MARGIN, CONTENT_W, BODY, "None given.");
    }
    for (i, step) in c.method.iter().enumerate() {
        let (marker, text) = split_number(step).unwrap_or((format!("{}.", i + 1), step));
        layout.list_item(&marker, text);
        layout.gap(BODY_LEADING * 0.3);
    }
}

/// The checks made afterwards, and the database's re-key.
fn checks(layout: &mut Layout, c: &Certificate) {
    layout.heading("Checks made afterwards");
    if c.checks.is_empty() {
        layout.paragraph(MARGIN, CONTENT_W, BODY, "No checks are recorded.");
    } else {
        let failed = c
            .checks
            .iter()
            .filter(|k| !(k.key_lookup_fails && k.file_absent && k.rows_absent))
            .count();
        let summary = if failed == 0 {
            "Every check passed: for each recording, looking its key up in the keyring fails, \
             its file is no longer in the vault, and no row of it is left in the database."
                .to_owned()
        } else {
            format!(
                "{failed} of {} recordings failed a check: see the answers marked NO.",
                c.checks.len()
            )
        };
        layout.paragraph(MARGIN, CONTENT_W, BODY, &summary);
        layout.gap(4.0);
        let table = Table::new(&CHECK_COLUMNS);
        table.header(layout);
        for k in &c.checks {
            table.row(
                layout,
                &[
                    (CELL, &k.recording_id),
                    yes_no(k.key_lookup_fails),
                    yes_no(k.file_absent),
                    yes_no(k.rows_absent),
                ],
                &[],
            );
        }
    }
    if let Some(db) = &c.database {
        layout.gap(4.0);
        let answer = if db.rekeyed && db.old_key_refused && db.old_key_deleted {
            format!(
                "The database was re-encrypted under a new key; the old key no longer opens it \
                 and is gone from the keyring. {}",
                db.erased
            )
        } else {
            format!(
                "The database's re-key did not pass every check (re-keyed: {}, old key refused: \
                 {}, old key deleted: {}).",
                if db.rekeyed { "yes" } else { "NO" },
                if db.old_key_refused { "yes" } else { "NO" },
                if db.old_key_deleted { "yes" } else { "NO" }
            )
        };
        layout.paragraph(MARGIN, CONTENT_W, BODY, &answer);
    }
}

/// The copies still outstanding outside the vault; the heading and the explanation are
/// kept with the first copy.
fn outstanding_copies(layout: &mut Layout, c: &Certificate) {
    if !c.outstanding_copies.is_empty() {
        layout.ensure(11.0 * BODY_LEADING);
    }
    layout.heading("Copies still outstanding");
    if c.outstanding_copies.is_empty() {
        layout.paragraph(MARGIN, CONTENT_W, BODY, "None known.");
    } else {
        layout.paragraph(
            MARGIN,
            CONTENT_W,
            BODY,
            "These copies were made before the shred and still exist outside the vault: the \
             shred did not destroy them, and they must be destroyed separately.",
        );
        layout.gap(4.0);
        layout.rule(RULE_GRAY);
        for (i, copy) in c.outstanding_copies.iter().enumerate() {
            layout.row_parts(
                &format!("Copy {}", i + 1),
                &[
                    (
                        BODY,
                        &match (&copy.case_study_id, &copy.consent_id) {
                            (Some(case_study), _) => {
                                format!("{} of case study {case_study}", copy.kind)
                            }
                            (None, Some(consent)) => {
                                format!("{} of consent record {consent}", copy.kind)
                            }
                            (None, None) => {
                                format!("{} of recording {}", copy.kind, copy.recording_id)
                            }
                        },
                    ),
                    (BODY, &format!("Made at {}", copy.made_at)),
                    (BODY, &format!("Location: {}", copy.location)),
                    (BODY, &shared_with(copy)),
                    (SMALL, &format!("Copy id {}", copy.copy_id)),
                    (SMALL, &format!("SHA-256 {}", copy.sha256)),
                ],
            );
        }
    }
}

/// What was kept, and why.
fn kept(layout: &mut Layout, c: &Certificate) {
    layout.heading("What was kept");
    if c.kept.is_empty() {
        layout.paragraph(MARGIN, CONTENT_W, BODY, "Nothing is recorded as kept.");
    }
    for item in &c.kept {
        layout.list_item("\u{2022}", item);
        layout.gap(BODY_LEADING * 0.3);
    }
}

/// The signer's key and the signature, and how to check them.
fn signature(layout: &mut Layout, signed: &Signed) {
    let c = &signed.certificate;
    layout.heading("Signature");
    layout.rule(RULE_GRAY);
    layout.row("Signer's fingerprint", &c.fingerprint);
    layout.row_lines("Public key (Ed25519)", hex_lines(&c.public_key));
    layout.row_lines("Signature", hex_lines(&signed.signature));

    // How to check it.
    layout.gap(BODY_LEADING);
    layout.ensure(3.0 * BODY_LEADING);
    layout.paragraph(MARGIN, CONTENT_W, BODY, HOW_TO_CHECK);
}

/// A hex string (a key, a signature) as small-print lines for a table's value column: an
/// unspaced string is cut into lines of equal length, anything else is word-wrapped.
/// For a share, who it was shared with and the fingerprints of its recipients; empty (no
/// line) for other copies.
fn shared_with(copy: &crate::retention::certificate::OutstandingCopy) -> String {
    match (&copy.role, copy.recipients.is_empty()) {
        (None, true) => String::new(),
        (role, _) => format!(
            "Shared with: {}; encrypted to {}",
            role.as_deref().unwrap_or("-"),
            if copy.recipients.is_empty() {
                "-".to_owned()
            } else {
                copy.recipients.join(", ")
            }
        ),
    }
}

fn hex_lines(hex: &str) -> Vec<(Style, Vec<u8>)> {
    let text = encode_winansi(hex);
    let lines = if text.contains(&b' ') {
        wrap(&text, SMALL.font, SMALL.size, VALUE_W)
    } else {
        wrap_evenly(&text, SMALL.font, SMALL.size, VALUE_W)
    };
    lines.into_iter().map(|line| (SMALL, line)).collect()
}

/// The answer to a check: "yes", or "NO" in bold.
fn yes_no(passed: bool) -> (Style, &'static str) {
    if passed {
        (CELL, "yes")
    } else {
        (CELL_BOLD, "NO")
    }
}

/// A recording's length as h:mm:ss, rounded to the nearest second ("0:10:01" for 600.5 s):
/// from whole frames and their rate exactly, or from the seconds a format-1 certificate
/// holds. An unknown rate is shown as "unknown"; negative or non-finite seconds (which no
/// real recording has) are shown as they are.
fn duration(length: &Length) -> String {
    let total = match *length {
        Length::Frames { sample_rate: 0, .. } => return "unknown".to_owned(),
        Length::Frames {
            frames,
            sample_rate,
        } => {
            let rate = u128::from(sample_rate);
            // Half a second or more rounds up; u128 cannot overflow here.
            let rounded = (u128::from(frames) * 2 + rate) / (rate * 2);
            u64::try_from(rounded).unwrap_or(u64::MAX)
        }
        Length::Seconds { seconds } if !seconds.is_finite() || seconds < 0.0 => {
            return format!("{seconds} s")
        }
        // `as` saturates, so an absurdly large value cannot wrap around.
        Length::Seconds { seconds } => seconds.round() as u64,
    };
    format!(
        "{}:{:02}:{:02}",
        total / 3600,
        (total / 60) % 60,
        total % 60
    )
}

/// How many bookmarks were destroyed with a recording, in words.
fn bookmarks(count: u64) -> String {
    match count {
        0 => "no bookmarks".to_owned(),
        1 => "1 bookmark destroyed".to_owned(),
        n => format!("{n} bookmarks destroyed"),
    }
}

/// A method step that is already numbered ("2. Overwrite: ...") as its number ("2.") and the
/// rest; `None` if it is not numbered.
fn split_number(step: &str) -> Option<(String, &str)> {
    let digits = step.bytes().take_while(u8::is_ascii_digit).count();
    let rest = step.get(digits..)?.strip_prefix(". ")?;
    (1..=3)
        .contains(&digits)
        .then(|| (format!("{}.", &step[..digits]), rest.trim_start()))
}

#[cfg(test)]
mod tests;
