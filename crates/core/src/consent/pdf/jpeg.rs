//! What the PDF needs to know of a JPEG file, read with a bound check at every step: its size,
//! its colour components, Adobe's inverted CMYK, and the EXIF orientation; and whether PDF's
//! DCTDecode filter can show it at all.

/// What the PDF needs to know about a JPEG file.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct JpegHeader {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) components: u8,
    /// Whether the file has Adobe's APP14 marker (whose CMYK data is stored inverted).
    pub(super) adobe: bool,
    /// The EXIF orientation, 1 when there is none.
    pub(super) orientation: u8,
}

/// Reads the frame header of a JPEG file, checking that PDF's DCTDecode filter can show it
/// (baseline, extended or progressive Huffman coding, 8 bits, 1, 3 or 4 components).
pub(super) fn parse_jpeg(data: &[u8]) -> Result<JpegHeader, String> {
    let be16 = |at: usize| -> Option<u16> {
        let bytes = data.get(at..at.checked_add(2)?)?;
        Some(u16::from_be_bytes([bytes[0], bytes[1]]))
    };
    if !data.starts_with(&[0xff, 0xd8]) {
        return Err("not a JPEG file".into());
    }
    let mut pos = 2;
    let mut frame: Option<(u32, u32, u8)> = None;
    let mut adobe = false;
    let mut orientation = 1;
    loop {
        if data.get(pos) != Some(&0xff) {
            return Err(if pos >= data.len() {
                "the file ends before the image data".into()
            } else {
                "the file is damaged (no marker where one was expected)".into()
            });
        }
        while data.get(pos) == Some(&0xff) {
            pos += 1;
        }
        let marker = *data.get(pos).ok_or("the file ends before the image data")?;
        pos += 1;
        match marker {
            0xd8 | 0x01 | 0xd0..=0xd7 => continue,
            0xd9 => return Err("the file ends before the image data".into()),
            0xda => {
                let (width, height, components) =
                    frame.ok_or("the image data comes before the frame header")?;
                let len = usize::from(be16(pos).ok_or("the file is truncated")?);
                if len < 2 || pos + len > data.len() {
                    return Err("the scan header is truncated".into());
                }
                return Ok(JpegHeader {
                    width,
                    height,
                    components,
                    adobe,
                    orientation,
                });
            }
            _ => {}
        }
        let len = usize::from(be16(pos).ok_or("the file is truncated")?);
        if len < 2 {
            return Err("the file is damaged (bad segment length)".into());
        }
        let segment = data
            .get(pos + 2..pos + len)
            .ok_or("the file is truncated")?;
        match marker {
            0xc0..=0xc2 => {
                if frame.is_some() {
                    return Err("the file has more than one frame".into());
                }
                frame = Some(frame_header(segment)?);
            }
            0xc3 | 0xc5..=0xc7 | 0xc9..=0xcb | 0xcd..=0xcf => {
                return Err(
                    "lossless, hierarchical or arithmetic-coded JPEG is not supported".into(),
                )
            }
            0xe1 => {
                if let Some(tiff) = segment.strip_prefix(b"Exif\0\0") {
                    orientation = exif_orientation(tiff).unwrap_or(1);
                }
            }
            0xee if segment.starts_with(b"Adobe") => adobe = true,
            _ => {}
        }
        pos += len;
    }
}

/// Reads a frame header (SOF0 to SOF2, after its length): the picture's width, height and number
/// of colour components, refusing what DCTDecode cannot show.
fn frame_header(segment: &[u8]) -> Result<(u32, u32, u8), String> {
    let &[precision, h1, h0, w1, w0, components, ..] = segment else {
        return Err("the frame header is truncated".into());
    };
    if precision != 8 {
        return Err(format!("{precision}-bit samples are not supported"));
    }
    let height = u32::from(u16::from_be_bytes([h1, h0]));
    let width = u32::from(u16::from_be_bytes([w1, w0]));
    if width == 0 || height == 0 {
        return Err("the image has no size".into());
    }
    if !matches!(components, 1 | 3 | 4) {
        return Err(format!("{components} colour components are not supported"));
    }
    if segment.len() < 6 + 3 * usize::from(components) {
        return Err("the frame header is truncated".into());
    }
    Ok((width, height, components))
}

