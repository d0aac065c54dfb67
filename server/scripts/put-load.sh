#!/usr/bin/env bash
# Write load (a bench, not a test): `PUT /v1/conversations/{id}` metadata
# merges from wrk at PUT_CONNS connections against the release server on
# each storage, one after the other in one run:
#
#   memory     in memory only (writes lost on exit)
#   data-dir   in memory, every write journaled with fdatasync before the
#              answer (group commit; docs/journal.md), in a temporary directory
#   postgres   with --database-url on a database this script creates and
#              drops (only when psql is installed and PUT_PG_ADMIN_URL, default
#              postgres://postgres@127.0.0.1:5432/postgres, answers)
#
#   bash server/scripts/put-load.sh                  # 100 000 conversations, 32 connections, 10 s
#   PUT_SIZE=1000000 PUT_SECS=20 bash server/scripts/put-load.sh
#
# Each request sets one key to a new value on a conversation drawn at random
# from the first 1 000 of the demo data; every answer must be 200 (the run
# stops otherwise). Prints a Markdown table: writes, writes/s, p50, p99, the
# server's CPU per write, and for data-dir how much the journal grew per
# write (the fdatasyncs per write are counted by benches/journal.rs). Needs wrk
# (apt-get install wrk) and python3.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
SIZE="${PUT_SIZE:-100000}"
CONNS="${PUT_CONNS:-32}"
SECS="${PUT_SECS:-10}"
THREADS="${PUT_THREADS:-2}"
ADMIN="${PUT_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
command -v wrk >/dev/null 2>&1 || { echo "put-load: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

cargo build --quiet --release -p server --bin rsql-server
BIN="$TARGET/release/rsql-server"
WORK="$(mktemp -d)"
PID=""
DB=""
cleanup() {
    [ -z "$PID" ] || { kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
    [ -z "$DB" ] || psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# start NAME ARGS...: the server on a free port; sets BASE and TOKEN.
start() {
    local name="$1"
    shift
    env -u DATABASE_URL -u RSQL_DATA_DIR RUST_LOG=warn "$BIN" --addr 127.0.0.1:0 --static-token put-load-token \
        --demo --demo-size "$SIZE" --demo-until 2022-01-01T00:00:00Z "$@" >"$WORK/$name.log" 2>&1 &
    PID=$!
    BASE=""
    for _ in $(seq 1 9000); do
        BASE="$(sed -n 's/^listening on //p' "$WORK/$name.log" | head -n1)"
        [ -n "$BASE" ] && break
        kill -0 "$PID" 2>/dev/null || { cat "$WORK/$name.log" >&2; exit 1; }
        sleep 0.1
    done
    [ -n "$BASE" ] || { echo "put-load: $name printed no address" >&2; exit 1; }
    TOKEN=put-load-token
}

stop() {
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
}

ROWS=()
# run NAME: ids, wrk, one table row.
run() {
    local name="$1" out u0 s0 u1 s1 n rps p50 p99 non2xx
    curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/v1/conversations?limit=1000&startTime=2000-01-01T00:00:00Z" |
        python3 -c 'import json, sys; [print(c["id"]) for c in json.load(sys.stdin)["conversations"]]' >"$WORK/ids"
    [ -s "$WORK/ids" ] || { echo "put-load: $name listed no conversations" >&2; exit 1; }
    read -r u0 s0 < <(awk '{ print $14, $15 }' "/proc/$PID/stat")
    out="$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -s "$ROOT/server/scripts/put.lua" "$BASE" -- "$WORK/ids" "$TOKEN")"
    read -r u1 s1 < <(awk '{ print $14, $15 }' "/proc/$PID/stat")
    non2xx="$(awk '/Non-2xx/ { print $5 }' <<<"$out")"
    [ -z "$non2xx" ] || { echo "$out" >&2; echo "put-load: $name had $non2xx non-2xx answers" >&2; exit 1; }
    n="$(awk '/requests in/ { print $1 }' <<<"$out")"
    rps="$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")"
    p50="$(awk '$1 == "50%" { print $2 }' <<<"$out")"
    p99="$(awk '$1 == "99%" { print $2 }' <<<"$out")"
    local cpu
    cpu="$(awk -v a="$((u1 - u0 + s1 - s0))" -v n="$n" -v t="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", a * 1e6 / t / n }')"
    ROWS+=("| $name | $n | $rps | $p50 | $p99 | $cpu | ${2:-} |")
}

echo "put-load: $SIZE conversations, $CONNS connections, $THREADS wrk threads, ${SECS}s per storage, $(nproc) cores"

start memory
run memory
stop

mkdir -p "$WORK/data"
start data-dir --data-dir "$WORK/data"
before="$(du -sb "$WORK/data" | cut -f1)"
run data-dir
after="$(du -sb "$WORK/data" | cut -f1)"
writes="$(awk -F'|' 'END { print $3 + 0 }' < <(printf '%s\n' "${ROWS[-1]}"))"
ROWS[-1]="${ROWS[-1]% |}$(awk -v a="$before" -v b="$after" -v n="$writes" 'BEGIN { printf "journal grew %.0f bytes a write |", (b - a) / n }')"
stop

if command -v psql >/dev/null 2>&1 && psql -X -q "$ADMIN" -c "SELECT 1" >/dev/null 2>&1; then
    DB="rsql_put_$$"
    psql -X -q -v ON_ERROR_STOP=1 "$ADMIN" -c "CREATE DATABASE $DB" >/dev/null
    start postgres --database-url "${ADMIN%/*}/$DB"
    run postgres
    stop
else
    ROWS+=("| postgres | not run: $ADMIN does not answer | | | | | |")
fi

echo
echo "| storage | writes | writes/s | p50 | p99 | server CPU µs/write | |"
echo "|---|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${ROWS[@]}"
