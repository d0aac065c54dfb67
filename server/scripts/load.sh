#!/usr/bin/env bash
# Load test (a bench, not a test): q1–q5 of shared/bench/README.md as HTTP
# requests against the demo server at 100 000 conversations (pinned to the
# 2021 data set with --demo-until 2022-01-01T00:00:00Z, which q1–q5's dates
# assume), with /healthz measured in the same run (same server process) as the ceiling: before the
# first route and again after each one, so every route's share is taken
# against the mean of the /healthz runs just before and just after it (on a
# shared machine the ceiling itself moves by ±20 % within minutes). The whole
# sequence runs LOAD_ROUNDS times; the table gives medians over the rounds,
# the worst p99, and every round's share.
#
#   bash server/scripts/load.sh                 # 3 rounds, 5 s per route, 32 connections
#   LOAD_ROUNDS=1 LOAD_SECS=10 LOAD_CONNS=64 LOAD_SIZE=100000 bash server/scripts/load.sh
#   LOAD_PIN=1 bash server/scripts/load.sh      # server on CPU 0, wrk (1 thread) on CPU 1
#   LOAD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/fig1m LOAD_SIZE=1000000 \
#       bash server/scripts/load.sh             # the PostgreSQL backend (see below)
#
# The server starts without any inherited DATABASE_URL (in memory) unless
# LOAD_DATABASE_URL is set: then it runs with `--database-url` on that
# database (which must exist; a database already seeded with the same
# --demo data is not loaded again, so load once and run rounds), and a
# second table gives, per route, where a request's time goes: the
# PostgreSQL backends' CPU per request (/proc of the backends connected to
# that database), transactions per request (pg_stat_database), the mean
# number of pool connections in a transaction (pg_stat_activity, sampled
# every 0.2 s), the time a request holds a connection (that mean over
# req/s, Little's law) and the pool wait it leaves (wrk's mean latency
# minus the holding time). Needs `psql`.
#
# Needs `wrk` (Debian package; installed with apt-get when missing and root).
# Prints a Markdown table: req/s, p50, p99, the server's and wrk's CPU per
# request (wrk runs on the same cores, so its cost is part of what a route
# can reach), and req/s as a share of the neighbouring /healthz runs;
# then the server's resident memory (idle after loading, and peak).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
SECS="${LOAD_SECS:-5}"
ROUNDS="${LOAD_ROUNDS:-3}"
CONNS="${LOAD_CONNS:-32}"
THREADS="${LOAD_THREADS:-2}"
PIN="${LOAD_PIN:-0}"
SERVER_PREFIX=()
WRK_PREFIX=()
if [ "$PIN" = 1 ]; then
    SERVER_PREFIX=(taskset -c 0)
    WRK_PREFIX=(taskset -c 1)
    THREADS="${LOAD_THREADS:-1}"
fi
SIZE="${LOAD_SIZE:-100000}"
DB_URL="${LOAD_DATABASE_URL:-}"
# Seconds to wait for `listening on` (generating and loading 1M
# conversations takes minutes on a busy machine).
START_SECS="${LOAD_START_SECS:-900}"
DB_ARGS=()
if [ -n "$DB_URL" ]; then
    DB_ARGS=(--database-url "$DB_URL")
    command -v psql >/dev/null 2>&1 || { echo "load: LOAD_DATABASE_URL needs psql" >&2; exit 1; }
fi
export DEMO_APP_ID="${DEMO_APP_ID:-load-app}"
export DEMO_APP_SECRET="${DEMO_APP_SECRET:-load-secret}"

if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
    else
        echo "load: wrk is not installed (apt-get install wrk)" >&2
        exit 1
    fi
fi

cargo build --quiet --release -p server --bin rsql-server
BIN="$TARGET/release/rsql-server"
LOG="$(mktemp)"
env -u DATABASE_URL RUST_LOG=warn "${SERVER_PREFIX[@]}" "$BIN" "${DB_ARGS[@]}" --demo --demo-size "$SIZE" --demo-until 2022-01-01T00:00:00Z --addr 127.0.0.1:0 >"$LOG" 2>&1 &
PID=$!
cleanup() {
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    rm -f "$LOG"
}
trap cleanup EXIT

BASE=""
for _ in $(seq 1 "$((START_SECS * 10))"); do
    BASE="$(sed -n 's/^listening on //p' "$LOG" | head -n1)"
    [ -n "$BASE" ] && break
    kill -0 "$PID" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
    sleep 0.1
done
[ -n "$BASE" ] || { echo "load: no address printed" >&2; exit 1; }
sleep 0.5
TOKEN="$(grep -o 'Bearer [0-9a-f]*' "$LOG" | head -n1 | cut -d' ' -f2)"
rss() { awk -v k="$1:" '$1 == k { print int($2 / 1024) }' "/proc/$PID/status"; }
RSS_IDLE="$(rss VmRSS)"

