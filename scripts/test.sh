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
# A private display for the window, and a private D-Bus session with an unlocked GNOME Keyring.
xvfb-run --auto-servernum --server-args="-screen 0 1366x768x24" \
  scripts/with-keyring.sh cargo test --locked --workspace
