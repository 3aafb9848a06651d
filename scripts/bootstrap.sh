#!/usr/bin/env bash
# Creates the virtualenv if it is missing and installs cxkit (editable): with its dev tools
# (the default, for make test), or with what it needs at run time only ("runtime", for make
# demo: no official SDK, type checker or test tools to download before the demo starts).
# A fresh Debian machine may have python3 and pip but not the venv module: fall back to
# apt's python3-venv, then to virtualenv from PyPI.
set -euo pipefail
venv=${1:-.venv}
what=${2:-dev}
py=${PYTHON:-python3}

if [ ! -x "$venv/bin/python" ]; then
  if ! "$py" -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null || true
    fi
    if ! "$py" -m venv "$venv" 2>/dev/null; then
      rm -rf "$venv"
      "$py" -m pip install -q --user virtualenv || "$py" -m pip install -q virtualenv
      "$py" -m virtualenv -q "$venv"
    fi
  fi
fi
"$venv/bin/python" -m pip install -q --upgrade pip
if [ "$what" = runtime ]; then
  "$venv/bin/python" -m pip install -q -e .
else
  "$venv/bin/python" -m pip install -q -e ".[dev]"
fi
