#!/usr/bin/env bash
# The web console's tests in a real browser: Debian's Chromium driven by playwright-core (pinned
# in tests/browser/package-lock.json, installed with `npm ci`; it never downloads a browser of
# its own) against real gateways on loopback, with the terminal shell `qianpi` as the leader's
# phone. Installs what is missing (Debian's chromium and a Chinese font for the screenshots;
# nodejs and npm if the machine has none), builds the debug `qianpi-gateway` and `qianpi`, and
# runs tests/browser/*.test.mjs with `node --test` on SQLite, then once more on a fresh
# PostgreSQL database per gateway when QIANPI_TEST_POSTGRES names a server.
# Screenshots of the main pages go to target/console-screenshots/ (postgres/ for the second run).
# Its last line is "N passed, M failed"; non-zero on any failure, or when nothing could run.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
log() { printf '[browser] %s\n' "$*" >&2; }
fail() { log "$*"; echo "0 passed, 1 failed"; exit 1; }

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# Without a CJK font every Chinese label in the screenshots is a row of boxes.
fc-list :lang=zh 2>/dev/null | grep -q . || need_apt+=(fonts-wqy-microhei)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing Debian packages: ${need_apt[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null; } \
    || fail "could not install ${need_apt[*]}"
fi

# playwright-core exactly as the lock file pins it; a second run finds it in place.
lock_sum=$(sha256sum tests/browser/package-lock.json | cut -d' ' -f1)
if [ "$(cat tests/browser/node_modules/.qianpi-lock 2>/dev/null)" != "$lock_sum" ]; then
  log "installing playwright-core (npm ci)"
  (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) \
    || fail "npm ci failed in tests/browser"
  echo "$lock_sum" >tests/browser/node_modules/.qianpi-lock
fi

log "building qianpi-gateway and qianpi (debug)"
cargo build -q -p qianpi-gateway -p qianpi-cli || fail "the gateway or the terminal shell did not build"

SHOTS="$ROOT/target/console-screenshots"
rm -rf "$SHOTS"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The tests run copies of the binaries just built: another build in the same target folder (a
# developer's, while the suite runs) then cannot swap them halfway through.
install -D -m 0755 target/debug/qianpi-gateway "$out/bin/qianpi-gateway"
install -D -m 0755 target/debug/qianpi "$out/bin/qianpi"
export QIANPI_GATEWAY_BIN="${QIANPI_GATEWAY_BIN:-$out/bin/qianpi-gateway}"
export QIANPI_CLI_BIN="${QIANPI_CLI_BIN:-$out/bin/qianpi}"

total_passed=0
total_failed=0
# suite LABEL SCREENSHOT-DIR [ENV=VALUE...]: one run of every test file, one test file at a time.
suite() {
  local label=$1 shots=$2
  shift 2
  local tap="$out/$label.tap"
  log "running the browser tests on $label"
  (cd tests/browser && env "$@" QIANPI_SCREENSHOTS="$shots" node --test --test-concurrency=1 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" ./*.test.mjs)
  local status=$?
  local passed failed
  passed=$(awk '/^# pass / { n = $3 } END { print n + 0 }' "$tap" 2>/dev/null || echo 0)
  failed=$(awk '/^# (fail|cancelled) / { n += $3 } END { print n + 0 }' "$tap" 2>/dev/null || echo 0)
  # A runner that failed without a failing test (a file that did not load) still counts.
  if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  if [ $((passed + failed)) -eq 0 ]; then failed=1; fi   # nothing ran: a failure, never a skip
  log "$label: $passed passed, $failed failed"
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
}

started=$SECONDS
suite sqlite "$SHOTS" QIANPI_BROWSER_POSTGRES=
if [ -n "${QIANPI_TEST_POSTGRES:-}" ]; then
  suite postgres "$SHOTS/postgres" QIANPI_BROWSER_POSTGRES="$QIANPI_TEST_POSTGRES"
fi
log "screenshots in $SHOTS ($((SECONDS - started)) s)"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
