#!/usr/bin/env bash
# Installs the headless browser the wallboard's end-to-end test drives: Debian's `chromium`.
# Idempotent: does nothing when /usr/bin/chromium (or $CHROMIUM) already runs. Needs root
# and apt-get; otherwise it says why and exits 2 (the e2e test then skips with that reason).
set -euo pipefail

browser=${CHROMIUM:-/usr/bin/chromium}

if [ -x "$browser" ] && "$browser" --version >/dev/null 2>&1; then
  echo "chromium present: $("$browser" --version)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "cannot install chromium: apt-get not found (not a Debian-like system)" >&2
  exit 2
fi
if [ "$(id -u)" != 0 ]; then
  echo "cannot install chromium: apt-get needs root (run: sudo apt-get install -y chromium)" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# fonts-liberation: metric-compatible sans fonts so the page renders the same everywhere.
apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
echo "chromium installed: $("$browser" --version)"
