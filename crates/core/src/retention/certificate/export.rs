//! Exported certificates: the JSON file a counsellor hands over, and checking one anywhere.
//!
//! An exported certificate is one JSON object with three fields: `certificate`, the readable
//! content; `body`, the exact signed bytes as a string; and `signature`, hex. Checking it
//! checks the signature over `body` with the key the certificate names, and that the readable
//! `certificate` is exactly what `body` says, so an edit of either fails.
//!
//! Certificates exported before the body was carried have only `certificate` and
//! `signature` (pretty-printed). For those alone the signed bytes are derived again as that
//! code derived them: the `certificate` object read into a [`serde_json::Value`] and written
//! compactly. That is byte-exact only because serde_json reads floats exactly here (its
//! `float_roundtrip` feature, enabled in Cargo.toml): with its default parser, some `seconds`
//! values come back one bit off, and a genuine certificate would fail.
//!
//! Whose key must have signed it: inside the counsellor's vault, the vault's key; elsewhere,
//! the key whose fingerprint the checker gives ([`verify_export`]).

use serde_json::Value;

use super::{read, CertificateError, Signed, FORMAT_1};
use crate::store::signing::{Domain, PublicKey};

/// The file as read: the body is absent in certificates exported before it was carried.
#[derive(serde::Deserialize)]
struct Exported {
    certificate: Value,
    #[serde(default)]
    body: Option<String>,
    signature: String,
}

/// The certificate as exported JSON (pretty-printed): the readable certificate, its exact
/// signed body and the signature.
///
/// Errors: [`CertificateError::NotACertificate`] if it cannot be written.
pub fn to_json(signed: &Signed) -> Result<String, CertificateError> {
    serde_json::to_string_pretty(signed)
        .map_err(|e| CertificateError::NotACertificate(e.to_string()))
}

/// Checks an exported certificate: its signature over its signed body with the key it
/// names, that its readable copy matches that body, and, when `expected` is given, that this
/// is the expected key. Returns the certificate.
///
/// Errors: [`CertificateError::NotACertificate`], [`CertificateError::Altered`],
/// [`CertificateError::OtherSigner`].
pub fn verify_json(text: &str, expected: Option<&PublicKey>) -> Result<Signed, CertificateError> {
    let exported: Exported =
        serde_json::from_str(text).map_err(|e| CertificateError::NotACertificate(e.to_string()))?;
    let body = match exported.body {
        Some(body) => {
            let signed: Value =
                serde_json::from_str(&body).map_err(|_| CertificateError::Altered)?;
            if signed != exported.certificate {
                return Err(CertificateError::Altered);
            }
            body
        }
        None => legacy_body(&exported.certificate)?,
    };
    let certificate = read(&body)?;
    let key_bytes = hex::decode(&certificate.public_key).map_err(|_| CertificateError::Altered)?;
    let key = PublicKey::from_bytes(&key_bytes).map_err(|_| CertificateError::Altered)?;
    let signature = hex::decode(&exported.signature).map_err(|_| CertificateError::Altered)?;
    key.verify(Domain::DestructionCertificate, body.as_bytes(), &signature)
        .map_err(|_| CertificateError::Altered)?;
    if key.fingerprint() != certificate.fingerprint {
        return Err(CertificateError::Altered);
    }
    if let Some(expected) = expected {
        if expected.to_bytes() != key.to_bytes() {
            return Err(CertificateError::OtherSigner {
                found: key.fingerprint(),
                expected: expected.fingerprint(),
            });
        }
    }
    Ok(Signed {
        certificate,
        body,
        signature: exported.signature,
    })
}

/// The signed bytes of a certificate exported before the body was carried, derived as that
/// code derived them (see the module documentation). Only format 1 was ever exported so.
fn legacy_body(certificate: &Value) -> Result<String, CertificateError> {
    match certificate.get("format").and_then(Value::as_str) {
        Some(FORMAT_1) => serde_json::to_string(certificate)
            .map_err(|e| CertificateError::NotACertificate(e.to_string())),
        Some(super::FORMAT) => Err(CertificateError::Altered),
        Some(other) => Err(CertificateError::NotACertificate(format!(
            "unknown format {other:?}"
        ))),
        None => Err(CertificateError::NotACertificate(
            "it has no format".to_owned(),
        )),
    }
}

/// Checks an exported certificate as `sessionvault certificate verify` does. Inside the
/// vault (`vault_key` given) it must be signed by the vault's key; outside, `signer`, the
/// fingerprint of the counsellor's key, is required, and the certificate must be signed by
/// that key. When both are given, both must match. The certificate's own fingerprint (that of
/// the key that signed it) is in the result.
///
/// Errors: [`CertificateError::SignerRequired`] with neither;
/// [`CertificateError::InvalidFingerprint`], [`CertificateError::OtherSigner`], and the
/// errors of [`verify_json`].
pub fn verify_export(
    text: &str,
    vault_key: Option<&PublicKey>,
    signer: Option<&str>,
) -> Result<Signed, CertificateError> {
    let signer = signer.map(fingerprint).transpose()?;
    if vault_key.is_none() && signer.is_none() {
        return Err(CertificateError::SignerRequired);
    }
    let signed = verify_json(text, vault_key)?;
    if let Some(expected) = signer {
        if signed.certificate.fingerprint != expected {
            return Err(CertificateError::OtherSigner {
                found: signed.certificate.fingerprint,
                expected,
            });
        }
    }
    Ok(signed)
}

/// A key fingerprint as typed by a person (with or without `SHA256:`, colons, spaces or
/// dashes, in any case), written as [`PublicKey::fingerprint`] writes it.
///
/// Errors: [`CertificateError::InvalidFingerprint`] unless it is 32 hexadecimal digits.
pub fn fingerprint(text: &str) -> Result<String, CertificateError> {
    let compact: String = text
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, ':' | '-')))
        .collect::<String>()
        .to_ascii_lowercase();
    let hex = compact.strip_prefix("sha256").unwrap_or(&compact);
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CertificateError::InvalidFingerprint(text.to_owned()));
    }
    let groups: Vec<&str> = (0..8).map(|i| &hex[i * 4..i * 4 + 4]).collect();
    Ok(format!("SHA256:{}", groups.join(":")))
}
