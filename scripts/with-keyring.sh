#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a freshly unlocked GNOME Keyring (the real
# Secret Service), whose files live in a throw-away folder, so tests never touch a user's keyring.
#   scripts/with-keyring.sh CMD [ARGS...]
set -euo pipefail
if [ $# -eq 0 ]; then echo "usage: $0 CMD [ARGS...]" >&2; exit 2; fi
keyring_home=$(mktemp -d "${TMPDIR:-/tmp}/sessionvault-keyring.XXXXXX")
trap 'rm -rf "$keyring_home"' EXIT
export XDG_DATA_HOME="$keyring_home/data" XDG_RUNTIME_DIR="$keyring_home/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
dbus-run-session -- sh -c '
  printf "%s" "${SESSIONVAULT_TEST_KEYRING_PASSWORD:-test}" \
    | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 1
  # Wait until the daemon owns its bus name, so no second, locked daemon is started on demand.
  for _ in $(seq 50); do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
      | grep -q "boolean true" && break
    sleep 0.1
  done
  exec "$@"' sh "$@"
