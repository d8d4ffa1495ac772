//! The end-to-end tests of the `sessionvault` command line and the core beneath it, as one test
//! binary: one module per capability, and `common` for what they share (running the real
//! binary against a throw-away vault, a private PulseAudio, ALSA's file plugin as a
//! microphone, and running one test alone in a process of its own).
//!
//! They need the real OS keyring: `scripts/test.sh` runs them inside a private D-Bus session
//! with an unlocked GNOME Keyring (`scripts/with-keyring.sh`). One capability alone:
//! `scripts/with-keyring.sh cargo test --test tests vault::`.

mod common;

mod audit;
mod bookmarks;
mod case_studies;
mod certificates;
mod cli;
mod command_line;
mod consent;
mod consent_watch;
mod devices;
mod disclosure;
mod interruptions;
mod keyring;
mod meter;
mod old_vaults;
mod playback;
mod private_copies;
mod process;
mod recording;
mod rekey;
mod settings;
mod share;
mod shred;
mod subject_access;
mod transcripts;
mod vault;
mod withdrawal;
