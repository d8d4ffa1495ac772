#!/usr/bin/env bash
# Installs what is missing, then builds and opens the SessionVault window.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export PATH="$HOME/.cargo/bin:$PATH"
exec cargo run --locked --release -p sessionvault-app
