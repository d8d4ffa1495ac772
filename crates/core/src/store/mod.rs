//! Where everything is kept: the vault folder, its SQLCipher database, the secrets in the OS
//! keyring, the counsellor's signing key, and the signed audit log.
//!
//! - [`vault`]: a vault folder, opening and creating it.
//! - [`db`]: the SQLCipher database and its migrations.
//! - [`keys`]: the vault's secrets in the OS keyring.
//! - [`signing`]: the counsellor's Ed25519 signatures over domain-tagged messages.
//! - [`canonical`]: the canonical byte form under every signature.
//! - [`audit`]: the hash-chained, signed audit log.
//! - [`register`]: what is known of each recording (its row), never its audio.
//!
//! Changing the database key, and the lock that keeps processes apart meanwhile, is the vault's
//! own ([`vault::Vault::rekey`]).

pub mod audit;
pub mod canonical;
pub mod db;
pub mod keys;
pub mod register;
pub mod signing;
pub mod vault;
