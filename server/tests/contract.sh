#!/usr/bin/env bash
# Contract test: runs schemathesis (from PyPI, installed into a venv under the
# cargo target directory) against /openapi.json of a running demo server.
#
#   bash server/tests/contract.sh            # from the workspace root
#   ST_MAX_EXAMPLES=50 bash server/tests/contract.sh
#
# Starts `rsql-server --demo` on an ephemeral port with a demo app pair, gets
# a token from POST /oauth2/token:generate, runs `st run` with that token and
# stops the server. Exit status: schemathesis's.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="$TARGET/contract-venv"
ST_VERSION="${ST_VERSION:-4.32.5}"
MAX_EXAMPLES="${ST_MAX_EXAMPLES:-30}"
export DEMO_APP_ID="${DEMO_APP_ID:-contract-app}"
export DEMO_APP_SECRET="${DEMO_APP_SECRET:-contract-secret}"

if [ ! -x "$VENV/bin/st" ] || ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$ST_VERSION"; then
    echo "contract: installing schemathesis $ST_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi

cargo build --quiet -p server --bin rsql-server
BIN="$TARGET/debug/rsql-server"
LOG="$(mktemp)"
RUST_LOG=warn "$BIN" --demo --demo-size 2000 --addr 127.0.0.1:0 >"$LOG" 2>&1 &
PID=$!
cleanup() {
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    rm -f "$LOG"
}
trap cleanup EXIT

BASE=""
for _ in $(seq 1 100); do
    BASE="$(sed -n 's/^listening on //p' "$LOG" | head -n1)"
    [ -n "$BASE" ] && break
    if ! kill -0 "$PID" 2>/dev/null; then
        echo "contract: server exited early:" >&2
        cat "$LOG" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$BASE" ]; then
    echo "contract: server did not print its address" >&2
    exit 1
fi
echo "contract: server at $BASE"

TOKEN="$("$VENV/bin/python" - "$BASE" <<'PY'
import json, os, sys, urllib.request
body = json.dumps({"type": "application", "appId": os.environ["DEMO_APP_ID"],
                   "appSecret": os.environ["DEMO_APP_SECRET"]}).encode()
req = urllib.request.Request(sys.argv[1] + "/oauth2/token:generate", data=body,
                             headers={"Content-Type": "application/json"}, method="POST")
print(json.load(urllib.request.urlopen(req))["accessToken"])
PY
)"

# Checks: no 5xx for anything; status codes, content types, headers and
# bodies as documented; unsupported methods answered 405 with Allow;
# requests without the token rejected.
"$VENV/bin/st" run "$BASE/openapi.json" \
    --url "$BASE" \
    -H "Authorization: Bearer $TOKEN" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,unsupported_method,allow_header_conformance,ignored_auth,missing_required_header \
    --phases examples,coverage,fuzzing \
    --max-examples "$MAX_EXAMPLES" \
    --seed 1 \
    --workers 2 \
    --no-color
