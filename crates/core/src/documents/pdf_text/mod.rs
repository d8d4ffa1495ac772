//! Text layout for the PDF documents SessionVault makes (consent records, destruction
//! certificates), shared so that they look alike and are made the same way.
//!
//! The documents are A4 and use the standard Type 1 fonts Helvetica and Helvetica-Bold with
//! WinAnsiEncoding, so no font file is embedded. Text is encoded once with
//! [`encode_winansi`], measured with the fonts' standard advance widths ([`Font::width`]),
//! word-wrapped ([`wrap`], [`wrap_evenly`]) and placed top to bottom by a [`Layout`], which
//! starts a new page when the current one is full. [`write_pdf`] then writes the pages with
//! a footer (a short text on the left, "Page n of N" on the right) and deflated content
//! streams.
//!
//! Nothing here knows what a document is about: the caller decides what is written and in
//! which order. Coordinates are PDF points (1/72 inch) with the origin at the bottom left.

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

// ---------------------------------------------------------------------------------------------
// Page geometry and type sizes (PDF points).

/// The width of an A4 page.
pub(crate) const PAGE_W: f32 = 595.276;
/// The height of an A4 page.
pub(crate) const PAGE_H: f32 = 841.89;
/// The margin on every side of the text area.
pub(crate) const MARGIN: f32 = 56.0;
/// The width of the text area.
pub(crate) const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// The top of the text area: the first line of a page starts here.
pub(crate) const TOP: f32 = PAGE_H - MARGIN;
/// The bottom of the text area: no line of text goes below it (the footer does).
pub(crate) const BOTTOM: f32 = MARGIN;
/// The baseline of the footer, inside the bottom margin.
const FOOTER_BASELINE: f32 = 30.0;

/// The size of a document's title.
const TITLE_SIZE: f32 = 17.0;
/// The line height of a document's title.
const TITLE_LEADING: f32 = 21.0;
/// The size of a section heading.
const HEADING_SIZE: f32 = 12.0;
/// The line height of a section heading.
const HEADING_LEADING: f32 = 16.0;
/// The size of body text.
const BODY_SIZE: f32 = 10.0;
/// The line height of body text; also the unit of the spaces between blocks.
pub(crate) const BODY_LEADING: f32 = 13.5;
/// The size of small print (hashes, signatures, notes).
const SMALL_SIZE: f32 = 8.5;
/// The line height of small print.
const SMALL_LEADING: f32 = 11.5;
/// The size of the footer's text.
const FOOTER_SIZE: f32 = 8.0;

/// Width of the label column of a two-column table ([`Layout::row`]).
pub(crate) const LABEL_W: f32 = 140.0;
/// Space between the label and the value column.
const COLUMN_GAP: f32 = 10.0;
/// Where the value column of a two-column table starts.
pub(crate) const VALUE_X: f32 = MARGIN + LABEL_W + COLUMN_GAP;
/// The width of the value column of a two-column table.
pub(crate) const VALUE_W: f32 = CONTENT_W - LABEL_W - COLUMN_GAP;
/// Vertical padding above and below a table row's text.
pub(crate) const ROW_PAD: f32 = 3.0;

/// The gray of text (black).
pub(crate) const TEXT_GRAY: f32 = 0.0;
/// The gray of small print, the footer and signature lines.
pub(crate) const MUTED_GRAY: f32 = 0.35;
/// The gray of the rules between table rows and of frames.
pub(crate) const RULE_GRAY: f32 = 0.75;

// ---------------------------------------------------------------------------------------------
// Fonts and text encoding.

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
    fn resource_name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }

    /// The PostScript name of the standard font.
    fn base_font(self) -> Name<'static> {
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
fn fitting_prefix(text: &[u8], font: Font, size: f32, width: f32) -> usize {
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

/// Compresses a stream's data with zlib, for the FlateDecode filter.
pub(crate) fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

// ---------------------------------------------------------------------------------------------
// Text styles.

/// A text style: font, size, line height and gray.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Style {
    /// The font.
    pub(crate) font: Font,
    /// The font size, in points.
    pub(crate) size: f32,
    /// The height of one line, in points (more than `size`).
    pub(crate) leading: f32,
    /// The fill gray, 0 (black) to 1 (white).
    pub(crate) gray: f32,
}