# name|path (already percent-encoded where needed)
ROUTES=(
    "healthz|/healthz"
    "q1|/v1/conversations?limit=20&filter=conversation.startTime%3Dge%3D2021-03-01T00%3A00%3A00.000Z%3Bconversation.startTime%3Dlt%3D2021-03-08T00%3A00%3A00.000Z%3Bconversation.type%3D%3Dmeeting"
    "q2|/v1/conversations?limit=20&filter=conversation.name%3D%3D*Brainstorm*"
    "q3|/v1/conversations?limit=20&filter=metadata.agentId%3Din%3D(agent-0007%2Cagent-0042%2Cagent-0311)"
    "q4|/v1/conversations?limit=20&filter=members.email%3D%3Dcharles.miller1%40initech.net"
    "q5|/v1/conversations?sort=-conversation.name&limit=20&offset=100&startTime=2000-01-01T00%3A00%3A00Z"
)

# Check each route answers 200 before timing it.
for r in "${ROUTES[@]}"; do
    path="${r#*|}"
    code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$BASE$path")"
    [ "$code" = 200 ] || { echo "load: $path answered $code" >&2; exit 1; }
done

to_ms() { # wrk latency such as 812.00us, 1.20ms, 2.01s -> ms
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
        else print v }'
}

echo "load: $BASE, ${DB_URL:+PostgreSQL backend (${DB_URL##*@}), }$SIZE conversations, $CONNS connections, $THREADS wrk threads, ${SECS}s per route, $ROUNDS rounds, $(nproc) cores, pinned: $PIN"
echo
TICK="$(getconf CLK_TCK)"
# wrk on one path; sets RPS, P50, P99 and CPU (the server's user and system
# CPU per request, in µs, from /proc/PID/stat); exits on a non-2xx answer.
measure() {
    local name="$1" path="$2" out errors u0 s0 u1 s1 n db0 db1 x0 x1 sampler busy wu ws
    read -r u0 s0 < <(awk '{ print $14, $15 }' "/proc/$PID/stat")
    local account=0
    [ -z "$DB_URL" ] || [ "$name" = healthz ] || account=1
    if [ "$account" = 1 ]; then
        db0="$(db_cpu)"
        x0="$(db_xacts)"
        : >"$BUSY"
        (while :; do psql -X -q -At "$DB_URL" -c "$BUSY_SQL" >>"$BUSY" 2>/dev/null; sleep 0.2; done) &
        sampler=$!
    fi
    # wrk's own user and system CPU (bash's `time`): the client shares the
    # cores with the server, so its cost per request is part of the ceiling.
    out="$( { TIMEFORMAT='%U %S'; time "${WRK_PREFIX[@]}" wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -H "Authorization: Bearer $TOKEN" "$BASE$path"; } 2>"$WRK_TIME")"
    read -r u1 s1 < <(awk '{ print $14, $15 }' "/proc/$PID/stat")
    read -r wu ws < <(tail -n1 "$WRK_TIME")
    n="$(awk '/requests in/ { print $1 }' <<<"$out")"
    MEAN="$(to_ms "$(awk '$1 == "Latency" { print $2 }' <<<"$out")")"
    if [ "$account" = 1 ]; then
        kill "$sampler" 2>/dev/null || true
        wait "$sampler" 2>/dev/null || true
        db1="$(db_cpu)"
        x1="$(db_xacts)"
        busy="$(awk '{ s += $1; k++ } END { printf "%.2f", k ? s / k : 0 }' "$BUSY")"
        DB="$(awk -v c="$(db_cpu_delta "$db0" "$db1")" -v x="$((x1 - x0))" -v n="$n" -v t="$TICK" -v b="$busy" \
            -v rps="$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")" -v m="$MEAN" \
            'BEGIN { h = b * 1000 / rps; printf "%.1f %.2f %s %.2f %.2f %.2f", c * 1e6 / t / n, x / n, b, h, m, m - h }')"
    fi
    CPU="$(awk -v a="$((u1 - u0))" -v b="$((s1 - s0))" -v wu="$wu" -v ws="$ws" -v n="$n" -v t="$TICK" \
        'BEGIN { printf "%.1f %.1f %.1f", a * 1e6 / t / n, b * 1e6 / t / n, (wu + ws) * 1e6 / n }')"
    RPS="$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")"
    P50="$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")"
    P99="$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")"
    errors="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")"
    [ -z "$errors" ] || { echo "load: $name had $errors non-2xx answers" >&2; exit 1; }
}

# The PostgreSQL side (LOAD_DATABASE_URL only). db_cpu prints "pid:ticks"
# for every backend connected to the database (user + system CPU, from
# /proc); db_cpu_delta sums the growth of the pids seen both times plus the
# whole CPU of those that appeared (a backend that ended in between is
# missed: the pool keeps its connections, so that is rare).
db_cpu() {
    local p
    for p in $(psql -X -At "$DB_URL" -c "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"); do
        [ -r "/proc/$p/stat" ] && awk -v p="$p" '{ printf "%s:%d ", p, $14 + $15 }' "/proc/$p/stat"
    done
    echo
}
db_cpu_delta() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        n = split(a, x, " "); for (i = 1; i <= n; i++) { split(x[i], kv, ":"); before[kv[1]] = kv[2] }
        n = split(b, y, " "); for (i = 1; i <= n; i++) { split(y[i], kv, ":"); s += kv[2] - (kv[1] in before ? before[kv[1]] : 0) }
        print s + 0 }'
}
db_xacts() {
    psql -X -At "$DB_URL" -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
}
# Connections of this database in a transaction or running a statement
# (not idle in the pool), the sampler's own excluded.
BUSY_SQL="SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
BUSY="$(mktemp)"
WRK_TIME="$(mktemp)"
DB=""
MEAN=""

