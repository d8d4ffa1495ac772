#!/usr/bin/env bash
# Seek latency in a sealed recording (release build): a two-hour 48 kHz stereo recording (1.4 GB)
# is sealed into a temporary folder and opened once (opening, which seeks to the end of the age
# stream to learn the length, is timed apart: it is not part of a seek); then the time from
# `seek_frame` to the first 1024 decoded frames is measured at ten positions spread over the
# recording (0 %, 11 %, ..., 99 %), in a fixed order with no position after its neighbour, one
# warm-up pass and RUNS timed passes, every read checked against the expected samples. Goals:
# median <= 5 ms, and median at 99 % / median at 0 % <= 1.5 (cost independent of position).
# The file has just been written, so it is in the page cache: no cold disk access is measured.
#   scripts/bench-seek.sh [RUNS]      default 15
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
work=$(mktemp -d "${TMPDIR:-/tmp}/sessionvault-seek.XXXXXX")
trap 'rm -rf "$work"' EXIT
free_kb=$(df -Pk "$work" | awk 'NR == 2 { print $4 }')
if [ "$free_kb" -lt $((2 * 1024 * 1024)) ]; then
  echo "needs 2 GB free in ${TMPDIR:-/tmp} for the recording (set TMPDIR elsewhere)" >&2
  exit 2
fi
cargo build --locked --release -p sessionvault-audio --example seek_bench
target/release/examples/seek_bench "$work" "$runs"
