//! The one way an error says what kind it is.
//!
//! Every error of the core names its kind with a stable, machine-readable code (`vault_missing`,
//! `consent_withdrawn`, `keyring_locked`, …) through [`ErrorCode`]. The command line prints it
//! with `--json` and the window chooses what to show by it, and both map every core error
//! through this one trait, so no adapter keeps its own list of which errors have codes.

/// An error with a stable code beside its message (its `Display`, written for the counsellor).
pub trait ErrorCode: std::fmt::Display {
    /// A stable, machine-readable name for the kind of error: printed by `--json`, used by the
    /// window to choose what to show, and never changed once released.
    fn code(&self) -> &'static str;
}

/// The audio crate knows nothing of codes; its one error that reaches a counsellor gets its
/// code here.
impl ErrorCode for sessionvault_audio::devices::ListError {
    fn code(&self) -> &'static str {
        "audio_unavailable"
    }
}
