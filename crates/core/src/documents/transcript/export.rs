//! Documents written out of the vault for coursework — transcripts and case studies — as TXT,
//! DOCX or PDF, and the record of each file written as an outstanding copy.
//!
//! A [`Document`] is laid out the same way in each format: a title, a table of facts (client
//! code, the excerpt's range, …), then sections of paragraphs, key entries (a speaker label
//! and its meaning) and timed lines (`[05:12] C: …`). The PDF uses the crate's own text
//! layout (`crate::pdf_text`, as consent records and certificates do); the DOCX is
//! written with `docx-rs`. Every file is written privately ([`crate::copies::private_file`]:
//! mode 0600, whole or absent), stored in the `copies` table (with its SHA-256) and logged, so
//! destruction certificates list it until the counsellor records it destroyed.

use std::path::Path;

use crate::copies::{self, NewCopy};
use crate::pdf_text::{
    encode_winansi, wrap, write_pdf, DocumentInfo, Font, Layout, BODY, BODY_LEADING, CONTENT_W,
    LABEL, MARGIN, RULE_GRAY, TITLE,
};
use crate::store::audit::AuditError;
use crate::store::db::DbError;
use crate::store::vault::{Vault, VaultError};

/// The file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Plain UTF-8 text.
    Txt,
    /// Word (Office Open XML).
    Docx,
    /// PDF (A4).
    Pdf,
}

impl Format {
    /// The word used on the command line and in copy kinds: `txt`, `docx`, `pdf`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Txt => "txt",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
        }
    }
}

/// Reads `txt`, `docx` or `pdf` (any case, spaces around ignored), as the command line and the
/// window pass it.
impl std::str::FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(text: &str) -> Result<Format, UnknownFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "txt" => Ok(Format::Txt),
            "docx" => Ok(Format::Docx),
            "pdf" => Ok(Format::Pdf),
            _ => Err(UnknownFormat(text.to_owned())),
        }
    }
}

/// A word that names no export format (it holds the word as given).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an export format: use txt, docx or pdf")]
pub struct UnknownFormat(pub String);

impl crate::ErrorCode for UnknownFormat {
    fn code(&self) -> &'static str {
        "invalid_input"
    }
}

/// A file written: the copy that records it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Exported {
    /// The copy's id in the `copies` table (outstanding until recorded destroyed).
    pub copy_id: String,
    /// The copy's kind, e.g. `transcript-docx`.
    pub kind: String,
    /// Where it was written.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SHA-256, hex.
    pub sha256: String,
}

/// One block of a section.
#[derive(Clone)]
pub(crate) enum Block {
    /// A paragraph of text (line breaks kept).
    Para(String),
    /// A key entry: a label and what it means.
    Key(String, String),
    /// A timed line of a transcript.
    Timed {
        /// `05:12`.
        time: String,
        /// `C:`.
        speaker: String,
        /// What was said.
        text: String,
    },
}

/// A section: a heading and its blocks.
pub(crate) struct Section {
    pub(crate) heading: String,
    pub(crate) blocks: Vec<Block>,
}

/// A document to write.
pub(crate) struct Document {
    pub(crate) title: String,
    /// (label, value) rows under the title.
    pub(crate) facts: Vec<(String, String)>,
    pub(crate) sections: Vec<Section>,
    /// The PDF footer's text (ids only).
    pub(crate) footer: String,
}

/// What went wrong writing a file and recording it.
#[derive(Debug)]
pub(crate) enum WriteError {
    /// The file could not be written.
    Io(String, std::io::Error),
    /// The DOCX could not be packed.
    Docx(String),
    /// The copy could not be recorded.
    Vault(VaultError),
}

crate::store::vault::vault_variant_from!(WriteError: rusqlite::Error, DbError, AuditError);

impl From<VaultError> for WriteError {
    fn from(e: VaultError) -> Self {
        WriteError::Vault(e)
    }
}

impl Document {
    /// The document in `format`.
    pub(crate) fn render(&self, format: Format) -> Result<Vec<u8>, WriteError> {
        match format {
            Format::Txt => Ok(self.to_txt().into_bytes()),
            Format::Docx => self.to_docx(),
            Format::Pdf => Ok(self.to_pdf()),
        }
    }

