//! Writing a recording: the WAV header first, then samples, through an age stream into a
//! [`DurableFile`].

use super::*;

/// Writes a recording: the WAV header, then 16-bit samples, all inside one age stream.
pub struct SealedWriter {
    pub(super) stream: age::stream::StreamWriter<DurableFile>,
    format: Format,
    pub(super) frames: u64,
}

/// The WAV header hound writes for an empty file of this format.
fn wav_header(format: Format) -> Result<Vec<u8>, SealError> {
    let mut cursor = io::Cursor::new(Vec::new());
    hound::WavWriter::new(&mut cursor, format.spec())
        .and_then(hound::WavWriter::finalize)
        .map_err(|e| SealError::BadHeader(e.to_string()))?;
    Ok(cursor.into_inner())
}

/// The header of a standard WAV file (hound's, 16-bit PCM) holding exactly `frames` frames
/// of `format`, with its sizes filled in, so the file can be streamed out (into age, which
/// cannot seek back) header first.
///
/// Errors: [`SealError::BadHeader`] when the data would not fit a WAV file's 32-bit sizes
/// (about 6 hours of 48 kHz stereo).
pub fn wav_header_for(format: Format, frames: u64) -> Result<Vec<u8>, SealError> {
    let mut header = wav_header(format)?;
    let (_, data_offset) = parse_header(&header)?;
    let data_len = frames
        .checked_mul(format.frame_bytes())
        .filter(|len| len.saturating_add(data_offset) <= u64::from(u32::MAX))
        .ok_or_else(|| SealError::BadHeader("too long for a WAV file".to_owned()))?;
    header.truncate(data_offset as usize);
    patch_sizes(&mut header, data_offset, data_len);
    Ok(header)
}

impl SealedWriter {
    /// Starts a sealed recording in the new file `file`, encrypted to `key`.
    ///
    /// Errors: [`SealError::Io`], [`SealError::BadHeader`].
    pub fn create(file: File, key: &RecordingKey, format: Format) -> Result<Self, SealError> {
        let recipient = key.identity.to_public();
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| SealError::Decrypt(e.to_string()))?;
        let mut stream = encryptor
            .wrap_output(DurableFile::new(file).map_err(io_err("started"))?)
            .map_err(io_err("started"))?;
        stream
            .write_all(&wav_header(format)?)
            .map_err(io_err("written"))?;
        Ok(SealedWriter {
            stream,
            format,
            frames: 0,
        })
    }

    /// Appends whole frames of interleaved samples; `samples.len()` must be a multiple of the
    /// channel count. On little-endian machines the samples' own bytes are written, with no
    /// copy; elsewhere they are converted in a buffer that is zeroized.
    ///
    /// Errors: [`SealError::Io`] (a full disk, a write error).
    pub fn write_samples(&mut self, samples: &[i16]) -> Result<(), SealError> {
        #[cfg(target_endian = "little")]
        let bytes: &[u8] = bytemuck::cast_slice(samples);
        #[cfg(not(target_endian = "little"))]
        let converted = Zeroizing::new(
            samples
                .iter()
                .flat_map(|s| s.to_le_bytes())
                .collect::<Vec<u8>>(),
        );
        #[cfg(not(target_endian = "little"))]
        let bytes: &[u8] = &converted;
        self.stream.write_all(bytes).map_err(io_err("written"))?;
        self.frames += samples.len() as u64 / u64::from(self.format.channels);
        Ok(())
    }

    /// Passes every sealed chunk so far on to the file (the chunk still being filled stays in
    /// memory until it is complete: age seals whole chunks).
    ///
    /// Errors: [`SealError::Io`], the first write or sync error of the file.
    pub fn flush(&mut self) -> Result<(), SealError> {
        self.stream.flush().map_err(io_err("written"))
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Finishes the age stream and forces the file to the disk. Returns the ciphertext's
    /// SHA-256, its length, and the frame count.
    ///
    /// Errors: [`SealError::Io`].
    pub fn finish(self) -> Result<Sealed, SealError> {
        let file = self.stream.finish().map_err(io_err("finished"))?;
        let (sha256, bytes) = file.close().map_err(io_err("synced"))?;
        Ok(Sealed {
            sha256,
            bytes,
            frames: self.frames,
        })
    }
}

/// A finished sealed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sealed {
    /// SHA-256 of the ciphertext file.
    pub sha256: [u8; 32],
    /// Length of the ciphertext file.
    pub bytes: u64,
    /// Audio frames it holds.
    pub frames: u64,
}