HEALTH_PATH="${ROUTES[0]#*|}"
RESULTS="$(mktemp)"
DBRESULTS="$(mktemp)"
trap 'cleanup; rm -f "$RESULTS" "$DBRESULTS" "$BUSY" "$WRK_TIME"' EXIT
# One round: /healthz, then each route followed by /healthz. A line per
# route: name round req/s p50 p99 cpu-user cpu-system wrk-cpu share (the share
# against the mean of the /healthz runs just before and after it); a line
# per /healthz run, without the share.
for round in $(seq 1 "$ROUNDS"); do
    measure healthz "$HEALTH_PATH"
    BEFORE="$RPS"
    echo "healthz $round $RPS $P50 $P99 $CPU" >>"$RESULTS"
    for r in "${ROUTES[@]:1}"; do
        name="${r%%|*}"
        path="${r#*|}"
        measure "$name" "$path"
        rps="$RPS" p50="$P50" p99="$P99" cpu="$CPU"
        [ -z "$DB_URL" ] || echo "$name $round $DB" >>"$DBRESULTS"
        measure healthz "$HEALTH_PATH"
        echo "healthz $round $RPS $P50 $P99 $CPU" >>"$RESULTS"
        awk -v n="$name" -v r="$round" -v a="$rps" -v p50="$p50" -v p99="$p99" -v cpu="$cpu" -v b="$BEFORE" -v c="$RPS" \
            'BEGIN { printf "%s %s %.0f %s %s %s %.1f\n", n, r, a, p50, p99, cpu, 200 * a / (b + c) }' >>"$RESULTS"
        BEFORE="$RPS"
    done
done

# Per route: the median over rounds of req/s, p50, server CPU and the share,
# the worst p99, every round's share and p99. /healthz: over all its runs.
echo "| route | req/s (median) | p50 ms (median) | p99 ms (worst) | server CPU µs/request, user + system (median) | wrk CPU µs/request (median) | share of /healthz (median) | shares per round | p99 ms per round |"
echo "|---|---:|---:|---:|---:|---:|---:|---|---|"
awk -v order="healthz ${ROUTES[*]:1}" '
    function median(list,   a, n, i, j, t) {
        n = split(list, a, " ")
        for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    { rps[$1] = rps[$1] " " $3; p50[$1] = p50[$1] " " $4; if ($5 + 0 > worst[$1] + 0) worst[$1] = $5
      p99s[$1] = p99s[$1] (p99s[$1] == "" ? "" : ", ") $5
      usr[$1] = usr[$1] " " $6; sys[$1] = sys[$1] " " $7; wrk[$1] = wrk[$1] " " $8; runs[$1]++
      if (NF == 9) { share[$1] = share[$1] " " $9; shares[$1] = shares[$1] (shares[$1] == "" ? "" : ", ") $9 " %" } }
    END {
        n = split(order, names, " ")
        for (i = 1; i <= n; i++) {
            k = names[i]; sub(/\|.*/, "", k)
            if (k == "healthz")
                printf "| healthz (%d runs) | %.0f | %.3f | %.3f | %.1f + %.1f | %.1f | 100 %% | | |\n", runs[k], median(rps[k]), median(p50[k]), worst[k], median(usr[k]), median(sys[k]), median(wrk[k])
            else
                printf "| %s | %.0f | %.3f | %.3f | %.1f + %.1f | %.1f | %.0f %% | %s | %s |\n", k, median(rps[k]), median(p50[k]), worst[k], median(usr[k]), median(sys[k]), median(wrk[k]), median(share[k]), shares[k], p99s[k]
        }
    }' "$RESULTS"
if [ -n "$DB_URL" ]; then
    echo
    echo "| route | PostgreSQL CPU µs/request (median) | transactions/request | pool connections in a transaction (median of means) | connection held ms/request | mean latency ms | pool wait ms (mean − held) |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    awk -v order="${ROUTES[*]:1}" '
        function median(list,   a, n, i, j, t) {
            n = split(list, a, " ")
            for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        { for (f = 3; f <= 8; f++) v[$1, f] = v[$1, f] " " $f }
        END {
            n = split(order, names, " ")
            for (i = 1; i <= n; i++) {
                k = names[i]; sub(/\|.*/, "", k)
                printf "| %s | %.0f | %.2f | %.1f | %.2f | %.2f | %.2f |\n", k, median(v[k, 3]), median(v[k, 4]), median(v[k, 5]), median(v[k, 6]), median(v[k, 7]), median(v[k, 8])
            }
        }' "$DBRESULTS"
fi
echo
echo "resident memory: ${RSS_IDLE} MB after loading $SIZE conversations, $(rss VmRSS) MB after the load test, $(rss VmHWM) MB peak (VmHWM)"
