#!/usr/bin/env bash
# Real-time recording from PulseAudio (release build): the real `sessionvault record` command fed
# by a private PulseAudio server's 440 Hz sine source at 48 kHz, which delivers audio at the pace
# of a microphone. Runs inside its own keyring (scripts/with-keyring.sh). Needs the Debian
# packages age, pulseaudio, pulseaudio-utils and time.
#   cpu: CPU time (user+sys) of recording LONG and SHORT seconds of stereo, side by side with
#        the reference `timeout SECONDS parec --latency-msec=50 | age -r` (both processes
#        counted) on the same source; RUNS runs of each, interleaved. The steady-state cost is
#        the long run less the short one (start-up, and the source's 2 s prefill, cancel out),
#        per minute of audio; medians and the ratio sessionvault / reference (goal <= 1.0).
#        Beside each, the sound server's own CPU over the same runs, so work moved into the
#        server (converting a format, say) shows.
#   overruns: records DURATION while another process keeps one core busy (goal: 0 overruns).
#   scripts/bench-record-realtime.sh cpu [LONG=120] [SHORT=20] [RUNS=3]
#   scripts/bench-record-realtime.sh overruns [DURATION=60m]
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in age age-keygen pulseaudio pactl parec /usr/bin/time python3; do
  command -v "$tool" >/dev/null \
    || { echo "needs $tool: apt-get install age pulseaudio pulseaudio-utils time python3" >&2; exit 2; }
done
mode=${1:-}
case "$mode" in
  cpu) arg1=${2:-120} short=${3:-20} arg2=${4:-3} ;;
  overruns) arg1=${2:-60m} arg2= short= ;;
  *) echo "usage: $0 cpu [LONG] [SHORT] [RUNS] | $0 overruns [DURATION]" >&2; exit 2 ;;
esac
# SESSIONVAULT_BIN: a release binary to measure instead of building one (a long run then keeps
# its own copy while the tree is rebuilt).
if [ -n "${SESSIONVAULT_BIN:-}" ]; then
  bin=$SESSIONVAULT_BIN
