#!/usr/bin/env bash
# Install what the tests need on a fresh Debian/Ubuntu machine, then run them all.
#   apt: espeak-ng/flite/sox (test songs), ffmpeg (ffprobe), redis-server (scale-out test),
#        chromium (browser test), Noto/DejaVu fonts (captions, Devanagari), Noto Color Emoji
#   pip: requirements-dev.txt into ./.venv
set -euo pipefail
cd "$(dirname "$0")/.."
APT_PACKAGES="espeak-ng flite sox libsox-fmt-mp3 ffmpeg redis-server chromium chromium-driver
              fonts-noto-core fonts-dejavu-core fonts-noto-color-emoji"
if command -v apt-get >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $APT_PACKAGES >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements-dev.txt
exec .venv/bin/python -m pytest "$@"
