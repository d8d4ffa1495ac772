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
# The core's and the shell's tests, on a private D-Bus session with an unlocked GNOME Keyring.
xvfb-run --auto-servernum --server-args="-screen 0 1366x768x24" \
  scripts/with-keyring.sh cargo test --locked --workspace --exclude sessionvault-e2e
# The window's end-to-end tests: the real app under Xvfb through tauri-driver and WebKitWebDriver,
# with axe-core (pinned in e2e/package-lock.json) for the accessibility checks. One at a time:
# they share the display and the D-Bus session, and a WebKit session is heavy. Screenshots and
# axe reports land in artifacts/. (install-deps.sh --test above ran `npm ci` in e2e/.)
xvfb-run --auto-servernum --server-args="-screen 0 1366x768x24" \
  scripts/with-keyring.sh cargo test --locked --no-fail-fast -p sessionvault-e2e -- --test-threads=1
