#!/usr/bin/env bash
# Installs and runs the brokers the bridge talks to: redis-server and nats-server (JetStream),
# both from Debian packages. Idempotent; used by the test fixtures, by CI and by hand.
#
#   scripts/services.sh install      install redis-server and nats-server when missing
#                                    (exit 3 when that is impossible: not root, no apt-get)
#   scripts/services.sh which        print REDIS_SERVER=... and NATS_SERVER=... (exit 3 if missing)
#   scripts/services.sh start [DIR]  install if needed, start both on free loopback ports with
#                                    their data in DIR (default: a new temp dir); prints
#                                    REDIS_URL=..., NATS_URL=..., SERVICES_DIR=...
#   scripts/services.sh stop DIR     stop what `start DIR` started
#
# The servers listen on 127.0.0.1 only. Redis keeps an append-only file (appendfsync always)
# and NATS file storage in DIR, so both can be killed and restarted without losing data.
set -euo pipefail

PACKAGES=(redis-server nats-server)
EXTRA_PATH=/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin:/sbin:/bin

find_bin() {
  PATH="$PATH:$EXTRA_PATH" command -v "$1" 2>/dev/null || true
}

missing() {
  local out=()
  for pkg in "${PACKAGES[@]}"; do
    [ -n "$(find_bin "$pkg")" ] || out+=("$pkg")
  done
  echo "${out[@]:-}"
}

install() {
  local need
  need=$(missing)
  [ -z "$need" ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "services.sh: cannot install $need: apt-get is not available" >&2
    return 3
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "services.sh: cannot install $need: run as root (apt-get install -y $need)" >&2
    return 3
  fi
  (
    # one installer at a time (parallel test runs share the machine)
    flock -w 600 9 || { echo "services.sh: apt lock busy" >&2; exit 3; }
    need=$(missing)
    [ -z "$need" ] && exit 0
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    if ! apt-get install -y -qq --no-install-recommends $need >/dev/null 2>&1; then
      apt-get update -qq >/dev/null 2>&1 || true
      # shellcheck disable=SC2086
      apt-get install -y -qq --no-install-recommends $need >/dev/null
    fi
  ) 9>/tmp/cxkit-services.lock
  need=$(missing)
  if [ -n "$need" ]; then
    echo "services.sh: $need still missing after apt-get install" >&2
    return 3
  fi
}

which_bins() {
  local redis nats
  redis=$(find_bin redis-server)
  nats=$(find_bin nats-server)
  [ -n "$redis" ] && [ -n "$nats" ] || { echo "services.sh: servers not installed" >&2; return 3; }
  echo "REDIS_SERVER=$redis"
  echo "NATS_SERVER=$nats"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_port() {
  local port=$1 i
  for i in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "services.sh: nothing listens on 127.0.0.1:$port" >&2
  return 1
}

start() {
  install
  local dir=${1:-}
  [ -n "$dir" ] || dir=$(mktemp -d -t cxkit-services.XXXXXX)
  mkdir -p "$dir/redis" "$dir/nats"
  local redis_port nats_port
  redis_port=$(free_port)
  nats_port=$(free_port)
  "$(find_bin redis-server)" --bind 127.0.0.1 --port "$redis_port" --dir "$dir/redis" \
    --appendonly yes --appendfsync always --save "" --daemonize no \
    --logfile "$dir/redis.log" >/dev/null 2>&1 &
  echo $! >"$dir/redis.pid"
  "$(find_bin nats-server)" -a 127.0.0.1 -p "$nats_port" -js -sd "$dir/nats" \
    -l "$dir/nats.log" >/dev/null 2>&1 &
  echo $! >"$dir/nats.pid"
  wait_port "$redis_port"
  wait_port "$nats_port"
  echo "REDIS_URL=redis://127.0.0.1:$redis_port/0"
  echo "NATS_URL=nats://127.0.0.1:$nats_port"
  echo "SERVICES_DIR=$dir"
}

stop() {
  local dir=${1:?usage: services.sh stop DIR}
  for name in redis nats; do
    if [ -f "$dir/$name.pid" ]; then
      kill "$(cat "$dir/$name.pid")" 2>/dev/null || true
      rm -f "$dir/$name.pid"
    fi
  done
}

case "${1:-}" in
  install) install ;;
  which) which_bins ;;
  start) shift; start "${1:-}" ;;
  stop) shift; stop "${1:-}" ;;
  *) sed -n '2,16p' "$0" >&2; exit 2 ;;
esac
