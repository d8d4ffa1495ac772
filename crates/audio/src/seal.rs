//! Audio at rest: one age stream per recording, holding a WAV file (16-bit PCM) from the first
//! sample on.
//!
//! The WAV header is hound's, made for an empty file and written first; an age stream cannot
//! seek back to patch the sizes, so readers fix the sizes up from the stream's real length
//! ([`SealedAudio`]). The file is written through [`DurableFile`], which writes and hashes the
//! ciphertext on a thread of its own and calls `sync_data` at least once a second while
//! anything is unsynced, so a crash loses at most the chunk in progress (age seals 64 KiB per
//! chunk: about a third of a second of 48 kHz stereo) plus a second.
//!
//! A file cut short by a crash still yields every complete authenticated chunk; [`reseal`]
//! writes that prefix into a new, properly finished stream.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use age::secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// How often written data is forced to the disk while a recording runs.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(1);

/// Bytes per sample: recordings are 16-bit PCM.
pub const BYTES_PER_SAMPLE: u16 = 2;

/// What went wrong sealing or opening audio.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// Reading or writing the file failed (a full disk, a write error).
    #[error("the recording file could not be {action} (is the disk full or failing?): {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The underlying error.
        source: io::Error,
    },
    /// The recording's key does not open the file, or the file is not an age file.
    #[error("the recording cannot be decrypted: {0}")]
    Decrypt(String),
    /// The stored identity is not an age identity.
    #[error("the recording key in the keyring is damaged")]
    BadIdentity,
    /// The decrypted content is not the WAV the recording should hold.
    #[error("the recording's audio header is damaged: {0}")]
    BadHeader(String),
    /// Decrypting the stream failed part-way: the file was altered or cut short there.
    #[error("the recording is damaged or was altered near byte {offset} of its audio")]
    Integrity {
        /// The plaintext offset where reading failed.
        offset: u64,
    },
}

fn io_err(action: &'static str) -> impl FnOnce(io::Error) -> SealError {
    move |source| SealError::Io { action, source }
}

/// The format of the audio inside a sealed recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Format {
    /// Frames per second.
    pub sample_rate: u32,
    /// 1 or 2.
    pub channels: u16,
}

impl Format {
    fn spec(self) -> hound::WavSpec {
        hound::WavSpec {
            channels: self.channels,
            sample_rate: self.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        }
    }

    /// Bytes per frame (all channels).
    pub fn frame_bytes(self) -> u64 {
        u64::from(self.channels) * u64::from(BYTES_PER_SAMPLE)
    }
}

/// A fresh age identity for one recording, and its public recipient.
pub struct RecordingKey {
    identity: age::x25519::Identity,
}

impl RecordingKey {
    /// A new random identity.
    pub fn generate() -> Self {
        RecordingKey {
            identity: age::x25519::Identity::generate(),
        }
    }

    /// The identity as stored in the keyring (`AGE-SECRET-KEY-1…`); zeroized when dropped.
    pub fn secret(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(
            self.identity
                .to_string()
                .expose_secret()
                .as_bytes()
                .to_vec(),
        )
    }

    /// Reads an identity back from the keyring's bytes.
    ///
    /// Errors: [`SealError::BadIdentity`].
    pub fn from_secret(secret: &[u8]) -> Result<Self, SealError> {
        let text = Zeroizing::new(
            std::str::from_utf8(secret)
                .map_err(|_| SealError::BadIdentity)?
                .to_owned(),
        );
        let identity = text.parse().map_err(|_| SealError::BadIdentity)?;
        Ok(RecordingKey { identity })
    }

    /// The public recipient (`age1…`), stored with the recording.
    pub fn recipient(&self) -> String {
        self.identity.to_public().to_string()
    }
}

/// Ciphertext is handed to the file's writing thread in pieces of up to this size...
const PIECE: usize = 1 << 20;

