//! Checks made outside the window: the vault's id, a file a save command wrote, and other
//! programs' output. What the keyring holds and which files hold given words come from
//! `sessionvault-testbed`, shared with the CLI tests, and are re-exported here.

use std::path::{Path, PathBuf};
use std::process::Command;

use fantoccini::Client;
use serde_json::Value;

use crate::wait::poll;

pub use sessionvault_testbed::{contains, files_holding, files_under, secret_tool_search};

/// The vault id written in `vault.json` of the vault folder `dir`.
pub fn vault_id(dir: &Path) -> String {
    let marker: Value = serde_json::from_slice(
        &std::fs::read(dir.join("vault.json")).expect("the vault's vault.json"),
    )
    .expect("vault.json is JSON");
    marker["vault_id"].as_str().expect("vault_id").to_owned()
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
