//! The whole record rendered, read back with poppler-utils (`pdftotext`, `pdftoppm`,
//! `pdfimages`): long forms over several pages, every kind of signature picture, damaged
//! pictures, text beyond WinAnsi, empty and huge fields.

use std::path::Path;
use std::process::Command;

use super::layout::group_thousands;
use super::*;

const SVG_SIGNATURE: &[u8] = br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100"><path d="M10 80 C 40 10, 65 10, 95 80 S 150 150, 180 80" stroke="black" fill="none" stroke-width="3"/></svg>"#;

/// An 8x8 grey baseline JPEG (made with libjpeg's cjpeg).
pub(super) const GREY_JPEG: [u8; 195] = [
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x08, 0x06, 0x06, 0x07, 0x06, 0x05, 0x08,
    0x07, 0x07, 0x07, 0x09, 0x09, 0x08, 0x0a, 0x0c, 0x14, 0x0d, 0x0c, 0x0b, 0x0b, 0x0c, 0x19, 0x12,
    0x13, 0x0f, 0x14, 0x1d, 0x1a, 0x1f, 0x1e, 0x1d, 0x1a, 0x1c, 0x1c, 0x20, 0x24, 0x2e, 0x27, 0x20,
    0x22, 0x2c, 0x23, 0x1c, 0x1c, 0x28, 0x37, 0x29, 0x2c, 0x30, 0x31, 0x34, 0x34, 0x34, 0x1f, 0x27,
    0x39, 0x3d, 0x38, 0x32, 0x3c, 0x2e, 0x33, 0x34, 0x32, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08,
    0x00, 0x08, 0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xff, 0xc4, 0x00, 0x20,
    0x10, 0x00, 0x01, 0x02, 0x05, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x11, 0x01, 0x12, 0x02, 0x03, 0x04, 0x13, 0x14, 0x00, 0x05, 0x06, 0x07, 0x15, 0xff, 0xda,
    0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x3e, 0xbb, 0x95, 0xe2, 0x71, 0xea, 0xbd, 0xdb,
    0x1e, 0xf6, 0x0d, 0x24, 0xca, 0x9b, 0x4e, 0x6b, 0xd9, 0x02, 0xc4, 0xd2, 0x14, 0x10, 0x08, 0x5d,
    0x7f, 0xff, 0xd9,
];

const RECORD_SIGNATURE: &str = "3f1a9c0b7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a\
                                4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c";

/// About 900 words of form text in paragraphs, with a list.
fn long_form_text() -> String {
    let sentences = [
        "Your counsellor would like to record some of your sessions.",
        "Recordings help counsellors reflect on their work and take part in supervision.",
        "You can say no, and saying no will not change the help you are offered.",
        "You can change your mind at any time, before or after a session is recorded.",
        "Recordings are encrypted and kept on the counsellor\u{2019}s computer only.",
        "Nobody outside the purposes you choose below will hear a recording.",
        "When a recording is no longer needed for those purposes it is deleted.",
        "If you have questions about this form, please ask before you sign it.",
    ];
    let mut text = String::new();
    let mut words = 0;
    let mut paragraph = 0;
    while words < 900 {
        for i in 0..6 {
            let sentence = sentences[(paragraph * 3 + i) % sentences.len()];
            if i > 0 {
                // Soft line breaks inside a paragraph are joined.
                text.push(if i == 3 { '\n' } else { ' ' });
            }
            text.push_str(sentence);
            words += sentence.split_whitespace().count();
        }
        text.push_str("\n\n");
        paragraph += 1;
        if paragraph == 2 {
            text.push_str("You may agree to any of these uses:\n");
            text.push_str("- supervision with a qualified supervisor, who is bound by the same duty of confidentiality as your counsellor and will hear only the parts of a session that matter for your counsellor\u{2019}s work;\n");
            text.push_str("- training, with your name and other details removed;\n");
            text.push_str("1. a case study, only if you say so separately.\n\n");
            words += 60;
        }
    }
    text
}

