#!/usr/bin/env bash
# Install reel and start the app (Gradio UI + API + embedded queue worker) on http://localhost:7860
#   apt (when available): Noto fonts (captions in many scripts) and espeak-ng (pronouncing rare words)
#   pip: requirements.txt into ./.venv
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v apt-get >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  { $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends fonts-noto-core fonts-dejavu-core espeak-ng >/dev/null; } \
    || echo "note: could not install fonts/espeak-ng with apt; continuing with what is installed" >&2
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.txt
exec .venv/bin/python app.py
