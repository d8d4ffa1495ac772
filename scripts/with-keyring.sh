#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a freshly unlocked GNOME Keyring (the real
# Secret Service), whose files live in a throw-away folder, so tests never touch a user's keyring.
#   scripts/with-keyring.sh CMD [ARGS...]
#
# The keyring daemon is started by D-Bus activation through a service file of this session
# (in its own XDG_DATA_HOME, which D-Bus reads before the system's), which unlocks it with the
# test password. GNOME Keyring can abort on a race between many short-lived clients (upstream
# gnome-keyring issues 190, 196, 199); the next request then starts it again, unlocked, on the
# same keyring files, instead of starting a locked one that waits for a password prompt that
# no one will ever answer.
set -euo pipefail
if [ $# -eq 0 ]; then echo "usage: $0 CMD [ARGS...]" >&2; exit 2; fi
keyring_home=$(mktemp -d "${TMPDIR:-/tmp}/sessionvault-keyring.XXXXXX")
trap 'rm -rf "$keyring_home"' EXIT
export XDG_DATA_HOME="$keyring_home/data" XDG_RUNTIME_DIR="$keyring_home/run"
mkdir -p "$XDG_DATA_HOME/dbus-1/services" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
password=${SESSIONVAULT_TEST_KEYRING_PASSWORD:-test}
start="$keyring_home/start-keyring"
printf '#!/bin/bash\n# Started by D-Bus when the Secret Service is asked for.\necho "the test keyring daemon is starting" >&2\nprintf %%s %q | exec gnome-keyring-daemon --foreground --unlock --components=secrets\n' \
  "$password" > "$start"
chmod 700 "$start"
printf '[D-BUS Service]\nName=org.freedesktop.secrets\nExec=%s\n' "$start" \
  > "$XDG_DATA_HOME/dbus-1/services/org.freedesktop.secrets.service"
dbus-run-session -- sh -c '
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.StartServiceByName string:org.freedesktop.secrets uint32:0 >/dev/null \
    || { echo "the test keyring daemon did not start" >&2; exit 1; }
  exec "$@"' sh "$@"