fn choices() -> Vec<(&'static str, String)> {
    vec![
        ("Client code", "CL-4821".to_string()),
        ("Purposes", "Supervision\nTraining".to_string()),
        (
            "Who may hear it",
            "The counsellor and their clinical supervisor; with consent also the training group of the counselling service, which meets monthly.".to_string(),
        ),
        ("After use", "Delete within 30 days".to_string()),
        ("Case study", "No".to_string()),
    ]
}

fn document<'a>(
    form_text: &'a str,
    choices: &'a [(&'a str, String)],
    signature: SignatureImage<'a>,
) -> ConsentDocument<'a> {
    ConsentDocument {
        title: "Consent to record counselling sessions",
        record_id: "rec-7f3c2a91",
        status: "Granted",
        form_version: "2026-1",
        form_hash_hex: "9b74c9897bac770ffc029102a200c5de0f5b3c1e7e2f5e0e9a3d7f6b2c1a0e4d",
        form_text,
        choices,
        client_name: Some("Alex Example"),
        signature,
        counsellor_name: "Sam Counsellor",
        signed_at: "2026-03-14 10:32",
        signature_fingerprint: "SHA256:ab12:cd34:ef56:7890:1a2b:3c4d:5e6f:7a8b",
        record_signature_hex: RECORD_SIGNATURE,
    }
}

fn write_pdf_file(dir: &Path, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join("record.pdf");
    std::fs::write(&path, bytes).expect("write the PDF");
    path
}

/// Runs a poppler-utils tool, failing the test with its stderr when it fails.
fn poppler(tool: &str, args: &[&std::ffi::OsStr]) -> String {
    let output = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run {tool} ({e}); install poppler-utils to run these tests")
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{tool} failed: {stderr}");
    assert!(
        !stderr.contains("Error"),
        "{tool} reported problems: {stderr}"
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn pdf_text(pdf: &Path) -> String {
    poppler(
        "pdftotext",
        &[
            "-enc".as_ref(),
            "UTF-8".as_ref(),
            pdf.as_os_str(),
            "-".as_ref(),
        ],
    )
}

/// Renders every page at 50 dpi and returns the PNG files made, in page order.
fn rasterize(pdf: &Path, dir: &Path) -> Vec<std::path::PathBuf> {
    let prefix = dir.join("page");
    poppler(
        "pdftoppm",
        &[
            "-png".as_ref(),
            "-r".as_ref(),
            "50".as_ref(),
            pdf.as_os_str(),
            prefix.as_os_str(),
        ],
    );
    let mut pages: Vec<_> = std::fs::read_dir(dir)
        .expect("read the output directory")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    pages
}

/// The type column ("image", "smask", ...) of `pdfimages -list`.
fn image_types(pdf: &Path) -> Vec<String> {
    poppler("pdfimages", &["-list".as_ref(), pdf.as_os_str()])
        .lines()
        .skip(2)
        .filter_map(|line| line.split_whitespace().nth(2).map(str::to_owned))
        .collect()
}

fn encode_png(
    width: u32,
    height: u32,
    color: png::ColorType,
    depth: png::BitDepth,
    palette: Option<&[u8]>,
    data: &[u8],
) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(color);
        encoder.set_depth(depth);
        if let Some(palette) = palette {
            encoder.set_palette(palette.to_vec());
        }
        let mut writer = encoder.write_header().expect("PNG header");
        writer.write_image_data(data).expect("PNG data");
    }
    out
}

/// A 120x40 RGBA signature: a dark blue diagonal stroke on a transparent background.
fn rgba_signature_png() -> Vec<u8> {
    let (w, h) = (120u32, 40u32);
    let mut data = vec![0u8; (w * h * 4) as usize];
    for x in 0..w {
        let y = (x * (h - 1)) / (w - 1);
        for dy in 0..3 {
            let row = (y + dy).min(h - 1);
            let i = ((row * w + x) * 4) as usize;
            data[i..i + 4].copy_from_slice(&[10, 20, 120, 255]);
        }
    }
    encode_png(
        w,
        h,
        png::ColorType::Rgba,
        png::BitDepth::Eight,
        None,
        &data,
    )
}