else
  cargo build --locked --release --bin sessionvault
  bin=$PWD/target/release/sessionvault
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/sessionvault-realtime.XXXXXX")
pulse_pid='' busy_pid=''
cleanup() {
  if [ -n "$busy_pid" ]; then kill "$busy_pid" 2>/dev/null || true; fi
  if [ -n "$pulse_pid" ]; then kill "$pulse_pid" 2>/dev/null || true; wait "$pulse_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The private PulseAudio server, set up as tests/common/mod.rs does, off the session bus.
mkdir -p "$work/pulse"
cat > "$work/pulse/bench.pa" <<PA
load-module module-native-protocol-unix socket=$work/pulse/native auth-anonymous=1
load-module module-null-sink sink_name=svsink
load-module module-sine-source source_name=svsine frequency=440 rate=48000
set-default-source svsine
set-default-sink svsink
PA
env -u DISPLAY HOME="$work/pulse" PULSE_RUNTIME_PATH="$work/pulse/run" XDG_RUNTIME_DIR="$work/pulse" \
  XDG_CONFIG_HOME="$work/pulse/config" DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent \
  pulseaudio -n -F "$work/pulse/bench.pa" --daemonize=no --exit-idle-time=-1 --log-target=stderr \
  >/dev/null 2>"$work/pulse.log" &
pulse_pid=$!
export PULSE_SERVER="unix:$work/pulse/native"
for _ in $(seq 100); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
pactl info >/dev/null 2>&1 || { echo "PulseAudio did not start:" >&2; cat "$work/pulse.log" >&2; exit 1; }
cat > "$work/signature.svg" <<'SVG'
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><path d="M1 1 L9 9" stroke="black"/></svg>
SVG
if [ "$mode" = overruns ]; then sha256sum /dev/zero & busy_pid=$!; fi
scripts/with-keyring.sh bash -c '
  set -euo pipefail
  bin=$1 work=$2 mode=$3 arg1=$4 arg2=$5 short=$6 pulse=$7
  # The sound server'"'"'s own CPU ticks (user + system, 1/100 s), before and after a run: what it
  # spends serving that recorder (converting, copying), beside what the recorder spends.
  server_ticks() { awk '"'"'{print $14 + $15}'"'"' "/proc/$pulse/stat" > "$work/$1"; }
  "$bin" --vault "$work/vault" init >/dev/null
  consent=$("$bin" --vault "$work/vault" consent new --client C-900 --destroy-by 2099-01-01 \
    --purpose supervision --case-study none --client-name Bench --counsellor-name Bench \
    --client-signature "$work/signature.svg")
  record() {  # record DURATION NAME: the summary in $work/NAME.json, "user sys wall" in $work/NAME.time
    server_ticks "$2.server0"
    /usr/bin/time -f "%U %S %e" -o "$work/$2.time" "$bin" --vault "$work/vault" --json record \
      --consent "$consent" --channels 2 --duration "$1" > "$work/$2.json"
    server_ticks "$2.server1"
    rm -f "$work"/vault/recordings/*.age
  }
  if [ "$mode" = overruns ]; then record "$arg1" long; exit 0; fi
  age-keygen -o "$work/key.txt" 2>/dev/null
  recipient=$(age-keygen -y "$work/key.txt")
  reference() {  # reference SECONDS NAME: parec | age for SECONDS, as record does
    # (Not `head -c`: parec spins on the CPU for up to one 2 s fragment after its pipe closes,
    # which would swamp the result.)
    server_ticks "$2.server0"
    /usr/bin/time -f "%U %S %e" -o "$work/$2.time" bash -c "timeout -s INT $1 parec \
      --latency-msec=50 --device=svsine --format=s16le --rate=48000 --channels=2 \
      | age -r $recipient -o $work/$2.age"
    server_ticks "$2.server1"
    age -d -i "$work/key.txt" "$work/$2.age" | wc -c > "$work/$2.size"
    rm -f "$work/$2.age"
  }
  for run in $(seq "$arg2"); do
    record "${arg1}s" "sv$run"
    record "${short}s" "svshort$run"
    reference "$arg1" "ref$run"
    reference "$short" "refshort$run"
  done' bash "$bin" "$work" "$mode" "$arg1" "$arg2" "$short" "$pulse_pid"
python3 - "$work" "$mode" "$arg1" "$arg2" "$short" <<'PY'
import json, re, statistics, sys
work, mode, arg1, runs_text, short = sys.argv[1:]
def times(name):  # user+sys CPU and wall seconds
    user, sys_, wall = open(f"{work}/{name}.time").read().split()[-3:]
    return float(user) + float(sys_), float(wall)
def server(name):  # the sound server's CPU seconds during the run
    ticks = lambda end: float(open(f"{work}/{name}.server{end}").read())
    return (ticks(1) - ticks(0)) / 100
if mode == "overruns":
    summary = json.load(open(f"{work}/long.json"))
    seconds = sum(int(n) * {"": 1, "s": 1, "m": 60, "h": 3600}[u] for n, u in re.findall(r"(\d+)([smh]?)", arg1))
    cpu, wall = times("long")
    print(f"recorded {arg1} from {summary['device']} with one core busy: state {summary['state']}, "
          f"wall {wall:.1f} s, CPU {cpu:.1f} s")
    print(f"frames {summary['frames']}, expected {48000 * seconds} (48000 x {seconds} s)")
    print(f"overruns {summary['overruns']} (goal 0)")
    print(f"recorded duration {summary['frames'] / 48000:.3f} s")
    sys.exit(0)
long_s, short_s, runs = float(arg1), float(short), int(runs_text)
sv, ref, sv_server, ref_server = [], [], [], []
for run in range(1, runs + 1):
    summary = json.load(open(f"{work}/sv{run}.json"))
    short_summary = json.load(open(f"{work}/svshort{run}.json"))
    per_minute = lambda cl, cs: (cl - cs) / (long_s - short_s) * 60
    (svl, svw), (svs, _) = times(f"sv{run}"), times(f"svshort{run}")
    (rfl, rfw), (rfs, _) = times(f"ref{run}"), times(f"refshort{run}")
    sv.append(per_minute(svl, svs))
    ref.append(per_minute(rfl, rfs))
    sv_server.append(per_minute(server(f"sv{run}"), server(f"svshort{run}")))
    ref_server.append(per_minute(server(f"ref{run}"), server(f"refshort{run}")))
    size = int(open(f"{work}/ref{run}.size").read())
    print(f"run {run} sessionvault: CPU {svl:.2f} s for {arg1} s, {svs:.2f} s for {short} s, "
          f"steady {sv[-1]:.3f} s/min (server {sv_server[-1]:.3f}); frames {summary['frames']}, overruns "
          f"{summary['overruns'] + short_summary['overruns']}, device {summary['device']}")
    print(f"run {run} reference:    CPU {rfl:.2f} s for {arg1} s, {rfs:.2f} s for {short} s, "
          f"steady {ref[-1]:.3f} s/min (server {ref_server[-1]:.3f}); frames {size // 4}")
cpu_sv, cpu_ref = statistics.median(sv), statistics.median(ref)
print(f"median steady-state CPU per minute of audio: sessionvault {cpu_sv:.3f} s, "
      f"reference {cpu_ref:.3f} s")
print(f"sessionvault / reference CPU ratio: {cpu_sv / cpu_ref:.2f} (goal <= 1.0)")
server_sv, server_ref = statistics.median(sv_server), statistics.median(ref_server)
print(f"the sound server meanwhile, per minute: serving sessionvault {server_sv:.3f} s, serving "
      f"the reference {server_ref:.3f} s; recorder and server together {cpu_sv + server_sv:.3f} s "
      f"and {cpu_ref + server_ref:.3f} s")
PY
