#!/usr/bin/env bash
# Fuzzes a live gateway against its own OpenAPI document (GET /openapi.json) with schemathesis:
# no server error, and no status code, content type, header or body that contradicts the
# document. Installs schemathesis and cryptography from PyPI into a venv under $QIANPI_TOOLS
# (once), builds and starts `qianpi-gateway serve` on a free loopback port with a fresh SQLite
# data folder — and, when QIANPI_TEST_POSTGRES is set (postgres://user@host:port), once more on a
# fresh PostgreSQL database — then stops it.
#
# The hooks in scripts/schemathesis_signing.py activate two devices (one then wiped), sign 70 % of
# the requests to the phone endpoints (the rest go unsigned, badly signed or from the wiped
# device, for the 401s), give the admin requests an operator token and the integration requests an
# API key (issued through the admin API, 70 % of them); the answers are counted
# per operation and printed. A signed phone endpoint that never answered 200, a signed request
# or one with the API key refused with a 401, a wiped device served, or no wipe order seen is a
# failure: the signing no
# longer works, and the 200 answers (or the wipe order) went unchecked.
#
# Its last line is "N passed, M failed" (test cases schemathesis generated that passed every
# check; failures found); non-zero on any failure or if it could not run.
set -uo pipefail
cd "$(dirname "$0")/.."
TOOLS="${QIANPI_TOOLS:-/var/cache/qianpi-tools}"
VERSION=4.32.5
CRYPTOGRAPHY_VERSION=50.0.2
VENV="$TOOLS/schemathesis"
ST="$VENV/bin/st"
HOOKS="$PWD/scripts/schemathesis_signing.py"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
GATEWAY="$CARGO_TARGET_DIR/debug/qianpi-gateway"

log() { printf '[schemathesis] %s\n' "$*" >&2; }
fail() { log "$*"; echo "0 passed, 1 failed"; exit 1; }

if ! "$ST" --version 2>/dev/null | grep -q "version $VERSION\$"; then
  log "installing schemathesis $VERSION into $VENV"
  mkdir -p "$TOOLS" && python3 -m venv "$VENV" && "$VENV/bin/pip" install -q "schemathesis==$VERSION" \
    || fail "schemathesis could not be installed"
fi
if ! "$VENV/bin/python" -c "import cryptography, sys; sys.exit(cryptography.__version__ != '$CRYPTOGRAPHY_VERSION')" 2>/dev/null; then
  log "installing cryptography $CRYPTOGRAPHY_VERSION into $VENV"
  "$VENV/bin/pip" install -q "cryptography==$CRYPTOGRAPHY_VERSION" || fail "cryptography could not be installed"
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
  env -u DATABASE_URL "$GATEWAY" serve --demo --listen "127.0.0.1:$port" "$@" >"$out/gateway.out" 2>"$out/gateway.err" &
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
  # The hooks reach the gateway's database through its command line, with the same arguments.
  local db_args
  db_args=$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@")
  # From the scratch folder: schemathesis leaves its .schemathesis cache in the working directory.
  # One worker: with two, schemathesis cut some operations short (POST /v1/commands got a fifth
  # of its cases) differently from run to run; with one, a seed's run is the same every time.
  # PYTHONDONTWRITEBYTECODE: loading the hooks must not leave a __pycache__ in scripts/.
  (cd "$work" && PYTHONDONTWRITEBYTECODE=1 SCHEMATHESIS_HOOKS="$HOOKS" QIANPI_SIGNING_URL="http://127.0.0.1:$port" \
    QIANPI_SIGNING_GATEWAY="$GATEWAY" QIANPI_SIGNING_DB_ARGS="$db_args" \
    QIANPI_SIGNING_STATS="$out/answers.jsonl" "$ST" run "http://127.0.0.1:$port/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "${QIANPI_SCHEMATHESIS_EXAMPLES:-200}" \
    --workers 1 --seed 20241121 --no-color \
    --report json --report-dir "$out/report" >&2)
  local status=$?
  stop_gateway
  # The answers per operation; a failure for each signed endpoint that never answered 200, for
  # each operation that refused signed requests as unauthenticated or served the wiped device,
  # and if the wiped device never got its wipe order.
  local signing_failures
  signing_failures=$(python3 - "$out/answers.jsonl" "$label" <<'EOF'
import collections, json, sys
path, label = sys.argv[1], sys.argv[2]
counts = collections.defaultdict(collections.Counter)
try:
    for line in open(path, encoding="utf-8"):
        answer = json.loads(line)
        counts[(answer["operation"], answer["auth"])][answer["status"]] += 1
except FileNotFoundError:
    pass
def log(text):
    print(f"[schemathesis] {label}: {text}", file=sys.stderr)
for (operation, auth), statuses in sorted(counts.items()):
    shown = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
    log(f"{operation} [{auth}] {sum(statuses.values())} ({shown})")
failures = 0
for operation in ("GET /v1/sync", "POST /v1/commands", "GET /v1/ping"):
    if counts[(operation, "signed")]["200"] == 0:
        log(f"{operation} never answered a signed request with 200")
        failures += 1
for (operation, auth), statuses in sorted(counts.items()):
    refused = sum(n for s, n in statuses.items() if s.startswith("401"))
    if auth in ("signed", "integration key") and refused:
        log(f"{operation} refused {refused} signed requests with 401")
        failures += 1
    if auth == "wiped device" and statuses["200"]:
        log(f"{operation} served the wiped device {statuses['200']} times")
        failures += 1
wipes = sum(n for (_, auth), statuses in counts.items() if auth == "wiped device"
            for s, n in statuses.items() if s.endswith("+wipe"))
if wipes == 0:
    log("the wiped device never got its signed wipe order")
    failures += 1
print(failures)
EOF
  ) || signing_failures=1
  total_failed=$((total_failed + signing_failures))
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
    # Its data folder holds only the statement key: in the scratch folder, not the repository.
    run_against postgres --database-url "${QIANPI_TEST_POSTGRES%/}/$db" --data-dir "$work/postgres-data"
    dropdb -h "${hostport%%:*}" -p "${hostport##*:}" -U "$user" "$db" || true
  else
    log "postgres: could not create a database at $QIANPI_TEST_POSTGRES"
    total_failed=$((total_failed + 1))
  fi
fi

echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