/// A document's title.
pub(crate) const TITLE: Style = Style {
    font: Font::Bold,
    size: TITLE_SIZE,
    leading: TITLE_LEADING,
    gray: TEXT_GRAY,
};
/// A section heading.
pub(crate) const HEADING: Style = Style {
    font: Font::Bold,
    size: HEADING_SIZE,
    leading: HEADING_LEADING,
    gray: TEXT_GRAY,
};
/// Body text.
pub(crate) const BODY: Style = Style {
    font: Font::Regular,
    size: BODY_SIZE,
    leading: BODY_LEADING,
    gray: TEXT_GRAY,
};
/// The label of a table row: body text in bold.
pub(crate) const LABEL: Style = Style {
    font: Font::Bold,
    size: BODY_SIZE,
    leading: BODY_LEADING,
    gray: TEXT_GRAY,
};
/// Small print, in a muted gray.
pub(crate) const SMALL: Style = Style {
    font: Font::Regular,
    size: SMALL_SIZE,
    leading: SMALL_LEADING,
    gray: MUTED_GRAY,
};
/// Small print in bold.
pub(crate) const SMALL_BOLD: Style = Style {
    font: Font::Bold,
    size: SMALL_SIZE,
    leading: SMALL_LEADING,
    gray: MUTED_GRAY,
};

// ---------------------------------------------------------------------------------------------
// Layout: what is drawn where, page by page.

/// One drawing operation on a page.
#[derive(Debug)]
pub(crate) enum Op {
    /// A line of WinAnsi text whose baseline starts at (x, y).
    Text {
        /// The left end of the baseline.
        x: f32,
        /// The baseline.
        y: f32,
        /// The font.
        font: Font,
        /// The font size.
        size: f32,
        /// The fill gray.
        gray: f32,
        /// The WinAnsi-encoded text (see [`encode_winansi`]).
        text: Vec<u8>,
    },
    /// A straight line.
    Line {
        /// One end.
        from: (f32, f32),
        /// The other end.
        to: (f32, f32),
        /// The line width.
        width: f32,
        /// The stroke gray.
        gray: f32,
    },
    /// The outline of a rectangle, 0.5 pt wide.
    Frame {
        /// x, y (bottom left), width, height.
        rect: [f32; 4],
        /// The stroke gray.
        gray: f32,
    },
    /// An XObject (a picture) drawn with its unit square mapped by `matrix`.
    XObject {
        /// Its name in the page's resources, as returned by the `x_objects` hook of
        /// [`write_pdf`].
        name: Name<'static>,
        /// The transformation of its unit square.
        matrix: [f32; 6],
    },
}

/// One line of a table row: a line of its label and a line of its value, either may be missing.
struct RowLine {
    label: Option<Vec<u8>>,
    value: Option<(Style, Vec<u8>)>,
}

/// Places content top to bottom, starting a new page when the current one is full.
///
/// Invariant: there is always at least one page, and `y` is between [`BOTTOM`] and [`TOP`]
/// except while a block taller than a page is being written.
pub(crate) struct Layout {
    /// The operations of each page, in order.
    pages: Vec<Vec<Op>>,
    /// The top of the free space on the current page.
    pub(crate) y: f32,
}

