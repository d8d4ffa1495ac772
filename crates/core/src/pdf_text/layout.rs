//! Placing content top to bottom: the drawing operations of a page ([`Op`]) and the [`Layout`]
//! that places text, rules, headings, list items and two-column rows, starting a new page when
//! the current one is full.

use pdf_writer::Name;

use super::style::HEADING_LEADING;
use super::{
    encode_winansi, wrap, Font, Style, BODY, BODY_LEADING, BOTTOM, CONTENT_W, HEADING, LABEL,
    LABEL_W, MARGIN, ROW_PAD, RULE_GRAY, TOP, VALUE_W, VALUE_X,
};

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
        /// [`write_pdf`](super::write_pdf).
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
