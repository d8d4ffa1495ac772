//! Writing the laid-out pages as a PDF file: the fonts and pictures every page refers to, the
//! deflated content streams, the footer of each page, and the document's metadata.

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::wrap::fitting_prefix;
use super::{encode_winansi, Font, Op, CONTENT_W, MARGIN, MUTED_GRAY, PAGE_H, PAGE_W};

/// The baseline of the footer, inside the bottom margin.
const FOOTER_BASELINE: f32 = 30.0;

/// The size of the footer's text.
const FOOTER_SIZE: f32 = 8.0;

/// Compresses a stream's data with zlib, for the FlateDecode filter.
pub(crate) fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

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
