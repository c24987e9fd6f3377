#!/usr/bin/env bash
# The whole test suite, on a machine that starts with nothing but Rust: installs the Kotlin and
# Swift toolchains (scripts/toolchains.sh), checks formatting and lints, runs the Rust tests (the
# gateway's suites twice: on SQLite, then on a local PostgreSQL from scripts/postgres.sh),
# fuzzes a live gateway against its OpenAPI document on SQLite and on PostgreSQL
# (scripts/schemathesis.sh), generates the bindings, and runs the Kotlin and Swift tests against the real library and a real
# gateway, and runs the web console's tests in Debian's Chromium (scripts/test-browser.sh). Every
# suite runs even if an earlier one failed; the last line is
# "N passed, M failed" over all of them, and the exit code is non-zero if anything failed or
# could not run.
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
# A clean run gains nothing from incremental compilation, and its caches were more than half of the
# target folder (about 5 of 9 GB): enough to fill a CI machine's disk before the Swift stage.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

total_passed=0
total_failed=0
broken=()
declare -A counts

# Each stage's wall time, printed in the summary (the loop's cost is worth watching on 2 cores).
started=$SECONDS
stage_name=""
stage_started=$SECONDS
timings=()
stage() {
  [ -n "$stage_name" ] && timings+=("$(printf '%5ds  %s' $((SECONDS - stage_started)) "$stage_name")")
  stage_name="$*"
  stage_started=$SECONDS
  printf '\n==> %s\n' "$*"
  # Free space before each stage: a full disk fails builds with errors far from their cause.
  df -h --output=avail . 2>/dev/null | tail -1 | sed 's/^ */    disk free: /'
}

# record NAME PASSED FAILED STATUS
record() {
  counts[$1]="$2 passed, $3 failed"
  total_passed=$((total_passed + $2))
  total_failed=$((total_failed + $3))
  if [ "$4" -ne 0 ] || [ "$3" -ne 0 ]; then broken+=("$1"); fi
}

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

stage "toolchains (Debian packages, Kotlin compiler, Swift root)"
if ! ./scripts/toolchains.sh; then
  echo "the toolchains could not be installed: the Kotlin and Swift tests cannot run" >&2
  broken+=("toolchains")
fi

stage "format and lints"
# Lints are a gate, not tests: they do not count in the totals.
if cargo fmt --all -- --check && cargo clippy -q --workspace --all-targets -- -D warnings; then
  counts[lints]="clean"
else
  counts[lints]="FAILED"
  broken+=("lints")
fi

stage "Rust tests"
cargo test --workspace --no-fail-fast 2>&1 | tee "$log/rust"
status=${PIPESTATUS[0]}
passed=$(awk '/^test result:/ { for (i = 1; i < NF; i++) if ($(i+1) ~ /^passed/) n += $i } END { print n + 0 }' "$log/rust")
failed=$(awk '/^test result:/ { for (i = 1; i < NF; i++) if ($(i+1) ~ /^failed/) n += $i } END { print n + 0 }' "$log/rust")
[ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ] && failed=1   # a build failure counts as a failure
record rust "${passed:-0}" "${failed:-0}" "$status"

stage "PostgreSQL (installed and started on loopback)"
if pg_url=$(./scripts/postgres.sh | tail -1) && [ -n "$pg_url" ]; then
  pg_ok=1
else
  echo "PostgreSQL could not be installed or started: its suites cannot run" >&2
  pg_ok=0
fi

stage "schemathesis (the OpenAPI document against a live gateway, SQLite and PostgreSQL)"
# On SQLite, and on a fresh PostgreSQL database too when the server is up.
if [ "$pg_ok" -eq 1 ]; then
  QIANPI_TEST_POSTGRES="$pg_url" ./scripts/schemathesis.sh 2>&1 | tee "$log/schemathesis"
else
  ./scripts/schemathesis.sh 2>&1 | tee "$log/schemathesis"
fi
status=${PIPESTATUS[0]}
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log/schemathesis" | tail -1)
if [ -n "$line" ]; then
  record schemathesis "$(cut -d' ' -f1 <<<"$line")" "$(cut -d' ' -f3 <<<"$line")" "$status"
