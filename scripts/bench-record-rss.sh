#!/usr/bin/env bash
# Peak memory of a recording, short against long (release build): the real `sessionvault
# record` command fed by ALSA's file plugin, which delivers audio as fast as it is read, so two
# hours of 48 kHz stereo are recorded in a few seconds. Peak RSS should stay under 32 MiB and
# not grow with the duration. Runs inside its own keyring (scripts/with-keyring.sh).
#   scripts/bench-record-rss.sh [SHORT] [LONG]      durations, default 10m and 2h
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
short=${1:-10m}
long=${2:-2h}
cargo build --locked --release --bin sessionvault
bin=$PWD/target/release/sessionvault
work=$(mktemp -d "${TMPDIR:-/tmp}/sessionvault-rss.XXXXXX")
trap 'rm -rf "$work"' EXIT
source scripts/bench-alsa-input.sh
bench_alsa_input "$work"
scripts/with-keyring.sh bash -c '
  set -euo pipefail
  bin=$1 work=$2 short=$3 long=$4
  "$bin" --vault "$work/vault" init >/dev/null
  consent=$("$bin" --vault "$work/vault" consent new --client C-900 --destroy-by 2099-01-01 \
    --purpose supervision --case-study none --client-name Bench --counsellor-name Bench \
    --client-signature "$work/signature.svg")
  for duration in "$short" "$long"; do
    /usr/bin/time -f "%M" -o "$work/rss" "$bin" --vault "$work/vault" --json record \
      --consent "$consent" --channels 2 --duration "$duration" > "$work/summary.json" 2>/dev/null
    frames=$(python3 -c "import json;print(json.load(open(\"$work/summary.json\"))[\"frames\"])")
    echo "record --duration $duration: $frames frames, peak RSS $(( $(cat "$work/rss") / 1024 )) MiB"
    rm -f "$work"/vault/recordings/*.age
  done' bash "$bin" "$work" "$short" "$long"
