//! Reading a sealed recording: seekable, decrypted on demand (one 64 KiB chunk per seek),
//! with the WAV sizes fixed up from the stream's real length.

use super::*;

/// A sealed recording opened for reading: decrypts on demand (one 64 KiB chunk per seek) and
/// presents a WAV file whose sizes are fixed up to the real length.
pub struct SealedAudio {
    stream: age::stream::StreamReader<io::BufReader<File>>,
    header: Zeroizing<Vec<u8>>,
    data_offset: u64,
    data_len: u64,
    format: Format,
    pos: u64,
    /// Where the decrypting stream stands, to skip needless seeks.
    stream_pos: u64,
}

impl SealedAudio {
    /// Opens the sealed file at `path` with `key`.
    ///
    /// Errors: [`SealError::Io`], [`SealError::Decrypt`] (wrong key, not an age file),
    /// [`SealError::BadHeader`].
    pub fn open(path: &Path, key: &RecordingKey) -> Result<Self, SealError> {
        let mut stream = decrypting(path, key)?;
        // The plaintext length: seek to the end (age authenticates the last chunk).
        let total = stream
            .seek(SeekFrom::End(0))
            .map_err(|_| SealError::Integrity { offset: 0 })?;
        stream.seek(SeekFrom::Start(0)).map_err(io_err("read"))?;
        let mut head = Zeroizing::new(vec![0u8; 44]);
        stream
            .read_exact(&mut head)
            .map_err(|e| SealError::BadHeader(e.to_string()))?;
        let (format, data_offset) = parse_header(&head)?;
        let data_len =
            total.saturating_sub(data_offset) / format.frame_bytes() * format.frame_bytes();
        let mut header = head;
        header.truncate(data_offset as usize);
        patch_sizes(&mut header, data_offset, data_len);
        Ok(SealedAudio {
            stream,
            header,
            data_offset,
            data_len,
            format,
            pos: 0,
            stream_pos: u64::MAX,
        })
    }

    /// The audio format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// How many whole frames the recording holds.
    pub fn frames(&self) -> u64 {
        self.data_len / self.format.frame_bytes()
    }

    /// The WAV bytes' total length (header plus data).
    pub fn wav_len(&self) -> u64 {
        self.data_offset + self.data_len
    }

    /// Moves to frame `frame` (clamped to the end), so the next [`Self::read_samples`] starts
    /// exactly there. Nothing is decrypted until that read, which decrypts only the 64 KiB
    /// chunk holding the frame (and any after it that the read needs).
    pub fn seek_frame(&mut self, frame: u64) {
        self.pos = self.data_offset + frame.min(self.frames()) * self.format.frame_bytes();
    }

    /// The frame the next [`Self::read_samples`] starts at.
    pub fn frame_position(&self) -> u64 {
        self.pos.saturating_sub(self.data_offset) / self.format.frame_bytes()
    }

    /// Reads whole frames of interleaved samples into `out` (as many as fit, up to the end)
    /// and returns how many samples were read: 0 at the end.
    ///
    /// Errors: [`SealError::Integrity`] where decryption fails (the file was altered or cut
    /// there); nothing of a chunk that fails is ever returned.
    pub fn read_samples(&mut self, out: &mut [i16]) -> Result<usize, SealError> {
        if self.pos < self.data_offset {
            self.seek_frame(0);
        }
        let channels = usize::from(self.format.channels);
        let left = (self.wav_len().saturating_sub(self.pos) / 2) as usize;
        let want = out.len().min(left) / channels * channels;
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut out[..want]);
        let mut filled = 0;
        while filled < bytes.len() {
            let at = self.pos;
            match self.read(&mut bytes[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(_) => {
                    bytes.iter_mut().for_each(|b| *b = 0);
                    return Err(SealError::Integrity {
                        offset: at - self.data_offset,
                    });
                }
            }
        }
        #[cfg(not(target_endian = "little"))]
        for s in out[..filled / 2].iter_mut() {
            *s = i16::from_le(*s);
        }
        Ok(filled / 2)
    }
}

impl Read for SealedAudio {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let end = self.wav_len();
        if self.pos >= end || buf.is_empty() {
            return Ok(0);
        }
        let want = usize::try_from((end - self.pos).min(buf.len() as u64)).unwrap_or(buf.len());
        let n = if self.pos < self.data_offset {
            let start = self.pos as usize;
            let n = want.min(self.header.len() - start);
            buf[..n].copy_from_slice(&self.header[start..start + n]);
            n
        } else {
            if self.stream_pos != self.pos {
                self.stream.seek(SeekFrom::Start(self.pos))?;
            }
            let n = self.stream.read(&mut buf[..want])?;
            self.stream_pos = self.pos + n as u64;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the sealed audio ended early",
                ));
            }
            n
        };
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for SealedAudio {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.wav_len().checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}

/// Opens the age stream in `path` for decryption with `key`.
pub(super) fn decrypting(
    path: &Path,
    key: &RecordingKey,
) -> Result<age::stream::StreamReader<io::BufReader<File>>, SealError> {
    let file = File::open(path).map_err(io_err("opened"))?;
    let decryptor = age::Decryptor::new(io::BufReader::new(file))
        .map_err(|e| SealError::Decrypt(e.to_string()))?;
    decryptor
        .decrypt(std::iter::once(&key.identity as &dyn age::Identity))
        .map_err(|e| SealError::Decrypt(e.to_string()))
}

/// Finds the format and where the `data` chunk's samples start, from the first bytes.
pub(super) fn parse_header(head: &[u8]) -> Result<(Format, u64), SealError> {
    // hound reads the format; the data size it finds is 0 (the header was made for an empty
    // file), so only the format and the data offset are taken from it.
    let reader = hound::WavReader::new(io::Cursor::new(head))
        .map_err(|e| SealError::BadHeader(e.to_string()))?;
    let spec = reader.spec();
    if spec.bits_per_sample != 16 || spec.sample_format != hound::SampleFormat::Int {
        return Err(SealError::BadHeader("not 16-bit PCM".to_owned()));
    }
    let data_offset = head
        .windows(4)
        .position(|w| w == b"data")
        .map(|p| p as u64 + 8)
        .ok_or_else(|| SealError::BadHeader("no data chunk".to_owned()))?;
    Ok((
        Format {
            sample_rate: spec.sample_rate,
            channels: spec.channels,
        },
        data_offset,
    ))
}

/// Writes the real RIFF and data sizes into a header made for an empty file.
pub(super) fn patch_sizes(header: &mut [u8], data_offset: u64, data_len: u64) {
    let riff = u32::try_from(data_offset - 8 + data_len).unwrap_or(u32::MAX);
    let data = u32::try_from(data_len).unwrap_or(u32::MAX);
    header[4..8].copy_from_slice(&riff.to_le_bytes());
    let at = data_offset as usize - 4;
    header[at..at + 4].copy_from_slice(&data.to_le_bytes());
}
