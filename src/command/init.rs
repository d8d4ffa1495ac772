//! `sessionvault init`: a new vault, its keys in the OS keyring.

use serde_json::json;
use sessionvault_core::store::vault::Vault;

use super::context::Context;
use super::output::print_json;
use super::Failure;

/// Creates the vault and says where it is, its id, where its keys are and its signing key.
pub(super) fn run(context: &Context) -> Result<(), Failure> {
    let vault = Vault::create(&context.dir, context.clock.clone(), &mut rand::rngs::OsRng)?;
    let fingerprint = vault.public_key().fingerprint();
    if context.json {
        print_json(&json!({
            "vault_id": vault.id(),
            "vault_dir": vault.dir(),
            "keyring_service": vault.keys().service(),
            "signing_key": fingerprint,
        }));
    } else {
        println!("Vault created at {}", vault.dir().display());
        println!("  vault id:      {}", vault.id());
        println!(
            "  keys:          in the OS keyring, service {}",
            vault.keys().service()
        );
        println!("  signing key:   {fingerprint}");
    }
    Ok(())
}
