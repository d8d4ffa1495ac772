//! Hardening of the process itself, done first thing by the command line and the window.
//!
//! A core dump is a copy of a crashed process's memory written to disk, and SessionVault's
//! memory holds decrypted audio, keys and client text. So both binaries turn core dumps off
//! when they start:
//!
//! - the core file size limit (`RLIMIT_CORE`) is set to 0, soft and hard, wherever the system
//!   has it (Linux, macOS, the BSDs): the process cannot raise it again, and every process it
//!   starts (the window's WebKit helpers) inherits it;
//! - on Linux the process is marked not dumpable (`PR_SET_DUMPABLE` 0). The kernel then writes
//!   no core at all, not even to a core handler (`systemd-coredump`, `apport`) that would
//!   ignore the limit, and other processes of the same user can no longer read its memory
//!   through `ptrace` or `/proc/<pid>/mem`.
//!
//! Windows has neither; its crash reports are outside this module.
//!
//! A failure is logged as a warning and the program goes on: a missing protection against a
//! crash must not stop a counsellor's work.

/// What [`disable_core_dumps`] achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoreDumps {
    /// Whether the core file size limit is now 0, soft and hard.
    pub limit_zero: bool,
    /// Whether the process is now marked not dumpable (Linux only; false elsewhere).
    pub not_dumpable: bool,
}

/// Turns core dumps off for this process and the processes it starts (see the module's
/// documentation). Call it once, first thing in `main`. Failures are logged as warnings.
pub fn disable_core_dumps() -> CoreDumps {
    CoreDumps {
        limit_zero: zero_core_limit(),
        not_dumpable: mark_not_dumpable(),
    }
}

#[cfg(unix)]
fn zero_core_limit() -> bool {
    use rustix::process::{setrlimit, Resource, Rlimit};
    let zero = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    match setrlimit(Resource::Core, zero) {
        Ok(()) => true,
        Err(errno) => {
            tracing::warn!(
                errno = errno.raw_os_error(),
                "the core dump limit could not be set to 0"
            );
            false
        }
    }
}

#[cfg(not(unix))]
fn zero_core_limit() -> bool {
    false
}

#[cfg(target_os = "linux")]
fn mark_not_dumpable() -> bool {
    use rustix::process::{set_dumpable_behavior, DumpableBehavior};
    match set_dumpable_behavior(DumpableBehavior::NotDumpable) {
        Ok(()) => true,
        Err(errno) => {
            tracing::warn!(
                errno = errno.raw_os_error(),
                "the process could not be marked not dumpable"
            );
            false
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn mark_not_dumpable() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads both settings back from the kernel after turning core dumps off (this changes the
    /// test process itself, which is harmless: it only stops its own core dumps).
    #[cfg(unix)]
    #[test]
    fn core_dumps_are_off_after_the_call() {
        use rustix::process::{getrlimit, Resource, Rlimit};
        let done = disable_core_dumps();
        assert!(done.limit_zero);
        assert_eq!(
            getrlimit(Resource::Core),
            Rlimit {
                current: Some(0),
                maximum: Some(0)
            }
        );
        #[cfg(target_os = "linux")]
        {
            assert!(done.not_dumpable);
            assert_eq!(
                rustix::process::dumpable_behavior().unwrap(),
                rustix::process::DumpableBehavior::NotDumpable
            );
        }
        // A second call changes nothing and still succeeds.
        assert_eq!(disable_core_dumps(), done);
    }
}
