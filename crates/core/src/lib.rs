//! SessionVault's core: every rule of the product lives here, with no dependency on the window.
//!
//! The window (`src-tauri`) and the `sessionvault` command line are thin layers over this crate.
//! Sound itself (devices, capture, the meter, sealed audio, playing speed) is the
//! `sessionvault-audio` crate's, which knows nothing of these rules.
//!
//! - [`vault`]: a vault folder, opening and creating it.
//! - [`consent`]: consent records, their forms and signatures, and the gate.
//! - [`course`]: training courses and their end dates.
//! - [`keys`]: the vault's secrets in the OS keyring.
//! - [`db`]: the SQLCipher database and its migrations.
//! - [`signing`]: the counsellor's Ed25519 signatures over domain-tagged messages.
//! - [`audit`]: the hash-chained, signed audit log.
//! - [`shred`]: what is due for destruction, and shredding with a signed certificate.
//! - [`certificate`]: destruction certificates, their signatures and checks.
//! - [`status`]: the status report shown by `status` and the window.
//! - [`recording`]: sealed recording under a verified consent; recovery; exports.
//! - [`transcript`]: transcripts of recordings, anonymisation, TXT/DOCX/PDF exports.
//! - [`case_study`]: case studies over one or more clients; the organisation's are permanent.
//! - [`settings`]: the vault's settings, such as how soon the window locks itself.
//! - [`player`]: listening: play, pause, seek, speed, volume; every listening logged.
//! - [`clock`]: where the time comes from.
//! - [`timecode`]: the one grammar of times and durations (`90`, `2s`, `25m`, `1:02:03.5`).
//! - [`canonical`]: the canonical byte form under every signature.
//! - [`share`]: a recording or clip shared as a WAV inside an age file, gated by the consent.
//! - [`copies`]: copies made outside the vault (exports, shares, consent PDFs), and recording
//!   their destruction.
//! - [`private_file`]: every file written outside the vault: 0600, whole or absent.
//! - [`subject_access`]: everything held about one client, as an encrypted bundle.
//! - [`disclosure`]: the gate every disclosure of a recording or its words passes, at that moment.
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

pub mod audit;
pub mod bookmark;
pub mod canonical;
pub mod case_study;
pub mod certificate;
pub mod clock;
pub mod consent;
pub mod copies;
pub mod course;
pub mod db;
pub mod disclosure;
mod error_code;
pub mod hardening;
pub mod keys;
mod pdf_text;
pub mod player;
pub mod private_file;
pub mod recording;
mod rekey;
pub mod settings;
pub mod share;
pub mod shred;
pub mod signing;
pub mod status;
pub mod subject_access;
pub mod timecode;
pub mod transcript;
pub mod vault;

pub use error_code::ErrorCode;
