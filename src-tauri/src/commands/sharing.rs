//! Sharing and client rights: a clip shared as an age file, the copies outside the vault and
//! recording one destroyed, and a client's own data as a passphrase-encrypted bundle.
//!
//! Passphrases arrive as strings and are wrapped in a `SecretString` at once (zeroized when
//! dropped, hidden from `Debug`); they are never logged.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use sessionvault_core::consent;
use sessionvault_core::copies::{self, Copy};
use sessionvault_core::handover::share::{self, Recipients, Role, SecretString, ShareOptions};
use sessionvault_core::handover::subject_access::{self, SubjectAccessError};
use sessionvault_core::sessions::recording;
use tauri::{AppHandle, Runtime, State};

use super::player::at;
use super::{blocking, choose_path, not_saved, saved, SaveAs, Saved};
use crate::error::CommandError;
use crate::state::Shell;

/// The answer of `share_clip`: a save's answer and the outstanding copy it made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shared {
    /// Whether it was written, and the file's name.
    #[serde(flatten)]
    pub saved: Saved,
    /// The copy logged for it; `None` when nothing was saved.
    pub copy_id: Option<String>,
}

/// A copy as the window gets it: the core's fields and `client_code` (the client of the
/// recording or consent record it was made from; `None` when there is none or it was
/// shredded).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownCopy {
    /// The core's copy.
    #[serde(flatten)]
    pub copy: Copy,
    /// The client it was made about, if still known.
    pub client_code: Option<String>,
}

/// Who can open a share, from the window's choice: a passphrase when one is given, else the
/// recipients' `age1…` keys. Both at once is refused (`invalid_input`).
fn recipients_of(
    recipients: Option<Vec<String>>,
    passphrase: Option<SecretString>,
) -> Result<Recipients, CommandError> {
    let keys: Vec<String> = recipients
        .unwrap_or_default()
        .into_iter()
        .filter(|k| !k.trim().is_empty())
        .collect();
    match passphrase {
        Some(_) if !keys.is_empty() => Err(CommandError::new(
            "invalid_input",
            "share either with recipients' keys or with a passphrase, not both",
        )),
        Some(passphrase) => Ok(Recipients::Passphrase(passphrase)),
        None => Ok(Recipients::Keys(keys)),
    }
}

/// Shares recording `recording_id` (or the clip `from_seconds`..`until_seconds`) with `role`
/// as an age file (`clip-<recording id>.age`), encrypted to `recipients` or to `passphrase`,
/// ASCII-armoured when `armor`: `{saved, file_name, copy_id}` (`copy_id` null when not saved).
/// The core's refusals (`not_in_audience`, `consent_withdrawn`, `invalid_recipient`,
/// `weak_passphrase`, …) reject the call.
#[allow(clippy::too_many_arguments)]
#[tauri::command]
pub async fn share_clip<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Arc<Shell>>,
    recording_id: String,
    role: String,
    recipients: Option<Vec<String>>,
    passphrase: Option<String>,
    from_seconds: Option<f64>,
    until_seconds: Option<f64>,
    armor: bool,
) -> Result<Shared, CommandError> {
    let passphrase = passphrase.filter(|p| !p.is_empty()).map(SecretString::from);
    shell.ensure_unlocked()?;
    if let Some(passphrase) = &passphrase {
        share::check_passphrase(passphrase)?;
    }
    let options = ShareOptions {
        role: role.parse::<Role>()?,
        to: recipients_of(recipients, passphrase)?,
        from: from_seconds.map(at).transpose()?,
        until: until_seconds.map(at).transpose()?,
        armor,
    };
    let recording_id = shell
        .with_vault(move |vault| Ok(recording::get(vault, &recording_id)?.id))
        .await?;
    let save = SaveAs {
        name: format!("clip-{recording_id}.age"),
        filter: "age encrypted file",
        extension: "age",
    };
    let to = shell.save_dir();
    let Some(path) = blocking(move || choose_path(&app, to, &save)).await? else {
        return Ok(Shared {
            saved: not_saved(),
            copy_id: None,
        });
    };
    let shared = shell
        .with_vault(move |vault| Ok(share::share(vault, &recording_id, &options, &path)?))
        .await?;
    tracing::info!(copy = %shared.copy_id, "clip shared from the window");
    Ok(Shared {
        saved: saved(&shared.out),
        copy_id: Some(shared.copy_id),
    })
}

/// `copy` as the window gets it, its client found in `clients`.
fn shown(copy: Copy, clients: &HashMap<String, String>) -> ShownCopy {
    let client_code = copy
        .recording_id
        .as_ref()
        .or(copy.consent_id.as_ref())
        .and_then(|id| clients.get(id))
        .cloned();
    ShownCopy { copy, client_code }
}

/// Recording id and consent id → client code, for the recordings and consent records the vault
/// holds.
fn clients_of_recordings(
    vault: &sessionvault_core::store::vault::Vault,
) -> Result<HashMap<String, String>, CommandError> {
    let recordings = recording::list(vault)?
        .into_iter()
        .map(|r| (r.id, r.client_code));
    let consents = consent::list(vault)?
        .into_iter()
        .map(|c| (c.id, c.client_code));
    Ok(recordings.chain(consents).collect())
}

