//! The client's signature as a picture, or a scan of the signed paper form: what is accepted,
//! checked by content (never by file name), size-limited, and for SVG, refused unless it holds
//! nothing but drawing. A new drawn signature must also hold drawn strokes (see [`strokes`]).

pub mod strokes;

/// The most bytes a drawn signature may have.
pub const MAX_DRAWN_BYTES: usize = 1024 * 1024;
/// The most bytes a scanned paper form may have.
pub const MAX_SCAN_BYTES: usize = 10 * 1024 * 1024;

/// The kinds of attachment a consent record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A signature drawn on screen, as SVG (what the window's signature pad produces).
    DrawnSvg,
    /// A signature drawn elsewhere, as PNG.
    DrawnPng,
    /// A scan of the signed paper form, as PDF.
    ScanPdf,
    /// A scan of the signed paper form, as PNG.
    ScanPng,
    /// A scan of the signed paper form, as JPEG.
    ScanJpeg,
}

impl Kind {
    /// The stable name stored in the database and in the signed record.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DrawnSvg => "drawn-svg",
            Kind::DrawnPng => "drawn-png",
            Kind::ScanPdf => "scan-pdf",
            Kind::ScanPng => "scan-png",
            Kind::ScanJpeg => "scan-jpeg",
        }
    }

    /// The kind with this stored name.
    pub fn parse(text: &str) -> Option<Kind> {
        [
            Kind::DrawnSvg,
            Kind::DrawnPng,
            Kind::ScanPdf,
            Kind::ScanPng,
            Kind::ScanJpeg,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }

    /// Whether this is a scan of a paper form rather than a drawn signature.
    pub fn is_scan(self) -> bool {
        matches!(self, Kind::ScanPdf | Kind::ScanPng | Kind::ScanJpeg)
    }
}

/// Why an attachment was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AttachmentError {
    /// Over the size limit.
    #[error("the file is {size} bytes, more than the {limit} bytes allowed")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The content is not of an accepted kind.
    #[error("the file is not {expected} (its content was checked, not its name)")]
    WrongKind {
        /// What was expected.
        expected: &'static str,
    },
    /// The content claims the kind but is damaged.
    #[error("the file is a damaged {kind}: {detail}")]
    Damaged {
        /// The kind it claims to be.
        kind: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// An SVG holding more than drawing: scripts, links, external references, styles, text.
    #[error(
        "the SVG signature holds {what}, which is not allowed: only drawn shapes are accepted"
    )]
    UnsafeSvg {
        /// What was found.
        what: String,
    },
    /// A drawn signature with nothing drawn in it: empty, blank, a dot or a tick.
    #[error(
        "the signature holds no drawn strokes: {detail}; have the client sign again, with a \
         finger, a pen or the mouse, or with their typed name"
    )]
    NoStrokes {
        /// What was found instead.
        detail: String,
    },
}

/// A new drawn signature: SVG or PNG, checked by content, that holds drawn strokes.
///
/// Errors: [`AttachmentError`] ([`AttachmentError::NoStrokes`] for an empty picture, a dot or
/// a blank image).
pub fn check_drawn(bytes: &[u8]) -> Result<Kind, AttachmentError> {
    let kind = check_drawn_file(bytes)?;
    match kind {
        Kind::DrawnSvg => strokes::check_svg(bytes)?,
        _ => strokes::check_png(bytes)?,
    }
    Ok(kind)
}

/// A drawn signature's file: SVG (through the allow-list) or PNG, checked by content.
fn check_drawn_file(bytes: &[u8]) -> Result<Kind, AttachmentError> {
    limit(bytes, MAX_DRAWN_BYTES)?;
    if bytes.starts_with(PNG_MAGIC) {
        check_png(bytes)?;
        return Ok(Kind::DrawnPng);
    }
    if looks_like_xml(bytes) {
        check_svg(bytes)?;
        return Ok(Kind::DrawnSvg);
    }
    Err(AttachmentError::WrongKind {
        expected: "an SVG or PNG picture",
    })
}

