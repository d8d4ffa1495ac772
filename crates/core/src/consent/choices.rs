//! The client's choices, as words: why the session is recorded ([`Purpose`]), who besides the
//! counsellor may hear it ([`Audience`]), whether a case study is written ([`CaseStudy`]), and
//! the answer itself ([`Decision`]). A word is the same on the command line, in storage and in
//! the signed record.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use super::ConsentError;

macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in canonical order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word used on the command line, in storage and in the signed record.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ConsentError;
            fn from_str(text: &str) -> Result<Self, ConsentError> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == text.trim())
                    .ok_or_else(|| ConsentError::Invalid {
                        field: $what,
                        reason: format!(
                            "{text:?} is not one of: {}",
                            $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    })
            }
        }
    };
}

word_enum!(
    /// Why the session is recorded.
    Purpose, "purpose" {
        /// Coursework for a counselling training course.
        Coursework = "coursework",
        /// Clinical supervision.
        Supervision = "supervision",
        /// Further training.
        Training = "training",
    }
);

word_enum!(
    /// Who besides the counsellor may hear the recording.
    Audience, "audience" {
        /// The course tutors.
        Tutors = "tutors",
        /// Fellow students on the course.
        Students = "students",
        /// The counsellor's clinical supervisor.
        Supervisor = "supervisor",
    }
);

word_enum!(
    /// Whether a case study will be written, and for whom.
    CaseStudy, "case study" {
        /// No case study.
        None = "none",
        /// A case study for coursework, owned by the counsellor and destroyed with the recordings.
        Coursework = "coursework",
        /// A case study for the organisation: a permanent record.
        Organisation = "organisation",
    }
);

word_enum!(
    /// The client's answer.
    Decision, "decision" {
        /// The client consented.
        Granted = "granted",
        /// The client declined; this changes nothing about their service.
        Declined = "declined",
    }
);

/// Parses a comma-separated list of words, e.g. `coursework,supervision`, without repeats.
///
/// Errors: [`ConsentError::Invalid`] naming the unknown word.
pub fn parse_list<T: FromStr<Err = ConsentError> + Ord>(
    text: &str,
) -> Result<Vec<T>, ConsentError> {
    let mut set = BTreeSet::new();
    for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        set.insert(word.parse()?);
    }
    Ok(set.into_iter().collect())
}

pub(super) fn join<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    proptest::proptest! {

        /// Lists parse to known words only, whatever the input.
        #[test]
        fn lists_never_accept_unknown_words(text in "[a-z, ]{0,40}") {
            if let Ok(list) = parse_list::<Purpose>(&text) {
                for p in list {
                    proptest::prop_assert!(text.contains(p.as_str()));
                }
            }
        }

    }

    #[test]
    fn lists_parse_dedupe_and_refuse_unknown_words() {
        let p: Vec<Purpose> = parse_list("supervision, coursework,supervision").unwrap();
        assert_eq!(p, vec![Purpose::Coursework, Purpose::Supervision]);
        let a: Vec<Audience> = parse_list("").unwrap();
        assert!(a.is_empty());
        let err = parse_list::<Audience>("tutors,parents").unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        assert!(err.to_string().contains("tutors, students, supervisor"));
    }
}
