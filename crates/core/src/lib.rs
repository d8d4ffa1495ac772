//! SessionVault's core: every rule of the product lives here, with no dependency on the window.
//!
//! The window (`src-tauri`) and the `sessionvault` command line are thin layers over this crate.
//! Sound itself (devices, capture, the meter, sealed audio, playing speed) is the
//! `sessionvault-audio` crate's, which knows nothing of these rules.
//!
//! Each folder is one part of the work. They are listed from the bottom up: each one uses only
//! those above it in this list, never one below (`tests/layers.rs` checks it).
//!
//! - [`store`]: the vault folder, its database, the keys in the OS keyring, signing, the audit
//!   log, and the register of recordings (their rows, never their audio).
//! - `pdf_text`: the PDF text layout every document of the vault is written with.
//! - [`copies`]: every file written outside the vault (0600, whole or absent), listed as an
//!   outstanding copy until it is destroyed.
//! - [`course`]: training courses and their end dates.
//! - [`consent`]: consent records, their forms and signatures, and the gate a recording starts
//!   through.
//! - [`disclosure`]: the gate everything of a recording passes at the moment it is revealed.
//! - [`sessions`]: recording under a verified consent, bookmarks, listening.
//! - [`documents`]: transcripts and case studies.
//! - [`retention`]: what is due, and shredding with a signed certificate.
//! - [`handover`]: a recording or clip shared whole, and the client's subject-access bundle.
//!
//! Beside them, small modules of their own:
//!
//! - [`settings`]: the vault's settings, such as how soon the window locks itself.
//! - [`status`]: the status report shown by `status` and the window.
//! - [`clock`]: where the time comes from.
//! - [`timecode`]: the one grammar of times and durations (`90`, `2s`, `25m`, `1:02:03.5`).
//! - [`written`]: the check of text a counsellor writes (a note, a segment, a title).
//! - [`hardening`]: the process itself: core dumps off at start.
//! - [`ErrorCode`]: the stable code every error of the core names its kind by.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The log filter used unless `SESSIONVAULT_LOG` sets another: warnings and errors, without the
/// PulseAudio client's report of every stream it closes ("Client disconnected"), which is not
/// an error of ours and would alarm a counsellor at the end of each recording.
pub const DEFAULT_LOG_FILTER: &str = "warn,pulseaudio::client::reactor=off";

/// Every heap block of a process that uses this crate is zeroed when it is freed, so decrypted
/// audio and keys held by code that does not zeroize its own buffers (age's stream chunks, the
/// lock-free rings between audio callbacks and their threads, vectors that grew and moved) do
/// not linger in freed memory. Buffers of this crate are zeroized explicitly as well. Memory of
/// the C++ time-stretcher is outside Rust's allocator and is not covered.
#[global_allocator]
static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> =
    zeroizing_alloc::ZeroAlloc(std::alloc::System);

pub mod clock;
pub mod consent;
pub mod copies;
pub mod course;
pub mod disclosure;
pub mod documents;
mod error_code;
pub mod handover;
pub mod hardening;
pub(crate) mod pdf_text;
pub mod retention;
pub mod sessions;
pub mod settings;
pub mod status;
pub mod store;
pub mod timecode;
pub mod written;

pub use error_code::ErrorCode;
