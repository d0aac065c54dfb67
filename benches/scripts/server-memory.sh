#!/usr/bin/env bash
# Resident memory of `rsql-server --symbl-data FILE` (issue 17): starts the
# release server on a free port, waits for /healthz, then prints VmRSS and
# VmHWM once a second for SETTLE seconds (default 20), the load time the
# server took to answer, and stops the server.
#
#   cargo build --release -p server
#   cargo run --release -p store --example memory -- /tmp/conv-1m.jsonl --generate 1000000
#   benches/scripts/server-memory.sh /tmp/conv-1m.jsonl
#
# Needs: curl, Linux /proc. BIN overrides the server binary
# (default: $CARGO_TARGET_DIR or target, release/rsql-server). SERVER_ARGS
# adds flags, e.g. SERVER_ARGS="--data-dir /tmp/journal-1m" for the journal
# on (the first start seeds the directory; a second start recovers from it).
set -euo pipefail
file=${1:?usage: server-memory.sh FILE}
settle=${SETTLE:-20}
bin=${BIN:-${CARGO_TARGET_DIR:-target}/release/rsql-server}
port=${PORT:-$(( 20000 + RANDOM % 20000 ))}
[ -x "$bin" ] || { echo "no server binary at $bin (cargo build --release -p server)" >&2; exit 1; }
start=$(date +%s.%N)
# shellcheck disable=SC2086 # SERVER_ARGS is a list of flags
"$bin" --addr "127.0.0.1:$port" --symbl-data "$file" --static-token "memtest-$RANDOM$RANDOM" ${SERVER_ARGS:-} \
  >/dev/null 2>"${TMPDIR:-/tmp}/server-memory.$$.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
  kill -0 "$pid" 2>/dev/null || { echo "server exited:" >&2; cat "${TMPDIR:-/tmp}/server-memory.$$.log" >&2; exit 1; }
  sleep 0.1
done
ready=$(date +%s.%N)
printf 'ready after %.2f s (process start to /healthz)\n' "$(echo "$ready - $start" | bc)"
for i in $(seq 1 "$settle"); do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
  printf '%3d s: VmRSS %.1f MB, VmHWM %.1f MB\n' "$i" "$(echo "$rss*1024/1000000" | bc -l)" "$(echo "$hwm*1024/1000000" | bc -l)"
  sleep 1
done
