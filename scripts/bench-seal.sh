#!/usr/bin/env bash
# Pipeline throughput, side by side with the `age` command on the same bytes (release build):
# one hour of 48 kHz stereo 16-bit audio (691 MB) sealed by SessionVault's writer (WAV + age +
# a sync every second) versus `age -r` encrypting the same WAV. Median of RUNS runs each,
# interleaved, via hyperfine. Needs the Debian packages age and hyperfine.
#   scripts/bench-seal.sh [SECONDS_OF_AUDIO] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in age hyperfine; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install age hyperfine" >&2; exit 2; }
done
seconds=${1:-3600}
runs=${2:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/sessionvault-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cargo build --locked --release -p sessionvault-audio --example seal_bench
bench=target/release/examples/seal_bench
"$bench" plain "$work/in.wav" "$seconds"
age-keygen -o "$work/key.txt" 2>/dev/null
recipient=$(age-keygen -y "$work/key.txt")
hyperfine --warmup 1 --runs "$runs" --export-json "$work/result.json" \
  -n sessionvault "$bench sealed $work/sealed.age $seconds" \
  -n age-cli "age -r $recipient -o $work/cli.age $work/in.wav"
python3 - "$work/result.json" "$seconds" "$(stat -c %s "$work/in.wav")" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
seconds, size = float(sys.argv[2]), int(sys.argv[3])
sv, cli = results["sessionvault"]["median"], results["age-cli"]["median"]
print(f"median sessionvault {sv:.3f} s ({size / sv / 1e6:.0f} MB/s, {seconds / sv:.0f}x real time)")
print(f"median age CLI      {cli:.3f} s ({size / cli / 1e6:.0f} MB/s)")
print(f"sessionvault / age throughput ratio: {cli / sv:.2f} (goal >= 0.9)")
PY