/// A scan of the signed paper form: PDF, PNG or JPEG, checked by content.
///
/// Errors: [`AttachmentError`].
pub fn check_scan(bytes: &[u8]) -> Result<Kind, AttachmentError> {
    limit(bytes, MAX_SCAN_BYTES)?;
    if bytes.starts_with(PNG_MAGIC) {
        check_png(bytes)?;
        Ok(Kind::ScanPng)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        check_jpeg(bytes)?;
        Ok(Kind::ScanJpeg)
    } else if bytes.starts_with(b"%PDF-") {
        check_pdf(bytes)?;
        Ok(Kind::ScanPdf)
    } else {
        Err(AttachmentError::WrongKind {
            expected: "a PDF, PNG or JPEG scan",
        })
    }
}

/// Checks stored bytes against the kind they were stored as: the file checks of
/// [`check_drawn`] and [`check_scan`], but not the drawn-strokes rule.
///
/// The gate runs this on every stored record each time it discloses something. Records stored
/// before the strokes rule were signed and accepted under the rules of their day, and the
/// signature over them binds the picture's hash, so it cannot have changed since; refusing
/// them now would stop every recording of a client who did consent, with no way to mend the
/// record but a new consent. So the strokes rule applies to new records only, when the
/// client is still there to sign again.
///
/// Errors: [`AttachmentError`].
pub fn recheck(kind: Kind, bytes: &[u8]) -> Result<(), AttachmentError> {
    let found = if kind.is_scan() {
        check_scan(bytes)?
    } else {
        check_drawn_file(bytes)?
    };
    if found == kind {
        Ok(())
    } else {
        Err(AttachmentError::WrongKind {
            expected: kind.as_str(),
        })
    }
}

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

fn limit(bytes: &[u8], limit: usize) -> Result<(), AttachmentError> {
    if bytes.len() > limit {
        return Err(AttachmentError::TooLarge {
            size: bytes.len(),
            limit,
        });
    }
    if bytes.is_empty() {
        return Err(AttachmentError::WrongKind {
            expected: "a non-empty file",
        });
    }
    Ok(())
}

fn check_png(bytes: &[u8]) -> Result<(), AttachmentError> {
    let damaged = |detail: String| AttachmentError::Damaged {
        kind: "PNG",
        detail,
    };
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().map_err(|e| damaged(e.to_string()))?;
    let info = reader.info();
    if info.width == 0 || info.height == 0 || info.width > 20_000 || info.height > 20_000 {
        return Err(damaged(format!("{}x{} pixels", info.width, info.height)));
    }
    Ok(())
}

/// A JPEG must start with SOI, reach a frame header (SOF) with a sane size, and end with EOI.
fn check_jpeg(bytes: &[u8]) -> Result<(), AttachmentError> {
    let damaged = |detail: &str| AttachmentError::Damaged {
        kind: "JPEG",
        detail: detail.to_owned(),
    };
    if !bytes.ends_with(&[0xFF, 0xD9]) {
        return Err(damaged("it is cut short"));
    }
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return Err(damaged("a marker is missing"));
        }
        let marker = bytes[at + 1];
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        if len < 2 || at + 2 + len > bytes.len() {
            return Err(damaged("a segment runs past the end"));
        }
        let is_sof = matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF);
        if is_sof {
            if len < 8 {
                return Err(damaged("the frame header is too short"));
            }
            let height = u16::from_be_bytes([bytes[at + 5], bytes[at + 6]]);
            let width = u16::from_be_bytes([bytes[at + 7], bytes[at + 8]]);
            if width == 0 || height == 0 {
                return Err(damaged("the picture has no size"));
            }
            return Ok(());
        }
        at += 2 + len;
    }
    Err(damaged("no frame header was found"))
}

fn check_pdf(bytes: &[u8]) -> Result<(), AttachmentError> {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(AttachmentError::Damaged {
            kind: "PDF",
            detail: "it has no end-of-file marker (cut short?)".to_owned(),
        });
    }
    Ok(())
}

fn looks_like_xml(bytes: &[u8]) -> bool {
    let start = bytes
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(bytes);
    let first = start.iter().find(|b| !b.is_ascii_whitespace());
    first == Some(&b'<')
}

