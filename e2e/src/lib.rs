//! Drives the real SessionVault window through WebDriver: `tauri-driver` in front of
//! WebKitWebDriver, which starts the built app binary. The tests live in `tests/` (one binary,
//! `tests/tests.rs`, with a module per capability); this library holds what they share:
//! starting the app with its own folders and environment, waiting for and working the page's
//! elements, screenshots, an accessibility check with axe-core, and a private PulseAudio server
//! with a sine source for recording in real time.
//!
//! Needs, as `scripts/test.sh` arranges: a display (Xvfb), a D-Bus session with an unlocked
//! keyring, `tauri-driver` on the PATH (or `TAURI_DRIVER`), WebKitWebDriver, the app built
//! (`cargo build`; or `SESSIONVAULT_APP` naming the binary), `npm ci` run in `e2e/` (axe-core),
//! and `pulseaudio`/`pactl` for the recording journey.
//!
//! Where things are:
//!
//! - [`driver`]: the app binary, the artifacts folder, [`one_at_a_time`], and `tauri-driver`.
//! - [`app`]: one run of the app, its folders and environment ([`AppEnv`]) and its window
//!   ([`Window`]).
//! - [`PulseServer`]: the private PulseAudio server, from `sessionvault-testbed` (the CLI
//!   tests' too).
//! - [`wait`]: polling until something holds, and the waits built on it ([`poll`],
//!   [`wait_for`], [`wait_screen`], ...).
//! - [`elements`]: reading and working the page's elements ([`click`], [`type_into`],
//!   [`set_value`], [`draw_signature`], ...).
//! - [`script`]: scripts in the page and the shell's commands called from it ([`invoke`]).
//! - [`clock`]: times the window shows and dates by the page's clock.
//! - [`look`](mod@look): screenshots and the accessibility check ([`look()`], [`axe_check`]).
//! - [`outside`]: checks outside the window: keyring, files, other programs.
//! - [`setup`], [`consent`], [`recording`]: the steps of the journeys that several tests share
//!   (creating the vault and a course, taking a consent, recording).
//!
//! Everything a test uses is re-exported here, so tests write `use sessionvault_e2e::{...}`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod app;
pub mod clock;
pub mod consent;
pub mod driver;
pub mod elements;
pub mod look;
pub mod outside;
pub mod recording;
pub mod script;
pub mod setup;
pub mod wait;

pub use fantoccini::{Client, Locator};

pub use app::{AppEnv, Window};
pub use clock::{date_in_days, parse_clock};
pub use consent::{
    consent_next, consent_step, grant_consent, start_consent, supervision_consent, ConsentSpec,
};
pub use driver::{app_binary, artifacts_dir, one_at_a_time, Driver};
pub use elements::{
    click, count, draw_signature, go, is_displayed, is_enabled, press, scroll_to, set_checked,
    set_value, text, type_into,
};
pub use look::{assert_accessible, axe_check, look, maybe_look, screenshot, AXE_TAGS};
pub use outside::{
    contains, files_holding, files_under, run_program, saved_file, secret_tool_search, vault_id,
};
pub use recording::{elapsed_shown, record_for, start_recording};
pub use script::{body_text, invoke, invoke_with_channels, run_async};
pub use sessionvault_testbed::PulseServer;
pub use setup::{add_course, create_vault};
pub use wait::{
    give_up, poll, poll_for, try_poll, wait_attr, wait_displayed, wait_for, wait_hidden,
    wait_saved, wait_screen, wait_text, PATIENCE,
};
