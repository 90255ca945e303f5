#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL server on 127.0.0.1, its URL in TRIAGE_TEST_PG_URL and its data
# directory in TRIAGE_TEST_PG_DATA (the reliability tests restart and stop it with pg_ctl, as the postgres user).
# The server is built from the machine's initdb/pg_ctl (PostgreSQL refuses to run as root, so they run as the
# `postgres` user) and is stopped and removed when the command ends, whatever its outcome.
# Without the binaries, or without root to switch user, the command runs without PostgreSQL and the
# PostgreSQL tests report themselves skipped.
set -uo pipefail

if ! command -v initdb >/dev/null || ! command -v pg_ctl >/dev/null || [ "$(id -u)" -ne 0 ]; then
    echo "with-postgres: 找不到 initdb/pg_ctl 或不是 root，PostgreSQL 测试将被跳过" >&2
    exec "$@"
fi
id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres

data=$(mktemp -d /tmp/triage-pg.XXXXXX)
chown postgres "$data"
chmod 700 "$data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() { runuser -u postgres -- "$@"; }

stop() {
    as_pg pg_ctl -D "$data/db" -m immediate stop >/dev/null 2>&1
    rm -rf "$data"
}
trap stop EXIT

as_pg initdb -D "$data/db" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$data/initdb.log" 2>&1 \
    || { cat "$data/initdb.log" >&2; exit 1; }
# The settings go into the server's own configuration, so a plain `pg_ctl start` after a stop brings it back as it was.
printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nfsync = off\n" "$port" "$data" \
    >>"$data/db/postgresql.conf"
as_pg pg_ctl -D "$data/db" -l "$data/server.log" -w start >/dev/null || { cat "$data/server.log" >&2; exit 1; }
as_pg psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE triage_test" >/dev/null

export TRIAGE_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/triage_test"
export TRIAGE_TEST_PG_DATA="$data/db"
echo "with-postgres: PostgreSQL 已在 127.0.0.1:$port 启动" >&2
"$@"
