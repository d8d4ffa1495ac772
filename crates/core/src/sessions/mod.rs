//! Sessions: recording under a verified consent, bookmarks in a recording, and listening to it.
//!
//! - [`recording`]: sealed recording under a verified consent; crash recovery; WAV exports.
//! - [`bookmark`]: marks at a time in a recording, with a short note.
//! - [`player`]: listening: play, pause, seek, speed, volume; every listening logged.
//! - [`register`]: what is known of each recording (its row), without its audio.

pub mod bookmark;
pub mod player;
pub mod recording;
pub mod register;
