# Sourced by scripts/test and scripts/bench: start_postgres starts a
# throwaway PostgreSQL cluster from the machine's binaries and exports
# VIGIE_TEST_POSTGRES; it is stopped and removed when the script exits.

pg_bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_pg_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_postgres() {
  local bindir
  bindir=$(pg_bindir || true)
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "PostgreSQL binaries not found: PostgreSQL tests will be skipped (install the 'postgresql' package to run them)."
    return 0
  fi
  PGTMP=$(mktemp -d /tmp/vigie-pg.XXXXXX)
  local port=${VIGIE_TEST_PG_PORT:-55432}
  # initdb refuses to run as root: then the cluster belongs to the postgres user.
  [ "$(id -u)" = 0 ] && chown postgres "$PGTMP"
  as_pg_owner "$bindir/initdb" -D "$PGTMP/data" -U postgres -A trust --no-sync >/dev/null
  as_pg_owner "$bindir/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/log" -w \
    -o "-p $port -k $PGTMP -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
  trap 'stop_postgres' EXIT
  export VIGIE_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  echo "throwaway PostgreSQL cluster on port $port ($("$bindir/postgres" --version))"
}

stop_postgres() {
  if [ -n "${PGTMP:-}" ] && [ -d "$PGTMP/data" ]; then
    as_pg_owner "$(pg_bindir)/pg_ctl" -D "$PGTMP/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PGTMP"
  fi
}
