//! The look every document shares: the A4 page's geometry, the type sizes, the grays, and the
//! text styles made of them.

use super::Font;

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

/// The size of a document's title.
const TITLE_SIZE: f32 = 17.0;
/// The line height of a document's title.
const TITLE_LEADING: f32 = 21.0;
/// The size of a section heading.
const HEADING_SIZE: f32 = 12.0;
/// The line height of a section heading.
pub(super) const HEADING_LEADING: f32 = 16.0;
/// The size of body text.
const BODY_SIZE: f32 = 10.0;
/// The line height of body text; also the unit of the spaces between blocks.
pub(crate) const BODY_LEADING: f32 = 13.5;
/// The size of small print (hashes, signatures, notes).
pub(super) const SMALL_SIZE: f32 = 8.5;
/// The line height of small print.
const SMALL_LEADING: f32 = 11.5;

/// Width of the label column of a two-column table ([`Layout::row`](super::Layout::row)).
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
