//! Writing a file outside the vault — an export, a share, a consent PDF, a subject access
//! bundle, a certificate — so that it is private, whole or absent.
//!
//! Every file SessionVault writes where the counsellor asked goes through [`PrivateFile`]:
//!
//! - it is first written under a temporary name made of a random id only (never anything of a
//!   client: `.sessionvault-<uuid>.partial`) in the destination's folder, created with
//!   `create_new`, so an existing file or a symlink planted under that name is never followed,
//!   reused or written through;
//! - on Unix it is created with mode 0600 (owner read and write only) and set to exactly that
//!   mode whatever the process's umask. On Windows the file takes the ACL of its folder, which
//!   in the user's profile allows only that user (and administrators);
//! - it is written, flushed and synced, then renamed over the destination: a file or a symlink
//!   at the destination is replaced (a symlink's target is never opened, let alone written),
//!   and the folder is synced so the rename survives a crash;
//! - on any failure (a full disk, a file-size limit, a dropped writer) the temporary file is
//!   removed and the destination is left as it was, or absent.
//!
//! What is written is hashed and counted on the way ([`Written`]), so the callers record the
//! SHA-256 and size of the copy without reading it back.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The mode of every file written outside the vault, on Unix: read and write for its owner.
pub const MODE: u32 = 0o600;

/// What was written: the SHA-256 of the file's bytes and how many there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// SHA-256 of the file.
    pub sha256: [u8; 32],
    /// Its length in bytes.
    pub bytes: u64,
}

impl Written {
    /// The SHA-256 as lower-case hex.
    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

/// Removes the temporary file when dropped, unless the file was renamed into place.
struct Partial {
    tmp: PathBuf,
    armed: bool,
}

impl Drop for Partial {
    fn drop(&mut self) {
        if self.armed {
            if let Err(e) = std::fs::remove_file(&self.tmp) {
                if e.kind() != io::ErrorKind::NotFound {
                    tracing::warn!(error = %e, "could not remove an unfinished output file");
                }
            }
        }
    }
}

/// A file being written to a destination outside the vault: written to a private temporary
/// file beside it, then moved into place by [`PrivateFile::commit`]. Dropped before that (an
/// error, a panic), the temporary file is removed and the destination is untouched.
pub struct PrivateFile {
    // Declared before `partial`, so a dropped writer flushes before the file is removed.
    file: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
    out: PathBuf,
    partial: Partial,
}

/// The folder `out` is in (`.` for a bare file name).
fn folder_of(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Creates `path`, which must not exist (not even as a symlink), readable by its owner only.
fn create_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(MODE);
        let file = options.open(path)?;
        // The umask can only take bits away; set the mode exactly, whatever it was.
        file.set_permissions(std::fs::Permissions::from_mode(MODE))?;
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        options.open(path)
    }
}

/// Syncs `dir`, so a rename into it is on disk. (Windows cannot open a folder as a file; its
/// renames are made durable by the file system's journal.)
fn sync_folder(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

impl PrivateFile {
    /// Starts writing `out`: creates the temporary file in `out`'s folder.
    ///
    /// Errors: an I/O error (no such folder, no permission), or `InvalidInput` when `out`
    /// names no file (`..`, a path ending in a separator).
    pub fn create(out: &Path) -> io::Result<PrivateFile> {
        if out.file_name().is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the destination names a folder, not a file",
            ));
        }
        let tmp = folder_of(out).join(format!(".sessionvault-{}.partial", Uuid::new_v4()));
        let file = create_private(&tmp)?;
        Ok(PrivateFile {
            file: BufWriter::with_capacity(64 * 1024, file),
            hasher: Sha256::new(),
            bytes: 0,
            out: out.to_path_buf(),
            partial: Partial { tmp, armed: true },
        })
    }

    /// Finishes the file: flushes and syncs it, renames it over the destination and syncs the
    /// folder. Returns its SHA-256 and length.
    ///
    /// Errors: any I/O error; then nothing is left at the destination (a failure after the
    /// rename, syncing the folder, removes the renamed file again).
    pub fn commit(self) -> io::Result<Written> {
        let PrivateFile {
            file,
            hasher,
            bytes,
            out,
            mut partial,
        } = self;
        let file = file.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&partial.tmp, &out)?;
        partial.armed = false;
        if let Err(e) = sync_folder(&folder_of(&out)) {
            let _ = std::fs::remove_file(&out);
            return Err(e);
        }
        Ok(Written {
            sha256: hasher.finalize().into(),
            bytes,
        })
    }
}

impl Write for PrivateFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Writes `bytes` to `out` as a [`PrivateFile`]: private, and whole or not at all.
///
/// Errors: as [`PrivateFile::create`] and [`PrivateFile::commit`].
pub fn write(out: &Path, bytes: &[u8]) -> io::Result<Written> {
    let mut file = PrivateFile::create(out)?;
    file.write_all(bytes)?;
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_written_file_is_whole_hashed_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("copy.txt");
        let written = write(&out, b"hello").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"hello");
        assert_eq!(written.bytes, 5);
        assert_eq!(
            written.sha256_hex(),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(names_in(dir.path()), ["copy.txt"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, MODE);
        }
    }

    #[test]
    fn a_dropped_file_leaves_nothing_and_the_destination_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("copy.txt");
        std::fs::write(&out, b"before").unwrap();
        let mut file = PrivateFile::create(&out).unwrap();
        file.write_all(&[7u8; 100_000]).unwrap();
        drop(file);
        assert_eq!(names_in(dir.path()), ["copy.txt"]);
        assert_eq!(std::fs::read(&out).unwrap(), b"before");
    }

    #[test]
    fn a_destination_that_names_no_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = write(&dir.path().join(".."), b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(names_in(dir.path()).is_empty());
    }

    #[test]
    fn a_folder_at_the_destination_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("folder");
        std::fs::create_dir(&out).unwrap();
        assert!(write(&out, b"x").is_err());
        assert_eq!(names_in(dir.path()), ["folder"]);
        assert!(out.is_dir());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_destination_is_replaced_and_its_target_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, b"not yours").unwrap();
        let out = dir.path().join("copy.txt");
        std::os::unix::fs::symlink(&target, &out).unwrap();
        write(&out, b"the copy").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"not yours");
        assert!(std::fs::symlink_metadata(&out).unwrap().is_file());
        assert_eq!(std::fs::read(&out).unwrap(), b"the copy");
    }
}
