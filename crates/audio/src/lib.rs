//! SessionVault's audio layer: everything that touches sound, and nothing that knows of
//! vaults, consent or keys in the keyring.
//!
//! - [`devices`]: the audio hosts and devices this computer offers.
//! - [`capture`]: a real input device → a lock-free ring buffer → the writer thread.
//! - [`meter`]: the level meter, waveform peaks, silence and clipping warnings.
//! - [`seal`]: age-encrypted audio at rest: the writer, the seekable reader, crash re-sealing.
//! - [`playback`]: playing sealed audio on an output device, as what is being heard.
//! - [`stretch`]: playing speed with the pitch kept.
//!
//! The core crate (`sessionvault-core`) puts these under its rules: a recording starts only
//! under a verified consent, and every key comes from the OS keyring.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod capture;
pub mod devices;
pub mod meter;
pub mod playback;
pub mod seal;
pub mod stretch;