/// ...or sooner, once this long has passed since the last hand-over, so a slow stream (a live
/// recording) still reaches the disk within the sync bound.
const HANDOVER_INTERVAL: Duration = Duration::from_millis(200);

/// At most this many pieces wait for the writing thread, bounding the queue at a few megabytes.
const QUEUE: usize = 4;

/// Buffers in circulation: one being filled, the queue, and the one being written.
const POOL: usize = QUEUE + 2;

/// What the writing thread gives back: the file's SHA-256 and length, or the first error.
type Written = io::Result<([u8; 32], u64)>;

/// A file that hashes what is written to it and forces it to the disk at least every
/// [`SYNC_INTERVAL`] while writes arrive.
///
/// Writing, hashing and syncing run on a thread of their own, fed ciphertext (never plaintext)
/// through a bounded queue, so they proceed beside encryption instead of after it. A write
/// error there is reported by the next write or by [`DurableFile::close`].
pub struct DurableFile {
    pending: Vec<u8>,
    /// Buffers the writing thread has finished with, to be filled again: a fixed set of
    /// [`POOL`] buffers circulates, so nothing is allocated or freed per piece and the memory
    /// used is the same however long the recording.
    spare: std::sync::mpsc::Receiver<Vec<u8>>,
    last_handover: Instant,
    thread: Option<(
        std::sync::mpsc::SyncSender<Vec<u8>>,
        std::thread::JoinHandle<Written>,
    )>,
}

impl DurableFile {
    /// Wraps a file opened for writing.
    ///
    /// Errors: the I/O error of starting the writing thread.
    pub fn new(mut file: File) -> io::Result<Self> {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<u8>>(QUEUE);
        let (give_back, spare) = std::sync::mpsc::sync_channel::<Vec<u8>>(POOL);
        for _ in 1..POOL {
            give_back
                .try_send(Vec::with_capacity(PIECE))
                .map_err(|_| io::Error::other("the buffer pool could not be filled"))?;
        }
        let thread = std::thread::Builder::new()
            .name("sessionvault-write".into())
            .spawn(move || -> Written {
                let mut hasher = Sha256::new();
                let mut written = 0u64;
                let mut last_sync = Instant::now();
                let mut unsynced = false;
                loop {
                    match receiver.recv_timeout(SYNC_INTERVAL) {
                        Ok(mut piece) => {
                            file.write_all(&piece)?;
                            hasher.update(&piece);
                            written += piece.len() as u64;
                            unsynced = true;
                            piece.clear();
                            // The pool has room for every buffer, so this never waits.
                            let _ = give_back.try_send(piece);
                        }
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                    }
                    if unsynced && last_sync.elapsed() >= SYNC_INTERVAL {
                        file.sync_data()?;
                        last_sync = Instant::now();
                        unsynced = false;
                    }
                }
                file.sync_all()?;
                Ok((hasher.finalize().into(), written))
            })?;
        Ok(DurableFile {
            pending: Vec::with_capacity(PIECE),
            spare,
            last_handover: Instant::now(),
            thread: Some((sender, thread)),
        })
    }

    /// Passes what is pending to the writing thread. If that thread has stopped, returns the
    /// error that stopped it.
    fn hand_over(&mut self) -> io::Result<()> {
        self.last_handover = Instant::now();
        if self.pending.is_empty() {
            return Ok(());
        }
        // Wait for a buffer the writing thread has finished with; if it has stopped, say why.
        let Ok(next) = self.spare.recv() else {
            return Err(self.join().err().unwrap_or_else(writing_stopped));
        };
        let piece = std::mem::replace(&mut self.pending, next);
        let (sender, _) = self.thread.as_ref().ok_or_else(writing_stopped)?;
        if sender.send(piece).is_err() {
            return Err(self.join().err().unwrap_or_else(writing_stopped));
        }
        Ok(())
    }