/// Elements a signature drawing may use.
const SVG_ELEMENTS: &[&str] = &[
    "svg", "g", "path", "polyline", "polygon", "line", "circle", "ellipse", "rect", "title", "desc",
];

/// Attributes a signature drawing may use (none of them can reference anything).
const SVG_ATTRIBUTES: &[&str] = &[
    "viewBox",
    "width",
    "height",
    "version",
    "preserveAspectRatio",
    "d",
    "points",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-opacity",
    "stroke-miterlimit",
    "opacity",
    "transform",
    "vector-effect",
];

/// Accepts an SVG only if every element and attribute is plain drawing: no scripts, event
/// handlers, links, `<use>`, `<image>`, `<foreignObject>`, styles, DTDs or entities, and no
/// `url(...)` anywhere.
fn check_svg(bytes: &[u8]) -> Result<(), AttachmentError> {
    let unsafe_svg = |what: String| AttachmentError::UnsafeSvg { what };
    let text = std::str::from_utf8(bytes).map_err(|_| AttachmentError::Damaged {
        kind: "SVG",
        detail: "it is not UTF-8 text".to_owned(),
    })?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => unsafe_svg("a document type declaration".to_owned()),
        other => AttachmentError::Damaged {
            kind: "SVG",
            detail: other.to_string(),
        },
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" || root.tag_name().namespace() != Some(SVG_NS) {
        return Err(AttachmentError::WrongKind {
            expected: "an SVG or PNG picture",
        });
    }
    for node in doc.descendants() {
        if node.is_pi() {
            return Err(unsafe_svg("a processing instruction".to_owned()));
        }
        if node.is_text() {
            let in_label = node
                .parent_element()
                .is_some_and(|p| matches!(p.tag_name().name(), "title" | "desc"));
            if !in_label && node.text().is_some_and(|t| !t.trim().is_empty()) {
                return Err(unsafe_svg("text".to_owned()));
            }
        }
        if !node.is_element() {
            continue;
        }
        let tag = node.tag_name();
        if tag.namespace() != Some(SVG_NS) || !SVG_ELEMENTS.contains(&tag.name()) {
            return Err(unsafe_svg(format!("a <{}> element", tag.name())));
        }
        for attr in node.attributes() {
            if attr.namespace().is_some() || !SVG_ATTRIBUTES.contains(&attr.name()) {
                return Err(unsafe_svg(format!("a {:?} attribute", attr.name())));
            }
            let value = attr.value().to_ascii_lowercase();
            if value.contains("url(") || value.contains("javascript:") {
                return Err(unsafe_svg("a reference in an attribute".to_owned()));
            }
        }
    }
    Ok(())
}

const SVG_NS: &str = "http://www.w3.org/2000/svg";

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD_SVG: &str = r##"<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100" width="300" height="100">
  <title>Signature</title>
  <path d="M10 80 C 40 10, 65 10, 95 80" stroke="black" fill="none" stroke-width="3"/>
  <polyline points="100,50 120,60 140,40" stroke="#000" fill="none"/>
