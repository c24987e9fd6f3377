#!/usr/bin/env bash
# P-11 of performance.md: the size of the phone library (qianpi-ffi's cdylib, stripped, one ABI)
# as it ships — the `mobile` profile in the build environment of scripts/mobile-openssl.sh (a
# libcrypto trimmed to SQLCipher's needs, SQLCipher without unused extensions, no C unwind tables,
# packed relocations) — against the plain release profile built in the same run (vendored full
# OpenSSL, as the tests use) and against the 8 MB target; what the shipped library is made of (from
# its link map: the Rust code, libcrypto, SQLCipher, ring, and what the linker makes); what the
# release library is made of (its symbols grouped by where they come from); and a check that a
# store written by the release build opens in the shipped build's store code and the other way
# round (core/examples/store_compat.rs built both ways). Prints only JSON lines on stdout; the
# builds go to stderr. The first run builds OpenSSL (a few minutes) and both profiles (long).
#
#   scripts/bench-mobile-size.sh
#
# Both builds are for this machine's ABI (x86_64 Linux): no Android NDK is assumed. An Android
# arm64 library built the same way is typically the same size or smaller (denser code, no
# AVX-512 variants of OpenSSL's and ring's assembly).
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
echo "[size] cargo build --release -p qianpi-core --example store_compat" >&2
cargo build --quiet --release -p qianpi-core --example store_compat >&2

# The shipped build: its environment in a subshell, so the reference above and any later build
# keep the vendored OpenSSL. qianpi-ffi is also an rlib (its tests link it), and cargo runs no LTO
# for a crate with an rlib among its outputs: the shipped library is built as a cdylib alone, so
# the profile's LTO runs. The link map only reports where each byte came from.
link_args=(-C link-arg=-Wl,-z,pack-relative-relocs)
(
  eval "$(scripts/mobile-openssl.sh)"
  echo "[size] cargo rustc -p qianpi-ffi --lib --no-default-features --profile mobile --crate-type cdylib -- ${link_args[*]}" >&2
  cargo rustc --quiet -p qianpi-ffi --lib --no-default-features --profile mobile --crate-type cdylib \
    -- "${link_args[@]}" -C link-arg=-Wl,-Map="$PWD/target/mobile/libqianpi_ffi.map" >&2
  echo "[size] cargo build --profile mobile -p qianpi-core --example store_compat" >&2
  cargo build --quiet --profile mobile -p qianpi-core --example store_compat >&2
)

# The same store format both ways: written by the release build (vendored OpenSSL), read by the
# mobile one (trimmed libcrypto, trimmed SQLite), and the other way round.
compat() {
  local writer="$1" reader="$2" db="$tmp/$1-to-$2.db"
  local ok=true
  "target/$writer/examples/store_compat" write "$db" >"$tmp/compat-write" || ok=false
  if $ok; then "target/$reader/examples/store_compat" read "$db" >"$tmp/compat-read" || ok=false; fi
  jq -cn --arg w "$writer" --arg r "$reader" --argjson ok "$ok" \
    --slurpfile steps <(cat "$tmp/compat-write" "$tmp/compat-read" 2>/dev/null) \
    '{bench:"mobile_store_compat", written_by:$w, read_by:$r, ok:$ok, steps:$steps}'
  $ok
}
rm -f "$tmp/compat-read"
compat release mobile
rm -f "$tmp/compat-read"
compat mobile release

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
  '{bench:"mobile_size", build:"shipped: profile mobile (lto fat, codegen-units 1, opt-level s, strip symbols, panic unwind), trimmed libcrypto and SQLite (scripts/mobile-openssl.sh), packed relocations",
    abi:$abi, stripped_bytes:$bytes, stripped_mb:(($bytes/10000|round)/100),
    bytes_after_strip_all_again:$again, vs_reference:(($bytes/$ref*1000|round)/1000),
    target_bytes:$target, vs_target:(($bytes/$target*1000|round)/1000), meets_target:($bytes <= $target),
    note:$note}'

# What the shipped library is made of, from the link map (input sections kept after the linker's
# garbage collection; sizes before stripping, which removes only symbols): the LTO module holds
# all the Rust code, the archives the C code. What the linker makes itself (string literals and
# constants it merged across all parts, the unwind index, dynamic symbols, relocations) it lists as
# <internal>.
awk '
  function hex(s,   i, n) {
    n = 0; s = tolower(s)
    for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
    return n
  }
  # lld map lines: VMA LMA Size Align then the output section or, indented, an input section.
  NF >= 5 && $5 ~ /:\(/ {
    size = hex($3); input = $5
    # The C archives reach the link inside the rlibs of the -sys crates.
    if (input ~ /\/libopenssl_sys-[0-9a-f]+\.rlib\(/) part = "libcrypto (trimmed, SQLCipher crypto)"
    else if (input ~ /\/liblibsqlite3_sys-[0-9a-f]+\.rlib\(/) part = "sqlcipher (C)"
    else if (input ~ /\/libring-[0-9a-f]+\.rlib\(/) part = "ring (C and assembly)"
    else if (input ~ /^<internal>/) part = "linker-made (merged strings and constants of all parts, unwind index, dynamic symbols, relocations)"
    else if (input ~ /\.rcgu\.o:/) part = "rust (all crates, one LTO module)"
    else part = "other (C runtime, compiler builtins)"
    bytes[part] += size; total += size
  }
  END { for (p in bytes) printf "%d\t%s\t%d\n", bytes[p], p, total }
' target/mobile/libqianpi_ffi.map | sort -rn | while IFS=$'\t' read -r bytes part all; do
  jq -cn --arg part "$part" --argjson bytes "$bytes" --argjson all "$all" \
    '{bench:"mobile_size_breakdown", build:"shipped (link map of the mobile library)", part:$part,
      bytes:$bytes, share:(($bytes/$all*1000|round)/1000)}'
done

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
    '{bench:"mobile_size_breakdown", build:"release (symbols of the unstripped library, vendored OpenSSL)", part:$part,
      bytes:$bytes, share:(($bytes/$all*1000|round)/1000)}'
}
grep -v $'\trust: ' "$tmp/parts" | while IFS=$'\t' read -r bytes part _; do emit "$part" "$bytes"; done
emit "rust (all crates)" "$rust_total"
grep $'\trust: ' "$tmp/parts" | head -8 | while IFS=$'\t' read -r bytes part _; do emit "$part" "$bytes"; done
