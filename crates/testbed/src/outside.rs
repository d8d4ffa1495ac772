//! Looking from outside SessionVault: which files exist and which hold given words, and what
//! the real Secret Service holds, asked from another process.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What `secret-tool search --all --unlock service SERVICE` prints (attributes and secrets):
/// the real Secret Service, asked from another process.
pub fn secret_tool_search(service: &str) -> String {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "--unlock", "service", service])
        .output()
        .expect("secret-tool (libsecret-tools) must be installed");
    // secret-tool prints attributes on stderr and the secret on stdout.
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file under `dir`, recursively (symbolic links not followed).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => out.extend(files_under(&path)),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
    out
}

/// Whether `needle` occurs in `haystack` (an empty needle never does).
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The files under `dirs` that hold any of `needles`, in UTF-8 or UTF-16 (little-endian, as
/// some browser stores keep strings); each with the needle found.
pub fn files_holding(dirs: &[PathBuf], needles: &[&str]) -> Vec<(PathBuf, String)> {
    let mut found = vec![];
    for dir in dirs {
        for file in files_under(dir) {
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            for needle in needles {
                let utf16: Vec<u8> = needle.encode_utf16().flat_map(u16::to_le_bytes).collect();
                if contains(&bytes, needle.as_bytes()) || contains(&bytes, &utf16) {
                    found.push((file.clone(), (*needle).to_owned()));
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_needle_is_never_found() {
        assert!(!contains(b"anything", b""));
        assert!(contains(b"Sarah said", b"Sarah"));
        assert!(!contains(b"Sar", b"Sarah"));
    }

    #[test]
    fn files_are_found_in_both_encodings_and_in_subfolders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("deep")).unwrap();
        std::fs::write(dir.path().join("plain.txt"), "Élodie spoke").unwrap();
        let utf16: Vec<u8> = "Élodie".encode_utf16().flat_map(u16::to_le_bytes).collect();
        std::fs::write(dir.path().join("deep/wide.bin"), utf16).unwrap();
        std::fs::write(dir.path().join("other.txt"), "nobody").unwrap();
        let mut found = files_holding(&[dir.path().to_path_buf()], &["Élodie"]);
        found.sort();
        let names: Vec<_> = found
            .iter()
            .map(|(f, _)| f.strip_prefix(dir.path()).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            names,
            [PathBuf::from("deep/wide.bin"), PathBuf::from("plain.txt")]
        );
        assert_eq!(files_under(dir.path()).len(), 3);
    }
}
