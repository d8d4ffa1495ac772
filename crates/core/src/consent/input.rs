//! Checks of what a counsellor types into a record: the client's code, which must be a
//! pseudonym and never a name, and the names and reasons written beside it.

use super::ConsentError;

/// The longest typed name, counsellor name or withdrawal reason accepted, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest withdrawal reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 2000;

/// Checks a client code: a pseudonym such as `C-017` — 2 to 16 characters, capital letters,
/// digits and hyphens, starting with a letter and holding at least one digit, so that a name
/// can never pass as a code.
///
/// Errors: [`ConsentError::Invalid`].
pub fn check_client_code(code: &str) -> Result<String, ConsentError> {
    let code = code.trim();
    let ok = (2..=16).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code.chars().any(|c| c.is_ascii_digit())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(code.to_owned())
    } else {
        Err(ConsentError::Invalid {
            field: "client code",
            reason: format!(
                "{code:?} is not a client code: use a pseudonym such as C-017 (2 to 16 capital \
                 letters, digits and hyphens, starting with a letter, with at least one digit), \
                 never the client's name"
            ),
        })
    }
}

pub(super) fn check_text(
    field: &'static str,
    text: &str,
    max: usize,
) -> Result<String, ConsentError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(ConsentError::Invalid {
            field,
            reason: format!("it must be 1 to {max} characters of text"),
        });
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_codes_are_pseudonyms() {
        for good in ["C-017", "C1", "AB-2026-07", "X9"] {
            assert_eq!(check_client_code(good).unwrap(), good);
        }
        for bad in [
            "",
            "C",
            "c-017",
            "JANE",
            "Jane Smith",
            "C 017",
            "-017",
            "C-0170000000000000",
            "C_017",
            "Ç-017",
        ] {
            assert!(check_client_code(bad).is_err(), "{bad:?} accepted");
        }
    }

    proptest::proptest! {

        /// Any accepted client code is a pseudonym shape: no spaces, no lower case.
        #[test]
        fn accepted_client_codes_are_pseudonyms(text in "\\PC{0,20}") {
            if let Ok(code) = check_client_code(&text) {
                proptest::prop_assert!(code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'));
                proptest::prop_assert!(code.chars().any(|c| c.is_ascii_digit()));
            }
        }

    }
}
