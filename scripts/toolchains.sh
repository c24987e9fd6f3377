#!/usr/bin/env bash
# Installs what the Kotlin and Swift tests need on a machine that has none of it:
#   - Debian packages: JNA (for the Kotlin bindings), a JDK, JUnit 5 (its console launcher runs the
#     Kotlin tests), debootstrap;
#   - the JVM Kotlin compiler from the npm package `kotlin-compiler`, into a project-local folder;
#   - a Debian trixie root with Swift (`swiftlang`), since bookworm has no Swift.
# Idempotent: a second run finds everything in place and returns at once.
# Prints the tool folder it used as its last line.
set -euo pipefail

TOOLS="${QIANPI_TOOLS:-/var/cache/qianpi-tools}"
KOTLIN_VERSION="2.4.20"
mkdir -p "$TOOLS"

log() { printf '[toolchains] %s\n' "$*" >&2; }
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"


need_apt=()
[ -f /usr/share/java/jna.jar ] || need_apt+=(libjna-java)
command -v javac >/dev/null 2>&1 || need_apt+=(openjdk-17-jdk-headless)
[ -f /usr/share/java/junit-platform-console-standalone.jar ] || need_apt+=(junit5)
command -v debootstrap >/dev/null 2>&1 || need_apt+=(debootstrap)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing Debian packages: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Kotlin: the npm package carries kotlinc, the stdlib and kotlinx-coroutines.
KOTLIN_HOME="$TOOLS/kotlin-$KOTLIN_VERSION"
if [ ! -x "$KOTLIN_HOME/bin/kotlinc" ]; then
  log "fetching kotlin-compiler@$KOTLIN_VERSION from npm"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "kotlin-compiler@$KOTLIN_VERSION" >/dev/null)
  tar -xzf "$tmp"/kotlin-compiler-*.tgz -C "$tmp"
  rm -rf "$KOTLIN_HOME"
  mv "$tmp/package" "$KOTLIN_HOME"
  chmod +x "$KOTLIN_HOME"/bin/*
  rm -rf "$tmp"
fi

# Swift: a minimal trixie root with swiftlang, used through chroot.
ROOT="$TOOLS/trixie"
if [ ! -x "$ROOT/usr/libexec/swift/bin/swift" ]; then
  if [ ! -f "$ROOT/.debootstrap-done" ]; then
    log "creating a Debian trixie root for Swift (debootstrap)"
    unmount_below "$ROOT"
    rm -rf --one-file-system "$ROOT"
    debootstrap --variant=minbase trixie "$ROOT" http://deb.debian.org/debian >"$TOOLS/debootstrap.log" 2>&1 \
      || { tail -20 "$TOOLS/debootstrap.log" >&2; exit 1; }
    touch "$ROOT/.debootstrap-done"
  fi
  log "installing swiftlang inside the trixie root"
  mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  chroot "$ROOT" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c \
    'apt-get update -qq && apt-get install -y -qq --no-install-recommends swiftlang libc6-dev libstdc++-14-dev >/dev/null' \
    || { umount "$ROOT/proc" || true; exit 1; }
  umount "$ROOT/proc" || true
fi

echo "$TOOLS"