#[test]
fn long_form_with_svg_signature_spans_pages() {
    let form_text = long_form_text();
    assert!(form_text.split_whitespace().count() >= 850);
    let choices = choices();
    let doc = document(&form_text, &choices, SignatureImage::Svg(SVG_SIGNATURE));
    let bytes = render(&doc).expect("render");
    assert!(bytes.starts_with(b"%PDF-"));

    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = write_pdf_file(dir.path(), &bytes);
    let text = pdf_text(&pdf);
    assert!(text.contains("Form version 2026-1"), "{text}");
    assert!(text.contains("rec-7f3c2a91"));
    assert!(text.contains("CL-4821"));
    assert!(text.contains("Page 2 of"));
    assert!(text.contains("Signed by the counsellor's key SHA256:ab12:cd34"));
    assert!(text.contains(&RECORD_SIGNATURE[..64]));
    assert!(text.contains(&RECORD_SIGNATURE[64..]));
    assert!(text.contains("counsellor\u{2019}s computer"));

    let pages = rasterize(&pdf, dir.path());
    assert!(pages.len() >= 2, "expected several pages, got {pages:?}");
    assert!(image_types(&pdf).is_empty(), "the SVG is drawn as vectors");
}

#[test]
fn png_signature_and_jpeg_scan_are_embedded() {
    let choices = choices();
    let png = rgba_signature_png();
    let jpeg = GREY_JPEG;
    for (signature, expected) in [
        (SignatureImage::Png(&png), vec!["image", "smask"]),
        (SignatureImage::Jpeg(&jpeg), vec!["image"]),
    ] {
        let doc = document("A short form.", &choices, signature);
        let bytes = render(&doc).expect("render");
        let dir = tempfile::tempdir().expect("tempdir");
        let pdf = write_pdf_file(dir.path(), &bytes);
        assert_eq!(rasterize(&pdf, dir.path()).len(), 1);
        assert_eq!(image_types(&pdf), expected);
    }
}

#[test]
fn grey_palette_and_16_bit_pngs_are_converted() {
    let choices = choices();
    let grey16: Vec<u8> = (0..16u16 * 8)
        .flat_map(|v| (v * 500).to_be_bytes())
        .collect();
    let palette_data: Vec<u8> = (0..16u8 * 8).map(|v| v % 2).collect();
    let pngs = [
        encode_png(
            16,
            8,
            png::ColorType::Grayscale,
            png::BitDepth::Sixteen,
            None,
            &grey16,
        ),
        encode_png(
            16,
            8,
            png::ColorType::Indexed,
            png::BitDepth::Eight,
            Some(&[255, 255, 255, 0, 0, 128]),
            &palette_data,
        ),
    ];
    for png in &pngs {
        let doc = document("A short form.", &choices, SignatureImage::Png(png));
        let bytes = render(&doc).expect("render");
        let dir = tempfile::tempdir().expect("tempdir");
        let pdf = write_pdf_file(dir.path(), &bytes);
        assert_eq!(rasterize(&pdf, dir.path()).len(), 1);
        assert_eq!(image_types(&pdf), vec!["image"]);
    }
}

#[test]
fn garbage_pictures_are_errors() {
    let choices = choices();
    let garbage: &[u8] = b"\x89PNG this is not really an image at all";
    let doc = document("Form.", &choices, SignatureImage::Png(garbage));
    assert!(matches!(render(&doc), Err(PdfError::Image(_))));
    let doc = document("Form.", &choices, SignatureImage::Jpeg(garbage));
    assert!(matches!(render(&doc), Err(PdfError::Image(_))));
    let doc = document("Form.", &choices, SignatureImage::Svg(garbage));
    assert!(matches!(render(&doc), Err(PdfError::Svg(_))));
    let doc = document(
        "Form.",
        &choices,
        SignatureImage::Svg(b"<svg xmlns='http://www.w3.org/2000/svg'><path d='M0 0'"),
    );
    assert!(matches!(render(&doc), Err(PdfError::Svg(_))));
}

