//! Whether a drawn signature holds drawn strokes: an empty picture, a dot or a blank image is
//! not a signature, however well-formed the file is.
//!
//! For an SVG, usvg lays the drawing out (transforms, view box, stroke widths) and the longest
//! visible stroke must span a meaningful share of the picture. For a PNG, enough pixels must
//! stand out from the background, spread over a meaningful share of the picture.
//!
//! The thresholds are set so that what the window's signature pad makes passes: a signature
//! drawn with a finger, a pen or the mouse, and the typed-name alternative, whose shortest
//! output (a single full stop) has a stroke of about 6 % of the pad's diagonal. The pad's dot
//! (a single tap, about 0.7 %), a short tick and an empty pad fail.

use svg2pdf::usvg;

use super::AttachmentError;

/// The share of the picture's diagonal that the longest visible stroke (for an SVG) or the
/// spread of the ink (for a PNG) must reach.
pub const MIN_EXTENT: f32 = 0.05;
/// The fewest ink pixels a drawn PNG must have.
pub const MIN_INK_PIXELS: u64 = 50;
/// How far (in 0–255 grey levels, over white) a pixel must differ from the background to count
/// as ink.
pub const INK_CONTRAST: u8 = 64;
/// The most pixels a drawn PNG may have (4096 × 4096), so that a small file cannot make the
/// check decode a huge picture.
pub const MAX_DRAWN_PIXELS: u64 = 4096 * 4096;
/// Paint lighter than this on every channel does not show on white paper.
const WHITE: u8 = 240;
/// Paint fainter than this (after every group's opacity) does not show.
const MIN_OPACITY: f32 = 0.1;

fn no_strokes(detail: impl Into<String>) -> AttachmentError {
    AttachmentError::NoStrokes {
        detail: detail.into(),
    }
}

/// The options under which a signature SVG is read: never resolving a file or embedded
/// picture it refers to (the allow-list refuses those already; this is defence in depth).
pub fn svg_options() -> usvg::Options<'static> {
    usvg::Options {
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    }
}

/// Checks that an SVG (already through the allow-list) holds a visible stroke long enough.
///
/// Errors: [`AttachmentError::NoStrokes`], [`AttachmentError::Damaged`] when usvg cannot lay
/// the drawing out.
pub fn check_svg(bytes: &[u8]) -> Result<(), AttachmentError> {
    let tree =
        usvg::Tree::from_data(bytes, &svg_options()).map_err(|e| AttachmentError::Damaged {
            kind: "SVG",
            detail: e.to_string(),
        })?;
    let size = tree.size();
    let picture = diagonal(size.width(), size.height());
    let mut longest = 0.0f32;
    visit(tree.root(), 1.0, &mut |bbox| {
        // Only what falls inside the picture is seen.
        let seen = bbox
            .intersect(&size.to_rect(0.0, 0.0).unwrap_or(bbox))
            .map_or(0.0, |r| diagonal(r.width(), r.height()));
        longest = longest.max(seen);
    });
    if longest == 0.0 {
        return Err(no_strokes("the picture holds no visible stroke"));
    }
    if !(picture.is_finite() && longest >= MIN_EXTENT * picture) {
        return Err(no_strokes(format!(
            "its longest stroke spans {:.1} % of the picture, less than the {:.0} % a signature \
             needs",
            100.0 * longest / picture,
            100.0 * MIN_EXTENT
        )));
    }
    Ok(())
}

/// Calls `seen` with the bounding box (canvas coordinates, stroke included) of every path in
/// `group` that shows: visible, with a stroke or fill that is neither transparent nor white.
fn visit(group: &usvg::Group, opacity: f32, seen: &mut dyn FnMut(usvg::Rect)) {
    let opacity = opacity * group.opacity().get();
    for node in group.children() {
        match node {
            usvg::Node::Group(inner) => visit(inner, opacity, seen),
            usvg::Node::Path(path) if path.is_visible() => {
                let stroke = path.stroke().is_some_and(|s| {
                    shows(s.paint(), opacity * s.opacity().get()) && s.width().get() > 0.0
                });
                let fill = path
                    .fill()
                    .is_some_and(|f| shows(f.paint(), opacity * f.opacity().get()));
                if stroke {
                    seen(path.abs_stroke_bounding_box());
                } else if fill {
                    seen(path.abs_bounding_box());
                }
            }
            _ => {}
        }
    }
}

fn shows(paint: &usvg::Paint, opacity: f32) -> bool {
    let white = matches!(paint, usvg::Paint::Color(c) if c.red.min(c.green).min(c.blue) >= WHITE);
    opacity >= MIN_OPACITY && !white
}

