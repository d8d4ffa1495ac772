//! The sealed file on the disk: ciphertext written and hashed on a thread of its own, and
//! synced at least once a second while anything is unsynced.

use super::*;

/// Ciphertext is handed to the file's writing thread in pieces of up to this size...
pub(super) const PIECE: usize = 1 << 20;

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
