#!/usr/bin/env bash
# A throw-away PostgreSQL server for the API tests, from the machine's own binaries.
#
#   scripts/pg.sh start   initialise (once) and start the cluster; the last line printed is the database URL:
#                           export TRIAGE_TEST_PG_URL="$(scripts/pg.sh start | tail -n 1)"
#   scripts/pg.sh url     print the URL of the running cluster
#   scripts/pg.sh stop    stop it (the data directory is kept; add --clean to remove it)
#
# Idempotent: starting a running cluster only prints its URL. PostgreSQL refuses to run as root, so the server runs
# as the `postgres` user (created if missing). Authentication is `trust` on 127.0.0.1 only: test use, never production.
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/local/bin}"
PG_HOME="${TRIAGE_PG_HOME:-/tmp/triage-pg}"
DATA="$PG_HOME/data"
DB_NAME="${TRIAGE_PG_DB:-triage}"

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_user() {
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --user-group --home-dir "$PG_HOME" --shell /usr/sbin/nologin postgres
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

url() {
    echo "postgresql+psycopg://postgres@127.0.0.1:$(cat "$PG_HOME/port")/$DB_NAME"
}

running() {
    [ -f "$DATA/PG_VERSION" ] && as_postgres "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

create_database() {
    # No psql on the machine: ask the server itself through single-connection Python (psycopg comes with triage).
    local python="${PYTHON:-$(dirname "$0")/../.venv/bin/python}"
    [ -x "$python" ] || python=python3
    "$python" - "$(cat "$PG_HOME/port")" "$DB_NAME" <<'PY'
import sys
import psycopg
port, name = sys.argv[1], sys.argv[2]
with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True) as db:
    if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        db.execute(f'CREATE DATABASE "{name}"')
PY
}

start() {
    ensure_user
    mkdir -p "$PG_HOME"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_HOME"; fi
    chmod 700 "$PG_HOME"
    if [ ! -f "$DATA/PG_VERSION" ]; then
        as_postgres "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$PG_HOME/initdb.log"
    fi
    if ! running; then
        free_port >"$PG_HOME/port"
        as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -l "$PG_HOME/server.log" -w -t 60 \
            -o "-p $(cat "$PG_HOME/port") -k $PG_HOME -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    fi
    create_database
    url
}

stop() {
    if running; then
        as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    fi
    if [ "${1:-}" = "--clean" ]; then rm -rf "$PG_HOME"; fi
}

case "${1:-}" in
    start) start ;;
    stop) shift; stop "$@" ;;
    url) url ;;
    *) echo "usage: $0 start|url|stop [--clean]" >&2; exit 2 ;;
esac
