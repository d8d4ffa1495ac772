#!/usr/bin/env bash
# CPU of the whole app (the shell and WebKit's processes) while it records from a private
# PulseAudio's sine source, first with the Record screen in view, then with Home in view (the
# meter not drawn), beside the command-line recorder on the same source in the same run, and
# the samples each recorder lost: e2e/tests/app_cpu.rs, under Xvfb, in a private keyring. With
# `busy`, another process keeps one core busy meanwhile (the overrun run:
# scripts/bench-app-cpu.sh 3300 300 busy release). With `speech`, the source's level changes
# every 50 ms as speech's does (the sine's never changes, nor then the meter's figure). With
# `compositing`, the webview draws through WebKit's compositor, as the app did before
# src-tauri/src/drawing.rs turned it off.
#   scripts/bench-app-cpu.sh [SECONDS=300] [HOME_SECONDS=SECONDS] [busy] [speech] [compositing] [release]
# With `release` the app and the command line are release builds; otherwise the ones
# `cargo build` made (SESSIONVAULT_APP picks another app binary). Before the recording, the app
# idle with Home in view for SESSIONVAULT_BENCH_IDLE_SECONDS (60; 0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
export SESSIONVAULT_BENCH_SECONDS=${1:-300}
export SESSIONVAULT_BENCH_AWAY_SECONDS=${2:-$SESSIONVAULT_BENCH_SECONDS}
for word in "${@:3}"; do
  case "$word" in
    busy) export SESSIONVAULT_BENCH_BUSY=1 ;;
    speech) export SESSIONVAULT_BENCH_SPEECH=1 ;;
    compositing) export SESSIONVAULT_BENCH_COMPOSITING=1 ;;
    release)
      cargo build --locked --release -p sessionvault-app -p sessionvault
      export SESSIONVAULT_APP="$PWD/target/release/sessionvault-app" ;;
    *) echo "unknown word: $word (busy, speech, compositing, release)" >&2; exit 2 ;;
  esac
done
cargo build --locked --workspace --all-targets
xvfb-run --auto-servernum --server-args="-screen 0 1366x768x24" \
  scripts/with-keyring.sh cargo test --locked -p sessionvault-e2e --test tests app_cpu:: -- \
  --ignored --nocapture 2>&1 | grep -E "CPU per minute|adds|costs|overruns|test result"
