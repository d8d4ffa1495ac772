//! The vault's settings, kept in its encrypted database so they travel with the vault.
//!
//! There are two: how many minutes without use the window waits before it locks itself
//! ([`Settings::idle_lock_minutes`]), and how many seconds playback goes back when a
//! transcriber plays again after a pause ([`Settings::auto_rewind_seconds`]). Each change is
//! recorded in the audit log with the setting's name and new value (never personal data).

use rusqlite::{params, OptionalExtension};
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use crate::store::audit::EventKind;
use crate::store::db::DbError;
use crate::store::vault::{Vault, VaultError};

/// How many minutes without use the window waits before locking, unless set otherwise.
pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 5;
/// The shortest idle time before locking that may be set, in minutes.
pub const MIN_IDLE_LOCK_MINUTES: u32 = 1;
/// The longest idle time before locking that may be set, in minutes.
pub const MAX_IDLE_LOCK_MINUTES: u32 = 120;

/// How many seconds playback goes back on playing again while transcribing, unless set
/// otherwise.
pub const DEFAULT_AUTO_REWIND_SECONDS: u32 = 2;
/// The least auto-rewind that may be set, in seconds (0: none).
pub const MIN_AUTO_REWIND_SECONDS: u32 = 0;
/// The most auto-rewind that may be set, in seconds.
pub const MAX_AUTO_REWIND_SECONDS: u32 = 10;

/// The stored name of the idle-lock setting.
const IDLE_LOCK: &str = "idle_lock_minutes";
/// The stored name of the auto-rewind setting.
const AUTO_REWIND: &str = "auto_rewind_seconds";

/// The vault's settings, as the window shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Settings {
    /// Minutes without use after which the window locks itself (no recording running and no
    /// player playing).
    pub idle_lock_minutes: u32,
    /// Seconds playback goes back when the transcriber plays again after a pause (0: none).
    pub auto_rewind_seconds: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            idle_lock_minutes: DEFAULT_IDLE_LOCK_MINUTES,
            auto_rewind_seconds: DEFAULT_AUTO_REWIND_SECONDS,
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
    /// The auto-rewind is outside what the setting accepts; nothing was changed.
    #[error(
        "the auto-rewind must be a whole number of seconds from {MIN_AUTO_REWIND_SECONDS} to \
         {MAX_AUTO_REWIND_SECONDS} ({0} is not)"
    )]
    AutoRewindSeconds(String),
    /// A vault problem.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl crate::ErrorCode for SettingsError {
    fn code(&self) -> &'static str {
        match self {
            SettingsError::IdleLockMinutes(_) | SettingsError::AutoRewindSeconds(_) => {
                "invalid_setting"
            }
            SettingsError::Vault(e) => e.code(),
        }
    }
}

crate::store::vault::vault_variant_from!(SettingsError: rusqlite::Error, DbError);

impl From<crate::store::audit::AuditError> for SettingsError {
    fn from(e: crate::store::audit::AuditError) -> Self {
        SettingsError::Vault(e.into())
    }
}

/// `value` as a whole number from `min` to `max`, if it is one.
fn whole_in(value: f64, min: u32, max: u32) -> Option<u32> {
    let range = f64::from(min)..=f64::from(max);
    (value.is_finite() && value.fract() == 0.0 && range.contains(&value)).then_some(value as u32)
}

/// Checks an idle lock time as a person typed it (a number that may not be whole): a whole
/// number of minutes from [`MIN_IDLE_LOCK_MINUTES`] to [`MAX_IDLE_LOCK_MINUTES`].
///
/// Errors: [`SettingsError::IdleLockMinutes`].
pub fn check_idle_lock_minutes(minutes: f64) -> Result<u32, SettingsError> {
    whole_in(minutes, MIN_IDLE_LOCK_MINUTES, MAX_IDLE_LOCK_MINUTES)
        .ok_or_else(|| SettingsError::IdleLockMinutes(minutes.to_string()))
}

/// Checks an auto-rewind as a person typed it: a whole number of seconds from
/// [`MIN_AUTO_REWIND_SECONDS`] to [`MAX_AUTO_REWIND_SECONDS`].
///
/// Errors: [`SettingsError::AutoRewindSeconds`].
pub fn check_auto_rewind_seconds(seconds: f64) -> Result<u32, SettingsError> {
    whole_in(seconds, MIN_AUTO_REWIND_SECONDS, MAX_AUTO_REWIND_SECONDS)
        .ok_or_else(|| SettingsError::AutoRewindSeconds(seconds.to_string()))
}

/// Changes to the settings, for [`update`]: what is `None` stays as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Changes {
    /// The idle lock time, in minutes, as typed.
    pub idle_lock_minutes: Option<f64>,
    /// The auto-rewind, in seconds, as typed.
    pub auto_rewind_seconds: Option<f64>,
}

