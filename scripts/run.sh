#!/usr/bin/env bash
# Run the service (what `make run` does after building).
#
# With DATABASE_URL set, serve against that database.  Without it, start
# (or reuse) a private PostgreSQL cluster under .data/pg, serve against it,
# and stop the cluster again when the service stops, so nothing is left
# running.  Migrations are applied at start; on the very first start an
# admin API key is printed once.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export FAIRAUDIT_ADDR=${FAIRAUDIT_ADDR:-127.0.0.1:8080}

if [ -z "${DATABASE_URL:-}" ]; then
	DATABASE_URL=$(scripts/pg.sh start .data/pg fairaudit)
	export DATABASE_URL
	trap 'scripts/pg.sh stop .data/pg' EXIT
	echo "fairaudit: private PostgreSQL in .data/pg" >&2
fi

"$BUILD/fairaudit" serve &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' INT TERM
set +e
wait $pid
wait $pid 2>/dev/null
exit 0
