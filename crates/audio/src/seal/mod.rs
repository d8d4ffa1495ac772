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

mod durable;
mod reader;
mod reseal;
mod writer;

pub use durable::DurableFile;
#[cfg(test)]
use durable::PIECE;
pub use reader::SealedAudio;
use reader::{decrypting, parse_header, patch_sizes};
pub use reseal::reseal;
pub use writer::{wav_header_for, Sealed, SealedWriter};

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

    /// 200,000 mono frames (given back) sealed in `dir`, with one bit flipped halfway through
    /// the file.
    fn sealed_with_a_flipped_byte(dir: &Path) -> (std::path::PathBuf, RecordingKey, Vec<i16>) {
        let path = dir.join("r.age");
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
        (path, key, data)
    }

    #[test]
    fn a_flipped_byte_is_an_integrity_error_never_wrong_audio() {
        let dir = tempfile::tempdir().unwrap();
        let (path, key, data) = sealed_with_a_flipped_byte(dir.path());
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
        let (path, key, data) = sealed_with_a_flipped_byte(dir.path());
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
