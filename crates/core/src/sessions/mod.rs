//! Sessions: recording under a verified consent, bookmarks in a recording, and listening to it.
//! What is known of each recording (its row) is the store's [`register`](crate::store::register).
//!
//! - [`recording`]: sealed recording under a verified consent; crash recovery; WAV exports.
//! - [`bookmark`]: marks at a time in a recording, with a short note.
//! - [`player`]: listening: play, pause, seek, speed, volume; every listening logged.

pub mod bookmark;
pub mod player;
pub mod recording;
