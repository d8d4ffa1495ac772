#!/usr/bin/env bash
# Installs what is missing, then runs every check and test: formatting, lints, the core's unit
# and integration tests on the real OS keyring, and the window test in a real webview under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
export PATH="$HOME/.cargo/bin:$PATH"

cargo fmt --all -- --check
cargo clippy --locked --workspace --all-targets -- -D warnings
# Everything, tests included, in one build (the window test drives the app binary it makes).
cargo build --locked --workspace --all-targets
# Every test in one run, so cargo resolves features once for the whole workspace exactly as the
# build above did (a run that left a package out would rebuild half the tree): the core's and
# the shell's tests, then the window's end-to-end tests — the real app under Xvfb through
# tauri-driver and WebKitWebDriver, with axe-core (pinned in e2e/package-lock.json, installed by
# install-deps.sh --test) for the accessibility checks. The window tests take turns on one lock
# (they share the display and the D-Bus session); screenshots and axe reports land in
# artifacts/. All on a private D-Bus session with an unlocked GNOME Keyring.
xvfb-run --auto-servernum --server-args="-screen 0 1366x768x24" \
  scripts/with-keyring.sh cargo test --locked --workspace --no-fail-fast
