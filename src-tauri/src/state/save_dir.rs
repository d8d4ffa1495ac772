//! Where saves go without a dialog: only in a debug build, for the window tests.

use std::ffi::OsString;
use std::path::PathBuf;

/// The environment variable naming a folder that save commands write into without asking
/// (WebDriver cannot drive a save dialog). Honoured by debug builds only: a release build
/// always asks the counsellor where to save.
pub const SAVE_DIR_ENV: &str = "SESSIONVAULT_SAVE_DIR";

/// The folder a save goes to without a dialog: the value of `SESSIONVAULT_SAVE_DIR` when it is
/// set and not empty, in a debug build only. A release build ignores it (and says so in the
/// log), so nothing in the environment can make the shipped app write a client's data where
/// the counsellor did not choose.
pub fn save_dir_bypass(value: Option<OsString>, debug_build: bool) -> Option<PathBuf> {
    let dir = value.filter(|d| !d.is_empty())?;
    if !debug_build {
        tracing::warn!("{SAVE_DIR_ENV} is ignored by release builds: the save dialog is shown");
        return None;
    }
    Some(PathBuf::from(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_save_folder_bypass_is_for_debug_builds_only() {
        let set = || Some(OsString::from("/tmp/saves"));
        assert_eq!(
            save_dir_bypass(set(), true),
            Some(PathBuf::from("/tmp/saves"))
        );
        assert_eq!(save_dir_bypass(set(), false), None);
        assert_eq!(save_dir_bypass(Some(OsString::new()), true), None);
        assert_eq!(save_dir_bypass(None, true), None);
        assert_eq!(save_dir_bypass(None, false), None);
    }
}
