#!/usr/bin/env bash
# Starts a PostgreSQL server on loopback for the gateway's tests and benchmarks, installing
# Debian's `postgresql` first on a machine that has none. The server runs as the `postgres` user
# (PostgreSQL refuses root) from a throwaway cluster, with trust authentication on 127.0.0.1 only.
# Idempotent: a server already answering on the port is reused.
#
#   scripts/postgres.sh          # start (or reuse); prints the server URL as its last line
#   scripts/postgres.sh stop     # stop it
set -euo pipefail

PORT="${QIANPI_PG_PORT:-54329}"
DIR="${QIANPI_PG_DIR:-/var/tmp/qianpi-pg}"
URL="postgres://qianpi@127.0.0.1:$PORT"

log() { printf '[postgres] %s\n' "$*" >&2; }

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

if [ -z "$(bin_dir)" ] || ! command -v pg_isready >/dev/null 2>&1; then
  log "installing Debian's postgresql"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
BIN="$(bin_dir)"

if [ "${1:-start}" = "stop" ]; then
  [ -d "$DIR/data" ] && runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >&2 || true
  exit 0
fi

if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
  log "reusing the server on port $PORT"
  echo "$URL"
  exit 0
fi

rm -rf "$DIR"
mkdir -p "$DIR"
chown postgres:postgres "$DIR"
runuser -u postgres -- "$BIN/initdb" -D "$DIR/data" -A trust -U qianpi -E UTF8 --locale=C.UTF-8 >/dev/null
# Each test gateway opens a small pool; leave room for two test threads and a benchmark.
runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-h 127.0.0.1 -p $PORT -k $DIR -c max_connections=300" start >&2
log "started PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
echo "$URL"
