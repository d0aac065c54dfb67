#!/usr/bin/env bash
# PostgreSQL backend against the in-memory one, same run (a bench, not a
# test): load.sh on the in-memory server, then load.sh on a server with
# `--database-url` on a database this script creates (and drops when it
# ends), both at LOAD_SIZE conversations (default 1 000 000, the 2021 bench
# data set); then, per route, the PostgreSQL backend's req/s as a share of
# the in-memory backend's and both p99s.
#
#   bash server/scripts/load-pg.sh                    # 1M, load.sh's defaults
#   LOAD_SIZE=100000 LOAD_ROUNDS=1 bash server/scripts/load-pg.sh
#
# PostgreSQL: LOAD_PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres)
# names the server and a database to create the bench database from. Every
# LOAD_* knob of load.sh applies to both runs. Needs psql and wrk.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ADMIN="${LOAD_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export LOAD_SIZE="${LOAD_SIZE:-1000000}"
DB="rsql_load_$$"
URL="${ADMIN%/*}/$DB"
MEM="$(mktemp)"
PG="$(mktemp)"
cleanup() {
    psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -f "$MEM" "$PG"
}
trap cleanup EXIT
psql -X -q -v ON_ERROR_STOP=1 "$ADMIN" -c "CREATE DATABASE $DB" >/dev/null

echo "== in memory"
bash "$ROOT/server/scripts/load.sh" | tee "$MEM"
echo
echo "== PostgreSQL ($DB, dropped at the end)"
LOAD_DATABASE_URL="$URL" bash "$ROOT/server/scripts/load.sh" | tee "$PG"
echo
echo "== PostgreSQL as a share of in memory (medians over the rounds)"
echo
echo "| route | in memory req/s | PostgreSQL req/s | share | in memory p99 ms | PostgreSQL p99 ms |"
echo "|---|---:|---:|---:|---:|---:|"
# load.sh's first table: | route | req/s | p50 | p99 | ... (the first
# table only: its rows are the first with a number in column 3).
awk -F'|' '
    FNR == 1 { file++ ; seen = 0 }
    /^\| route/ { seen++ }
    seen == 1 && $3 ~ /^ *[0-9]/ {
        k = $2; gsub(/ /, "", k)
        if (file == 1) { mrps[k] = $3 + 0; mp99[k] = $5 + 0; order[++n] = k }
        else { prps[k] = $3 + 0; pp99[k] = $5 + 0 }
    }
    END {
        for (i = 1; i <= n; i++) {
            k = order[i]; if (k ~ /^healthz/) continue
            printf "| %s | %.0f | %.0f | %.0f %% | %.3f | %.3f |\n", k, mrps[k], prps[k], mrps[k] ? 100 * prps[k] / mrps[k] : 0, mp99[k], pp99[k]
        }
    }' "$MEM" "$PG"
