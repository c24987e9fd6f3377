#!/usr/bin/env bash
# Fuzzes a live gateway against its own OpenAPI document (GET /openapi.json) with schemathesis:
# no server error, and no status code, content type, header or body that contradicts the
# document. Installs schemathesis from PyPI into a venv under $QIANPI_TOOLS (once), builds and
# starts `qianpi-gateway serve` on a free loopback port with a fresh SQLite data folder — and,
# when QIANPI_TEST_POSTGRES is set (postgres://user@host:port), once more on a fresh PostgreSQL
# database — then stops it. Its last line is "N passed, M failed" (test cases schemathesis
# generated that passed every check, failures found); non-zero on any failure or if it could not
# run.
set -uo pipefail
cd "$(dirname "$0")/.."
TOOLS="${QIANPI_TOOLS:-/var/cache/qianpi-tools}"
VERSION=4.32.5
VENV="$TOOLS/schemathesis"
ST="$VENV/bin/st"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
GATEWAY="$CARGO_TARGET_DIR/debug/qianpi-gateway"

log() { printf '[schemathesis] %s\n' "$*" >&2; }
fail() { log "$*"; echo "0 passed, 1 failed"; exit 1; }

if ! "$ST" --version 2>/dev/null | grep -q "version $VERSION\$"; then
  log "installing schemathesis $VERSION into $VENV"
  mkdir -p "$TOOLS" && python3 -m venv "$VENV" && "$VENV/bin/pip" install -q "schemathesis==$VERSION" \
    || fail "schemathesis could not be installed"
fi
cargo build -q -p qianpi-gateway || fail "the gateway does not build"

work=$(mktemp -d)
gateway_pid=""
stop_gateway() {
  if [ -n "$gateway_pid" ]; then
    kill "$gateway_pid" 2>/dev/null && wait "$gateway_pid" 2>/dev/null
    gateway_pid=""
  fi
}
trap 'stop_gateway; rm -rf "$work"' EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

total_passed=0
total_failed=0

# run_against LABEL ARGS...: starts the gateway with ARGS, fuzzes it, stops it, adds the counts.
run_against() {
  local label=$1 port out report
  shift
  port=$(free_port)
  out="$work/$label"
  mkdir -p "$out"
  env -u DATABASE_URL "$GATEWAY" serve --listen "127.0.0.1:$port" "$@" >"$out/gateway.out" 2>"$out/gateway.err" &
  gateway_pid=$!
  for _ in $(seq 100); do
    grep -q '^listening on ' "$out/gateway.out" 2>/dev/null && break
    kill -0 "$gateway_pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q '^listening on ' "$out/gateway.out"; then
    cat "$out/gateway.err" >&2
    stop_gateway
    log "$label: the gateway did not start"
    total_failed=$((total_failed + 1))
    return
  fi
  log "$label: fuzzing the gateway on port $port"
  # From the scratch folder: schemathesis leaves its .schemathesis cache in the working directory.
  (cd "$work" && "$ST" run "http://127.0.0.1:$port/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "${QIANPI_SCHEMATHESIS_EXAMPLES:-200}" \
    --workers 2 --seed 20241121 --no-color \
    --report json --report-dir "$out/report" >&2)
  local status=$?
  stop_gateway
  report=$(ls "$out"/report/*.json 2>/dev/null | head -1)
  if [ -z "$report" ]; then
    log "$label: schemathesis wrote no report (exit $status)"
    total_failed=$((total_failed + 1))
    return
  fi
  # passed: generated test cases without a failure; failed: distinct failures, errors, and a
  # non-zero exit that neither explains.
  read -r passed failed < <(python3 - "$report" "$status" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["test_cases"]
failed = t["unique_failures"] + t["errored"] + r["operations"]["errored"] + len(r["errors"])
if int(sys.argv[2]) != 0 and failed == 0:
    failed = 1
if not r.get("complete", False) and failed == 0:
    failed = 1
print(t["generated"] - t["with_failures"] - t["errored"], failed)
EOF
  ) || { passed=0; failed=1; }
  log "$label: $passed passed, $failed failed"
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
}

run_against sqlite --data-dir "$work/sqlite-data"

if [ -n "${QIANPI_TEST_POSTGRES:-}" ]; then
  db="qianpi_schemathesis_$$_$(date +%s)"
  hostport=${QIANPI_TEST_POSTGRES#*@}
  user=${QIANPI_TEST_POSTGRES#postgres://}
  user=${user%%@*}
  if createdb -h "${hostport%%:*}" -p "${hostport##*:}" -U "$user" "$db"; then
    run_against postgres --database-url "${QIANPI_TEST_POSTGRES%/}/$db"
    dropdb -h "${hostport%%:*}" -p "${hostport##*:}" -U "$user" "$db" || true
  else
    log "postgres: could not create a database at $QIANPI_TEST_POSTGRES"
    total_failed=$((total_failed + 1))
  fi
fi

echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