/// The copies made outside the vault (exports, shares), oldest first; only those not yet
/// recorded destroyed when `outstanding_only`:
/// `[{id, recording_id, client_code, kind, made_at, location, destroyed_at, …}]`.
#[tauri::command]
pub async fn copies_list(
    shell: State<'_, Arc<Shell>>,
    outstanding_only: bool,
) -> Result<Vec<ShownCopy>, CommandError> {
    shell
        .with_vault(move |vault| {
            let filter = copies::Filter {
                recording_id: None,
                outstanding: outstanding_only,
            };
            let clients = clients_of_recordings(vault)?;
            let list = copies::list(vault, filter)?;
            Ok(list.into_iter().map(|copy| shown(copy, &clients)).collect())
        })
        .await
}

/// Records that copy `id` was destroyed (the recipient or the counsellor confirmed it) and
/// returns it.
#[tauri::command]
pub async fn copy_destroyed(
    shell: State<'_, Arc<Shell>>,
    id: String,
) -> Result<ShownCopy, CommandError> {
    shell
        .with_vault(move |vault| {
            let copy = copies::mark_destroyed(vault, &id)?;
            tracing::info!(copy = %copy.id, "copy recorded destroyed from the window");
            Ok(shown(copy, &clients_of_recordings(vault)?))
        })
        .await
}

/// Writes everything held about client `client_code` as an age file encrypted to
/// `passphrase` (`client-<code>.age`): `{saved, file_name}`.
#[tauri::command]
pub async fn client_export<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Arc<Shell>>,
    client_code: String,
    passphrase: String,
) -> Result<Saved, CommandError> {
    let passphrase = SecretString::from(passphrase);
    shell.ensure_unlocked()?;
    share::check_passphrase(&passphrase).map_err(|_| SubjectAccessError::WeakPassphrase)?;
    let code = consent::check_client_code(&client_code)?;
    let save = SaveAs {
        name: format!("client-{code}.age"),
        filter: "age encrypted file",
        extension: "age",
    };
    let to = shell.save_dir();
    let Some(path) = blocking(move || choose_path(&app, to, &save)).await? else {
        return Ok(not_saved());
    };
    let bundle = shell
        .with_vault(move |vault| Ok(subject_access::export(vault, &code, &passphrase, &path)?))
        .await?;
    tracing::info!(bytes = bundle.bytes, "client data exported from the window");
    Ok(saved(&bundle.out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::as_sent::{keys, sent};

    #[test]
    fn recipients_are_keys_or_a_passphrase() {
        let keys = recipients_of(Some(vec!["age1abc".into(), " ".into()]), None).unwrap();
        assert!(matches!(keys, Recipients::Keys(k) if k == ["age1abc"]));
        let secret = recipients_of(None, Some(SecretString::from("long passphrase".to_owned())));
        assert!(matches!(secret, Ok(Recipients::Passphrase(_))));
        let both = recipients_of(
            Some(vec!["age1abc".into()]),
            Some(SecretString::from("long passphrase".to_owned())),
        );
        assert_eq!(both.unwrap_err().code, "invalid_input");
        // None at all: the core refuses it (`invalid_recipient`).
        assert!(matches!(recipients_of(None, None), Ok(Recipients::Keys(k)) if k.is_empty()));
    }

    #[test]
    fn shares_answer_the_save_and_the_copy() {
        let shared = Shared {
            saved: Saved {
                saved: true,
                file_name: Some("clip-r1.age".into()),
            },
            copy_id: Some("k1".into()),
        };
        assert_eq!(
            sent(shared),
            serde_json::json!({"saved": true, "file_name": "clip-r1.age", "copy_id": "k1"})
        );
        let cancelled = Shared {
            saved: not_saved(),
            copy_id: None,
        };
        assert_eq!(
            sent(cancelled),
            serde_json::json!({"saved": false, "file_name": null, "copy_id": null})
        );
    }

    #[test]
    fn copies_carry_their_client_code() {
        let copy = Copy {
            id: "k1".into(),
            recording_id: Some("r1".into()),
            kind: "share".into(),
            made_at: "2027-07-03T11:00:00Z".into(),
            location: "/tmp/clip.age".into(),
            sha256: "00".into(),
            role: Some("tutor".into()),
            from_seconds: Some(0.0),
            until_seconds: Some(5.0),
            recipients: vec!["passphrase".into()],
            destroyed_at: None,
            consent_id: None,
        };
        let clients = HashMap::from([
            ("r1".to_owned(), "C-017".to_owned()),
            ("k9".to_owned(), "C-018".to_owned()),
        ]);
        let v = sent(shown(copy.clone(), &clients));
        assert_eq!(v["client_code"], "C-017");
        assert!(v["destroyed_at"].is_null());
        assert_eq!(
            keys(&v),
            [
                "client_code",
                "consent_id",
                "destroyed_at",
                "from_seconds",
                "id",
                "kind",
                "location",
                "made_at",
                "recipients",
                "recording_id",
                "role",
                "sha256",
                "until_seconds"
            ]
        );
        assert!(sent(shown(copy.clone(), &HashMap::new()))["client_code"].is_null());
        // A consent PDF has no recording: its client is the consent record's.
        let pdf = Copy {
            recording_id: None,
            consent_id: Some("k9".into()),
            kind: "consent-pdf".into(),
            role: None,
            recipients: Vec::new(),
            ..copy
        };
        assert_eq!(sent(shown(pdf, &clients))["client_code"], "C-018");
    }
}
