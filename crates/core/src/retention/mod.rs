//! How long things are kept, and their end: what is due, shredding with a signed certificate,
//! and the copies that left the vault, each written privately and listed until destroyed.
//!
//! - [`shred`]: what is due for destruction, and shredding with a signed certificate.
//! - [`certificate`]: destruction certificates, their signatures and checks.
//! - [`copies`]: copies made outside the vault (exports, shares, consent PDFs), and recording
//!   their destruction.
//! - [`private_file`]: every file written outside the vault: 0600, whole or absent.

pub mod certificate;
pub mod copies;
pub mod private_file;
pub mod shred;