else
  record schemathesis 0 1 1   # the suite did not run: a failure, never a skip
fi

stage "gateway and end-to-end tests on PostgreSQL"
# The same cross-part suite again, each test gateway on a fresh database of a local PostgreSQL.
if [ "$pg_ok" -eq 1 ]; then
  # The test binaries the Rust stage built, run again: asking cargo for `-p qianpi-tests -p
  # qianpi-gateway` would resolve features for that smaller set and compile everything anew.
  status=0
  : >"$log/postgres"
  while read -r dir binary; do
    # --include-ignored: the tests that need PostgreSQL are marked ignored for the SQLite run.
    (cd "$dir" && QIANPI_TEST_POSTGRES="$pg_url" "$binary" --include-ignored) 2>&1 | tee -a "$log/postgres"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  done < <(cargo test --workspace --no-run --message-format=json 2>/dev/null | python3 -c '
import json, os, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") != "compiler-artifact" or not message.get("executable"):
        continue
    if not message["profile"]["test"]:
        continue
    package = message["package_id"]
    if "/server#" in package or "/tests#" in package:
        print(os.path.dirname(message["manifest_path"]), message["executable"])
')
  [ -s "$log/postgres" ] || status=1   # nothing ran: a failure, never a skip
  passed=$(awk '/^test result:/ { for (i = 1; i < NF; i++) if ($(i+1) ~ /^passed/) n += $i } END { print n + 0 }' "$log/postgres")
  failed=$(awk '/^test result:/ { for (i = 1; i < NF; i++) if ($(i+1) ~ /^failed/) n += $i } END { print n + 0 }' "$log/postgres")
  [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ] && failed=1
  record postgres "${passed:-0}" "${failed:-0}" "$status"
else
  record postgres 0 1 1   # the suite did not run: a failure, never a skip
fi

stage "bindings (Kotlin and Swift, generated from the built library)"
if ./scripts/bindings.sh; then bindings_ok=1; else bindings_ok=0; broken+=("bindings"); fi

for lang in kotlin swift; do
  stage "$lang tests"
  if [ "$bindings_ok" -eq 1 ]; then
    "./scripts/test-$lang.sh" 2>&1 | tee "$log/$lang"
    status=${PIPESTATUS[0]}
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log/$lang" | tail -1)
  else
    status=1
    line=""
  fi
  if [ -n "$line" ]; then
    record "$lang" "$(cut -d' ' -f1 <<<"$line")" "$(cut -d' ' -f3 <<<"$line")" "$status"
  else
    record "$lang" 0 1 1   # the suite did not run: a failure, never a skip
  fi
done

stage "browser tests (the web console in Debian's Chromium, SQLite and PostgreSQL)"
if [ "$pg_ok" -eq 1 ]; then
  QIANPI_TEST_POSTGRES="$pg_url" ./scripts/test-browser.sh 2>&1 | tee "$log/browser"
else
  ./scripts/test-browser.sh 2>&1 | tee "$log/browser"
fi
status=${PIPESTATUS[0]}
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log/browser" | tail -1)
if [ -n "$line" ]; then
  record browser "$(cut -d' ' -f1 <<<"$line")" "$(cut -d' ' -f3 <<<"$line")" "$status"
else
  record browser 0 1 1   # the suite did not run: a failure, never a skip
fi

stage "summary"
for timing in "${timings[@]}"; do echo "  $timing"; done
printf '  %5ds  in all\n' $((SECONDS - started))
printf '  disk: target folder %s, %s free\n' "$(du -sh target 2>/dev/null | cut -f1)" \
  "$(df -h --output=avail . 2>/dev/null | tail -1 | tr -d ' ')"
for suite in lints rust schemathesis postgres kotlin swift browser; do
  printf '  %-12s %s\n' "$suite" "${counts[$suite]:-did not run}"
done
if [ ${#broken[@]} -gt 0 ]; then
  echo "  failing: ${broken[*]}"
fi
echo "$total_passed passed, $total_failed failed"
[ ${#broken[@]} -eq 0 ]
