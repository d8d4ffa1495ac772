//! The gate asked again and again for one consent, as a running recording asks it every second.
//!
//! A full check ([`verify`](super::verify)) reads the record, checks its signature and its
//! signature picture or scan, looks for a withdrawal and reads its course. All of that is in
//! the vault's database, so while the database has not changed only the clock can change the
//! answer. A [`ConsentWatch`] makes the full check first, and again whenever the database has
//! changed since (a withdrawal, a course's end moved: any write, by this SessionVault or
//! another on the same vault); in between it checks only the date, against the last day the
//! consent holds on, by the vault's clock. Its answer is the full check's at every moment.

use super::gate::{check_holding, DateLimit};
use super::{get, ConsentError};
use crate::store::vault::Vault;

/// One consent, watched: see the [module docs](self).
#[derive(Debug)]
pub struct ConsentWatch {
    /// The consent's id.
    id: String,
    /// The database as it was before the last full check that passed, and the last day the
    /// consent holds on by that check. `None` until a full check passes.
    held: Option<(Stamp, DateLimit)>,
}

/// Whether the database has changed: SQLite's `data_version`, which moves when another
/// connection commits, and this connection's count of changes, which moves when it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    data_version: i64,
    own_changes: u64,
}

impl ConsentWatch {
    /// A watch on the consent `id`; nothing is checked until [`ConsentWatch::check`].
    pub fn new(id: &str) -> ConsentWatch {
        ConsentWatch {
            id: id.to_owned(),
            held: None,
        }
    }

    /// Whether the consent holds now: the answer [`verify`](super::verify) would give.
    ///
    /// Errors: as `verify`: [`ConsentError::Refused`] saying why, [`ConsentError::NotFound`],
    /// [`ConsentError::Vault`].
    pub fn check(&mut self, vault: &Vault) -> Result<(), ConsentError> {
        // Read before the full check: a change committed during it is seen by the next one.
        let stamp = stamp(vault)?;
        match self.held {
            Some((held_at, limit)) if held_at == stamp => limit.check(vault.now().date()),
            _ => {
                self.held = None;
                let limit = check_holding(vault, &get(vault, &self.id)?)?;
                self.held = Some((stamp, limit));
                Ok(())
            }
        }
    }

    /// The consent's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Forgets the last full check, so that the next check is a full one: for when the vault's
    /// database was opened again (after a re-key), whose counters start afresh.
    pub fn forget(&mut self) {
        self.held = None;
    }
}

/// The database's change counters now.
fn stamp(vault: &Vault) -> Result<Stamp, ConsentError> {
    let conn = vault.db().conn();
    let data_version = conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |row| row.get(0))?;
    Ok(Stamp {
        data_version,
        own_changes: conn.total_changes(),
    })
}
