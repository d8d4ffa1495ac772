//! Checks made outside the window: what the keyring holds, the vault's id, which files exist
//! and which hold given words, a file a save command wrote, and other programs' output.

use std::path::{Path, PathBuf};
use std::process::Command;

use fantoccini::Client;
use serde_json::Value;

use crate::wait::poll;

/// What `secret-tool search --all --unlock service SERVICE` prints (attributes and secrets):
/// the real Secret Service, asked from another process.
pub fn secret_tool_search(service: &str) -> String {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "--unlock", "service", service])
        .output()
        .expect("secret-tool (libsecret-tools) must be installed");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The vault id written in `vault.json` of the vault folder `dir`.
pub fn vault_id(dir: &Path) -> String {
    let marker: Value = serde_json::from_slice(
        &std::fs::read(dir.join("vault.json")).expect("the vault's vault.json"),
    )
    .expect("vault.json is JSON");
    marker["vault_id"].as_str().expect("vault_id").to_owned()
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

/// Whether `needle` occurs in `haystack`.
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

/// Waits until a file ending in `.ext` is in `dir` and no longer growing; returns it.
pub async fn saved_file(client: &Client, dir: &Path, ext: &str) -> PathBuf {
    let mut last: Option<(PathBuf, u64)> = None;
    poll(client, &format!("a .{ext} file in the save folder"), || {
        let found = files_under(dir)
            .into_iter()
            .find(|f| f.extension().is_some_and(|e| e == ext));
        let size = found
            .as_ref()
            .and_then(|f| std::fs::metadata(f).ok())
            .map(|m| m.len());
        let result = match (&found, size, &last) {
            (Some(f), Some(n), Some((p, m))) if p == f && *m == n && n > 0 => Ok(f.clone()),
            (Some(f), Some(n), _) => {
                last = Some((f.clone(), n));
                Err(format!(
                    "{} is {n} bytes, maybe still being written",
                    f.display()
                ))
            }
            _ => Err(format!("the folder holds {:?}", files_under(dir))),
        };
        async move { result }
    })
    .await
}

/// Runs a program and gives its stdout; fails the test with its stderr when it fails.
pub fn run_program(program: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
