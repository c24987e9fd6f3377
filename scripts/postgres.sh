#!/usr/bin/env bash
# Starts a PostgreSQL server on loopback for the gateway's tests and benchmarks, installing
# Debian's `postgresql` first on a machine that has none. The server runs as the `postgres` user
# (PostgreSQL refuses root) from a throwaway cluster, with trust authentication on 127.0.0.1 only.
# Idempotent: a server already answering on the port is reused. TLS is on as well (for the
# gateway's `sslmode=verify-full` test): a throwaway CA and a certificate for 127.0.0.1 and
# localhost are made with openssl in $DIR/tls (the CA is $DIR/tls/ca.pem), and `ssl = on` is set
# by a configuration reload, so plain connections keep working and a running server is not
# restarted.
#
#   scripts/postgres.sh          # start (or reuse); prints the server URL as its last line
#   scripts/postgres.sh stop     # stop it
set -euo pipefail

PORT="${QIANPI_PG_PORT:-54329}"
DIR="${QIANPI_PG_DIR:-/var/tmp/qianpi-pg}"
URL="postgres://qianpi@127.0.0.1:$PORT"

log() { printf '[postgres] %s\n' "$*" >&2; }

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# openssl makes the server's test certificates (below).
if [ -z "$(bin_dir)" ] || ! command -v pg_isready >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
  log "installing Debian's postgresql and openssl"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql openssl >/dev/null
fi
BIN="$(bin_dir)"

if [ "${1:-start}" = "stop" ]; then
  [ -d "$DIR/data" ] && runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >&2 || true
  exit 0
fi

# Turns TLS on (once) on the running server.
enable_tls() {
  local tls="$DIR/tls" sql=(runuser -u postgres -- "$BIN/psql" -X -q -A -t -h 127.0.0.1 -p "$PORT" -U qianpi -d postgres)
  if ! command -v openssl >/dev/null 2>&1; then
    log "openssl could not be installed: TLS stays off (plain connections work; the gateway's TLS test fails and says so)"
    return 0
  fi
  if [ ! -s "$tls/server.pem" ]; then
    mkdir -p "$tls"
    (
      cd "$tls"
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
        -subj "/CN=Qianpi test PostgreSQL CA" -keyout ca-key.pem -out ca.pem \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
        -keyout server-key.pem -out server.csr 2>/dev/null
      printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >server.ext
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 825 \
        -extfile server.ext -out server-cert.pem 2>/dev/null
      cat server-cert.pem ca.pem >server.pem.new
      rm -f server.csr server.ext ca.srl
      chmod 600 server-key.pem ca-key.pem
      chmod 644 ca.pem server-cert.pem server.pem.new
      mv server.pem.new server.pem
    )
    chown -R postgres:postgres "$tls"
    chmod 755 "$tls"
  fi
  if [ "$("${sql[@]}" -c 'SHOW ssl')" != "on" ]; then
    "${sql[@]}" -c "ALTER SYSTEM SET ssl_cert_file = '$tls/server.pem'"
    "${sql[@]}" -c "ALTER SYSTEM SET ssl_key_file = '$tls/server-key.pem'"
    "${sql[@]}" -c "ALTER SYSTEM SET ssl = on"
    "${sql[@]}" -c "SELECT pg_reload_conf()" >/dev/null
    sleep 1
    if [ "$("${sql[@]}" -c 'SHOW ssl')" = "on" ]; then
      log "TLS on (CA $tls/ca.pem)"
    else
      log "TLS could not be turned on; see $DIR/server.log"
    fi
  fi
}

if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
  log "reusing the server on port $PORT"
  enable_tls
  echo "$URL"
  exit 0
fi

rm -rf "$DIR"
mkdir -p "$DIR"
chown postgres:postgres "$DIR"
runuser -u postgres -- "$BIN/initdb" -D "$DIR/data" -A trust -U qianpi -E UTF8 --locale=C.UTF-8 >/dev/null
# Each test gateway opens a small pool; leave room for two test threads and a benchmark.
runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-h 127.0.0.1 -p $PORT -k $DIR -c max_connections=300" start >&2
log "started PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
enable_tls
echo "$URL"
