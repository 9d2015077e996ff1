#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests:
#   .ci/postgres.sh run -- CMD...
# initdb in a temporary folder (as an unprivileged user when run as root), start it on
# 127.0.0.1 and a free port, create a database, export READINGLIST_TEST_DATABASE_URL, run CMD,
# then stop and remove the cluster. Exits with CMD's exit code.
set -euo pipefail

if [ "${1:-}" != "run" ]; then
  echo "usage: $0 run -- CMD..." >&2
  exit 2
fi
shift
[ "${1:-}" = "--" ] && shift
[ "$#" -gt 0 ] || { echo "usage: $0 run -- CMD..." >&2; exit 2; }

PGBIN="${PGBIN:-}"
# Debian keeps the server binaries out of PATH (pg_ctl on PATH may be a wrapper without createdb).
if [ -z "$PGBIN" ]; then
  PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
fi
if [ -z "$PGBIN" ] && command -v initdb >/dev/null 2>&1; then
  PGBIN="$(dirname "$(command -v initdb)")"
fi
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  elif [ -n "${READINGLIST_REQUIRE_POSTGRES:-}" ]; then  # the CI gate: no silent skipping
    echo "error: PostgreSQL's initdb/pg_ctl not found (install Debian's postgresql package)" >&2
    exit 2
  else
    echo "note: PostgreSQL not found (Debian's postgresql package): the PostgreSQL tests skip" >&2
    exec "$@"
  fi
fi

# PostgreSQL refuses to run as root: run the cluster as postgres (or nobody).
AS=()
if [ "$(id -u)" = "0" ]; then
  if id postgres >/dev/null 2>&1; then RUNAS=postgres; else RUNAS=nobody; fi
  AS=(runuser -u "$RUNAS" -- env -C /)  # its tools cannot enter a root-only cwd
fi

TMP="$(mktemp -d /tmp/readinglist-pg.XXXXXX)"
chmod 755 "$TMP"
DATA="$TMP/data"
mkdir -p "$DATA" "$TMP/sock"
[ "${#AS[@]}" -gt 0 ] && chown -R "$RUNAS" "$TMP"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
PGUSER_NAME="readinglist"
DB="readinglist_test"

cleanup() {
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

"${AS[@]}" "$PGBIN/initdb" -D "$DATA" -U "$PGUSER_NAME" -A trust -E UTF8 --locale=C.UTF-8 >"$TMP/initdb.log" 2>&1 \
  || { cat "$TMP/initdb.log" >&2; exit 2; }
"${AS[@]}" "$PGBIN/pg_ctl" -D "$DATA" -w -l "$TMP/server.log" \
  -o "-h 127.0.0.1 -p $PORT -k $TMP/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$TMP/server.log" >&2; exit 2; }
"${AS[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U "$PGUSER_NAME" "$DB"

export READINGLIST_TEST_DATABASE_URL="postgresql+psycopg://$PGUSER_NAME@127.0.0.1:$PORT/$DB"
export READINGLIST_TEST_PGBIN="$PGBIN"
set +e
"$@"
rc=$?
set -e
exit "$rc"
