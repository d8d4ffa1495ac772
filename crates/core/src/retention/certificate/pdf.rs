//! Renders a destruction certificate as a PDF document, to read, print or hand over.
//!
//! The PDF is a readable copy of a signed certificate, not a replacement for it: what can be
//! checked is the JSON export, and the document's last lines say how. It shows what is in the
//! certificate and nothing else: ids, client codes, times, durations, hashes, the steps, the
//! checks, the outstanding copies, what was kept, the signer's key and the signature. Nothing
//! is looked up in the vault, so a certificate renders the same anywhere.
//!
//! The layout is A4 in Helvetica, made with `crate::documents::pdf_text` like the consent record: a
//! title and the certificate's facts, then one section per part of the certificate. The
//! recordings and the checks are tables whose header is repeated on every page they run onto;
//! each recording's ciphertext hash is set in small print below its row. Every page has the
//! certificate id and "Page n of N" in its footer.

use crate::documents::pdf_text::{
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
fn lay_out(signed: &Signed) -> Vec<Vec<crate::documents::pdf_text::Op>> {
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
mod tests {
    use super::*;
    use crate::retention::certificate::{
        signed_bytes, Certificate, Check, Destroyed, OutstandingCopy, Target,
    };
    use crate::store::signing::{Domain, Signer};
    use crate::ErrorCode;
    use std::path::Path;
    use std::process::Command;

    /// A deterministic UUID-shaped id.
    fn id(n: u128) -> String {
        uuid::Uuid::from_u128(0x7f3c_2a91_0000_4000_8000_0000_0000_0000 + n).to_string()
    }

    /// A signed certificate of a course shred with `recordings` recordings (client codes
    /// C-101, C-102, ...), one outstanding copy, and one failed check when `one_fails`.
    fn sample(recordings: usize, one_fails: bool) -> Signed {
        let signer = Signer::from_seed(&[7; 32]);
        let key = signer.public_key();
        let destroyed: Vec<Destroyed> = (0..recordings)
            .map(|i| Destroyed {
                recording_id: id(i as u128),
                client_code: format!("C-{}", 101 + i),
                consent_id: id(1000 + i as u128),
                course_id: Some("k1".to_owned()),
                recorded_at: format!("2026-10-{:02}T09:{:02}:00Z", 1 + i % 28, i % 60),
                length: Length::Frames {
                    frames: 28_824_000 + 97 * 48_000 * i as u64,
                    sample_rate: 48_000,
                },
                ciphertext_sha256: if i == 2 {
                    String::new()
                } else {
                    format!("{:02x}", i % 256).repeat(32)
                },
                bookmarks: (i % 3) as u64,
                transcripts: (i % 2) as u64,
            })
            .collect();
        let checks = destroyed
            .iter()
            .enumerate()
            .map(|(i, d)| Check {
                recording_id: d.recording_id.clone(),
                key_lookup_fails: true,
                file_absent: !(one_fails && i == 1),
                rows_absent: true,
            })
            .collect();
        let certificate = Certificate {
            format: FORMAT.to_owned(),
            id: "cert-5b1e9d07".to_owned(),
            vault_id: id(9999),
            issued_at: "2026-11-27T10:00:00Z".to_owned(),
            target: Target {
                kind: "course".to_owned(),
                id: "k1".to_owned(),
                label: Some("Diploma in Counselling, year 2".to_owned()),
            },
            destroyed,
            case_studies: vec![],
            database: None,
            method: vec![
                "1. Cryptographic erase: each recording's key was deleted from the OS keyring \
                 and looked up again to check it is gone."
                    .to_owned(),
                "2. Overwrite: each sealed file was overwritten with random bytes and unlinked."
                    .to_owned(),
                "Rows: each recording's database rows were deleted.".to_owned(),
            ],
            checks,
            outstanding_copies: vec![OutstandingCopy {
                copy_id: id(5000),
                recording_id: id(0),
                kind: "wav-export".to_owned(),
                made_at: "2026-10-02T12:00:00Z".to_owned(),
                location: "/media/usb/supervision/C-101.wav".to_owned(),
                sha256: "cd".repeat(32),
                role: None,
                recipients: Vec::new(),
                case_study_id: None,
                consent_id: None,
            }],
            kept: vec!["Consent records and withdrawals are kept: they hold no audio.".to_owned()],
            public_key: hex::encode(key.to_bytes()),
            fingerprint: key.fingerprint(),
        };
        let body = signed_bytes(&certificate).expect("signed bytes");
        let signature = signer.sign(Domain::DestructionCertificate, body.as_bytes());
        Signed {
            certificate,
            body,
            signature: hex::encode(signature),
        }
    }

    /// Runs a poppler-utils tool on `pdf`, failing the test if it is missing or fails.
    fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
        let output = Command::new(tool)
            .args(args)
            .arg(pdf)
            .args(if tool == "pdftotext" {
                &["-"][..]
            } else {
                &[][..]
            })
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {tool} ({e}): install poppler-utils (Debian/Ubuntu: apt-get \
                     install poppler-utils; scripts/install-deps.sh --test installs it)"
                )
            });
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{tool} failed: {stderr}");
        assert!(
            !stderr.contains("Error"),
            "{tool} reported problems: {stderr}"
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Writes the PDF to a temporary folder and returns its text (runs of white space made
    /// single spaces) and its page count.
    fn text_and_pages(bytes: &[u8]) -> (String, usize) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("certificate.pdf");
        std::fs::write(&path, bytes).expect("write the PDF");
        let text = poppler("pdftotext", &["-enc", "UTF-8", "-layout"], &path);
        // Columns and wrapped lines are spaced out: compare words, not the layout.
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let info = poppler("pdfinfo", &[], &path);
        let pages = info
            .lines()
            .find_map(|line| line.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no page count in pdfinfo's output: {info}"));
        (text, pages)
    }

    #[test]
    fn a_certificate_renders_with_everything_in_it() {
        let signed = sample(3, true);
        let c = &signed.certificate;
        let bytes = render(&signed).expect("render");
        assert!(bytes.starts_with(b"%PDF-"));
        let (text, pages) = text_and_pages(&bytes);
        for expected in [
            "Destruction certificate",
            c.id.as_str(),
            c.vault_id.as_str(),
            "2026-11-27T10:00:00Z",
            "A course",
            "Diploma in Counselling, year 2",
            c.fingerprint.as_str(),
            &signed.signature[..64],
            &signed.signature[64..],
            &c.public_key,
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        for d in &c.destroyed {
            assert!(text.contains(&d.client_code), "{}\n{text}", d.client_code);
            assert!(text.contains(&d.recording_id), "{}\n{text}", d.recording_id);
        }
        assert!(text.contains(&format!("Ciphertext SHA-256 {}", "00".repeat(32))));
        assert!(text.contains("none (never finished)"));
        assert!(text.contains("0:10:01"), "{text}");
        assert!(text.contains("28824000 frames at 48000 Hz"), "{text}");
        assert!(text.contains("NO"), "{text}");
        assert!(text.contains("1 of 3 recordings failed a check"), "{text}");
        assert!(text.contains("/media/usb/supervision/C-101.wav"));
        assert!(text.contains("wav-export of recording"));
        assert!(text.contains("Consent records and withdrawals are kept"));
        assert!(text.contains("3. Rows: each recording"), "{text}");
        assert!(text.contains(&format!("Page {pages} of {pages}")), "{text}");
        assert!(
            text.contains("1 bookmark destroyed") && text.contains("2 bookmarks destroyed"),
            "{text}"
        );
        assert!(text.contains(HOW_TO_CHECK), "{text}");
    }

    #[test]
    fn an_empty_certificate_says_none() {
        let mut signed = sample(0, false);
        signed.certificate.outstanding_copies.clear();
        signed.certificate.kept.clear();
        signed.certificate.target.label = None;
        let bytes = render(&signed).expect("render");
        let (text, pages) = text_and_pages(&bytes);
        assert_eq!(pages, 1);
        assert!(text.contains("Recordings destroyed (0)"), "{text}");
        assert!(text.contains("None known."), "{text}");
        assert!(text.contains("No checks are recorded."), "{text}");
        assert!(text.contains("Nothing is recorded as kept."), "{text}");
    }

    #[test]
    fn two_hundred_recordings_run_onto_several_numbered_pages() {
        let signed = sample(200, false);
        let bytes = render(&signed).expect("render");
        assert!(bytes.starts_with(b"%PDF-"));
        let (text, pages) = text_and_pages(&bytes);
        assert!(pages > 1, "{pages} pages");
        assert!(text.contains(&format!("Page {pages} of {pages}")), "{text}");
        assert!(text.contains("Every check passed"));
        for d in &signed.certificate.destroyed {
            assert!(text.contains(&d.client_code), "{}", d.client_code);
        }
        // The tables' header is repeated on the pages they run onto.
        assert!(text.matches("Recorded at").count() > 2, "{text}");
    }

    #[test]
    fn an_unknown_format_is_refused() {
        let mut signed = sample(1, false);
        signed.certificate.format = "something-else/9".to_owned();
        let err = render(&signed).expect_err("unknown format");
        assert_eq!(err.code(), "certificate_format_unknown");
        assert!(err.to_string().contains("something-else/9"));
    }

    #[test]
    fn a_format_1_certificate_shows_its_seconds() {
        let mut signed = sample(1, false);
        signed.certificate.format = FORMAT_1.to_owned();
        signed.certificate.destroyed[0].length = Length::Seconds { seconds: 3599.4 };
        let (text, _) = text_and_pages(&render(&signed).expect("render"));
        assert!(text.contains("0:59:59"), "{text}");
        assert!(!text.contains("frames at"), "{text}");
    }

    #[test]
    fn durations_and_numbered_steps() {
        let seconds = |seconds| duration(&Length::Seconds { seconds });
        let frames = |frames, sample_rate| {
            duration(&Length::Frames {
                frames,
                sample_rate,
            })
        };
        assert_eq!(seconds(0.0), "0:00:00");
        assert_eq!(seconds(600.5), "0:10:01");
        assert_eq!(seconds(3599.4), "0:59:59");
        assert_eq!(seconds(3661.0), "1:01:01");
        assert_eq!(seconds(36_000.0 * 3.0), "30:00:00");
        assert_eq!(seconds(-1.0), "-1 s");
        assert_eq!(seconds(f64::NAN), "NaN s");
        assert_eq!(frames(0, 48_000), "0:00:00");
        assert_eq!(frames(1, 48_000), "0:00:00");
        assert_eq!(frames(24_000, 48_000), "0:00:01");
        assert_eq!(frames(23_999, 48_000), "0:00:00");
        assert_eq!(frames(28_824_000, 48_000), "0:10:01");
        assert_eq!(frames(44_100 * 3661, 44_100), "1:01:01");
        assert_eq!(frames(u64::MAX, 8_000), "640511947003:48:14");
        assert_eq!(frames(10, 0), "unknown");
        assert_eq!(
            split_number("2. Overwrite: x"),
            Some(("2.".to_owned(), "Overwrite: x"))
        );
        assert_eq!(split_number("Overwrite"), None);
        assert_eq!(split_number("2026. A year"), None);
        assert_eq!(split_number("2.5 seconds"), None);
    }
}
