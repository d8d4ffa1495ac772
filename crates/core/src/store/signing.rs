//! The counsellor's Ed25519 signatures over domain-tagged messages.
//!
//! Every signed object (audit entries, the audit head, and later consent records and
//! destruction certificates) is signed over `domain tag || message`, so a signature made for one
//! kind of object can never be replayed as another. The private key is a 32-byte seed kept in
//! the OS keyring; in memory it lives in [`Signer`], which zeroizes it when dropped.

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// What a signature is for; its tag is prefixed to the signed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// One entry of the audit log.
    AuditEntry,
    /// The audit log's head (entry count and last hash), which makes truncation detectable.
    AuditHead,
    /// A consent record (granted or declined).
    ConsentRecord,
    /// The withdrawal of a consent.
    ConsentWithdrawal,
    /// A destruction certificate.
    DestructionCertificate,
}

impl Domain {
    /// The tag bytes prefixed to every message signed in this domain.
    pub fn tag(self) -> &'static [u8] {
        match self {
            Domain::AuditEntry => b"sessionvault/audit-entry/v1\0",
            Domain::AuditHead => b"sessionvault/audit-head/v1\0",
            Domain::ConsentRecord => b"sessionvault/consent-record/v1\0",
            Domain::ConsentWithdrawal => b"sessionvault/consent-withdrawal/v1\0",
            Domain::DestructionCertificate => b"sessionvault/destruction-certificate/v1\0",
        }
    }
}

/// A signature did not verify: the signed object was altered or signed by another key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    /// The bytes are not an Ed25519 public key.
    #[error("the stored public key is not a valid Ed25519 key")]
    BadPublicKey,
    /// The bytes are not the length of an Ed25519 signature.
    #[error("the stored signature is not 64 bytes long")]
    BadLength,
    /// The signature does not match the message and key.
    #[error(
        "the signature does not match: the signed content was altered or signed by another key"
    )]
    Mismatch,
}

/// The counsellor's signing key. Created once per vault; its seed lives in the keyring.
pub struct Signer {
    key: SigningKey,
}

impl Signer {
    /// A new random signing key.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Signer {
            key: SigningKey::generate(rng),
        }
    }

    /// The signing key with this seed (as stored in the keyring).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Signer {
            key: SigningKey::from_bytes(seed),
        }
    }

    /// The 32-byte seed, for storing in the keyring; zeroized when dropped.
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.key.to_bytes())
    }

    /// The public half, which anyone may hold to check signatures.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.key.verifying_key())
    }

    /// Signs `message` in `domain`.
    pub fn sign(&self, domain: Domain, message: &[u8]) -> [u8; 64] {
        self.key.sign(&tagged(domain, message)).to_bytes()
    }
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("public_key", &self.public_key().fingerprint())
            .finish_non_exhaustive()
    }
}

/// A counsellor's public key, used to check signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Reads a public key from its 32 stored bytes.
    ///
    /// Errors: [`SignatureError::BadPublicKey`] when the bytes are not a valid key.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignatureError> {
        let array: [u8; 32] = bytes.try_into().map_err(|_| SignatureError::BadPublicKey)?;
        VerifyingKey::from_bytes(&array)
            .map(PublicKey)
            .map_err(|_| SignatureError::BadPublicKey)
    }

    /// The 32 bytes of the key.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// A short, readable fingerprint: `SHA256:` and the first 16 bytes of the key's SHA-256
    /// in hex, grouped in fours, as shown on certificates and in `status`.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(self.0.as_bytes());
        let hex = hex::encode(&digest[..16]);
        let groups: Vec<&str> = hex
            .as_bytes()
            .chunks(4)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        format!("SHA256:{}", groups.join(":"))
    }

    /// Checks `signature` over `message` in `domain`.
    ///
    /// Errors: [`SignatureError::BadLength`] or [`SignatureError::Mismatch`].
    pub fn verify(
        &self,
        domain: Domain,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureError> {
        let signature = Signature::from_slice(signature).map_err(|_| SignatureError::BadLength)?;
        self.0
            .verify(&tagged(domain, message), &signature)
            .map_err(|_| SignatureError::Mismatch)
    }
}

fn tagged(domain: Domain, message: &[u8]) -> Vec<u8> {
    let tag = domain.tag();
    let mut out = Vec::with_capacity(tag.len() + message.len());
    out.extend_from_slice(tag);
    out.extend_from_slice(message);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn signer() -> Signer {
        Signer::generate(&mut rand::rngs::StdRng::seed_from_u64(1))
    }

    #[test]
    fn signature_verifies_only_in_its_domain_and_for_its_message() {
        let s = signer();
        let sig = s.sign(Domain::AuditEntry, b"hello");
        let pk = s.public_key();
        assert_eq!(pk.verify(Domain::AuditEntry, b"hello", &sig), Ok(()));
        assert_eq!(
            pk.verify(Domain::AuditHead, b"hello", &sig),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            pk.verify(Domain::AuditEntry, b"hellO", &sig),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            pk.verify(Domain::AuditEntry, b"hello", &sig[..63]),
            Err(SignatureError::BadLength)
        );
    }

    #[test]
    fn seed_round_trips_and_other_keys_fail() {
        let s = signer();
        let again = Signer::from_seed(&s.seed());
        assert_eq!(again.public_key(), s.public_key());
        let other = Signer::generate(&mut rand::rngs::StdRng::seed_from_u64(2));
        let sig = other.sign(Domain::AuditEntry, b"x");
        assert_eq!(
            s.public_key().verify(Domain::AuditEntry, b"x", &sig),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn fingerprint_is_stable_and_readable() {
        let pk = signer().public_key();
        let fp = pk.fingerprint();
        assert!(fp.starts_with("SHA256:"));
        assert_eq!(fp.len(), "SHA256:".len() + 32 + 7);
        assert_eq!(
            fp,
            PublicKey::from_bytes(&pk.to_bytes())
                .map(|k| k.fingerprint())
                .unwrap_or_default()
        );
        assert_eq!(
            PublicKey::from_bytes(&[0u8; 5]),
            Err(SignatureError::BadPublicKey)
        );
    }
}
