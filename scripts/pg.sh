#!/usr/bin/env bash
# A private PostgreSQL cluster in a folder of its own.
#
#   scripts/pg.sh start DIR [DBNAME]   initialise DIR if empty, start the server,
#                                      create DBNAME (default fairaudit) and print
#                                      its connection URL on stdout
#   scripts/pg.sh stop DIR             stop the server of DIR (no-op if stopped)
#   scripts/pg.sh status DIR           exit 0 when the server of DIR is running
#
# The server listens on no TCP port, only on a Unix socket inside DIR, with
# trust authentication: only users who can enter DIR can connect.  PostgreSQL
# refuses to run as root, so as root the cluster runs as the `postgres` user.
set -euo pipefail

cmd=${1:?usage: pg.sh start|stop|status DIR [DBNAME]}
dir=${2:?usage: pg.sh start|stop DIR [DBNAME]}
db=${3:-fairaudit}

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "pg.sh: PostgreSQL server binaries not found" >&2; exit 1; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data=$dir/data
sock=$dir/run

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

case $cmd in
start)
	mkdir -p "$sock"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres:postgres "$dir" "$sock"
		chmod 0711 "$dir"
	fi
	if [ ! -s "$data/PG_VERSION" ]; then
		as_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 \
			--locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
		cat >>"$data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$sock'
fsync = on
max_connections = 100
shared_buffers = 256MB
CONF
	fi
	if ! as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
			{ tail -20 "$dir/server.log" >&2; exit 1; }
	fi
	if ! as_owner "$bin/psql" -h "$sock" -U postgres -Atqc \
		"SELECT 1 FROM pg_database WHERE datname = '$db'" postgres | grep -q 1; then
		as_owner "$bin/createdb" -h "$sock" -U postgres "$db"
	fi
	echo "postgresql:///$db?host=$sock&user=postgres"
	;;
status)
	[ -s "$data/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
	;;
stop)
	if [ -s "$data/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
	fi
	;;
*)
	echo "usage: pg.sh start|stop|status DIR [DBNAME]" >&2
	exit 2
	;;
esac
