#!/usr/bin/env bash
# Builds the SwiftPM package under ios/ and runs its XCTests against the real Rust library and a
# real gateway process, inside the Debian trixie root that has Swift (bookworm has none). The
# repository is bind-mounted at the same path inside the root, so paths agree on both sides.
# Expects scripts/toolchains.sh and scripts/bindings.sh to have run. Prints "N passed, M failed"
# last; non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"
TOOLS="${QIANPI_TOOLS:-/var/cache/qianpi-tools}"
ROOT="$TOOLS/trixie"
for f in "$ROOT/usr/libexec/swift/bin/swift" ios/Sources/QianpiFFI/include/QianpiFFI.h ios/Sources/Qianpi/Qianpi.swift target/debug/libqianpi_ffi.so target/debug/qianpi-gateway; do
  [ -e "$f" ] || { echo "test-swift: missing $f (run scripts/toolchains.sh and scripts/bindings.sh)" >&2; exit 1; }
done

# shellcheck source=scripts/lib.sh
. scripts/lib.sh
# One run at a time: the trixie root and its mounts are shared.
exec 9>"$TOOLS/swift.lock"
flock 9
# Leftovers of an interrupted run would otherwise be skipped here and never unmounted.
unmount_below "$ROOT"
mounts=()
cleanup() {
  for ((i=${#mounts[@]}-1; i>=0; i--)); do umount "${mounts[$i]}" 2>/dev/null || umount -l "${mounts[$i]}" || true; done
}
trap cleanup EXIT
bind() { # bind SRC DST
  mkdir -p "$2"
  mount --bind "$1" "$2"
  mounts+=("$2")
}
mount -t proc proc "$ROOT/proc"
mounts+=("$ROOT/proc")
bind /dev "$ROOT/dev"
bind "$REPO" "$ROOT$REPO"

log=$(mktemp)
set +e
chroot "$ROOT" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
  QIANPI_GATEWAY="$REPO/target/debug/qianpi-gateway" QIANPI_RUST_LIB_DIR="$REPO/target/debug" \
  LD_LIBRARY_PATH="$REPO/target/debug" \
  bash -c "cd '$REPO/ios' && swift build --build-tests -q && swift test --skip-build" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# XCTest's own count; Swift Testing's closing line reports only its own (zero) tests.
summary=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -1 || true)
total=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
failed=$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$summary")
rm -f "$log"
if [ -z "$summary" ]; then
  echo "0 passed, 1 failed"
  echo "test-swift: the Swift tests did not run (exit $status)" >&2
  exit 1
fi
echo "$((total - failed)) passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
