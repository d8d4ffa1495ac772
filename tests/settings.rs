//! The vault's settings: defaults, a change that outlives the process, refusals, and the audit
//! entry each change leaves.

use sessionvault_core::ErrorCode;
use std::sync::Arc;

use crate::common::new_vault;
use sessionvault_core::clock::SystemClock;
use sessionvault_core::settings::{self, DEFAULT_IDLE_LOCK_MINUTES};
use sessionvault_core::store::vault::Vault;

#[test]
fn idle_lock_minutes_default_change_persist_and_are_logged() {
    let (_tmp, dir, _id) = new_vault();
    let mut vault = Vault::open(&dir, Arc::new(SystemClock)).unwrap();
    assert_eq!(
        settings::get(&vault).unwrap().idle_lock_minutes,
        DEFAULT_IDLE_LOCK_MINUTES
    );
    let before = vault.audit_count().unwrap();
    assert_eq!(
        settings::set_idle_lock_minutes(&mut vault, 12.0)
            .unwrap()
            .idle_lock_minutes,
        12
    );
    for bad in [0.0, 121.0, 2.5] {
        let e = settings::set_idle_lock_minutes(&mut vault, bad).unwrap_err();
        assert_eq!(e.code(), "invalid_setting");
    }
    let entries = vault.audit_entries().unwrap();
    assert_eq!(entries.len() as u64, before + 1, "one entry per change");
    let last = entries.last().unwrap();
    assert_eq!(last.kind, "setting.changed");
    assert!(last.details.contains("\"value\":12"));
    vault.verify_audit().unwrap();
    drop(vault);

    let vault = Vault::open(&dir, Arc::new(SystemClock)).unwrap();
    assert_eq!(settings::get(&vault).unwrap().idle_lock_minutes, 12);
}

#[test]
fn auto_rewind_defaults_changes_with_the_idle_time_and_refusals_change_nothing() {
    let (_tmp, dir, _id) = new_vault();
    let mut vault = Vault::open(&dir, Arc::new(SystemClock)).unwrap();
    assert_eq!(
        settings::get(&vault).unwrap().auto_rewind_seconds,
        settings::DEFAULT_AUTO_REWIND_SECONDS
    );
    let before = vault.audit_count().unwrap();
    let both = settings::Changes {
        idle_lock_minutes: Some(20.0),
        auto_rewind_seconds: Some(0.0),
    };
    let now = settings::update(&mut vault, &both).unwrap();
    assert_eq!((now.idle_lock_minutes, now.auto_rewind_seconds), (20, 0));
    assert_eq!(
        vault.audit_count().unwrap(),
        before + 2,
        "one entry per setting"
    );
    // One refused value: neither is changed.
    let half_bad = settings::Changes {
        idle_lock_minutes: Some(30.0),
        auto_rewind_seconds: Some(11.0),
    };
    let e = settings::update(&mut vault, &half_bad).unwrap_err();
    assert_eq!(e.code(), "invalid_setting");
    assert_eq!(
        settings::set_auto_rewind_seconds(&mut vault, 7.0)
            .unwrap()
            .auto_rewind_seconds,
        7
    );
    vault.verify_audit().unwrap();
    drop(vault);

    let vault = Vault::open(&dir, Arc::new(SystemClock)).unwrap();
    let kept = settings::get(&vault).unwrap();
    assert_eq!((kept.idle_lock_minutes, kept.auto_rewind_seconds), (20, 7));
}
