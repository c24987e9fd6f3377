#!/usr/bin/env bash
# Builds the iOS distribution of the phone library: QianpiFFI.xcframework (the Rust library as a
# static library for iPhones, aarch64-apple-ios, and for the simulator on Apple silicon and Intel
# Macs, aarch64-apple-ios-sim + x86_64-apple-ios in one slice), and the Swift bindings generated
# from the same build into the SwiftPM package (ios/Sources/QianpiFFI/include/QianpiFFI.h,
# ios/Sources/Qianpi/Qianpi.swift), which the Xcode project in ios/App builds with the app (see
# ios/README.md). Needs macOS with Xcode (xcodebuild and the iOS SDKs) and rustup; anywhere else
# it stops at once and says so.
#
# The library is built as it ships: `--profile mobile` (fat LTO, size-optimised), without the
# software key vault (`--no-default-features`: the app's keys are the Secure Enclave's). The
# bindings are generated from a macOS build with the same features, so the Swift code calls
# exactly the functions the static library has (a build with the software vault would not link).
# The package's Linux test run (scripts/bindings.sh) regenerates the bindings with its own
# features; whichever ran last decides what ios/Sources holds (both are ignored by git).
# libcrypto is the vendored OpenSSL that openssl-src builds for each iOS target; the trimmed
# libcrypto of scripts/mobile-openssl.sh has not been tried for iOS targets.
#
# Output: target/ios/QianpiFFI.xcframework (the path ios/App/project.yml links).
# Options (environment): IPHONEOS_DEPLOYMENT_TARGET (default 17.0, the app's minimum).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "xcframework: $*" >&2
  exit 1
}

if [ "$(uname -s)" != "Darwin" ]; then
  fail "this builds the iOS library and needs macOS with Xcode (xcodebuild, the iPhoneOS and iPhoneSimulator SDKs); this machine runs $(uname -s). The Linux build and tests use scripts/bindings.sh and scripts/test-swift.sh instead."
fi
command -v xcodebuild >/dev/null 2>&1 || fail "xcodebuild not found: install Xcode and run 'sudo xcode-select -s /Applications/Xcode.app'"
for sdk in iphoneos iphonesimulator; do
  xcrun --sdk "$sdk" --show-sdk-path >/dev/null 2>&1 || fail "the $sdk SDK is missing: install Xcode (not only the Command Line Tools) and select it with xcode-select"
done
command -v rustup >/dev/null 2>&1 || fail "rustup not found: the iOS targets are added through rustup (https://rustup.rs)"

export IPHONEOS_DEPLOYMENT_TARGET="${IPHONEOS_DEPLOYMENT_TARGET:-17.0}"
# A static library keeps its symbols: the app links against them (Xcode strips the app).
export CARGO_PROFILE_MOBILE_STRIP=none
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
out=target/ios
rustup target add "${targets[@]}"

for t in "${targets[@]}"; do
  echo "xcframework: building the library for $t" >&2
  cargo rustc --locked -p qianpi-ffi --lib --no-default-features --profile mobile --target "$t" --crate-type staticlib
  [ -f "target/$t/mobile/libqianpi_ffi.a" ] || fail "no target/$t/mobile/libqianpi_ffi.a after the build"
done

# The bindings, from a macOS build with the phone's features (library mode reads the metadata the
# proc-macros left in the library). Its own target folder, so the mobile builds stay untouched.
echo "xcframework: generating the Swift bindings" >&2
cargo rustc --locked -p qianpi-ffi --lib --no-default-features --crate-type cdylib --target-dir target/ios/host
cargo build --locked -q --manifest-path bindings/uniffi-bindgen/Cargo.toml --target-dir target/uniffi-bindgen
rm -rf "$out/bindings"
target/uniffi-bindgen/debug/uniffi-bindgen generate target/ios/host/debug/libqianpi_ffi.dylib \
  -l swift --no-format --config uniffi.toml -o "$out/bindings"
mkdir -p ios/Sources/QianpiFFI/include ios/Sources/Qianpi
cp "$out/bindings/QianpiFFI.h" ios/Sources/QianpiFFI/include/QianpiFFI.h
cp "$out/bindings/Qianpi.swift" ios/Sources/Qianpi/Qianpi.swift

# One library per platform variant: the two simulator architectures go into one fat library.
mkdir -p "$out/iphoneos" "$out/iphonesimulator"
cp target/aarch64-apple-ios/mobile/libqianpi_ffi.a "$out/iphoneos/libqianpi_ffi.a"
lipo -create target/aarch64-apple-ios-sim/mobile/libqianpi_ffi.a target/x86_64-apple-ios/mobile/libqianpi_ffi.a \
  -output "$out/iphonesimulator/libqianpi_ffi.a"

# The library only, without headers: the header and its module (QianpiFFI, which links
# qianpi_ffi) come from the package's QianpiFFI target, so the module is defined once.
rm -rf "$out/QianpiFFI.xcframework"
xcodebuild -create-xcframework \
  -library "$out/iphoneos/libqianpi_ffi.a" \
  -library "$out/iphonesimulator/libqianpi_ffi.a" \
  -output "$out/QianpiFFI.xcframework"
echo "xcframework: $out/QianpiFFI.xcframework and the bindings in ios/Sources are ready; see ios/README.md to build the app" >&2
