#!/usr/bin/env bash
# Shredding a course (release build): 20 ten-minute 48 kHz stereo recordings made by the real
# `record` command (fed as fast as it can read by ALSA's file plugin), then
# `shred course ID --yes`. Reports the crypto-erase step's total time (goal <= 1 s) and the
# overwrite step's throughput, side by side with GNU `shred -n1 -u` on copies of the same
# files taken just before (goal >= 0.8x its speed). Median of RUNS runs. Runs inside its own
# keyring (scripts/with-keyring.sh). Needs about 5 GB free under TMPDIR.
#   scripts/bench-shred.sh [RUNS] [RECORDINGS] [DURATION]     default 3, 20, 10m
set -euo pipefail
cd "$(dirname "$0")/.."
command -v shred >/dev/null || { echo "needs GNU shred (coreutils)" >&2; exit 2; }
runs=${1:-3}
count=${2:-20}
duration=${3:-10m}
cargo build --locked --release --bin sessionvault
bin=$PWD/target/release/sessionvault
work=$(mktemp -d "${TMPDIR:-/tmp}/sessionvault-shred.XXXXXX")
trap 'rm -rf "$work"' EXIT
source scripts/bench-alsa-input.sh
bench_alsa_input "$work"
scripts/with-keyring.sh bash -c '
  set -euo pipefail
  bin=$1 work=$2 runs=$3 count=$4 duration=$5
  for run in $(seq "$runs"); do
    vault=$work/vault-$run
    "$bin" --vault "$vault" init >/dev/null
    course=$("$bin" --vault "$vault" course add --name "Bench course" --ends 2099-12-31)
    consent=$("$bin" --vault "$vault" consent new --client C-900 --course "$course" \
      --purpose coursework --audience tutors --case-study none --client-name Bench \
      --counsellor-name Bench --client-signature "$work/signature.svg")
    for _ in $(seq "$count"); do
      "$bin" --vault "$vault" record --consent "$consent" --channels 2 \
        --duration "$duration" >/dev/null 2>&1
    done
    rm -rf "$work/copies" && mkdir "$work/copies"
    cp "$vault"/recordings/*.age "$work/copies/"
    sync
    "$bin" --vault "$vault" --json shred course "$course" --yes > "$work/outcome.json" 2>/dev/null
    sync
    start=$(date +%s.%N)
    shred -n1 -u "$work"/copies/*.age
    end=$(date +%s.%N)
    python3 - "$work/outcome.json" "$start" "$end" "$count" >> "$work/results.txt" <<PY
import json, sys
t = json.load(open(sys.argv[1]))["timings"]
reference = float(sys.argv[3]) - float(sys.argv[2])
print(t["crypto_erase_seconds"], t["overwritten_bytes"] / t["overwrite_seconds"],
      t["overwritten_bytes"] / reference, t["overwritten_bytes"], int(sys.argv[4]))
PY
    tail -n1 "$work/results.txt" | awk "{printf \"run %d: crypto-erase %.3f s; overwrite %.0f MB/s; shred -n1 -u %.0f MB/s (%d recordings, %.0f MB)\n\", $run, \$1, \$2/1e6, \$3/1e6, \$5, \$4/1e6}"
    rm -rf "$vault"
  done
  python3 - "$work/results.txt" <<PY
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
erase = statistics.median(r[0] for r in rows)
ours = statistics.median(r[1] for r in rows)
ref = statistics.median(r[2] for r in rows)
print(f"median crypto-erase of {int(rows[0][4])} recordings: {erase:.3f} s (goal <= 1 s)")
print(f"median overwrite: sessionvault {ours/1e6:.0f} MB/s, shred -n1 -u {ref/1e6:.0f} MB/s, "
      f"ratio {ours/ref:.2f} (goal >= 0.8)")
PY' bash "$bin" "$work" "$runs" "$count" "$duration"
