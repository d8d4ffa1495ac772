//! The window's end-to-end tests, one binary with a module per capability, as the real app
//! under Xvfb is driven through tauri-driver and WebKitWebDriver (see the library's docs for
//! what they need). Each test holds [`sessionvault_e2e::one_at_a_time`] for its whole run, so
//! they take turns on the display and the D-Bus session though the harness runs them on threads
//! of this one process.
//!
//! One part: `cargo test -p sessionvault-e2e --test tests journey::` (a module's path, or a
//! test's name). `app_cpu` is a measurement, ignored here and run by `scripts/bench-app-cpu.sh`.

#![forbid(unsafe_code)]

mod app_cpu;
mod case_studies_and_client_copy;
mod interruptions;
mod journey;
mod lock;
mod meter_in_view;
mod refusals;
mod transcribe_and_share;
mod vault_screen;
mod withdrawal_while_recording;
