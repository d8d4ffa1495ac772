//! Text a counsellor writes into the vault (a segment's words, a bookmark's note, a case
//! study's title and body), checked the same way everywhere: trimmed, not empty, not too long,
//! and free of control characters other than line breaks and tabs.

/// What is wrong with a piece of text. No variant holds the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    /// Nothing but white space.
    Empty,
    /// Longer than allowed (the count is given).
    TooLong(usize),
    /// Holds a control character other than a line break or a tab.
    ControlCharacter,
}

impl TextProblem {
    /// The problem in words, for the text called `what` (`"note"`, `"title"`), which may hold
    /// at most `max` characters; `when_empty` says what to write instead of nothing.
    pub fn describe(self, what: &str, max: usize, when_empty: Option<&str>) -> String {
        match (self, when_empty) {
            (TextProblem::Empty, Some(advice)) => format!("the {what} is empty: {advice}"),
            (TextProblem::Empty, None) => format!("the {what} is empty"),
            (TextProblem::TooLong(chars), _) => {
                format!("the {what} has {chars} characters: at most {max} are kept")
            }
            (TextProblem::ControlCharacter, _) => format!(
                "the {what} holds control characters: only text, line breaks and tabs are kept"
            ),
        }
    }
}

/// Checks a piece of text and returns it trimmed.
///
/// Errors: [`TextProblem`] when it is empty, longer than `max` characters, or holds control
/// characters other than line breaks and tabs.
pub fn check_text(text: &str, max: usize) -> Result<&str, TextProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TextProblem::Empty);
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(TextProblem::TooLong(chars));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(TextProblem::ControlCharacter);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_checked() {
        assert_eq!(
            check_text("  hello\n\tthere \r\n", 100).unwrap(),
            "hello\n\tthere"
        );
        assert_eq!(
            check_text("  hello\n there ", 100).unwrap(),
            "hello\n there"
        );
        assert_eq!(check_text(" ", 100), Err(TextProblem::Empty));
        assert_eq!(check_text(" \n ", 100), Err(TextProblem::Empty));
        assert_eq!(
            check_text("a\u{7}", 100),
            Err(TextProblem::ControlCharacter)
        );
        assert_eq!(
            check_text("a\u{1b}[2J", 100),
            Err(TextProblem::ControlCharacter)
        );
        // Characters are counted, not bytes: three of them, nine bytes.
        assert_eq!(check_text("ñ\u{301}€", 3).unwrap(), "ñ\u{301}€");
        assert_eq!(check_text("ñ\u{301}€x", 3), Err(TextProblem::TooLong(4)));
    }

    #[test]
    fn the_words_name_the_text_and_never_hold_it() {
        let empty = TextProblem::Empty.describe("note", 2000, Some("write what it is for"));
        assert_eq!(empty, "the note is empty: write what it is for");
        assert_eq!(
            TextProblem::Empty.describe("title", 200, None),
            "the title is empty"
        );
        assert_eq!(
            TextProblem::TooLong(2011).describe("note", 2000, None),
            "the note has 2011 characters: at most 2000 are kept"
        );
    }
}
