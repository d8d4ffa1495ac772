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
