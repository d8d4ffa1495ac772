//! The vault's settings, kept in its encrypted database so they travel with the vault.
//!
//! Today there is one: how many minutes without use the window waits before it locks itself
//! ([`Settings::idle_lock_minutes`]). Each change is recorded in the audit log with the
//! setting's name and new value (never personal data).

use rusqlite::{params, OptionalExtension};
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use crate::audit::EventKind;
use crate::db::DbError;
use crate::vault::{Vault, VaultError};

/// How many minutes without use the window waits before locking, unless set otherwise.
pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 5;
/// The shortest idle time before locking that may be set, in minutes.
pub const MIN_IDLE_LOCK_MINUTES: u32 = 1;
/// The longest idle time before locking that may be set, in minutes.
pub const MAX_IDLE_LOCK_MINUTES: u32 = 120;

/// The stored name of the idle-lock setting.
const IDLE_LOCK: &str = "idle_lock_minutes";

/// The vault's settings, as the window shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Minutes without use after which the window locks itself (no recording running and no
    /// player playing).
    pub idle_lock_minutes: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            idle_lock_minutes: DEFAULT_IDLE_LOCK_MINUTES,
        }
    }
}

/// What went wrong reading or changing a setting.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The value is outside what the setting accepts; nothing was changed.
    #[error(
        "the idle lock time must be a whole number of minutes from {MIN_IDLE_LOCK_MINUTES} to \
         {MAX_IDLE_LOCK_MINUTES} ({0} is not)"
    )]
    IdleLockMinutes(String),
    /// A vault problem.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl SettingsError {
    /// A stable, machine-readable name for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            SettingsError::IdleLockMinutes(_) => "invalid_setting",
            SettingsError::Vault(e) => e.code(),
        }
    }
}

impl From<rusqlite::Error> for SettingsError {
    fn from(e: rusqlite::Error) -> Self {
        SettingsError::Vault(DbError::from(e).into())
    }
}

impl From<DbError> for SettingsError {
    fn from(e: DbError) -> Self {
        SettingsError::Vault(e.into())
    }
}

impl From<crate::audit::AuditError> for SettingsError {
    fn from(e: crate::audit::AuditError) -> Self {
        SettingsError::Vault(e.into())
    }
}

/// Checks an idle lock time as a person typed it (a number that may not be whole): a whole
/// number of minutes from [`MIN_IDLE_LOCK_MINUTES`] to [`MAX_IDLE_LOCK_MINUTES`].
///
/// Errors: [`SettingsError::IdleLockMinutes`].
pub fn check_idle_lock_minutes(minutes: f64) -> Result<u32, SettingsError> {
    let range = f64::from(MIN_IDLE_LOCK_MINUTES)..=f64::from(MAX_IDLE_LOCK_MINUTES);
    if minutes.is_finite() && minutes.fract() == 0.0 && range.contains(&minutes) {
        Ok(minutes as u32)
    } else {
        Err(SettingsError::IdleLockMinutes(minutes.to_string()))
    }
}

/// The vault's settings; the defaults for what was never set. A stored value this version
/// cannot read (edited by hand, out of range) counts as unset.
///
/// Errors: [`SettingsError::Vault`].
pub fn get(vault: &Vault) -> Result<Settings, SettingsError> {
    let stored: Option<String> = vault
        .db()
        .conn()
        .query_row(
            "SELECT value FROM settings WHERE name = ?1",
            [IDLE_LOCK],
            |r| r.get(0),
        )
        .optional()?;
    let idle_lock_minutes = stored
        .and_then(|text| serde_json::from_str::<f64>(&text).ok())
        .and_then(|m| check_idle_lock_minutes(m).ok())
        .unwrap_or(DEFAULT_IDLE_LOCK_MINUTES);
    Ok(Settings { idle_lock_minutes })
}

/// Sets the idle lock time (checked as [`check_idle_lock_minutes`]) and logs the change.
/// Returns the settings as they now are.
///
/// Errors: [`SettingsError::IdleLockMinutes`], [`SettingsError::Vault`].
pub fn set_idle_lock_minutes(vault: &mut Vault, minutes: f64) -> Result<Settings, SettingsError> {
    let minutes = check_idle_lock_minutes(minutes)?;
    let change = vault.change()?;
    let now = change
        .now
        .format(&Rfc3339)
        .map_err(crate::audit::AuditError::from)?;
    change.tx.execute(
        "INSERT INTO settings (name, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![IDLE_LOCK, minutes.to_string(), now],
    )?;
    change.log(
        EventKind::SettingChanged,
        Some(IDLE_LOCK),
        &json!({ "name": IDLE_LOCK, "value": minutes }),
    )?;
    change.commit()?;
    tracing::info!(setting = IDLE_LOCK, value = minutes, "setting changed");
    get(vault)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_lock_minutes_are_whole_and_in_range() {
        assert_eq!(check_idle_lock_minutes(1.0).unwrap(), 1);
        assert_eq!(check_idle_lock_minutes(5.0).unwrap(), 5);
        assert_eq!(check_idle_lock_minutes(120.0).unwrap(), 120);
        for bad in [0.0, -3.0, 121.0, 2.5, f64::NAN, f64::INFINITY] {
            let e = check_idle_lock_minutes(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_setting", "{bad}");
        }
    }

    #[test]
    fn defaults_and_camel_case_serialisation() {
        let s = Settings::default();
        assert_eq!(s.idle_lock_minutes, DEFAULT_IDLE_LOCK_MINUTES);
        assert_eq!(
            serde_json::to_value(s).unwrap(),
            json!({ "idleLockMinutes": DEFAULT_IDLE_LOCK_MINUTES })
        );
    }
}