    /// Every piece of text in the document with a place name, for the anonymisation check.
    pub(crate) fn texts(&self) -> Vec<(String, &str)> {
        let mut out = vec![("the title".to_owned(), self.title.as_str())];
        for (label, value) in &self.facts {
            out.push((format!("the header ({label})"), value.as_str()));
        }
        for section in &self.sections {
            out.push(("a heading".to_owned(), section.heading.as_str()));
            let mut para = 0;
            for block in &section.blocks {
                match block {
                    Block::Para(text) => {
                        para += 1;
                        out.push((format!("paragraph {para}"), text.as_str()));
                    }
                    Block::Key(label, meaning) => {
                        out.push(("the speaker key".to_owned(), label.as_str()));
                        out.push(("the speaker key".to_owned(), meaning.as_str()));
                    }
                    Block::Timed { time, text, .. } => {
                        out.push((format!("[{time}]"), text.as_str()));
                    }
                }
            }
        }
        out
    }

    fn to_txt(&self) -> String {
        let mut out = String::new();
        out.push_str(&self.title);
        out.push('\n');
        out.push_str(&"=".repeat(self.title.chars().count()));
        out.push_str("\n\n");
        for (label, value) in &self.facts {
            out.push_str(&format!("{label}: {value}\n"));
        }
        for section in &self.sections {
            out.push('\n');
            out.push_str(&section.heading);
            out.push('\n');
            out.push_str(&"-".repeat(section.heading.chars().count()));
            out.push('\n');
            for block in &section.blocks {
                match block {
                    Block::Para(text) => {
                        out.push_str(text);
                        out.push_str("\n\n");
                    }
                    Block::Key(label, meaning) => {
                        out.push_str(&format!("{label}  {meaning}\n"));
                    }
                    Block::Timed {
                        time,
                        speaker,
                        text,
                    } => {
                        let head = format!("[{time}] {speaker} ");
                        let indent = " ".repeat(head.chars().count());
                        for (i, line) in text.lines().enumerate() {
                            if i == 0 {
                                out.push_str(&head);
                            } else {
                                out.push_str(&indent);
                            }
                            out.push_str(line);
                            out.push('\n');
                        }
                    }
                }
            }
        }
        out
    }

    fn to_docx(&self) -> Result<Vec<u8>, WriteError> {
        use docx_rs::{BreakType, Docx, Paragraph, Run};
        /// A run of text whose line breaks become breaks in the run.
        fn text_run(text: &str) -> Run {
            let mut run = Run::new();
            for (i, line) in text.lines().enumerate() {
                if i > 0 {
                    run = run.add_break(BreakType::TextWrapping);
                }
                run = run.add_text(line);
            }
            run
        }
        let mut doc = Docx::new().add_paragraph(
            Paragraph::new().add_run(Run::new().add_text(&self.title).bold().size(32)),
        );
        for (label, value) in &self.facts {
            doc = doc.add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_text(format!("{label}: ")).bold())
                    .add_run(text_run(value)),
            );
        }
        for section in &self.sections {
            doc = doc.add_paragraph(
                Paragraph::new().add_run(Run::new().add_text(&section.heading).bold().size(26)),
            );
            for block in &section.blocks {
                let paragraph = match block {
                    Block::Para(text) => Paragraph::new().add_run(text_run(text)),
                    Block::Key(label, meaning) => Paragraph::new()
                        .add_run(Run::new().add_text(format!("{label} ")).bold())
                        .add_run(Run::new().add_text(meaning)),
                    Block::Timed {
                        time,
                        speaker,
                        text,
                    } => Paragraph::new()
                        .add_run(Run::new().add_text(format!("[{time}] {speaker} ")).bold())
                        .add_run(text_run(text)),
                };
                doc = doc.add_paragraph(paragraph);
            }
        }
        let mut buf = std::io::Cursor::new(Vec::new());
        doc.build()
            .pack(&mut buf)
            .map_err(|e| WriteError::Docx(e.to_string()))?;
        Ok(buf.into_inner())
    }

    fn to_pdf(&self) -> Vec<u8> {
        let mut layout = Layout::new();
        layout.paragraph(MARGIN, CONTENT_W, TITLE, &self.title);
        layout.gap(6.0);
        layout.rule(RULE_GRAY);
        for (label, value) in &self.facts {
            layout.row(label, value);
        }
        for section in &self.sections {
            layout.heading(&section.heading);
            // Timed lines hang under a column as wide as the widest time and label.
            let indent = section
                .blocks
                .iter()
                .filter_map(|b| match b {
                    Block::Timed { time, speaker, .. } => Some(
                        LABEL
                            .font
                            .width(&encode_winansi(&format!("[{time}] {speaker}")), LABEL.size),
                    ),
                    _ => None,
                })
                .fold(0.0f32, f32::max)
                + 8.0;
            for block in &section.blocks {
                match block {
                    Block::Para(text) => {
                        for line in text.lines() {
                            layout.paragraph(MARGIN, CONTENT_W, BODY, line);
                        }
                        layout.gap(BODY_LEADING / 2.0);
                    }
                    Block::Key(label, meaning) => layout.row(label, meaning),
                    Block::Timed {
                        time,
                        speaker,
                        text,
                    } => {
                        let mut lines = Vec::new();
                        for part in text.lines() {
                            lines.extend(wrap(
                                &encode_winansi(part),
                                Font::Regular,
                                BODY.size,
                                CONTENT_W - indent,
                            ));
                        }
                        layout.ensure(BODY_LEADING * lines.len().min(3) as f32);
                        let head = encode_winansi(&format!("[{time}] {speaker}"));
                        for (i, line) in lines.into_iter().enumerate() {
                            layout.ensure(BODY_LEADING);
                            let top = layout.y;
                            if i == 0 {
                                layout.text_at(MARGIN, top, LABEL, head.clone());
                            }
                            layout.text_at(MARGIN + indent, top, BODY, line);
                            layout.y -= BODY_LEADING;
                        }
                        layout.gap(3.0);
                    }
                }
            }
        }
        let info = DocumentInfo {
            title: &self.title,
            subject: &self.footer,
            footer: &self.footer,
        };
        write_pdf(&layout.into_pages(), &info, |_, _| Vec::new())
    }
}

