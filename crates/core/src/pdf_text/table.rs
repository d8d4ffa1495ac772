//! Tables of several columns side by side, whose header row is written again at the top of every
//! page the table continues on.

use super::{
    encode_winansi, wrap, Layout, Style, BODY_LEADING, BOTTOM, CONTENT_W, MARGIN, MUTED_GRAY,
    ROW_PAD, RULE_GRAY, SMALL_BOLD, TOP,
};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf_text::{Op, BODY, SIGNATURE_HEX, SMALL, TITLE};

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
}
