//! Re-sealing what a crash left: every complete authenticated chunk, written into a new,
//! properly finished stream.

use super::*;

/// Re-seals a recording cut short by a crash: decrypts every complete authenticated chunk of
/// `path` (up to the first that fails to decrypt, where the crash cut the file, or the end)
/// and streams that prefix, whole frames only, into a new sealed file beside it, 64 KiB at a
/// time through a zeroized buffer, so memory does not grow with the recording's length. Then
/// forces the new file to the disk and renames it over the original. Returns the new file's
/// facts.
///
/// Errors: [`SealError::Decrypt`] when the file cannot be decrypted at all,
/// [`SealError::BadHeader`] when not even the header survived or it is not 16-bit PCM,
/// [`SealError::Io`].
pub fn reseal(path: &Path, key: &RecordingKey) -> Result<Sealed, SealError> {
    /// Reads into `buf[*len..]` until `buf[..*len]` holds at least `min` bytes. False when the
    /// stream ends first or fails to decrypt: that is where the crash cut the file (age gives
    /// out nothing of a chunk that fails).
    fn fill(stream: &mut impl Read, buf: &mut [u8], len: &mut usize, min: usize) -> bool {
        while *len < min {
            match stream.read(&mut buf[*len..]) {
                Ok(0) | Err(_) => return false,
                Ok(n) => *len += n,
            }
        }
        true
    }
    let short = || SealError::BadHeader("less than a header survived".to_owned());
    let mut stream = decrypting(path, key)?;
    // `buf[start..len]` holds decrypted bytes not yet written.
    let mut buf = Zeroizing::new(vec![0u8; 64 * 1024]);
    let mut len = 0;
    if !fill(&mut stream, &mut buf, &mut len, 44) {
        return Err(short());
    }
    let (format, data_offset) = parse_header(&buf[..44])?;
    // The data chunk's header lies within those 44 bytes, so the samples start by byte 48.
    let mut start = data_offset as usize;
    if !fill(&mut stream, &mut buf, &mut len, start) {
        return Err(short());
    }
    let frame_bytes = format.frame_bytes() as usize;
    if buf.len() < start + frame_bytes {
        // Room for a whole frame (only a header claiming thousands of channels needs this).
        let mut bigger = Zeroizing::new(vec![0u8; start + frame_bytes]);
        bigger[..len].copy_from_slice(&buf[..len]);
        buf = bigger; // the old buffer is zeroized as it drops
    }
    let tmp = path.with_extension("resealing");
    let out = File::create(&tmp).map_err(io_err("created"))?;
    let mut writer = SealedWriter::create(out, key, format)?;
    let mut written = 0u64;
    loop {
        // Whole frames go out; the bytes of a partial frame (fewer than a frame's) move to the
        // front of the buffer to wait for the rest of their frame.
        let whole = (len - start) / frame_bytes * frame_bytes;
        writer
            .stream
            .write_all(&buf[start..start + whole])
            .map_err(io_err("written"))?;
        written += whole as u64;
        buf.copy_within(start + whole..len, 0);
        len -= start + whole;
        start = 0;
        let more = len + 1;
        if !fill(&mut stream, &mut buf, &mut len, more) {
            break;
        }
    }
    // What is left in `buf[..len]` is the start of a frame the crash cut (or a stream that
    // ended mid-frame): it is left out, and zeroized with the buffer.
    writer.frames = written / format.frame_bytes();
    let sealed = writer.finish()?;
    std::fs::rename(&tmp, path).map_err(io_err("renamed"))?;
    if let Some(dir) = path.parent() {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err("synced"))?;
    }
    Ok(sealed)
}
