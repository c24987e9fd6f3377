#!/usr/bin/env bash
# Builds what the Android library module android/qianpi/ packages: the Rust core per ABI
# (arm64-v8a, armeabi-v7a, x86_64) with cargo-ndk, in the shipped build's environment
# (scripts/mobile-openssl.sh: the mobile profile, a trimmed libcrypto, packed relocations), into
# android/qianpi/src/main/jniLibs/<abi>/libqianpi_ffi.so; and the Kotlin bindings generated with
# android/uniffi-android.toml into android/qianpi/build/generated/uniffi/kotlin/.
#
# The bindings are generated from a host build with the same features as the phone library
# (--no-default-features: no software key vault), in its own target folder: uniffi checks at load
# time that every function the bindings know exists in the library, so bindings made from the
# test build (which exports the software vault) would fail on a phone. The shipped libraries are
# stripped, so the bindgen cannot read them.
#
# Needs an Android NDK (ANDROID_NDK_HOME, or the newest under $ANDROID_HOME/ndk/) and cargo-ndk
# (`cargo install cargo-ndk`); stops with a message saying so otherwise. `--bindings-only`
# generates the Kotlin bindings alone (no NDK needed).
set -euo pipefail
cd "$(dirname "$0")/.."

API=28 # minSdk of the app and the library
ABIS=(arm64-v8a armeabi-v7a x86_64)
JNI_LIBS=android/qianpi/src/main/jniLibs
BINDINGS=android/qianpi/build/generated/uniffi/kotlin

bindings() {
  echo "android-libs: Kotlin bindings (android/uniffi-android.toml) from a phone-featured host build" >&2
  cargo build -q -p qianpi-ffi --lib --no-default-features --target-dir target/android-bindings
  cargo build -q --manifest-path bindings/uniffi-bindgen/Cargo.toml --target-dir target/uniffi-bindgen
  rm -rf "$BINDINGS"
  target/uniffi-bindgen/debug/uniffi-bindgen generate target/android-bindings/debug/libqianpi_ffi.so \
    -l kotlin --no-format --config android/uniffi-android.toml -o "$BINDINGS"
  echo "android-libs: wrote $BINDINGS" >&2
}

if [ "${1:-}" = "--bindings-only" ]; then
  bindings
  exit 0
fi

find_ndk() {
  local candidate sdk newest
  for candidate in "${ANDROID_NDK_HOME:-}" "${ANDROID_NDK_ROOT:-}" "${ANDROID_NDK:-}" "${NDK_HOME:-}"; do
    if [ -n "$candidate" ] && [ -f "$candidate/source.properties" ]; then
      echo "$candidate"
      return 0
    fi
  done
  for sdk in "${ANDROID_HOME:-}" "${ANDROID_SDK_ROOT:-}"; do
    [ -n "$sdk" ] && [ -d "$sdk/ndk" ] || continue
    newest="$(ls -1 "$sdk/ndk" | sort -V | tail -1)"
    if [ -n "$newest" ] && [ -f "$sdk/ndk/$newest/source.properties" ]; then
      echo "$sdk/ndk/$newest"
      return 0
    fi
  done
  return 1
}

if ! ndk="$(find_ndk)"; then
  cat >&2 <<'MSG'
android-libs: no Android NDK found, so the core cannot be built for phones.
  Install one (Android Studio > SDK Manager > SDK Tools > NDK, r26 or newer; it goes under
  $ANDROID_HOME/ndk/<version>) or set ANDROID_NDK_HOME to an unpacked NDK, then run this again.
  The JVM build and tests (scripts/bindings.sh, scripts/test-kotlin.sh) need no NDK;
  `scripts/android-libs.sh --bindings-only` writes the Android Kotlin bindings without one.
MSG
  exit 1
fi
if ! cargo ndk --version >/dev/null 2>&1; then
  echo "android-libs: cargo-ndk is missing: cargo install cargo-ndk --locked" >&2
  exit 1
fi

case "$(uname -s)" in
  Linux) host_tag=linux-x86_64 ;;
  Darwin) host_tag=darwin-x86_64 ;; # the NDK's macOS toolchain is universal under this name
  *) echo "android-libs: unsupported build host $(uname -s)" >&2; exit 1 ;;
esac
export ANDROID_NDK_HOME="$ndk" ANDROID_NDK_ROOT="$ndk"
# OpenSSL's Android configuration finds clang on PATH (its NOTES-ANDROID.md).
export PATH="$ndk/toolchains/llvm/prebuilt/$host_tag/bin:$PATH"

for abi in "${ABIS[@]}"; do
  case "$abi" in
    arm64-v8a) triple=aarch64-linux-android ossl=android-arm64 ;;
    armeabi-v7a) triple=armv7-linux-androideabi ossl=android-arm ;;
    x86_64) triple=x86_64-linux-android ossl=android-x86_64 ;;
  esac
  rustup target add "$triple" >&2
  echo "android-libs: $abi ($triple)" >&2
  (
    eval "$(MOBILE_TARGET="$triple" MOBILE_OPENSSL_TARGET="$ossl" scripts/mobile-openssl.sh)"
    # Packed relative relocations in the form Android's loader reads from API 28.
    cargo ndk -t "$abi" -P "$API" rustc -p qianpi-ffi --lib --profile mobile --no-default-features \
      --crate-type cdylib -- \
      -C link-arg=-Wl,--pack-dyn-relocs=android+relr -C link-arg=-Wl,--use-android-relr-tags
  )
  mkdir -p "$JNI_LIBS/$abi"
  cp "target/$triple/mobile/libqianpi_ffi.so" "$JNI_LIBS/$abi/libqianpi_ffi.so"
  echo "android-libs: wrote $JNI_LIBS/$abi/libqianpi_ffi.so ($(wc -c <"$JNI_LIBS/$abi/libqianpi_ffi.so") bytes)" >&2
done

bindings
