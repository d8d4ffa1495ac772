//! How long things are kept, and their end: what is due, and shredding with a signed
//! certificate. The copies that left the vault, which a certificate lists until they are
//! destroyed, are the [`copies`](crate::copies) folder's.
//!
//! - [`shred`]: what is due for destruction, and shredding with a signed certificate.
//! - [`certificate`]: destruction certificates, their signatures and checks.

pub mod certificate;
pub mod shred;
