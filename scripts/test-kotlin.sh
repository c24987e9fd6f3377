#!/usr/bin/env bash
# Compiles the generated Kotlin bindings with the shell's JVM module and runs its tests against
# the real Rust library and a real gateway process. Expects scripts/bindings.sh and
# scripts/toolchains.sh to have run. Its last line is "N passed, M failed"; non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${QIANPI_TOOLS:-/var/cache/qianpi-tools}"
KOTLIN_HOME="$TOOLS/kotlin-2.4.20"
JNA=/usr/share/java/jna.jar
for f in "$KOTLIN_HOME/bin/kotlinc" "$JNA" bindings/generated/cn/qianpi/core/qianpi_ffi.kt target/debug/libqianpi_ffi.so target/debug/qianpi-gateway; do
  [ -e "$f" ] || { echo "test-kotlin: missing $f (run scripts/toolchains.sh and scripts/bindings.sh)" >&2; exit 1; }
done
OUT=target/kotlin
rm -rf "$OUT" && mkdir -p "$OUT"
CP="$JNA:$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar"
"$KOTLIN_HOME/bin/kotlinc" -nowarn -jvm-target 17 -cp "$CP" -d "$OUT/shell-tests.jar" \
  bindings/generated/cn/qianpi/core/qianpi_ffi.kt \
  $(find android/shell/src/main/kotlin android/shell/src/test/kotlin -name '*.kt')
java -cp "$OUT/shell-tests.jar:$CP:$KOTLIN_HOME/lib/kotlin-stdlib.jar" \
  -Djna.library.path="$PWD/target/debug" \
  -Dqianpi.gateway="$PWD/target/debug/qianpi-gateway" \
  cn.qianpi.shell.WalkingSkeletonTestKt