    /// Ends the writing thread and returns what it reports.
    fn join(&mut self) -> Written {
        let (sender, thread) = self.thread.take().ok_or_else(writing_stopped)?;
        drop(sender);
        thread.join().map_err(|_| writing_stopped())?
    }

    /// Writes what is pending, forces everything to the disk and returns the file's SHA-256
    /// and length.
    ///
    /// Errors: the first write or sync error of the file.
    pub fn close(mut self) -> Written {
        self.hand_over()?;
        self.join()
    }
}

fn writing_stopped() -> io::Error {
    io::Error::other("the recording file stopped accepting writes after an earlier error")
}

impl Write for DurableFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Hand over first rather than grow the buffer: buffers keep their size, so the memory
        // used stays the same however long the recording.
        if self.pending.len() + buf.len() > self.pending.capacity() {
            self.hand_over()?;
        }
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= PIECE || self.last_handover.elapsed() >= HANDOVER_INTERVAL {
            self.hand_over()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.hand_over()
    }
}

/// Writes a recording: the WAV header, then 16-bit samples, all inside one age stream.
pub struct SealedWriter {
    stream: age::stream::StreamWriter<DurableFile>,
    format: Format,
    frames: u64,
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
fn decrypting(
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
fn parse_header(head: &[u8]) -> Result<(Format, u64), SealError> {
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
fn patch_sizes(header: &mut [u8], data_offset: u64, data_len: u64) {
    let riff = u32::try_from(data_offset - 8 + data_len).unwrap_or(u32::MAX);
    let data = u32::try_from(data_len).unwrap_or(u32::MAX);
    header[4..8].copy_from_slice(&riff.to_le_bytes());
    let at = data_offset as usize - 4;
    header[at..at + 4].copy_from_slice(&data.to_le_bytes());
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(frames: usize, channels: usize) -> Vec<i16> {
        (0..frames * channels)
            .map(|i| ((i * 7919) % 65536) as i32 as i16)
            .collect()
    }

    fn write(path: &Path, key: &RecordingKey, format: Format, data: &[i16]) -> Sealed {
        let mut w = SealedWriter::create(File::create(path).unwrap(), key, format).unwrap();
        for chunk in data.chunks(4800 * format.channels as usize) {
            w.write_samples(chunk).unwrap();
        }
        w.finish().unwrap()
    }

    #[test]
    fn durable_file_reports_a_write_error_on_close() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("read-only");
        std::fs::write(&path, b"").unwrap();
        let mut file = DurableFile::new(File::open(&path).unwrap()).unwrap();
        // Queued first: the writing thread meets the error and close reports it.
        file.write_all(b"ciphertext").unwrap();
        assert!(file.close().is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"");
    }

    #[test]
    fn durable_file_writes_everything_and_hashes_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let mut file = DurableFile::new(File::create(&path).unwrap()).unwrap();
        let data: Vec<u8> = (0..3 * PIECE + 12_345).map(|i| (i % 251) as u8).collect();
        for part in data.chunks(65_552) {
            file.write_all(part).unwrap();
        }
        let (sha256, len) = file.close().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), data);
        assert_eq!(len, data.len() as u64);
        assert_eq!(sha256, <[u8; 32]>::from(Sha256::digest(&data)));
    }

    fn read_all(path: &Path, key: &RecordingKey) -> (Format, Vec<i16>) {
        let audio = SealedAudio::open(path, key).unwrap();
        let mut reader = hound::WavReader::new(audio).unwrap();
        let spec = reader.spec();
        let s: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
        (
            Format {
                sample_rate: spec.sample_rate,
                channels: spec.channels,
            },
            s,
        )
    }

    #[test]
    fn sealed_audio_reads_back_exactly_as_a_standard_wav() {
        let dir = tempfile::tempdir().unwrap();
        for channels in [1u16, 2] {
            let key = RecordingKey::generate();
            let format = Format {
                sample_rate: 48_000,
                channels,
            };
            let data = samples(100_000, channels as usize);
            let path = dir.path().join(format!("r{channels}.age"));
            let sealed = write(&path, &key, format, &data);
            assert_eq!(sealed.frames, 100_000);
            let file = std::fs::read(&path).unwrap();
            assert_eq!(sealed.bytes, file.len() as u64);
            assert_eq!(sealed.sha256, <[u8; 32]>::from(Sha256::digest(&file)));
            assert!(!file.windows(4).any(|w| w == b"RIFF"));
            let (f, back) = read_all(&path, &key);
            assert_eq!(f, format);
            assert_eq!(back, data);
        }
    }

    #[test]
    fn another_key_cannot_open_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.age");
        let format = Format {
            sample_rate: 8000,
            channels: 1,
        };
        write(&path, &RecordingKey::generate(), format, &samples(100, 1));
        assert!(matches!(
            SealedAudio::open(&path, &RecordingKey::generate()),
            Err(SealError::Decrypt(_))
        ));
    }

    #[test]
    fn the_key_round_trips_through_its_secret() {
        let key = RecordingKey::generate();
        let again = RecordingKey::from_secret(&key.secret()).unwrap();
        assert_eq!(again.recipient(), key.recipient());
        assert!(key.recipient().starts_with("age1"));
        assert!(RecordingKey::from_secret(b"not a key").is_err());
    }

    #[test]
    fn a_cut_short_file_is_resealed_with_every_complete_chunk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.age");
        let key = RecordingKey::generate();
        let format = Format {
            sample_rate: 48_000,
            channels: 2,
        };
        let data = samples(96_000, 2); // 2 s, 384000 bytes: 5 full chunks and a part
        write(&path, &key, format, &data);
        // Cut the file in the middle of its fourth chunk, as a crash would.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 150_000]).unwrap();
        assert!(
            SealedAudio::open(&path, &key).is_err(),
            "a cut file does not open as is"
        );
        let sealed = reseal(&path, &key).unwrap();
        let (_, back) = read_all(&path, &key);
        assert_eq!(back.len() as u64, sealed.frames * 2);
        assert!(!back.is_empty());
        assert_eq!(back[..], data[..back.len()], "the prefix is exact");
        // What is lost is less than the cut plus one chunk.
        let lost_bytes = (data.len() - back.len()) * 2;
        assert!(lost_bytes <= 150_000 + 64 * 1024, "lost {lost_bytes}");
    }

    #[test]
    fn a_reseal_leaves_out_the_bytes_of_a_partial_last_frame() {
        // A cut keeps whole 64 KiB chunks of plaintext, and hound's header is 44 bytes, so the
        // data surviving a cut always ends on a frame boundary; a stream that ends mid-frame
        // is written here by hand (3 bytes of a 4-byte stereo frame after the last whole one),
        // then cut or not.
        let dir = tempfile::tempdir().unwrap();
        let format = Format {
            sample_rate: 48_000,
            channels: 2,
        };
        let key = RecordingKey::generate();
        for (frames, cut) in [(0usize, 0usize), (1, 0), (40_001, 0), (96_000, 150_000)] {
            let path = dir.path().join(format!("r{frames}.age"));
            let data = samples(frames, 2);
            let mut w = SealedWriter::create(File::create(&path).unwrap(), &key, format).unwrap();
            for chunk in data.chunks(4801 * 2) {
                w.write_samples(chunk).unwrap();
            }
            w.stream.write_all(&[0x11, 0x22, 0x33]).unwrap();
            w.finish().unwrap();
            let bytes = std::fs::read(&path).unwrap();
            std::fs::write(&path, &bytes[..bytes.len() - cut]).unwrap();

            let sealed = reseal(&path, &key).unwrap();
            let (f, back) = read_all(&path, &key);
            assert_eq!(f, format);
            assert_eq!(back.len() as u64, sealed.frames * 2);
            assert_eq!(
                back[..],
                data[..back.len()],
                "{frames} frames: the prefix is exact"
            );
            if cut == 0 {
                assert_eq!(sealed.frames, frames as u64, "every whole frame is kept");
            } else {
                assert!(sealed.frames > 0 && sealed.frames < frames as u64);
            }
            // Nothing of the partial frame reached the new stream.
            let mut plain = Vec::new();
            decrypting(&path, &key)
                .unwrap()
                .read_to_end(&mut plain)
                .unwrap();
            assert_eq!(plain.len() as u64, 44 + sealed.frames * 4);
            assert!(!dir.path().join(format!("r{frames}.resealing")).exists());
        }
    }

    #[test]
    fn a_flipped_byte_is_an_integrity_error_never_wrong_audio() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.age");
        let key = RecordingKey::generate();
        let format = Format {
            sample_rate: 48_000,
            channels: 1,
        };
        let data = samples(200_000, 1);
        write(&path, &key, format, &data);
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();
        let audio = SealedAudio::open(&path, &key).unwrap();
        let mut reader = hound::WavReader::new(audio).unwrap();
        let mut read = Vec::new();
        let mut failed = false;
        for sample in reader.samples::<i16>() {
            match sample {
                Ok(s) => read.push(s),
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
        assert!(failed, "the flipped byte was not noticed");
        assert!(read.len() < data.len());
        assert_eq!(read[..], data[..read.len()], "only intact audio came out");
    }

    #[test]
    fn seeking_to_any_frame_reads_exactly_the_samples_there() {
        for channels in [1u16, 2] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("r.age");
            let key = RecordingKey::generate();
            let format = Format {
                sample_rate: 48_000,
                channels,
            };
            let frames = 150_001usize;
            let data = samples(frames, usize::from(channels));
            write(&path, &key, format, &data);
            let mut audio = SealedAudio::open(&path, &key).unwrap();
            assert_eq!(audio.frames(), frames as u64);
            let ch = usize::from(channels);
            // Across the file, backwards and forwards, on and off chunk boundaries.
            for frame in [
                149_000, 0, 16_361, 16_362, 75_000, 1, 150_000, 32_768, 99_999,
            ] {
                audio.seek_frame(frame as u64);
                assert_eq!(audio.frame_position(), frame as u64);
                let mut out = vec![0i16; 1000 * ch + 1];
                let n = audio.read_samples(&mut out).unwrap();
                let fit = out.len() / ch;
                let expected = &data[frame * ch..(frame + fit).min(frames) * ch];
                assert_eq!(n, expected.len(), "frame {frame}, {channels} channels");
                assert_eq!(&out[..n], expected, "frame {frame}, {channels} channels");
            }
            audio.seek_frame(u64::MAX);
            assert_eq!(audio.read_samples(&mut [0i16; 8]).unwrap(), 0);
        }
    }

    #[test]
    fn a_flipped_byte_stops_frame_reads_at_its_chunk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.age");
        let key = RecordingKey::generate();
        let format = Format {
            sample_rate: 48_000,
            channels: 1,
        };
        let data = samples(200_000, 1);
        write(&path, &key, format, &data);
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();
        let mut audio = SealedAudio::open(&path, &key).unwrap();
        // Before the damage: exact. At it: an integrity error, and the buffer holds no audio.
        let mut out = vec![0i16; 4096];
        assert_eq!(audio.read_samples(&mut out).unwrap(), 4096);
        assert_eq!(out[..], data[..4096]);
        audio.seek_frame(100_000);
        let mut out = vec![7i16; 60_000];
        match audio.read_samples(&mut out) {
            Err(SealError::Integrity { offset }) => {
                assert!(offset <= 200_000 && offset % 2 == 0, "{offset}")
            }
            other => panic!("expected an integrity error, got {other:?}"),
        }
        assert!(
            out.iter().all(|&s| s == 0),
            "no audio of a failed read is kept"
        );
    }
}
