//! The client's signature picture: an SVG drawing converted to vectors, a PNG (its alpha as a
//! soft mask) or a JPEG (passed through unchanged), read and checked before any layout, shown the
//! way its EXIF orientation says, and written into the PDF as an XObject.

use std::collections::HashMap;
use std::io::Cursor;

use pdf_writer::{Chunk, Filter, Finish, Name, Pdf, Ref};
use svg2pdf::usvg;

use super::jpeg::parse_jpeg;
use super::PdfError;
use crate::pdf_text::deflate;

/// A PNG at least this many pixels wide and high is taken for a scan of the paper form.
const SCAN_MIN_PIXELS: u32 = 800;
/// The most pixels a PNG may have (a 600 dpi A4 scan has about 35 million).
const MAX_PNG_PIXELS: u64 = 64_000_000;

/// The resource name of the signature picture's XObject.
pub(super) const PICTURE_NAME: Name<'static> = Name(b"Im1");

/// The colour space of raster samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ColorSpace {
    Gray,
    Rgb,
    Cmyk,
}

/// A raster image's samples and how they are stored.
struct Raster {
    /// The stream data (DCT-encoded JPEG, or zlib-deflated samples).
    data: Vec<u8>,
    filter: Filter,
    width: u32,
    height: u32,
    color: ColorSpace,
    /// Inverted CMYK (as Adobe's JPEGs are stored).
    inverted: bool,
    /// Deflated 8-bit alpha, the soft mask.
    alpha: Option<Vec<u8>>,
    /// The EXIF orientation (1-8) to display the image in.
    orientation: u8,
}

/// An SVG drawing converted to a form XObject by `svg2pdf`.
struct Vector {
    chunk: Chunk,
    /// The XObject's id within `chunk`.
    root: Ref,
    width: f32,
    height: f32,
}

enum PictureKind {
    Raster(Raster),
    Vector(Vector),
}

/// The signature picture, read and ready to embed.
pub(super) struct Picture {
    kind: PictureKind,
    /// Whether it is a scan of the paper form (shown large) rather than a drawn signature.
    pub(super) is_scan: bool,
}

impl Picture {
    pub(super) fn from_svg(bytes: &[u8]) -> Result<Picture, PdfError> {
        let options = usvg::Options {
            // Defence in depth: never read files or embedded pictures referred to by the drawing.
            image_href_resolver: usvg::ImageHrefResolver {
                resolve_data: Box::new(|_, _, _| None),
                resolve_string: Box::new(|_, _| None),
            },
            ..usvg::Options::default()
        };
        let tree =
            usvg::Tree::from_data(bytes, &options).map_err(|e| PdfError::Svg(e.to_string()))?;
        let size = tree.size();
        let (width, height) = (size.width(), size.height());
        if !(width.is_finite() && height.is_finite() && width > 0.0 && height > 0.0) {
            return Err(PdfError::Svg("the drawing has no size".into()));
        }
        let (chunk, root) = svg2pdf::to_chunk(&tree, svg2pdf::ConversionOptions::default())
            .map_err(|e| PdfError::Svg(e.to_string()))?;
        Ok(Picture {
            kind: PictureKind::Vector(Vector {
                chunk,
                root,
                width,
                height,
            }),
            is_scan: false,
        })
    }

