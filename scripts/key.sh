#!/usr/bin/env bash
# Make an API key (what `make key ROLE=... NAME=...` runs).
#
# With DATABASE_URL set, against that database.  Without it, against the
# private PostgreSQL of `make run` under .data/pg: used as it is when the
# service is running, else started for the moment (with its migrations
# applied) and stopped again.  Prints the key, which is shown only once.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
role=${1:?usage: scripts/key.sh ROLE NAME}
name=${2:?usage: scripts/key.sh ROLE NAME}

if [ -z "${DATABASE_URL:-}" ]; then
	if ! scripts/pg.sh status .data/pg; then
		trap 'scripts/pg.sh stop .data/pg' EXIT
	fi
	DATABASE_URL=$(scripts/pg.sh start .data/pg fairaudit)
	export DATABASE_URL
	"$BUILD/fairaudit" migrate >/dev/null
fi
"$BUILD/fairaudit" keys create --role "$role" --name "$name"
