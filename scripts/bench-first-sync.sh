#!/usr/bin/env bash
# P-4 and P-5 of performance.md: the first sync of a leader's freshly activated phone from a
# loopback gateway seeded with N documents (3N tasks, N/5 notices) at N = 1k and 10k (100k when
# asked), against a bare SQLCipher insert of the same store rows and a PouchDB server and client
# replicating the same items in memory; then a sync with nothing new right after it and in steady state. Installs
# the PouchDB peer's node packages (scripts/bench-pouchdb, `npm ci`), builds and runs the
# first_sync_bench example in release mode, and prints only its JSON lines on stdout (progress,
# npm and the build go to stderr).
#
#   scripts/bench-first-sync.sh                    # 1k and 10k documents, about two minutes
#   scripts/bench-first-sync.sh 1000,10000,100000  # the growth to 100k, about a quarter of an hour
#
# With QIANPI_TEST_POSTGRES set to a PostgreSQL server, each size runs on a PostgreSQL gateway too.
# QIANPI_POUCHDB_BATCHES picks the peer's batch sizes (500,1000; its best one is reported: 100 and 2000 or more were slower at 1k and 10k documents).
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v npm >/dev/null && command -v node >/dev/null; then
  (cd scripts/bench-pouchdb && npm ci --no-audit --no-fund --loglevel=error) >&2
else
  echo "[bench] node and npm are not installed; the PouchDB peer is reported as not measured" >&2
fi

exec cargo run --quiet --release -p qianpi-tests --example first_sync_bench -- "$@"
