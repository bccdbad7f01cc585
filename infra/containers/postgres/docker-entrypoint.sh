#!/bin/bash
# First start: initdb in $PGDATA with POSTGRES_USER (default postgres) and POSTGRES_PASSWORD
# (required, as upstream, unless POSTGRES_HOST_AUTH_METHOD=trust), password logins from any
# address, then POSTGRES_DB (default: the user's name) created on a socket-only server. Later
# starts find the data and go straight to the server. The command `postgres ARGS...` runs the
# server with ARGS (e.g. -c fsync=off); any other command runs as given.
set -euo pipefail

if [[ "${1:-}" != postgres ]]; then exec "$@"; fi
shift

POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
AUTH="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  if [[ -z "${POSTGRES_PASSWORD:-}" && "$AUTH" != trust ]]; then
    echo "postgres: POSTGRES_PASSWORD must be set (or POSTGRES_HOST_AUTH_METHOD=trust)" >&2
    exit 2
  fi
  mkdir -p "$PGDATA" && chmod 0700 "$PGDATA"
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") \
    --auth-local=trust --auth-host="$AUTH" --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
  printf 'host all all all %s\n' "$AUTH" >>"$PGDATA/pg_hba.conf"
  printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
  if [[ "$POSTGRES_DB" != postgres ]]; then
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
    psql -v ON_ERROR_STOP=1 -q --username="$POSTGRES_USER" --dbname=postgres \
      --set=db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
    pg_ctl -D "$PGDATA" -m fast -w stop
  fi
  echo "postgres: initialised $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
fi

exec postgres -D "$PGDATA" "$@"
