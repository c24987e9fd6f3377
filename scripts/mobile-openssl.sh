#!/usr/bin/env bash
# The build environment of the phone library (P-11): a libcrypto trimmed to what SQLCipher calls,
# SQLCipher without the SQLite extensions the phone does not use, and C code without unwind
# tables. Prints `export` lines on stdout for the shipped build to evaluate:
#
#   eval "$(scripts/mobile-openssl.sh)"
#   cargo rustc -p qianpi-ffi --lib --no-default-features --profile mobile --crate-type cdylib \
#     -- -C link-arg=-Wl,-z,pack-relative-relocs
#
# libcrypto: the OpenSSL release openssl-src vendors (its own source tree, from Cargo.lock),
# configured down to what SQLCipher's OpenSSL provider calls (AES-256-CBC, HMAC and PBKDF2 over
# SHA-1/SHA-256/SHA-512, the DRBG behind RAND_bytes) and installed as a static library into
# target/mobile-openssl/<target>/. openssl-sys honours OPENSSL_NO_VENDOR even with its `vendored`
# feature on, so no Cargo feature differs between this build and the tests' build, and
# libsqlite3-sys compiles SQLCipher against the headers openssl-sys hands it. Every other build
# (tests, gateway, terminal) keeps the vendored full OpenSSL; the on-disk format is the same (same
# SQLCipher, same cipher, KDF and HMAC), which scripts/bench-mobile-size.sh checks both ways.
# Nothing SQLCipher uses gets weaker: assembly stays on (AES-NI, the SHA code paths), the random
# generator and its OS seeding are OpenSSL's defaults. What goes is every algorithm and protocol
# SQLCipher never asks for: TLS (the phone's TLS is rustls on ring), the public-key families and
# their encoders/decoders (RSA cannot be configured out), the other ciphers, digests, MACs and
# KDFs, engines, error strings and file names (SQLCipher logs only return codes).
#
# SQLCipher (LIBSQLITE3_FLAGS, read by libsqlite3-sys): without FTS3 (the search index is FTS5),
# R-Tree, dbstat, soundex, STAT4, column metadata, extension loading, shared cache and the
# deprecated API; FTS5 and the JSON functions stay (the store uses both).
#
# C code (CFLAGS_<target>, read by the cc crate for SQLCipher and ring; the same flags for
# libcrypto): no unwind tables. A Rust panic never unwinds through C (an unwind reaching an
# extern "C" frame aborts), so they only took room; crash reports still walk these frames by
# frame pointer where the platform keeps them (arm64).
#
# The link argument packs the relative relocations (RELR: about 20,000 pointers the loader fixes
# up, 0.5 MB as RELA entries, 6 KB packed). glibc loads it from 2.36; on Android (minSdk 28) the
# equivalent is `-C link-arg=-Wl,--pack-dyn-relocs=android+relr -C link-arg=-Wl,--use-android-relr-tags`.
#
# Options (environment):
#   MOBILE_TARGET          Rust target triple of the phone build (default: this machine's).
#   MOBILE_OPENSSL_TARGET  OpenSSL Configure target (default from MOBILE_TARGET: linux-x86_64,
#                          linux-aarch64, android-arm64, android-x86_64). The Android ones need
#                          ANDROID_NDK_ROOT and the NDK's clang on PATH (OpenSSL's NOTES-ANDROID.md);
#                          not tried on this machine, which has no NDK.
#
# libcrypto is rebuilt only when the source or these options change (a stamp file records them);
# the first build takes a few minutes on two cores. Build output goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

host="$(rustc -vV | sed -n 's/^host: //p')"
target="${MOBILE_TARGET:-$host}"
case "$target" in
  x86_64-*linux-gnu*) default_target=linux-x86_64 ;;
  aarch64-*linux-gnu*) default_target=linux-aarch64 ;;
  aarch64-linux-android) default_target=android-arm64 ;;
  x86_64-linux-android) default_target=android-x86_64 ;;
  *) default_target="" ;;
esac
ossl_target="${MOBILE_OPENSSL_TARGET:-$default_target}"
if [ -z "$ossl_target" ]; then
  echo "mobile-openssl: set MOBILE_OPENSSL_TARGET for $target" >&2
  exit 1
fi

# The OpenSSL source of the openssl-src crate in Cargo.lock: the release the tests run against.
src_version="$(awk '/^name = "openssl-src"/ { getline; split($0, v, "\""); print v[2]; exit }' Cargo.lock)"
src=""
for d in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/openssl-src-"$src_version"/openssl; do
  [ -f "$d/Configure" ] && src="$d"
done
if [ -z "$src" ]; then
  # Not unpacked yet: fetching the locked dependencies unpacks it.
  cargo fetch --locked >&2
  for d in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/openssl-src-"$src_version"/openssl; do
    [ -f "$d/Configure" ] && src="$d"
  done
fi
if [ -z "$src" ]; then
  echo "mobile-openssl: no source for openssl-src $src_version" >&2
  exit 1
fi

