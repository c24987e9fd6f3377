#!/usr/bin/env bash
# Compiles the generated Kotlin bindings with the shell's JVM module and runs its JUnit 5 tests
# (Debian's junit5 console launcher, kotlin-test from the compiler package) against the real Rust
# library and a real gateway process. Expects scripts/bindings.sh and
# scripts/toolchains.sh to have run. Its last line is "N passed, M failed"; non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${QIANPI_TOOLS:-/var/cache/qianpi-tools}"
KOTLIN_HOME="$TOOLS/kotlin-2.4.20"
JAVA_SHARE=/usr/share/java
JNA="$JAVA_SHARE/jna.jar"
LAUNCHER="$JAVA_SHARE/junit-platform-console-standalone.jar"
for f in "$KOTLIN_HOME/bin/kotlinc" "$JNA" "$LAUNCHER" bindings/generated/cn/qianpi/core/qianpi_ffi.kt target/debug/libqianpi_ffi.so target/debug/qianpi-gateway; do
  [ -e "$f" ] || { echo "test-kotlin: missing $f (run scripts/toolchains.sh and scripts/bindings.sh)" >&2; exit 1; }
done
# QIANPI_KOTLIN_OUT lets two runs on one machine keep apart.
OUT="${QIANPI_KOTLIN_OUT:-target/kotlin}"
rm -rf "$OUT" && mkdir -p "$OUT"
CP="$JNA:$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar"
# kotlin-test's assertions report through JUnit 5 when kotlin-test-junit5 is on the class path.
TEST_CP="$KOTLIN_HOME/lib/kotlin-test.jar:$KOTLIN_HOME/lib/kotlin-test-junit5.jar"
JUNIT_API="$JAVA_SHARE/junit-jupiter-api.jar:$JAVA_SHARE/apiguardian-api.jar:$JAVA_SHARE/opentest4j.jar:$JAVA_SHARE/junit-platform-commons.jar"
"$KOTLIN_HOME/bin/kotlinc" -nowarn -jvm-target 17 -cp "$CP:$TEST_CP:$JUNIT_API" -d "$OUT/shell-tests.jar" \
  bindings/generated/cn/qianpi/core/qianpi_ffi.kt \
  $(find android/shell/src/main/kotlin android/shell/src/test/kotlin -name '*.kt')

log="$OUT/junit.log"
set +e
java -Djna.library.path="$PWD/target/debug" \
  -Dqianpi.gateway="$PWD/target/debug/qianpi-gateway" \
  -jar "$LAUNCHER" --disable-banner --disable-ansi-colors --details=tree --fail-if-no-tests \
  --class-path "$OUT/shell-tests.jar:$CP:$TEST_CP:$KOTLIN_HOME/lib/kotlin-stdlib.jar" \
  --scan-class-path 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# The launcher's summary: "[ N tests successful ]", "[ N tests failed ]", ... A class whose
# @BeforeAll fails runs none of its tests and counts as a failed container, not as failed tests.
count() { { grep -E "^\[ *[0-9]+ $1 +\]" "$log" || true; } | sed -E 's/^\[ *([0-9]+).*/\1/' | tail -1 | grep . || echo 0; }
passed=$(count "tests successful")
failed=$(( $(count "tests failed") + $(count "tests aborted") + $(count "containers failed") ))
if [ $((passed + failed)) -eq 0 ]; then
  echo "test-kotlin: no test ran (launcher exit $status)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
