#!/usr/bin/env bash
# Builds the Rust library and generates the Kotlin and Swift bindings from it into
# bindings/generated/ (Kotlin) and the SwiftPM package under ios/ (Swift). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
# Build every target of the workspace: the same feature set as `cargo test --workspace` (which
# enables dev-dependency features), so nothing the tests already built is compiled again. Building
# single packages, or only the libraries, would resolve features anew and rebuild.
cargo build -q --workspace --all-targets
# The bindgen lives outside the workspace (see the root Cargo.toml) and builds in its own folder.
cargo build -q --manifest-path bindings/uniffi-bindgen/Cargo.toml --target-dir target/uniffi-bindgen
rm -rf bindings/generated
target/uniffi-bindgen/debug/uniffi-bindgen generate target/debug/libqianpi_ffi.so \
  -l kotlin -l swift --no-format --config uniffi.toml -o bindings/generated
mkdir -p ios/Sources/QianpiFFI/include ios/Sources/Qianpi
cp bindings/generated/QianpiFFI.h ios/Sources/QianpiFFI/include/QianpiFFI.h
cp bindings/generated/Qianpi.swift ios/Sources/Qianpi/Qianpi.swift
