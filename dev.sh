#!/usr/bin/env bash
# One entry point for set-up, the app and the tests on a fresh Debian machine with Python 3.11.
#   bash dev.sh run [APP ARGS]     set up, then start the desktop app (embedded default library)
#   bash dev.sh test [PYTEST ARGS] set up, then run the whole test suite headless
#   bash dev.sh setup              set up only (system packages, .venv, face model)
set -euo pipefail
cd "$(dirname "$0")"
VENV=.venv
PY=$VENV/bin/python

# Debian packages: Qt's xcb/EGL runtime, fonts, PostgreSQL (clinic library tests), Xvfb,
# poppler (PDF checks), dicom3tools (DICOM validator).
APT_PACKAGES="libgl1 libegl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 \
libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 \
libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 fonts-dejavu-core \
poppler-utils postgresql xvfb binutils dicom3tools"

system_packages() {
  local missing=""
  for p in $APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" = 0 ]; then
    echo "dev.sh: installing Debian packages:$missing"
    apt-get update -qq
    # dicom3tools is optional (extra DICOM validation); do not fail set-up without it.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing/dicom3tools/} >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dicom3tools >/dev/null 2>&1 || true
  else
    echo "dev.sh: please install (as root):$missing" >&2
  fi
}

setup() {
  system_packages
  [ -x "$PY" ] || python3 -m venv "$VENV"
  local stamp=$VENV/.installed
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    "$PY" -m pip install -q --upgrade pip
    "$PY" -m pip install -q -e ".[dev]"
    touch "$stamp"
  fi
  "$PY" packaging/fetch_model.py
}

cmd=${1:-run}
shift || true
case "$cmd" in
  setup) setup ;;
  run)
    setup
    exec "$PY" main.py "$@"
    ;;
  test)
    setup
    export QT_QPA_PLATFORM=offscreen
    exec "$PY" -m pytest -n 2 --timeout 900 "$@"
    ;;
  *) echo "usage: bash dev.sh run|test|setup" >&2; exit 2 ;;
esac