/// Writes `bytes` to `out` as a [`crate::copies::private_file::PrivateFile`] (mode 0600, whole
/// or absent), then records the file as an outstanding copy with its audit entry (ids, kind, size
/// and hash only) in one transaction. If recording it fails, the file is removed again.
pub(crate) fn write_copy(
    vault: &mut Vault,
    out: &Path,
    bytes: &[u8],
    of: &NewCopy<'_>,
) -> Result<Exported, WriteError> {
    let path = out.display().to_string();
    let written = crate::copies::private_file::write(out, bytes)
        .map_err(|e| WriteError::Io(path.clone(), e))?;
    let copy_id = copies::record(vault, out, &written, of)?;
    Ok(Exported {
        copy_id,
        kind: of.kind.to_owned(),
        path,
        bytes: written.bytes,
        sha256: written.sha256_hex(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Document {
        Document {
            title: "Transcript".to_owned(),
            facts: vec![("Client code".to_owned(), "C-101".to_owned())],
            sections: vec![
                Section {
                    heading: "Speaker key".to_owned(),
                    blocks: vec![Block::Key("T:".to_owned(), "Counsellor".to_owned())],
                },
                Section {
                    heading: "Transcript".to_owned(),
                    blocks: vec![Block::Timed {
                        time: "05:12".to_owned(),
                        speaker: "C:".to_owned(),
                        text: "first line & <more>\nsecond".to_owned(),
                    }],
                },
            ],
            footer: "Transcript t1".to_owned(),
        }
    }

    #[test]
    fn txt_has_times_at_the_start_of_lines() {
        let text = sample().to_txt();
        assert!(
            text.contains("[05:12] C: first line & <more>\n           second\n"),
            "{text}"
        );
        assert!(text.contains("T:  Counsellor"), "{text}");
        assert!(text.starts_with("Transcript\n==========\n"), "{text}");
    }

    #[test]
    fn docx_and_pdf_are_made() {
        let docx = sample().render(Format::Docx).unwrap();
        assert!(docx.starts_with(b"PK"));
        let read = docx_rs::read_docx(&docx).unwrap();
        let json = serde_json::to_string(&read.document).unwrap();
        assert!(json.contains("first line & <more>"), "{json}");
        let pdf = sample().render(Format::Pdf).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(" DOCX ".parse(), Ok(Format::Docx));
        assert_eq!(
            "odt".parse::<Format>(),
            Err(UnknownFormat("odt".to_owned()))
        );
    }
}
