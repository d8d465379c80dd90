#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL cluster in a temporary directory, reachable only
# through a Unix socket in that directory.
#   eval "$(scripts/pg_cluster.sh start)"   → exports PG_TMP and DATABASE_URL
#   scripts/pg_cluster.sh stop "$PG_TMP"
set -euo pipefail
bindir=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)")
as_owner() {  # initdb and postgres refuse to run as root
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
start)
  tmp=$(mktemp -d /tmp/jiceng-pg.XXXXXX)
  mkdir -p "$tmp/data" "$tmp/sock"
  [ "$(id -u)" = "0" ] && chown -R postgres "$tmp" && chmod 755 "$tmp"
  as_owner "$bindir/initdb" -D "$tmp/data" -U jiceng -A trust -E UTF8 --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1
  as_owner "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w \
    -o "-k $tmp/sock -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60" \
    start >/dev/null
  as_owner "$bindir/createdb" -h "$tmp/sock" -U jiceng jiceng  # for tools that connect directly (benchmarks)
  sockenc=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=""))' "$tmp/sock")
  echo "export PG_TMP=$tmp"
  echo "export DATABASE_URL=postgres://jiceng@$sockenc/jiceng"
  ;;
stop)
  tmp=${2:?usage: pg_cluster.sh stop DIR}
  as_owner "$bindir/pg_ctl" -D "$tmp/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
  ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