fn diagonal(width: f32, height: f32) -> f32 {
    width.hypot(height)
}

/// How many pixels of each grey level (0–255, composited over white) a picture has, and where
/// the pixels of each level lie.
struct Levels {
    count: [u64; 256],
    /// For each level: the smallest and largest x and y of its pixels.
    extent: [[u32; 4]; 256],
}

impl Levels {
    fn new() -> Levels {
        Levels {
            count: [0; 256],
            extent: [[u32::MAX, u32::MAX, 0, 0]; 256],
        }
    }

    fn add(&mut self, level: u8, x: u32, y: u32) {
        let i = usize::from(level);
        self.count[i] += 1;
        let e = &mut self.extent[i];
        e[0] = e[0].min(x);
        e[1] = e[1].min(y);
        e[2] = e[2].max(x);
        e[3] = e[3].max(y);
    }
}

/// Checks that a PNG (already decoded once by the format check) has enough ink: pixels that
/// differ from the background (its commonest grey level) by [`INK_CONTRAST`], at least
/// [`MIN_INK_PIXELS`] of them, spread over [`MIN_EXTENT`] of the picture's diagonal.
///
/// Errors: [`AttachmentError::NoStrokes`], [`AttachmentError::Damaged`].
pub fn check_png(bytes: &[u8]) -> Result<(), AttachmentError> {
    let damaged = |detail: String| AttachmentError::Damaged {
        kind: "PNG",
        detail,
    };
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| damaged(e.to_string()))?;
    let (width, height) = (reader.info().width, reader.info().height);
    if u64::from(width) * u64::from(height) > MAX_DRAWN_PIXELS {
        return Err(damaged(format!(
            "{width}x{height} pixels is more than a drawn signature may have (at most \
             {MAX_DRAWN_PIXELS} pixels)"
        )));
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| damaged("its size cannot be read".to_owned()))?;
    let mut pixels = vec![0u8; size];
    let frame = reader
        .next_frame(&mut pixels)
        .map_err(|e| damaged(e.to_string()))?;
    let channels = frame.color_type.samples();
    let has_alpha = matches!(
        frame.color_type,
        png::ColorType::GrayscaleAlpha | png::ColorType::Rgba
    );
    let mut levels = Levels::new();
    for (y, row) in pixels
        .chunks(frame.line_size.max(1))
        .take(height as usize)
        .enumerate()
    {
        for (x, px) in row.chunks_exact(channels).take(width as usize).enumerate() {
            levels.add(grey_over_white(px, has_alpha), x as u32, y as u32);
        }
    }
    ink(&levels, width, height)
}

/// A pixel's grey level (0 black – 255 white) as it shows over white paper.
fn grey_over_white(px: &[u8], has_alpha: bool) -> u8 {
    let (colour, alpha) = if has_alpha {
        px.split_at(px.len() - 1)
    } else {
        (px, &[255u8][..])
    };
    let grey = match colour {
        [r, g, b] => (u32::from(*r) * 299 + u32::from(*g) * 587 + u32::from(*b) * 114) / 1000,
        [g, ..] => u32::from(*g),
        [] => 255,
    };
    let alpha = u32::from(alpha[0]);
    // Composited over white: transparent pixels are white.
    (255 - alpha * (255 - grey) / 255) as u8
}

fn ink(levels: &Levels, width: u32, height: u32) -> Result<(), AttachmentError> {
    let background = (0..256).max_by_key(|&i| levels.count[i]).unwrap_or(255);
    let mut pixels = 0u64;
    let mut extent = [u32::MAX, u32::MAX, 0, 0];
    for i in (0..256).filter(|&i| background.abs_diff(i) >= usize::from(INK_CONTRAST)) {
        if levels.count[i] == 0 {
            continue;
        }
        pixels += levels.count[i];
        let e = levels.extent[i];
        extent = [
            extent[0].min(e[0]),
            extent[1].min(e[1]),
            extent[2].max(e[2]),
            extent[3].max(e[3]),
        ];
    }
    if pixels < MIN_INK_PIXELS {
        return Err(no_strokes(format!(
            "only {pixels} of its pixels stand out from the background, fewer than the \
             {MIN_INK_PIXELS} a signature needs"
        )));
    }
    let spread = diagonal(
        (extent[2] - extent[0] + 1) as f32,
        (extent[3] - extent[1] + 1) as f32,
    );
    let picture = diagonal(width as f32, height as f32);
    if spread < MIN_EXTENT * picture {
        return Err(no_strokes(format!(
            "its ink spans {:.1} % of the picture, less than the {:.0} % a signature needs",
            100.0 * spread / picture,
            100.0 * MIN_EXTENT
        )));
    }
    Ok(())
}