/// The orientation tag (1-8) of EXIF data (a TIFF structure), if it has a valid one.
fn exif_orientation(tiff: &[u8]) -> Option<u8> {
    let little = match tiff.get(..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b = tiff.get(at..at.checked_add(2)?)?;
        Some(if little {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b = tiff.get(at..at.checked_add(4)?)?;
        Some(if little {
            u32::from_le_bytes([b[0], b[1], b[2], b[3]])
        } else {
            u32::from_be_bytes([b[0], b[1], b[2], b[3]])
        })
    };
    if u16_at(2)? != 42 {
        return None;
    }
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    for i in 0..count {
        let entry = ifd.checked_add(2 + 12 * i)?;
        // Tag 0x0112 (Orientation), type 3 (SHORT), count 1.
        if u16_at(entry)? == 0x0112 {
            if u16_at(entry + 2)? != 3 || u32_at(entry + 4)? != 1 {
                return None;
            }
            let value = u16_at(entry + 8)?;
            return u8::try_from(value).ok().filter(|v| (1..=8).contains(v));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::pdf::picture::Picture;
    use crate::consent::pdf::tests::GREY_JPEG;

    #[test]
    fn jpeg_headers_are_read_with_bounds_checks() {
        let header = parse_jpeg(&GREY_JPEG).expect("valid JPEG");
        assert_eq!(
            header,
            JpegHeader {
                width: 8,
                height: 8,
                components: 1,
                adobe: false,
                orientation: 1
            }
        );
        // No prefix panics; those cut before the scan are rejected.
        let sos = GREY_JPEG
            .windows(2)
            .position(|w| w == [0xff, 0xda])
            .expect("SOS marker");
        for len in 0..GREY_JPEG.len() {
            let result = parse_jpeg(&GREY_JPEG[..len]);
            assert_eq!(result.is_ok(), len >= sos + 10, "prefix of {len} bytes");
        }

        // A 20x10 RGB frame with big-endian EXIF orientation 6 (rotate 90° clockwise).
        let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe1, 0x00, 0x1e];
        jpeg.extend_from_slice(b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01");
        jpeg.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x06, 0, 0]);
        jpeg.extend_from_slice(&[0xff, 0xee, 0x00, 0x07]);
        jpeg.extend_from_slice(b"Adobe");
        jpeg.extend_from_slice(&[0xff, 0xc2, 0x00, 0x11, 8, 0, 10, 0, 20, 3]);
        jpeg.extend_from_slice(&[1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        jpeg.extend_from_slice(&[0xff, 0xda, 0x00, 0x02]);
        let header = parse_jpeg(&jpeg).expect("valid header");
        assert_eq!((header.width, header.height), (20, 10));
        assert_eq!(
            (header.components, header.adobe, header.orientation),
            (3, true, 6)
        );
        let picture = Picture::from_jpeg(&jpeg).expect("picture");
        assert_eq!(picture.display_size(), (10.0, 20.0));

        // Arithmetic coding and 12-bit samples cannot be shown by DCTDecode.
        let mut arithmetic = jpeg.clone();
        let sof = arithmetic.iter().position(|&b| b == 0xc2).expect("SOF");
        arithmetic[sof] = 0xc9;
        assert!(parse_jpeg(&arithmetic).is_err());
        let mut twelve_bit = jpeg.clone();
        twelve_bit[sof + 3] = 12;
        assert!(parse_jpeg(&twelve_bit).is_err());
        assert!(parse_jpeg(b"\xff\xd8\xff\xda\x00\x02").is_err());
        assert!(parse_jpeg(&jpeg[..jpeg.len() - 1]).is_err());
        assert!(parse_jpeg(b"\xff\xd8\xff\xc0\x00\x01").is_err());
    }
}