options=(
  # Static, no programs, no tests, no docs, no loadable modules, engines or config autoload.
  no-shared no-module no-dso no-engine no-dynamic-engine no-apps no-tests no-docs
  no-autoload-config no-uplink no-ui-console no-err no-filenames no-trace no-ssl-trace
  # No protocols: the phone's TLS is rustls.
  no-ssl no-tls no-dtls no-quic no-sock no-dgram no-http no-ktls no-srtp no-psk no-srp
  no-nextprotoneg no-ocsp no-cms no-cmp no-ts no-ct no-rfc3779 no-comp no-async
  # No public-key families (RSA cannot be configured out of OpenSSL 3).
  no-ec no-ec2m no-ecx no-dh no-dsa no-sm2 no-gost no-ml-kem no-ml-dsa no-slh-dsa no-lms
  # No ciphers, digests, MACs or KDFs besides AES, SHA-1/SHA-2 (and SHA-3, which the DRBG's
  # provider references), HMAC and PBKDF2.
  no-aria no-bf no-camellia no-cast no-chacha no-poly1305 no-des no-idea no-rc2 no-rc4 no-rc5
  no-seed no-sm3 no-sm4 no-md2 no-md4 no-mdc2 no-rmd160 no-whirlpool no-blake2 no-argon2
  no-siphash no-siv no-ocb no-cmac no-scrypt no-legacy no-multiblock no-integrity-only-ciphers
  no-weak-ssl-ciphers
  # No deprecated APIs (SQLCipher's OpenSSL 3 code path uses none).
  no-deprecated
  # The library's own threads (thread pools) are not needed; locking stays (threads on).
  no-thread-pool no-default-thread-pool
)
# The same code flags as the cc crate gives openssl-src, sized for a phone: section per function
# so the final link drops what nothing calls, position independent for the shared library. No
# unwind tables for the C code: a Rust panic never unwinds through libcrypto (extern "C" frames
# abort an unwind), so they would only take room.
cflags="-Os -ffunction-sections -fdata-sections -fPIC -fno-asynchronous-unwind-tables -fno-unwind-tables"

out="$root/target/mobile-openssl"
build="$out/build-$target"
install="$out/$target"
stamp="$install/.configured"
want="recipe-3 $src_version $ossl_target $cflags ${options[*]}"

build_libcrypto() {
  rm -rf "$build" "$install"
  mkdir -p "$build"
  cp -R "$src/." "$build/"
  echo "[mobile-openssl] configuring OpenSSL $src_version for $ossl_target" >&2
  (
    cd "$build"
    # The install's libdir is `lib` on every target, where openssl-sys looks first.
    perl ./Configure "$ossl_target" --prefix="$install" --openssldir=/nonexistent --libdir=lib \
      "${options[@]}" $cflags >&2
    # x86_64 only: the AVX-512 AES-GCM (0.7 MB, the largest object of the library) and the
    # AVX-512 and AVX-IFMA RSA multipliers are generated the way OpenSSL generates them for an
    # assembler without those instructions: its own fallback, a capability probe answering "no",
    # so GCM and RSA take the AES-NI and AVX2 paths. SQLCipher uses neither GCM nor RSA, and an
    # arm64 build has no such code, so the x86_64 figure stays a fair stand-in for the phone's.
    # Make sees each generated file newer than its generator and keeps it.
    for gen in crypto/modes/asm/aes-gcm-avx512.pl crypto/bn/asm/rsaz-{2k,3k,4k}-{avx512,avxifma}.pl; do
      out_s="$(dirname "$(dirname "$gen")")/$(basename "$gen" .pl).s"
      if [ -f "$gen" ] && grep -q "^$out_s:" Makefile; then
        no_avx="$(dirname "$gen")/no-avx512-$(basename "$gen")"
        sed -E '0,/^if \(\$(avx512vaes|avx512ifma|avxifma)>0\) \{/s//if (0) {/' "$gen" >"$no_avx"
        grep -q '^if (0) {' "$no_avx"
        CC="${CC:-cc}" perl "$no_avx" elf "$out_s"
      fi
    done
    echo "[mobile-openssl] building libcrypto (a few minutes)" >&2
    nice make -s -j"$(nproc)" build_libs >&2
    make -s install_dev >&2
  )
  # Only libcrypto is linked; libssl (built empty of protocols) and the pkg-config files would
  # only invite a wrong link.
  rm -f "$install"/lib/libssl.*
  rm -rf "$install/lib/pkgconfig" "$install/lib/cmake"
  rm -rf "$build"
  echo "$want" >"$stamp"
}

if ! [ -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || ! [ -f "$install/lib/libcrypto.a" ]; then
  build_libcrypto
fi

sqlite_flags=(
  -USQLITE_ENABLE_FTS3 -USQLITE_ENABLE_FTS3_PARENTHESIS -USQLITE_ENABLE_RTREE
  -USQLITE_ENABLE_DBSTAT_VTAB -USQLITE_SOUNDEX -USQLITE_ENABLE_STAT4
  -USQLITE_ENABLE_COLUMN_METADATA -USQLITE_ENABLE_LOAD_EXTENSION -DSQLITE_OMIT_LOAD_EXTENSION
  -DSQLITE_OMIT_DEPRECATED -DSQLITE_OMIT_SHARED_CACHE
)
target_var="$(echo "$target" | tr '-' '_')"
printf 'export OPENSSL_NO_VENDOR=1 OPENSSL_STATIC=1 OPENSSL_LIBS=crypto\n'
printf 'export OPENSSL_DIR=%q\n' "$install"
printf 'export LIBSQLITE3_FLAGS=%q\n' "${sqlite_flags[*]}"
printf 'export CFLAGS_%s=%q\n' "$target_var" "-fno-asynchronous-unwind-tables -fno-unwind-tables"
