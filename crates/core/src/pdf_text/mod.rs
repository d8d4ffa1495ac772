//! Text layout for the PDF documents SessionVault makes (consent records, destruction
//! certificates), shared so that they look alike and are made the same way.
//!
//! The documents are A4 and use the standard Type 1 fonts Helvetica and Helvetica-Bold with
//! WinAnsiEncoding, so no font file is embedded. Text is encoded once with
//! [`encode_winansi`], measured with the fonts' standard advance widths ([`Font::width`]),
//! word-wrapped ([`wrap`](fn@wrap), [`wrap_evenly`]) and placed top to bottom by a [`Layout`], which
//! starts a new page when the current one is full. [`write_pdf`] then writes the pages with
//! a footer (a short text on the left, "Page n of N" on the right) and deflated content
//! streams.
//!
//! Nothing here knows what a document is about: the caller decides what is written and in
//! which order. Coordinates are PDF points (1/72 inch) with the origin at the bottom left.
//!
//! Each file is one part of it: `style` holds the page's geometry, the type sizes, the grays and
//! the text styles; `fonts` the two fonts, their widths and the WinAnsi encoding; `wrap` the
//! breaking of text into lines; `layout` the [`Layout`] and the drawing operations it places;
//! `table` the [`Table`] whose header repeats on every page; `writer` the PDF file itself.

mod fonts;
mod layout;
mod style;
mod table;
mod wrap;
mod writer;

pub(crate) use fonts::{encode_winansi, Font};
pub(crate) use layout::{Layout, Op};
pub(crate) use style::{
    Style, BODY, BODY_LEADING, BOTTOM, CONTENT_W, HEADING, LABEL, LABEL_W, MARGIN, MUTED_GRAY,
    PAGE_H, PAGE_W, ROW_PAD, RULE_GRAY, SMALL, SMALL_BOLD, TEXT_GRAY, TITLE, TOP, VALUE_W, VALUE_X,
};
pub(crate) use table::{Align, Column, Table};
pub(crate) use wrap::{wrap, wrap_evenly};
pub(crate) use writer::{deflate, write_pdf, DocumentInfo};

/// A hex signature, for the tests: a long word without spaces.
#[cfg(test)]
const SIGNATURE_HEX: &str = "3f1a9c0b7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a\
                             4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c";