/// The stored value of setting `name`, if it is stored and readable as a number.
fn stored(vault: &Vault, name: &str) -> Result<Option<f64>, SettingsError> {
    let text: Option<String> = vault
        .db()
        .conn()
        .query_row("SELECT value FROM settings WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(text.and_then(|text| serde_json::from_str::<f64>(&text).ok()))
}

/// The vault's settings; the defaults for what was never set. A stored value this version
/// cannot read (edited by hand, out of range) counts as unset.
///
/// Errors: [`SettingsError::Vault`].
pub fn get(vault: &Vault) -> Result<Settings, SettingsError> {
    let idle_lock_minutes = stored(vault, IDLE_LOCK)?
        .and_then(|m| check_idle_lock_minutes(m).ok())
        .unwrap_or(DEFAULT_IDLE_LOCK_MINUTES);
    let auto_rewind_seconds = stored(vault, AUTO_REWIND)?
        .and_then(|s| check_auto_rewind_seconds(s).ok())
        .unwrap_or(DEFAULT_AUTO_REWIND_SECONDS);
    Ok(Settings {
        idle_lock_minutes,
        auto_rewind_seconds,
    })
}

/// Sets the idle lock time (checked as [`check_idle_lock_minutes`]) and logs the change.
/// Returns the settings as they now are.
///
/// Errors: [`SettingsError::IdleLockMinutes`], [`SettingsError::Vault`].
pub fn set_idle_lock_minutes(vault: &mut Vault, minutes: f64) -> Result<Settings, SettingsError> {
    update(
        vault,
        &Changes {
            idle_lock_minutes: Some(minutes),
            ..Changes::default()
        },
    )
}

/// Sets the auto-rewind (checked as [`check_auto_rewind_seconds`]) and logs the change.
/// Returns the settings as they now are.
///
/// Errors: [`SettingsError::AutoRewindSeconds`], [`SettingsError::Vault`].
pub fn set_auto_rewind_seconds(vault: &mut Vault, seconds: f64) -> Result<Settings, SettingsError> {
    update(
        vault,
        &Changes {
            auto_rewind_seconds: Some(seconds),
            ..Changes::default()
        },
    )
}

/// Applies `changes`: every value given is checked first (nothing is changed if one is
/// refused), then all are stored in one transaction, each with its own audit entry. Returns
/// the settings as they now are.
///
/// Errors: [`SettingsError::IdleLockMinutes`], [`SettingsError::AutoRewindSeconds`],
/// [`SettingsError::Vault`].
pub fn update(vault: &mut Vault, changes: &Changes) -> Result<Settings, SettingsError> {
    let mut values: Vec<(&str, u32)> = Vec::new();
    if let Some(minutes) = changes.idle_lock_minutes {
        values.push((IDLE_LOCK, check_idle_lock_minutes(minutes)?));
    }
    if let Some(seconds) = changes.auto_rewind_seconds {
        values.push((AUTO_REWIND, check_auto_rewind_seconds(seconds)?));
    }
    if values.is_empty() {
        return get(vault);
    }
    let change = vault.change()?;
    let now = change
        .now
        .format(&Rfc3339)
        .map_err(crate::store::audit::AuditError::from)?;
    for (name, value) in &values {
        change.tx.execute(
            "INSERT INTO settings (name, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![name, value.to_string(), now],
        )?;
        change.log(
            EventKind::SettingChanged,
            Some(name),
            &json!({ "name": name, "value": value }),
        )?;
    }
    change.commit()?;
    for (name, value) in &values {
        tracing::info!(setting = *name, value = *value, "setting changed");
    }
    get(vault)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

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
    fn auto_rewind_seconds_are_whole_and_in_range() {
        assert_eq!(check_auto_rewind_seconds(0.0).unwrap(), 0);
        assert_eq!(check_auto_rewind_seconds(2.0).unwrap(), 2);
        assert_eq!(check_auto_rewind_seconds(10.0).unwrap(), 10);
        for bad in [-1.0, 11.0, 1.5, f64::NAN, f64::NEG_INFINITY] {
            let e = check_auto_rewind_seconds(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_setting", "{bad}");
            assert!(e.to_string().contains("seconds"), "{bad}");
        }
    }

    #[test]
    fn defaults_and_serialisation() {
        let s = Settings::default();
        assert_eq!(s.idle_lock_minutes, DEFAULT_IDLE_LOCK_MINUTES);
        assert_eq!(s.auto_rewind_seconds, DEFAULT_AUTO_REWIND_SECONDS);
        assert_eq!(
            serde_json::to_value(s).unwrap(),
            json!({
                "idle_lock_minutes": DEFAULT_IDLE_LOCK_MINUTES,
                "auto_rewind_seconds": DEFAULT_AUTO_REWIND_SECONDS,
            })
        );
    }
}
