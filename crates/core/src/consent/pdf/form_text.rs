//! The consent form's text as the PDF shows it: paragraphs, split at blank lines, and the items
//! of lists.

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
pub(super) struct FormBlock {
    /// The list marker ("-", "1.") when the block is a list item.
    pub(super) marker: Option<String>,
    /// The block's text, its soft line breaks joined with spaces.
    pub(super) text: String,
    /// Whether a paragraph break follows this block.
    pub(super) ends_paragraph: bool,
}

/// Splits the form text into paragraphs (at blank lines) and list items (lines starting with a
/// list marker); other line breaks inside a paragraph are taken for soft wraps.
pub(super) fn form_blocks(text: &str) -> Vec<FormBlock> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
