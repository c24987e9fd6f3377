#!/usr/bin/env bash
# P-11 of performance.md: the size of the phone library (qianpi-ffi's cdylib, stripped, one ABI)
# built with the `mobile` profile, against the plain release profile built in the same run and
# against the 8 MB target, and what the release library is made of (its symbols grouped by where
# they come from: the vendored OpenSSL, SQLCipher, ring's C and assembly, and the Rust crates).
# Prints only JSON lines on stdout; the builds go to stderr.
#
#   scripts/bench-mobile-size.sh
#
# Both builds are for this machine's ABI (x86_64 Linux): no Android NDK is assumed. An Android
# arm64 library built the same way is typically the same size or smaller (denser code, no AVX-512
# variants of OpenSSL's and ring's assembly).
set -euo pipefail
cd "$(dirname "$0")/.."

# jq writes the JSON lines; Debian's package on a machine without it.
if ! command -v jq >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null
fi

target_bytes=8000000
abi="$(rustc -vV | sed -n 's/^host: //p')"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "[size] cargo build -p qianpi-ffi --lib --no-default-features --release" >&2
cargo build --quiet -p qianpi-ffi --lib --no-default-features --release >&2
# qianpi-ffi is also an rlib (its tests link it), and cargo runs no LTO for a crate with an rlib
# among its outputs: the shipped library is built as a cdylib alone, so the profile's LTO runs.
echo "[size] cargo rustc -p qianpi-ffi --lib --no-default-features --profile mobile --crate-type cdylib" >&2
cargo rustc --quiet -p qianpi-ffi --lib --no-default-features --profile mobile --crate-type cdylib >&2

reference=target/release/libqianpi_ffi.so
mobile=target/mobile/libqianpi_ffi.so
# The release profile keeps its symbols: strip a copy the way a packager would.
strip --strip-all -o "$tmp/reference.so" "$reference"
# The mobile profile strips already (strip = "symbols"); stripping again shows nothing is left.
strip --strip-all -o "$tmp/mobile.so" "$mobile"
ref_bytes="$(stat -c %s "$tmp/reference.so")"
mobile_bytes="$(stat -c %s "$mobile")"
mobile_restripped="$(stat -c %s "$tmp/mobile.so")"

note="x86_64 host build, not an Android ABI (no Android NDK on this machine); arm64 builds are typically similar or smaller"
jq -cn --arg abi "$abi" --argjson bytes "$ref_bytes" --arg note "$note" \
  '{bench:"mobile_size", build:"release (reference, stripped with strip --strip-all)", abi:$abi,
    stripped_bytes:$bytes, stripped_mb:(($bytes/10000|round)/100), note:$note}'
jq -cn --arg abi "$abi" --argjson bytes "$mobile_bytes" --argjson again "$mobile_restripped" \
  --argjson ref "$ref_bytes" --argjson target "$target_bytes" --arg note "$note" \
  '{bench:"mobile_size", build:"profile mobile (lto fat, codegen-units 1, opt-level s, strip symbols, panic unwind)",
    abi:$abi, stripped_bytes:$bytes, stripped_mb:(($bytes/10000|round)/100),
    bytes_after_strip_all_again:$again, vs_reference:(($bytes/$ref*1000|round)/1000),
    target_bytes:$target, vs_target:(($bytes/$target*1000|round)/1000), meets_target:($bytes <= $target),
    note:$note}'

# What the release library is made of. C symbols are attributed by the archive that defines them
# (the build scripts' own outputs), Rust symbols by the crate that leads their mangled path (the
# crate of a generic's instance, as cargo-bloat does). Sections without symbols (unwind tables,
# relocations) are not attributed; the shares are of the attributed bytes.
crypto_a="$(ls -t target/release/build/openssl-sys-*/out/openssl-build/install/lib/libcrypto.a | head -1)"
sqlcipher_a="$(ls -t target/release/build/libsqlite3-sys-*/out/libsqlcipher.a | head -1)"
ring_a="$(ls -t target/release/build/ring-*/out/libring_core_*_.a | head -1)"
defined() { nm --defined-only "$1" 2>/dev/null | awk 'NF == 3 && $3 !~ /^\.L/ && $3 !~ /^__func__/ { print $3 }' | sort -u; }
defined "$crypto_a" >"$tmp/openssl"
defined "$sqlcipher_a" >"$tmp/sqlcipher"
defined "$ring_a" >"$tmp/ring"

nm -S -t d --size-sort "$reference" | awk -v dir="$tmp" '
  BEGIN {
    while ((getline s < (dir "/ring")) > 0) ring[s] = 1
    while ((getline s < (dir "/sqlcipher")) > 0) sqlc[s] = 1
    while ((getline s < (dir "/openssl")) > 0) ossl[s] = 1
  }
  NF == 4 && !($1 in seen) {
    seen[$1] = 1
    size = $2 + 0; name = $4; part = "other (anonymous constants, C runtime)"
    if (name ~ /^_ZN/) {
      rest = substr(name, 4); match(rest, /^[0-9]+/); ident = substr(rest, RLENGTH + 1, substr(rest, 1, RLENGTH) + 0)
      if (ident ~ /^_\$LT\$/) { if (match(ident, /[a-z_][a-z0-9_]*\.\./)) ident = substr(ident, RSTART, RLENGTH - 2); else ident = "generic" }
      part = "rust: " ident
    } else if (name ~ /^(uniffi_|ffi_qianpi)/) part = "rust: qianpi_ffi"
    # A few static tables carry the same name in ring and in OpenSSL (ecp_nistz256_precomputed):
    # one copy each.
    else if (name in ring && name in ossl) part = (shared[name]++ ? "openssl (vendored, SQLCipher crypto)" : "ring (C and assembly)")
    else if (name ~ /^ring_core_/ || name in ring) part = "ring (C and assembly)"
    else if (name ~ /^sqlite3/ || name in sqlc) part = "sqlcipher (C)"
    else if (name in ossl) part = "openssl (vendored, SQLCipher crypto)"
    bytes[part] += size; total += size
  }
  END { for (p in bytes) printf "%d\t%s\t%d\n", bytes[p], p, total }
' | sort -rn >"$tmp/parts"

rust_total="$(awk -F'\t' '$2 ~ /^rust: / { s += $1 } END { print s + 0 }' "$tmp/parts")"
all="$(head -1 "$tmp/parts" | cut -f3)"
emit() {
  jq -cn --arg part "$1" --argjson bytes "$2" --argjson all "$all" \
    '{bench:"mobile_size_breakdown", build:"release (symbols of the unstripped library)", part:$part,
      bytes:$bytes, share:(($bytes/$all*1000|round)/1000)}'
}
grep -v $'\trust: ' "$tmp/parts" | while IFS=$'\t' read -r bytes part _; do emit "$part" "$bytes"; done
emit "rust (all crates)" "$rust_total"
grep $'\trust: ' "$tmp/parts" | head -8 | while IFS=$'\t' read -r bytes part _; do emit "$part" "$bytes"; done