</svg>"##;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, width, height);
            enc.set_color(png::ColorType::Grayscale);
            enc.set_depth(png::BitDepth::Eight);
            let mut writer = enc.write_header().unwrap();
            writer
                .write_image_data(&vec![255u8; (width * height) as usize])
                .unwrap();
        }
        out
    }

    /// A drawn PNG from the test vectors (a curve on white).
    const DRAWN_PNG: &[u8] =
        include_bytes!("../../../../tests/data/signatures/good/drawn-grey.png");

    #[test]
    fn accepts_plain_drawings() {
        assert_eq!(check_drawn(GOOD_SVG.as_bytes()), Ok(Kind::DrawnSvg));
        assert_eq!(check_drawn(DRAWN_PNG), Ok(Kind::DrawnPng));
        assert_eq!(check_scan(&png(30, 10)), Ok(Kind::ScanPng));
    }

    #[test]
    fn a_new_drawing_needs_strokes_but_a_stored_one_is_rechecked_as_before() {
        let empty = br#"<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>"#;
        let white = png(30, 10);
        assert!(matches!(
            check_drawn(empty),
            Err(AttachmentError::NoStrokes { .. })
        ));
        assert!(matches!(
            check_drawn(&white),
            Err(AttachmentError::NoStrokes { .. })
        ));
        // Records stored before the strokes rule still pass the gate's recheck.
        assert_eq!(recheck(Kind::DrawnSvg, empty), Ok(()));
        assert_eq!(recheck(Kind::DrawnPng, &white), Ok(()));
        // A white scan of a paper form is not judged by strokes.
        assert_eq!(check_scan(&white), Ok(Kind::ScanPng));
    }

    #[test]
    fn a_drawn_png_too_large_to_check_is_refused() {
        let side = 4097;
        assert!(u64::from(side) * u64::from(side) > strokes::MAX_DRAWN_PIXELS);
        assert!(matches!(
            check_drawn(&png(side, side)),
            Err(AttachmentError::Damaged { kind: "PNG", .. })
        ));
    }

    #[test]
    fn refuses_svg_with_anything_but_drawing() {
        for bad in [
            r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="http://example.org/x.png"/></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><use href="https://example.org/a.svg#x"/></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0" fill="url(http://example.org/p)"/></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p xmlns="http://www.w3.org/1999/xhtml">hi</p></foreignObject></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0" style="fill:red"/></svg>"#,
            r#"<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg">Jane Smith</svg>"#,
        ] {
            assert!(
                matches!(
                    check_drawn(bad.as_bytes()),
                    Err(AttachmentError::UnsafeSvg { .. })
                ),
                "accepted {bad}: {:?}",
                check_drawn(bad.as_bytes())
            );
        }
    }

    #[test]
    fn checks_content_not_names() {
        assert!(matches!(
            check_drawn(b"%PDF-1.7\n%%EOF"),
            Err(AttachmentError::WrongKind { .. })
        ));
        assert!(matches!(
            check_scan(GOOD_SVG.as_bytes()),
            Err(AttachmentError::WrongKind { .. })
        ));
        assert!(matches!(
            check_drawn(b"<html><body>hi</body></html>"),
            Err(AttachmentError::WrongKind { .. }) | Err(AttachmentError::Damaged { .. })
        ));
        assert!(matches!(
            check_scan(b"\x89PNG\r\n\x1a\nnot really"),
            Err(AttachmentError::Damaged { kind: "PNG", .. })
        ));
        assert!(matches!(
            check_scan(b"%PDF-1.4\n1 0 obj"),
            Err(AttachmentError::Damaged { kind: "PDF", .. })
        ));
        assert!(matches!(
            check_scan(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 2, 0xFF, 0xD9]),
            Err(AttachmentError::Damaged { kind: "JPEG", .. })
        ));
        assert!(matches!(
            check_drawn(b""),
            Err(AttachmentError::WrongKind { .. })
        ));
    }

    #[test]
    fn refuses_oversized_files() {
        let mut big = png(10, 10);
        big.resize(MAX_DRAWN_BYTES + 1, 0);
        assert!(matches!(
            check_drawn(&big),
            Err(AttachmentError::TooLarge { .. })
        ));
    }

    proptest::proptest! {
        /// Whatever bytes arrive, the checks answer with a kind or an error, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = check_drawn(&bytes);
            let _ = check_scan(&bytes);
        }

        /// Truncating a valid file never makes it pass as something else.
        #[test]
        fn truncated_files_are_refused_or_still_what_they_claim(cut in 0usize..400) {
            let svg = GOOD_SVG.as_bytes();
            let cut = cut.min(svg.len());
            if let Ok(kind) = check_drawn(&svg[..cut]) {
                proptest::prop_assert_eq!(kind, Kind::DrawnSvg);
            }
        }
    }

    #[test]
    fn kinds_round_trip() {
        for k in [
            Kind::DrawnSvg,
            Kind::DrawnPng,
            Kind::ScanPdf,
            Kind::ScanPng,
            Kind::ScanJpeg,
        ] {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Kind::parse("exe"), None);
        assert_eq!(recheck(Kind::DrawnSvg, GOOD_SVG.as_bytes()), Ok(()));
        assert!(recheck(Kind::ScanPng, GOOD_SVG.as_bytes()).is_err());
    }
}