    pub(super) fn from_png(bytes: &[u8]) -> Result<Picture, PdfError> {
        let image_err = |e: png::DecodingError| PdfError::Image(format!("PNG: {e}"));
        let mut decoder = png::Decoder::new(Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info().map_err(image_err)?;
        let (width, height) = reader.info().size();
        if u64::from(width) * u64::from(height) > MAX_PNG_PIXELS {
            return Err(PdfError::Image(format!(
                "PNG: {width}x{height} pixels is too large"
            )));
        }
        let size = reader
            .output_buffer_size()
            .ok_or_else(|| PdfError::Image("PNG: the image is too large".into()))?;
        let mut buf = vec![0; size];
        let info = reader.next_frame(&mut buf).map_err(image_err)?;
        buf.truncate(info.buffer_size());
        if info.bit_depth != png::BitDepth::Eight {
            return Err(PdfError::Image("PNG: unexpected bit depth".into()));
        }
        let (color, channels, has_alpha) = match info.color_type {
            png::ColorType::Grayscale => (ColorSpace::Gray, 1, false),
            png::ColorType::GrayscaleAlpha => (ColorSpace::Gray, 2, true),
            png::ColorType::Rgb => (ColorSpace::Rgb, 3, false),
            png::ColorType::Rgba => (ColorSpace::Rgb, 4, true),
            png::ColorType::Indexed => {
                return Err(PdfError::Image("PNG: unexpected palette output".into()))
            }
        };
        let pixels = info.width as usize * info.height as usize;
        if buf.len() < pixels * channels {
            return Err(PdfError::Image("PNG: the image data is incomplete".into()));
        }
        let (samples, alpha) = if has_alpha {
            let colour_channels = channels - 1;
            let mut samples = Vec::with_capacity(pixels * colour_channels);
            let mut alpha = Vec::with_capacity(pixels);
            for pixel in buf.chunks_exact(channels) {
                samples.extend_from_slice(&pixel[..colour_channels]);
                alpha.push(pixel[colour_channels]);
            }
            let opaque = alpha.iter().all(|&a| a == u8::MAX);
            (samples, (!opaque).then_some(alpha))
        } else {
            (buf, None)
        };
        Ok(Picture {
            kind: PictureKind::Raster(Raster {
                data: deflate(&samples),
                filter: Filter::FlateDecode,
                width: info.width,
                height: info.height,
                color,
                inverted: false,
                alpha: alpha.map(|a| deflate(&a)),
                orientation: 1,
            }),
            is_scan: info.width >= SCAN_MIN_PIXELS && info.height >= SCAN_MIN_PIXELS,
        })
    }

    pub(super) fn from_jpeg(bytes: &[u8]) -> Result<Picture, PdfError> {
        let header = parse_jpeg(bytes).map_err(|e| PdfError::Image(format!("JPEG: {e}")))?;
        let color = match header.components {
            1 => ColorSpace::Gray,
            3 => ColorSpace::Rgb,
            _ => ColorSpace::Cmyk,
        };
        Ok(Picture {
            kind: PictureKind::Raster(Raster {
                data: bytes.to_vec(),
                filter: Filter::DctDecode,
                width: header.width,
                height: header.height,
                color,
                inverted: color == ColorSpace::Cmyk && header.adobe,
                alpha: None,
                orientation: header.orientation,
            }),
            is_scan: true,
        })
    }

    /// The picture's width and height as displayed (pixels, or SVG user units).
    pub(super) fn display_size(&self) -> (f32, f32) {
        match &self.kind {
            PictureKind::Raster(r) => {
                let (w, h) = (r.width.max(1) as f32, r.height.max(1) as f32);
                if r.orientation >= 5 {
                    (h, w)
                } else {
                    (w, h)
                }
            }
            PictureKind::Vector(v) => (v.width, v.height),
        }
    }

    /// The transformation that draws the picture's unit square into the box at (x, y) of
    /// size w×h, applying a JPEG's EXIF orientation.
    pub(super) fn matrix(&self, x: f32, y: f32, w: f32, h: f32) -> [f32; 6] {
        let orientation = match &self.kind {
            PictureKind::Raster(r) => r.orientation,
            PictureKind::Vector(_) => 1,
        };
        orientation_matrix(orientation, x, y, w, h)
    }
}

/// Maps an image's unit square into the box at (x, y) of size w×h (both as displayed), so that
/// the image appears as its EXIF orientation says it should.
fn orientation_matrix(orientation: u8, x: f32, y: f32, w: f32, h: f32) -> [f32; 6] {
    match orientation {
        2 => [-w, 0.0, 0.0, h, x + w, y],
        3 => [-w, 0.0, 0.0, -h, x + w, y + h],
        4 => [w, 0.0, 0.0, -h, x, y + h],
        5 => [0.0, -h, -w, 0.0, x + w, y + h],
        6 => [0.0, -h, w, 0.0, x, y + h],
        7 => [0.0, h, w, 0.0, x, y],
        8 => [0.0, h, -w, 0.0, x + w, y],
        _ => [w, 0.0, 0.0, h, x, y],
    }
}

/// Writes the picture's objects and returns the id of the XObject to draw.
pub(super) fn write_picture(pdf: &mut Pdf, alloc: &mut Ref, picture: Picture) -> Ref {
    match picture.kind {
        PictureKind::Raster(raster) => {
            let image_id = alloc.bump();
            let mask_id = raster.alpha.as_ref().map(|_| alloc.bump());
            let width = i32::try_from(raster.width).unwrap_or(i32::MAX);
            let height = i32::try_from(raster.height).unwrap_or(i32::MAX);
            let mut image = pdf.image_xobject(image_id, &raster.data);
            image.filter(raster.filter);
            image.width(width).height(height).bits_per_component(8);
            match raster.color {
                ColorSpace::Gray => image.color_space().device_gray(),
                ColorSpace::Rgb => image.color_space().device_rgb(),
                ColorSpace::Cmyk => image.color_space().device_cmyk(),
            }
            if raster.inverted {
                image.decode([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
            }
            if let Some(mask_id) = mask_id {
                image.s_mask(mask_id);
            }
            image.finish();
            if let (Some(mask_id), Some(alpha)) = (mask_id, &raster.alpha) {
                let mut mask = pdf.image_xobject(mask_id, alpha);
                mask.filter(Filter::FlateDecode);
                mask.width(width).height(height).bits_per_component(8);
                mask.color_space().device_gray();
                mask.finish();
            }
            image_id
        }
        PictureKind::Vector(vector) => {
            let mut map = HashMap::new();
            let chunk = vector
                .chunk
                .renumber(|old| *map.entry(old).or_insert_with(|| alloc.bump()));
            pdf.extend(&chunk);
            // svg2pdf always defines its root XObject in the chunk, so it has been renumbered.
            map.get(&vector.root).copied().unwrap_or(vector.root)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orientation_matrices_keep_the_picture_in_its_box() {
        let (x, y, w, h) = (10.0, 20.0, 30.0, 40.0);
        for orientation in 1..=8 {
            let [a, b, c, d, e, f] = orientation_matrix(orientation, x, y, w, h);
            let mut corners = Vec::new();
            for (u, v) in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)] {
                corners.push((a * u + c * v + e, b * u + d * v + f));
            }
            for corner in [(x, y), (x + w, y), (x, y + h), (x + w, y + h)] {
                assert!(corners.contains(&corner), "orientation {orientation}");
            }
        }
        // Orientation 6: the stored top-left corner (u=0, v=1) is shown top right.
        let [_, _, c, d, e, f] = orientation_matrix(6, x, y, w, h);
        assert_eq!((c + e, d + f), (x + w, y + h));
    }
}
