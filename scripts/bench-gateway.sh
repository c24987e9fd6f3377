#!/usr/bin/env bash
# P-7 of docs performance.md: the gateway under signed delta syncs from 1,000 simulated devices on
# loopback, with 100k documents in the feed (100 in each device's), on SQLite and on PostgreSQL,
# with the signature-only /v1/ping as the reference measured in the same run: one line for delta
# syncs with nothing new, one for delta syncs that bring the feed's last 3 changes, one for the
# steps of a request timed one at a time. Starts (or reuses) a local PostgreSQL through scripts/postgres.sh, builds and
# runs the gateway_bench example in release mode, and prints only its JSON lines on stdout
# (progress and the build go to stderr).
#
#   scripts/bench-gateway.sh
#   QIANPI_BENCH_SECONDS=20 QIANPI_BENCH_CONCURRENCY=128 scripts/bench-gateway.sh
#   QIANPI_BENCH_DOCUMENTS=10000 scripts/bench-gateway.sh   # a smaller feed, a quicker setup
#
# Set QIANPI_BENCH_POSTGRES to use another PostgreSQL server instead of starting one.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${QIANPI_BENCH_POSTGRES:-}" ]; then
  if url="$(scripts/postgres.sh | tail -1)" && [ -n "$url" ]; then
    export QIANPI_BENCH_POSTGRES="$url"
  else
    echo "[bench] PostgreSQL could not be started; the bench reports it as not measured" >&2
  fi
fi

exec cargo run --quiet --release -p qianpi-tests --example gateway_bench