impl Layout {
    /// An empty document of one blank page.
    pub(crate) fn new() -> Self {
        Layout {
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    /// The pages laid out, each a list of drawing operations.
    pub(crate) fn into_pages(self) -> Vec<Vec<Op>> {
        self.pages
    }

    /// Whether nothing has been placed on the current page yet.
    pub(crate) fn at_page_top(&self) -> bool {
        self.y >= TOP
    }

    /// Starts a new page.
    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `height` still fits on this one (or this page is still empty).
    pub(crate) fn ensure(&mut self, height: f32) {
        if self.y - height < BOTTOM && !self.at_page_top() {
            self.new_page();
        }
    }

    /// Moves down by `height`, except at the top of a page.
    pub(crate) fn gap(&mut self, height: f32) {
        if !self.at_page_top() {
            self.y -= height;
        }
    }

    /// Adds an operation to the current page.
    pub(crate) fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    /// The baseline of a line of `style` whose box starts at `top`, centring the glyphs'
    /// ascender-to-descender height in the line box.
    fn baseline(top: f32, style: Style) -> f32 {
        top - style.leading + (style.leading - 0.925 * style.size) / 2.0 + 0.207 * style.size
    }

    /// Writes one line of WinAnsi text in the line box starting at `top` (nothing if empty);
    /// does not move down.
    pub(crate) fn text_at(&mut self, x: f32, top: f32, style: Style, text: Vec<u8>) {
        if text.is_empty() {
            return;
        }
        self.push(Op::Text {
            x,
            y: Self::baseline(top, style),
            font: style.font,
            size: style.size,
            gray: style.gray,
            text,
        });
    }

    /// Writes pre-wrapped lines at `x`, breaking pages between lines.
    pub(crate) fn lines(&mut self, x: f32, style: Style, lines: Vec<Vec<u8>>) {
        for line in lines {
            self.ensure(style.leading);
            let top = self.y;
            self.text_at(x, top, style, line);
            self.y -= style.leading;
        }
    }

    /// Writes text wrapped to `width` at `x`.
    pub(crate) fn paragraph(&mut self, x: f32, width: f32, style: Style, text: &str) {
        let lines = wrap(&encode_winansi(text), style.font, style.size, width);
        self.lines(x, style, lines);
    }

    /// Draws a thin rule across the text area at the current position.
    pub(crate) fn rule(&mut self, gray: f32) {
        let y = self.y;
        self.push(Op::Line {
            from: (MARGIN, y),
            to: (MARGIN + CONTENT_W, y),
            width: 0.5,
            gray,
        });
    }

    /// A section heading, kept on the same page as the first lines after it.
    pub(crate) fn heading(&mut self, text: &str) {
        self.gap(BODY_LEADING);
        self.ensure(HEADING_LEADING + 4.0 * BODY_LEADING);
        self.paragraph(MARGIN, CONTENT_W, HEADING, text);
        self.gap(3.0);
    }

    /// An item of a list in body text: `marker` ("-", "1.", "\u{2022}") slightly indented,
    /// the text wrapped beside it with a hanging indent, pages broken between lines.
    pub(crate) fn list_item(&mut self, marker: &str, text: &str) {
        let marker = encode_winansi(marker);
        let indent = BODY.font.width(&marker, BODY.size) + BODY.font.width(b"  ", BODY.size);
        let indent = indent.max(14.0);
        let lines = wrap(
            &encode_winansi(text),
            BODY.font,
            BODY.size,
            CONTENT_W - indent,
        );
        for (i, line) in lines.into_iter().enumerate() {
            self.ensure(BODY_LEADING);
            let top = self.y;
            if i == 0 {
                self.text_at(MARGIN + 4.0, top, BODY, marker.clone());
            }
            self.text_at(MARGIN + 4.0 + indent, top, BODY, line);
            self.y -= BODY_LEADING;
        }
    }

    /// A two-column table row: the label in bold on the left, the value wrapped on the right
    /// (line breaks in the value are kept), a rule below. A row that fits on one page is not
    /// split.
    pub(crate) fn row(&mut self, label: &str, value: &str) {
        self.row_parts(label, &[(BODY, value)]);
    }

    /// A table row whose value is made of parts in different styles, one below the other.
    pub(crate) fn row_parts(&mut self, label: &str, parts: &[(Style, &str)]) {
        let mut value_lines: Vec<(Style, Vec<u8>)> = Vec::new();
        for &(style, text) in parts {
            for part in text.lines() {
                let lines = wrap(&encode_winansi(part), style.font, style.size, VALUE_W);
                value_lines.extend(lines.into_iter().map(|line| (style, line)));
            }
        }
        self.row_lines(label, value_lines);
    }

    /// A table row whose value lines are already wrapped to [`VALUE_W`]; an em dash stands
    /// for an empty value.
    pub(crate) fn row_lines(&mut self, label: &str, mut value_lines: Vec<(Style, Vec<u8>)>) {
        let label_lines = wrap(&encode_winansi(label), LABEL.font, LABEL.size, LABEL_W);
        if value_lines.is_empty() {
            value_lines.push((BODY, vec![0x97])); // an em dash for an empty value
        }
        let count = label_lines.len().max(value_lines.len());
        let mut label_lines = label_lines.into_iter();
        let mut value_lines = value_lines.into_iter();
        let rows: Vec<RowLine> = (0..count)
            .map(|_| RowLine {
                label: label_lines.next(),
                value: value_lines.next(),
            })
            .collect();
        let leading = |row: &RowLine| -> f32 {
            let label = row.label.as_ref().map_or(0.0, |_| LABEL.leading);
            let value = row.value.as_ref().map_or(0.0, |(style, _)| style.leading);
            label.max(value)
        };
        let height = rows.iter().map(leading).sum::<f32>() + 2.0 * ROW_PAD;
        if height <= TOP - BOTTOM {
            self.ensure(height);
        }
        self.y -= ROW_PAD;
        for row in rows {
            let line_height = leading(&row);
            self.ensure(line_height);
            let top = self.y;
            if let Some(line) = row.label {
                self.text_at(MARGIN, top, LABEL, line);
            }
            if let Some((style, line)) = row.value {
                self.text_at(VALUE_X, top, style, line);
            }
            self.y -= line_height;
        }
        self.y -= ROW_PAD;
        self.rule(RULE_GRAY);
    }
}

/// How a column's text is aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    /// Against the column's left edge.
    Left,
    /// Against the column's right edge (numbers, durations).
    Right,
}

/// A column of a [`Table`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Column<'a> {
    /// The column's title, in the header row.
    pub(crate) title: &'a str,
    /// Its width in points; text is wrapped to it.
    pub(crate) width: f32,
    /// How its text is aligned.
    pub(crate) align: Align,
}

