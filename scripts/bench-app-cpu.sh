#!/usr/bin/env bash
# CPU of the whole app (the shell and WebKit's processes) while it records from a private
# PulseAudio's sine source with the Record screen in view, beside the command-line recorder on
# the same source in the same run, and the samples each recorder lost: e2e/tests/app_cpu.rs,
# under Xvfb, in a private keyring. With `busy`, another process keeps one core busy meanwhile
# (the overrun run: scripts/bench-app-cpu.sh 3600 busy).
#   scripts/bench-app-cpu.sh [SECONDS=300] [busy]
# The app is the one `cargo build` made (SESSIONVAULT_APP picks another, e.g. a release build).
set -euo pipefail
cd "$(dirname "$0")/.."
export SESSIONVAULT_BENCH_SECONDS=${1:-300}
if [ "${2:-}" = busy ]; then export SESSIONVAULT_BENCH_BUSY=1; fi
cargo build --locked --workspace --all-targets
xvfb-run --auto-servernum --server-args="-screen 0 1366x768x24" \
  scripts/with-keyring.sh cargo test --locked -p sessionvault-e2e --test app_cpu -- \
  --ignored --nocapture 2>&1 | grep -E "CPU per minute|adds|overruns|test result"
