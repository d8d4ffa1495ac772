//! What the command-line tests (`tests/`) and the window tests (`e2e/`) share, so each is
//! written once: a private PulseAudio server for recording in real time without touching the
//! machine's own audio ([`PulseServer`]), and looking from outside SessionVault at what it left
//! on the disk and in the keyring ([`files_under`], [`files_holding`], [`secret_tool_search`]).
//!
//! Only tests use this crate; it needs `pulseaudio`, `pactl` and `secret-tool` installed, as
//! `scripts/install-deps.sh --test` arranges.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod outside;
mod pulse;

pub use outside::{contains, files_holding, files_under, secret_tool_search};
pub use pulse::PulseServer;