/// A table of columns side by side from the left margin, with a header row that is repeated
/// at the top of every page the table continues on, and a rule under every row.
///
/// Invariant: the columns and the gaps between them fit in [`CONTENT_W`] (the caller's
/// choice; text never leaves its column, but columns too wide would run off the page).
pub(crate) struct Table<'a> {
    columns: &'a [Column<'a>],
}

impl<'a> Table<'a> {
    /// The space between two columns.
    const GAP: f32 = 10.0;
    /// The style of the header row.
    const HEADER: Style = SMALL_BOLD;

    /// A table of these columns.
    pub(crate) fn new(columns: &'a [Column<'a>]) -> Self {
        Table { columns }
    }

    /// The left edge of each column.
    fn column_xs(&self) -> Vec<f32> {
        let mut x = MARGIN;
        self.columns
            .iter()
            .map(|column| {
                let left = x;
                x += column.width + Self::GAP;
                left
            })
            .collect()
    }

    /// The header's wrapped titles.
    fn header_lines(&self) -> Vec<Vec<(Style, Vec<u8>)>> {
        let cells: Vec<(Style, &str)> = self
            .columns
            .iter()
            .map(|c| (Self::HEADER, c.title))
            .collect();
        self.cell_lines(&cells)
    }

    /// The height of the header row, rule included.
    fn header_height(&self) -> f32 {
        let lines = self.header_lines();
        lines.iter().map(Vec::len).max().unwrap_or(0) as f32 * Self::HEADER.leading + 2.0 * ROW_PAD
    }

    /// Writes the header row: the columns' titles, wrapped, with a rule below. It is kept
    /// with (about) the first row after it.
    pub(crate) fn header(&self, layout: &mut Layout) {
        layout.ensure(self.header_height() + 2.0 * BODY_LEADING + 2.0 * ROW_PAD);
        let lines = self.header_lines();
        self.write_lines(layout, &lines, Self::HEADER.leading, false);
        layout.rule(MUTED_GRAY);
    }

    /// Wraps each cell to its column.
    fn cell_lines(&self, cells: &[(Style, &str)]) -> Vec<Vec<(Style, Vec<u8>)>> {
        self.columns
            .iter()
            .zip(cells)
            .map(|(column, &(style, text))| {
                wrap(&encode_winansi(text), style.font, style.size, column.width)
                    .into_iter()
                    .map(|line| (style, line))
                    .collect()
            })
            .collect()
    }

    /// Starts a new page, with the header again, if a line of `height` does not fit on this
    /// one (and this one is not empty).
    fn ensure(&self, layout: &mut Layout, height: f32) {
        if layout.y - height < BOTTOM && !layout.at_page_top() {
            layout.new_page();
            self.header(layout);
        }
    }

    /// Writes wrapped cells line by line, with the row padding above and below; when a line
    /// does not fit and `in_body`, it goes on a new page under a repeated header.
    fn write_lines(
        &self,
        layout: &mut Layout,
        cells: &[Vec<(Style, Vec<u8>)>],
        leading: f32,
        in_body: bool,
    ) {
        let xs = self.column_xs();
        let count = cells.iter().map(Vec::len).max().unwrap_or(0);
        layout.y -= ROW_PAD;
        for i in 0..count {
            if in_body {
                self.ensure(layout, leading);
            }
            let top = layout.y;
            for ((column, &x), lines) in self.columns.iter().zip(&xs).zip(cells) {
                if let Some((style, line)) = lines.get(i) {
                    let x = match column.align {
                        Align::Left => x,
                        Align::Right => x + column.width - style.font.width(line, style.size),
                    };
                    layout.text_at(x, top, *style, line.clone());
                }
            }
            layout.y -= leading;
        }
        layout.y -= ROW_PAD;
    }

    /// Writes a row: one cell per column (missing cells are left empty), each wrapped to its
    /// column, then `notes` across the whole width below them (for long values such as
    /// hashes), and a rule. The row is kept on one page when it fits on one; on a new page
    /// the header is written again first.
    pub(crate) fn row(
        &self,
        layout: &mut Layout,
        cells: &[(Style, &str)],
        notes: &[(Style, &str)],
    ) {
        let lines = self.cell_lines(cells);
        let leading = cells
            .iter()
            .map(|(style, _)| style.leading)
            .fold(0.0, f32::max);
        let note_lines: Vec<(Style, Vec<u8>)> = notes
            .iter()
            .flat_map(|&(style, text)| {
                wrap(&encode_winansi(text), style.font, style.size, CONTENT_W)
                    .into_iter()
                    .map(move |line| (style, line))
            })
            .collect();
        let cells_h = lines.iter().map(Vec::len).max().unwrap_or(0) as f32 * leading;
        let notes_h: f32 = note_lines.iter().map(|(style, _)| style.leading).sum();
        let height = cells_h + notes_h + 2.0 * ROW_PAD;
        if height <= TOP - BOTTOM - self.header_height() {
            self.ensure(layout, height);
        }
        self.write_lines(layout, &lines, leading, true);
        if !note_lines.is_empty() {
            layout.y += ROW_PAD;
            for (style, line) in note_lines {
                self.ensure(layout, style.leading);
                let top = layout.y;
                layout.text_at(MARGIN, top, style, line);
                layout.y -= style.leading;
            }
            layout.y -= ROW_PAD;
        }
        layout.rule(RULE_GRAY);
    }
}

