#!/usr/bin/env bash
# Installs what SessionVault needs on Debian or Ubuntu, skipping what is already there.
#   scripts/install-deps.sh          to build and run the app
#   scripts/install-deps.sh --test   also what the tests need (keyring, audio and window tools)
set -euo pipefail

with_test_tools=false
[ "${1:-}" = "--test" ] && with_test_tools=true

packages=(
  # building the core and the window
  build-essential pkg-config curl file
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libssl-dev libdbus-1-dev libasound2-dev libpulse-dev
  # libclang for bindgen (the time-stretch library's bindings)
  libclang-dev
  # the OS keyring (Secret Service) the vault's keys live in
  dbus gnome-keyring libsecret-tools
  # audio
  pulseaudio pulseaudio-utils alsa-utils
)
if $with_test_tools; then
  # a headless display and WebDriver for the window test; PDF tools to check rendered PDFs;
  # the age command, which tries the keys left after a shred against a copy of a recording;
  # Node.js and npm for axe-core, the window tests' accessibility checker
  packages+=(xvfb xauth webkit2gtk-driver poppler-utils age nodejs)
  # npm is its own package on Debian; NodeSource's nodejs ships it inside
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "Installing: ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo >/dev/null 2>&1; then
  echo "Installing the Rust toolchain (rustup)"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs \
    | sh -s -- -y --profile minimal --component clippy,rustfmt
fi

if $with_test_tools && ! command -v tauri-driver >/dev/null 2>&1; then
  echo "Installing tauri-driver"
  cargo install tauri-driver --locked --version '^2'
fi

if $with_test_tools; then
  # axe-core at the version e2e/package-lock.json pins, for the window tests
  (cd "$(dirname "$0")/../e2e" && npm ci --no-audit --no-fund --loglevel=error)
fi
