//! The versioned consent form texts shown to clients.
//!
//! A consent record stores the version of the form and the SHA-256 of the exact text shown.
//! Released texts are never edited: a change is a new version, so every old record still
//! verifies against the very words its client read.

use sha2::{Digest, Sha256};

/// One version of the consent form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Form {
    /// The version, e.g. `2026-1`.
    pub version: &'static str,
    /// The full text shown to the client.
    pub text: &'static str,
}

impl Form {
    /// The SHA-256 of the text, as stored in records.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.text.as_bytes()).into()
    }
}

/// One section of a form as shown to the client, a step at a time: its heading and its
/// paragraphs (separated by blank lines).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Section {
    /// The heading, e.g. "Your right to decline".
    pub title: String,
    /// The paragraphs under it, separated by a blank line.
    pub body: String,
}

impl Form {
    /// The form's own title: its first line.
    pub fn title(&self) -> &'static str {
        self.text.lines().next().unwrap_or("").trim()
    }

    /// The form split into its sections, in order (see [`sections`]).
    pub fn sections(&self) -> Vec<Section> {
        sections(self.text)
    }
}

/// Splits a form's text into sections. The text is blocks of lines separated by blank lines;
/// the very first line is the form's title and belongs to no section. A block of two or more
/// lines starts a section: its first line is the heading and the rest are paragraphs. A block
/// of a single line (after the title) is a further paragraph of the section before it. Every
/// word of the text after the title is in exactly one section.
pub fn sections(text: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    let mut blocks: Vec<Vec<&str>> = vec![Vec::new()];
    for line in text.lines().map(str::trim) {
        match blocks.last_mut() {
            Some(block) if !line.is_empty() => block.push(line),
            Some(block) if block.is_empty() => {}
            _ => blocks.push(Vec::new()),
        }
    }
    for (i, block) in blocks.iter().filter(|b| !b.is_empty()).enumerate() {
        // The form's title: the first line of the first block.
        let block = if i == 0 { &block[1..] } else { &block[..] };
        match block {
            [] => {}
            [paragraph] => match out.last_mut() {
                Some(section) => {
                    section.body.push_str("\n\n");
                    section.body.push_str(paragraph);
                }
                None => out.push(Section {
                    title: (*paragraph).to_owned(),
                    body: String::new(),
                }),
            },
            [title, paragraphs @ ..] => out.push(Section {
                title: (*title).to_owned(),
                body: paragraphs.join("\n\n"),
            }),
        }
    }
    out
}

/// Every released version, oldest first. Append only.
pub const FORMS: &[Form] = &[Form {
    version: "2026-1",
    text: include_str!("forms/2026-1.txt"),
}];

/// The version new consents are taken on.
pub fn current() -> Form {
    FORMS[FORMS.len() - 1]
}

/// The form of this version, if it was ever released.
pub fn find(version: &str) -> Option<Form> {
    FORMS.iter().copied().find(|f| f.version == version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_unique_and_current_is_the_last() {
        for (i, a) in FORMS.iter().enumerate() {
            assert!(FORMS[i + 1..].iter().all(|b| b.version != a.version));
        }
        assert_eq!(find(current().version), Some(current()));
        assert_eq!(find("1999-1"), None);
    }

    #[test]
    fn the_form_says_what_the_information_sheet_requires() {
        let text = current().text.to_lowercase();
        for needle in [
            "audio",
            "never be video-recorded",
            "tutors",
            "fellow students",
            "supervisor",
            "destroy",
            "case study",
            "permanent record",
            "decline",
            "will not affect the service",
            "withdraw",
        ] {
            assert!(
                text.contains(needle),
                "the form does not mention {needle:?}"
            );
        }
    }

    #[test]
    fn the_current_form_splits_into_titled_sections() {
        let form = current();
        assert_eq!(
            form.title(),
            "Consent to the audio recording of counselling sessions"
        );
        let sections = form.sections();
        let titles: Vec<&str> = sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles.first(), Some(&"Why your counsellor is asking"));
        assert!(titles.contains(&"Your right to decline"));
        assert!(titles.contains(&"Your right to withdraw"));
        assert_eq!(titles.last(), Some(&"Your agreement"));
        assert!(sections.iter().all(|s| !s.body.is_empty()));
        // Nothing is lost: every line after the title is in a heading or a body.
        let joined: String = sections
            .iter()
            .map(|s| format!("{}\n{}\n", s.title, s.body))
            .collect();
        for line in form.text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            assert!(joined.contains(line.trim()), "lost: {line}");
        }
    }

    #[test]
    fn sections_take_headings_paragraphs_and_loose_paragraphs() {
        let text = "Title\n\nFirst\none\ntwo\n\n\nloose\n\nSecond\nthree\n";
        assert_eq!(
            sections(text),
            vec![
                Section {
                    title: "First".into(),
                    body: "one\n\ntwo\n\nloose".into()
                },
                Section {
                    title: "Second".into(),
                    body: "three".into()
                },
            ]
        );
        // A title directly followed by a section on the next lines.
        assert_eq!(
            sections("Title\nHead\nbody"),
            vec![Section {
                title: "Head".into(),
                body: "body".into()
            }]
        );
        assert!(sections("").is_empty());
        assert!(sections("Only a title\n").is_empty());
    }

    /// Released texts never change: this pins the hash of every released version.
    #[test]
    fn released_texts_are_unchanged() {
        let pinned = [(
            "2026-1",
            "13e4d866bdc2d3f2b4cf32ba15a6c8a528f8f4feb76214f4803f554579bf916c",
        )];
        for (version, hash) in pinned {
            let form = find(version).expect("released version");
            assert_eq!(hex::encode(form.hash()), hash, "form {version} was edited");
        }
    }
}