// ---------------------------------------------------------------------------------------------
// Writing the PDF.

/// What a document says about itself: its metadata and its footer.
pub(crate) struct DocumentInfo<'a> {
    /// The document's title, in its metadata.
    pub(crate) title: &'a str,
    /// Its subject, in its metadata.
    pub(crate) subject: &'a str,
    /// The text at the left of every page's footer (shortened with an ellipsis if too long).
    pub(crate) footer: &'a str,
}

/// Writes the laid-out pages as a PDF and returns its bytes.
///
/// Every page has both fonts as resources, and the XObjects that `x_objects` writes: it is
/// called once, after the fonts, with the document and the object id allocator, and returns
/// each XObject's resource name (as used by [`Op::XObject`]) and id.
pub(crate) fn write_pdf(
    pages: &[Vec<Op>],
    info: &DocumentInfo<'_>,
    x_objects: impl FnOnce(&mut Pdf, &mut Ref) -> Vec<(Name<'static>, Ref)>,
) -> Vec<u8> {
    let mut alloc = Ref::new(1);
    let catalog_id = alloc.bump();
    let page_tree_id = alloc.bump();
    let regular_id = alloc.bump();
    let bold_id = alloc.bump();
    let info_id = alloc.bump();
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc.bump(), alloc.bump())).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(page_tree_id);
    pdf.pages(page_tree_id)
        .kids(page_ids.iter().map(|&(page, _)| page))
        .count(i32::try_from(page_ids.len()).unwrap_or(i32::MAX));
    for (font, id) in [(Font::Regular, regular_id), (Font::Bold, bold_id)] {
        pdf.type1_font(id)
            .base_font(font.base_font())
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }

    let x_objects = x_objects(&mut pdf, &mut alloc);

    let total = pages.len();
    for (index, (ops, &(page_id, content_id))) in pages.iter().zip(&page_ids).enumerate() {
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(page_tree_id)
            .contents(content_id);
        let mut resources = page.resources();
        resources
            .fonts()
            .pair(Font::Regular.resource_name(), regular_id)
            .pair(Font::Bold.resource_name(), bold_id);
        if !x_objects.is_empty() {
            let mut dict = resources.x_objects();
            for &(name, id) in &x_objects {
                dict.pair(name, id);
            }
        }
        resources.finish();
        page.finish();

        let content = page_content(ops, info.footer, index + 1, total);
        pdf.stream(content_id, &deflate(&content))
            .filter(Filter::FlateDecode);
    }

    pdf.document_info(info_id)
        .title(TextStr(info.title))
        .subject(TextStr(info.subject))
        .producer(TextStr("SessionVault"));
    pdf.finish()
}

