//! Where the current time comes from, so tests can fix it.

use time::OffsetDateTime;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
}

/// The system's wall clock, in UTC.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that always answers the same time: for tests and reproducible runs.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// The environment variable that, in debug builds only, fixes the time the command line and
/// the window go by (RFC 3339), so tests can move past a course's end or a destroy-by date.
/// Release builds never read it.
pub const ENV_TEST_NOW: &str = "SESSIONVAULT_TEST_NOW";

/// The clock of this process: the system's, or in a debug build the fixed time
/// [`ENV_TEST_NOW`] names.
pub fn from_env() -> std::sync::Arc<dyn Clock> {
    #[cfg(debug_assertions)]
    if let Some(now) = std::env::var(ENV_TEST_NOW).ok().and_then(|text| {
        OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339).ok()
    }) {
        return std::sync::Arc::new(FixedClock(now));
    }
    std::sync::Arc::new(SystemClock)
}
