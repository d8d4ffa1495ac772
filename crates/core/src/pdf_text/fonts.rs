//! The two standard fonts, Helvetica and Helvetica-Bold, with their advance widths, and the
//! WinAnsi encoding they show text in.

use pdf_writer::Name;

/// One of the two standard fonts used. Every page has both as resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Font {
    /// Helvetica.
    Regular,
    /// Helvetica-Bold.
    Bold,
}

impl Font {
    /// The name the font has in a page's resources.
    pub(super) fn resource_name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }

    /// The PostScript name of the standard font.
    pub(super) fn base_font(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"Helvetica"),
            Font::Bold => Name(b"Helvetica-Bold"),
        }
    }

    /// Advance width of a WinAnsi code, in 1/1000 em (0 for control codes).
    pub(crate) fn advance(self, code: u8) -> u16 {
        let table = match self {
            Font::Regular => &HELVETICA_WIDTHS,
            Font::Bold => &HELVETICA_BOLD_WIDTHS,
        };
        match code.checked_sub(32) {
            Some(i) => table.get(usize::from(i)).copied().unwrap_or(0),
            None => 0,
        }
    }

    /// Width of WinAnsi-encoded text at `size`, in points.
    pub(crate) fn width(self, text: &[u8], size: f32) -> f32 {
        let units: u32 = text.iter().map(|&c| u32::from(self.advance(c))).sum();
        units as f32 * size / 1000.0
    }
}

/// Advance widths (1/1000 em) of Helvetica for WinAnsi codes 32..=255 (Adobe's AFM metrics).
const HELVETICA_WIDTHS: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, //
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, //
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, //
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, //
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, //
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350, //
    556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, //
    350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667, //
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, //
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, //
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, //
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, //
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, //
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, //
];

/// Advance widths (1/1000 em) of Helvetica-Bold for WinAnsi codes 32..=255 (Adobe's AFM metrics).
const HELVETICA_BOLD_WIDTHS: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, //
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, //
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, //
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, //
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, //
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 350, //
    556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, //
    350, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500, 667, //
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, //
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, //
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, //
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, //
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, //
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, //
];

/// Encodes text as WinAnsi for one line or paragraph: line breaks and tabs become spaces,
/// other control characters are dropped, combining accents are merged into the letter before
/// them where WinAnsi has the accented letter, and anything else that WinAnsi lacks becomes '?'.
/// Never fails: any UTF-8 text gives bytes that the standard fonts can show.
pub(crate) fn encode_winansi(text: &str) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(text.len());
    for c in text.chars() {
        if ('\u{300}'..='\u{36f}').contains(&c) {
            if let Some(last) = out.last_mut() {
                if let Some(composed) = compose_accent(*last, c) {
                    *last = composed;
                }
            }
            continue;
        }
        if let Some(byte) = winansi_byte(c) {
            out.push(byte);
        }
    }
    out
}

/// The WinAnsi code for a character, `None` for characters that are dropped.
fn winansi_byte(c: char) -> Option<u8> {
    let code = u32::from(c);
    let byte = match c {
        '\t' | '\n' | '\r' => b' ',
        ' '..='~' => code as u8,
        '\u{a0}'..='\u{ff}' if c != '\u{ad}' => code as u8,
        // Control characters, soft hyphen, zero-width characters and variation selectors.
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{ad}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2060}'
        | '\u{fe00}'..='\u{fe0f}'
        | '\u{feff}' => return None,
        '\u{20ac}' => 0x80,
        '\u{201a}' => 0x82,
        '\u{192}' => 0x83,
        '\u{201e}' => 0x84,
        '\u{2026}' => 0x85,
        '\u{2020}' => 0x86,
        '\u{2021}' => 0x87,
        '\u{2c6}' => 0x88,
        '\u{2030}' => 0x89,
        '\u{160}' => 0x8a,
        '\u{2039}' => 0x8b,
        '\u{152}' => 0x8c,
        '\u{17d}' => 0x8e,
        '\u{2018}' | '\u{201b}' => 0x91,
        '\u{2019}' | '\u{2032}' => 0x92,
        '\u{201c}' | '\u{201f}' => 0x93,
        '\u{201d}' | '\u{2033}' => 0x94,
        '\u{2022}' | '\u{2043}' => 0x95,
        '\u{2013}' | '\u{2012}' => 0x96,
        '\u{2014}' | '\u{2015}' => 0x97,
        '\u{2dc}' => 0x98,
        '\u{2122}' => 0x99,
        '\u{161}' => 0x9a,
        '\u{203a}' => 0x9b,
        '\u{153}' => 0x9c,
        '\u{17e}' => 0x9e,
        '\u{178}' => 0x9f,
        '\u{2010}' | '\u{2011}' | '\u{2212}' => b'-',
        '\u{2044}' => b'/',
        '\u{2024}' => b'.',
        '\u{2027}' => 0xb7,
        '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}' => b' ',
        _ => b'?',
    };
    Some(byte)
}

/// Merges a combining accent into the WinAnsi letter before it, where WinAnsi has the result.
fn compose_accent(base: u8, accent: char) -> Option<u8> {
    let (bases, composed): (&str, &str) = match accent {
        '\u{300}' => ("AEIOUaeiou", "ÀÈÌÒÙàèìòù"),
        '\u{301}' => ("AEIOUYaeiouy", "ÁÉÍÓÚÝáéíóúý"),
        '\u{302}' => ("AEIOUaeiou", "ÂÊÎÔÛâêîôû"),
        '\u{303}' => ("ANOano", "ÃÑÕãñõ"),
        '\u{308}' => ("AEIOUYaeiouy", "ÄËÏÖÜŸäëïöüÿ"),
        '\u{30a}' => ("Aa", "Åå"),
        '\u{30c}' => ("SZsz", "ŠŽšž"),
        '\u{327}' => ("Cc", "Çç"),
        _ => return None,
    };
    let index = bases.bytes().position(|b| b == base)?;
    composed.chars().nth(index).and_then(winansi_byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_maps_to_winansi() {
        assert_eq!(
            encode_winansi("Zoë’s — …"),
            b"Zo\xeb\x92s \x97 \x85".to_vec()
        );
        assert_eq!(
            encode_winansi("e\u{301}A\u{30a}\u{301}"),
            b"\xe9\xc5".to_vec()
        );
        assert_eq!(encode_winansi("a\tb\nc\u{7}\u{200b}d"), b"a b cd".to_vec());
        assert_eq!(encode_winansi("Ł🙂€"), b"??\x80".to_vec());
        assert_eq!(encode_winansi("\u{301}x"), b"x".to_vec());
    }
}