/// The content stream of one page: its operations and the footer (`footer` on the left, the
/// page number on the right).
fn page_content(ops: &[Op], footer: &str, number: usize, total: usize) -> Vec<u8> {
    let mut content = Content::new();
    for op in ops {
        match op {
            Op::Text {
                x,
                y,
                font,
                size,
                gray,
                text,
            } => {
                content.begin_text();
                content.set_fill_gray(*gray);
                content.set_font(font.resource_name(), *size);
                content.next_line(*x, *y);
                content.show(Str(text));
                content.end_text();
            }
            Op::Line {
                from,
                to,
                width,
                gray,
            } => {
                content.set_stroke_gray(*gray);
                content.set_line_width(*width);
                content.move_to(from.0, from.1);
                content.line_to(to.0, to.1);
                content.stroke();
            }
            Op::Frame { rect, gray } => {
                content.set_stroke_gray(*gray);
                content.set_line_width(0.5);
                content.rect(rect[0], rect[1], rect[2], rect[3]);
                content.stroke();
            }
            Op::XObject { name, matrix } => {
                content.save_state();
                content.transform(*matrix);
                content.x_object(*name);
                content.restore_state();
            }
        }
    }

    // Footer: the document on the left, the page number on the right.
    let footer_font = Font::Regular;
    let page_text = encode_winansi(&format!("Page {number} of {total}"));
    let page_w = footer_font.width(&page_text, FOOTER_SIZE);
    let mut footer_text = encode_winansi(footer);
    let room = CONTENT_W - page_w - 24.0;
    if footer_font.width(&footer_text, FOOTER_SIZE) > room {
        let ellipsis_w = footer_font.width(&[0x85], FOOTER_SIZE);
        let keep = fitting_prefix(&footer_text, footer_font, FOOTER_SIZE, room - ellipsis_w);
        footer_text.truncate(keep);
        footer_text.push(0x85);
    }
    let footer = [
        (MARGIN, footer_text),
        (MARGIN + CONTENT_W - page_w, page_text),
    ];
    for (x, text) in footer {
        content.begin_text();
        content.set_fill_gray(MUTED_GRAY);
        content.set_font(footer_font.resource_name(), FOOTER_SIZE);
        content.next_line(x, FOOTER_BASELINE);
        content.show(Str(&text));
        content.end_text();
    }
    content.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNATURE_HEX: &str = "3f1a9c0b7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a\
                                 4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c";

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

    #[test]
    fn layout_breaks_pages_and_keeps_text_inside_the_text_area() {
        let mut layout = Layout::new();
        layout.paragraph(MARGIN, CONTENT_W, TITLE, "A title");
        for i in 0..200 {
            layout.row(
                &format!("Row {i}"),
                "a value that is long enough to wrap ".repeat(3).trim(),
            );
        }
        let columns = [
            Column {
                title: "Name",
                width: 100.0,
                align: Align::Left,
            },
            Column {
                title: "Amount",
                width: 60.0,
                align: Align::Right,
            },
        ];
        let table = Table::new(&columns);
        layout.heading("A table");
        table.header(&mut layout);
        for i in 0..200 {
            table.row(
                &mut layout,
                &[(BODY, "name"), (BODY, &i.to_string())],
                &[(SMALL, SIGNATURE_HEX)],
            );
        }
        let pages = layout.into_pages();
        assert!(pages.len() > 5, "{} pages", pages.len());
        let mut headers = 0;
        for page in &pages {
            assert!(!page.is_empty());
            for op in page {
                if let Op::Text {
                    x,
                    y,
                    font,
                    size,
                    text,
                    ..
                } = op
                {
                    assert!(*y >= BOTTOM - 4.0 && *y <= TOP, "y {y}");
                    assert!(
                        *x >= MARGIN && x + font.width(text, *size) <= MARGIN + CONTENT_W + 0.01
                    );
                    if text == b"Amount" {
                        headers += 1;
                    }
                }
            }
        }
        // The table's header is repeated on every page it continues on.
        assert!(headers >= 3, "{headers} headers");
    }

    #[test]
    fn the_footer_is_shortened_to_fit() {
        let footer = "x".repeat(500);
        let content = page_content(&[], &footer, 1, 1);
        let text = String::from_utf8_lossy(&content);
        assert!(text.contains("Page 1 of 1"));
        // The footer is written in hex ('x' is 78): cut short, ending with an ellipsis (85).
        assert!(text.contains("85> Tj"), "{text}");
        let kept = text.matches("78").count();
        assert!(kept > 50 && kept < 500, "{kept} characters kept");
    }
}
