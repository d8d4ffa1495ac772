//! Breaking WinAnsi text into lines that fit a width: at spaces, and between characters for a
//! word too wide on its own; or into lines of equal length, for a long unspaced string.

use super::Font;

/// Breaks WinAnsi text into lines no wider than `width`; words that are wider on their own
/// (hashes, long identifiers) are broken between characters. Lines never start or end with a
/// space, and joining them with single spaces gives the text with its runs of spaces collapsed.
/// Always makes progress: even at a zero width each line holds one character.
pub(crate) fn wrap(text: &[u8], font: Font, size: f32, width: f32) -> Vec<Vec<u8>> {
    const SLACK: f32 = 0.01;
    let space = font.width(b" ", size);
    let mut lines = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    let mut line_w = 0.0;
    for word in text.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let word_w = font.width(word, size);
        if !line.is_empty() {
            if line_w + space + word_w <= width + SLACK {
                line.push(b' ');
                line.extend_from_slice(word);
                line_w += space + word_w;
                continue;
            }
            lines.push(std::mem::take(&mut line));
        }
        let mut rest = word;
        loop {
            let n = fitting_prefix(rest, font, size, width + SLACK);
            let (head, tail) = rest.split_at(n);
            if tail.is_empty() {
                line = head.to_vec();
                line_w = font.width(head, size);
                break;
            }
            lines.push(head.to_vec());
            rest = tail;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// How many leading characters of `text` fit into `width` (at least one, if there is any).
pub(super) fn fitting_prefix(text: &[u8], font: Font, size: f32, width: f32) -> usize {
    let mut used = 0.0;
    for (i, &c) in text.iter().enumerate() {
        used += f32::from(font.advance(c)) * size / 1000.0;
        if used > width {
            return i.max(1);
        }
    }
    text.len()
}

/// Breaks a long unspaced string (a hex signature) into lines of equal length (the last may be
/// shorter) that fit `width` whatever their characters, so that it reads as a neat block.
pub(crate) fn wrap_evenly(text: &[u8], font: Font, size: f32, width: f32) -> Vec<Vec<u8>> {
    let widest = text.iter().map(|&c| font.advance(c)).max().unwrap_or(0);
    if text.is_empty() || widest == 0 {
        return Vec::new();
    }
    let per_line = ((width * 1000.0 / size) / f32::from(widest))
        .floor()
        .max(1.0) as usize;
    let line_count = text.len().div_ceil(per_line);
    let chunk = text.len().div_ceil(line_count);
    text.chunks(chunk).map(<[u8]>::to_vec).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf_text::style::SMALL_SIZE;
    use crate::pdf_text::{encode_winansi, CONTENT_W, SIGNATURE_HEX};

    #[test]
    fn wrapping_respects_width() {
        let text = encode_winansi(&"lorem ipsum dolor sit amet ".repeat(40));
        let lines = wrap(&text, Font::Regular, 10.0, 200.0);
        assert!(lines.len() > 5);
        for line in &lines {
            assert!(Font::Regular.width(line, 10.0) <= 200.01);
            assert!(!line.starts_with(b" ") && !line.ends_with(b" "));
        }
        let rejoined: Vec<u8> = lines.join(&b' ');
        assert_eq!(rejoined, text.trim_ascii_end());

        let long = encode_winansi(SIGNATURE_HEX);
        let lines = wrap(&long, Font::Regular, 10.0, 100.0);
        assert!(lines.len() > 5);
        assert_eq!(lines.concat(), long);
        let even = wrap_evenly(&long, Font::Regular, SMALL_SIZE, CONTENT_W);
        assert_eq!(even.len(), 2);
        assert_eq!(even[0].len(), 64);
        assert!(wrap(b"", Font::Bold, 10.0, 100.0).is_empty());
        // Even a zero width makes progress.
        assert_eq!(wrap(b"abc", Font::Bold, 10.0, 0.0).len(), 3);
    }
}
