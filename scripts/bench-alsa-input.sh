# Sourced by the bench scripts: `bench_alsa_input WORK` makes ALSA's default capture device
# read ten seconds of noise from WORK/signal.raw as fast as it is read (no sound card, no
# server), writes a consent signature picture to WORK/signature.svg, and points this shell's
# children at them.
bench_alsa_input() {
  local work=$1
  head -c $((48000 * 4 * 10)) /dev/urandom > "$work/signal.raw"
  cat > "$work/alsa.conf" <<CONF
pcm.svbench_in { type file slave.pcm "null" file "/dev/null" infile "$work/signal.raw" format "raw" }
pcm.!default { type asym playback.pcm "null" capture.pcm "svbench_in" }
CONF
  cat > "$work/signature.svg" <<'SVG'
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><path d="M1 1 L9 9" stroke="black"/></svg>
SVG
  export ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$work/alsa.conf" PULSE_SERVER=unix:/nonexistent
}