#[test]
fn damaged_pictures_never_panic() {
    let choices = choices();
    let png = rgba_signature_png();
    for len in 0..png.len() {
        let doc = document("Form.", &choices, SignatureImage::Png(&png[..len]));
        let result = render(&doc);
        // Only a missing 12-byte IEND chunk is forgiven.
        if len < png.len() - 12 {
            assert!(matches!(result, Err(PdfError::Image(_))), "{len}");
        }
    }
    for len in 0..SVG_SIGNATURE.len() {
        let doc = document(
            "Form.",
            &choices,
            SignatureImage::Svg(&SVG_SIGNATURE[..len]),
        );
        let _ = render(&doc);
    }
    let mut jpeg = GREY_JPEG;
    for i in 0..jpeg.len() {
        let original = jpeg[i];
        for value in [0x00, 0xff, original.wrapping_add(1)] {
            jpeg[i] = value;
            let doc = document("Form.", &choices, SignatureImage::Jpeg(&jpeg));
            let _ = render(&doc);
        }
        jpeg[i] = original;
    }
}

#[test]
fn non_ascii_text_is_shown() {
    let choices = vec![("Client code", "Zoë’s — café … 🙂".to_string())];
    let mut doc = document(
        "Zoë’s consent — «café» … naïve\n\nDecomposed: Zoe\u{308} and cafe\u{301}.",
        &choices,
        SignatureImage::None,
    );
    doc.title = "Zoë’s consent — café …";
    doc.client_name = Some("Zoë Åström-Łukasz");
    doc.status = "Withdrawn on 2026-12-01 \u{2014} by the client";
    let bytes = render(&doc).expect("render");
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = write_pdf_file(dir.path(), &bytes);
    let text = pdf_text(&pdf);
    assert!(text.contains("Zoë’s consent — café …"), "{text}");
    assert!(text.contains("Zoë Åström-?ukasz"), "{text}");
    assert!(text.contains("Decomposed: Zoë and café."), "{text}");
    assert!(text.contains("«café» … naïve"), "{text}");
    assert!(text.contains("No signature: consent declined"), "{text}");
    assert_eq!(rasterize(&pdf, dir.path()).len(), 1);
}

#[test]
fn paper_pdf_is_referred_to_not_embedded() {
    let choices = choices();
    let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let doc = document(
        "Form.",
        &choices,
        SignatureImage::PaperPdf {
            sha256_hex: sha,
            bytes: 48213,
        },
    );
    let bytes = render(&doc).expect("render");
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = write_pdf_file(dir.path(), &bytes);
    let text = pdf_text(&pdf);
    assert!(text.contains("48,213 bytes"), "{text}");
    assert_eq!(group_thousands(1_234_567), "1,234,567");
    assert_eq!(group_thousands(999), "999");
    assert!(text.contains(sha), "{text}");
    assert!(image_types(&pdf).is_empty());
}

#[test]
fn empty_and_huge_fields_do_not_break_layout() {
    let huge_value = "word ".repeat(2500);
    let choices = vec![("", String::new()), ("Notes", huge_value)];
    let mut doc = document("", &choices, SignatureImage::None);
    doc.title = "";
    doc.record_id = &RECORD_SIGNATURE[..100];
    doc.record_signature_hex = "";
    doc.client_name = None;
    let bytes = render(&doc).expect("render");
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = write_pdf_file(dir.path(), &bytes);
    let text = pdf_text(&pdf);
    assert!(text.contains("(no name given)"));
    assert!(rasterize(&pdf, dir.path()).len() >= 3);
}
