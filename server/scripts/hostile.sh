#!/usr/bin/env bash
# Hostile-client figures of issue 13 (a script a user can run, not a test):
# builds the release server, starts it on loopback with a demo data set,
# plays the hostile clients below and prints one Markdown table row each,
# with the target next to what was measured.
#
#   bash server/scripts/hostile.sh
#   HOSTILE_SECS=10 HOSTILE_SIZE=100000 bash server/scripts/hostile.sh
#
# Rows (read and write timeouts 2 s, shutdown grace 2 s for the run):
#   put-1mib      one 1 MiB PUT with 100 000 keys → 400, time
#   healthz-p99   /healthz p50/p99 while 4 clients PUT maximal valid bodies
#                 (100 keys × 128-char values) in a loop for HOSTILE_SECS
#   idle+half     300 idle + 50 half-sent connections: a new client's answer
#                 time, and the time until all 350 are closed
#   cap-64        a second server with --max-connections 64 and 200 idle
#                 connections: the slowest of HOSTILE_SECS of /healthz calls,
#                 and the ERROR and panic lines in its log
#   no-read       50 clients ask limit=65536 and never read: peak RSS
#   http-layer    400/414/431 answers are JSON with X-Request-Id
#   sigterm       SIGTERM with a half-sent request: exit time vs the grace
#
# Loopback only; every wait is bounded (a row that exceeds its bound says
# so); the whole run takes about a minute plus the build. Needs python3
# (standard library only) and Linux /proc (RSS).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
cargo build --quiet --release -p server --bin rsql-server
BIN="$TARGET/release/rsql-server"
ulimit -n 4096 2>/dev/null || true

exec python3 - "$BIN" "${HOSTILE_SECS:-5}" "${HOSTILE_SIZE:-100000}" <<'PY'
import json, os, random, select, signal, socket, string, subprocess, sys, tempfile, threading, time

BIN, SECS, SIZE = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
TOKEN = "hostile-" + "".join(random.choice(string.ascii_lowercase) for _ in range(16))
READ_TIMEOUT, GRACE = 2.0, 2.0
rows = []

def row(name, target, measured, ok):
    rows.append((name, target, measured, "yes" if ok else ("n/a" if ok is None else "**no**")))
    print(f"  {name}: {measured}", file=sys.stderr, flush=True)

class Server:
    def __init__(self, *extra):
        self.log = tempfile.NamedTemporaryFile(prefix="hostile-", suffix=".log", delete=False)
        env = dict(os.environ, RUST_LOG="info")
        self.proc = subprocess.Popen(
            [BIN, "--demo", "--demo-size", str(SIZE), "--addr", "127.0.0.1:0",
             "--static-token", TOKEN, "--read-timeout", f"{int(READ_TIMEOUT * 1000)}ms",
             "--write-timeout", f"{int(READ_TIMEOUT * 1000)}ms",
             "--shutdown-grace", f"{int(GRACE * 1000)}ms", *extra],
            stdout=subprocess.PIPE, stderr=self.log, env=env, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on http://"):
            sys.exit(f"hostile: the server did not start: {line!r} (log {self.log.name})")
        host, port = line.strip().rsplit("/", 1)[1].rsplit(":", 1)
        self.addr = (host, int(port))
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for l in f:
                if l.startswith("VmRSS:"):
                    return int(l.split()[1]) / 1024
        return 0.0
    def errors(self):
        """ERROR lines and panics ("panicked at", from the panic hook) in the log."""
        with open(self.log.name, errors="replace") as f:
            return sum(1 for l in f
                       if " ERROR " in l or l.startswith("ERROR") or "panicked at" in l)
    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=GRACE + 5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        os.unlink(self.log.name)

def conn(addr, rcvbuf=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect(addr)
    return s

def request(addr, method, path, body=None, timeout=30, headers=None):
    """One request on a new connection: (status, body bytes, seconds, headers)."""
    s = conn(addr)
    s.settimeout(timeout)
    h = {"Host": "hostile", "Authorization": f"Bearer {TOKEN}", "Connection": "close"}
    h.update(headers or {})
    data = b""
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h["Content-Type"] = "application/json"
        h["Content-Length"] = str(len(data))
    raw = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n"
    t0 = time.perf_counter()
    try:
        s.sendall(raw.encode() + data)
        buf = b""
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            buf += chunk
    except (socket.timeout, OSError):
        return None, b"", time.perf_counter() - t0, {}
    finally:
        s.close()
    dt = time.perf_counter() - t0
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return None, buf, dt, {}
    hdrs = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
    return status, rest, dt, hdrs

def closed_within(socks, bound):
    """Seconds until every socket in `socks` is closed by the server (or None)."""
    t0 = time.perf_counter()
    open_ = set(socks)
    while open_ and time.perf_counter() - t0 < bound:
        r, _, _ = select.select(list(open_), [], [], 0.2)
        for s in r:
            try:
                if not s.recv(1 << 16):
                    open_.discard(s)
            except OSError:
                open_.discard(s)
    return None if open_ else time.perf_counter() - t0

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else float("nan")

srv = Server()
A = srv.addr
print(f"hostile: server pid {srv.proc.pid} on {A[0]}:{A[1]}, RSS {srv.rss_mb():.0f} MB after loading", file=sys.stderr)
try:
    st, body, _, _ = request(A, "GET", "/v1/conversations?limit=8&startTime=2000-01-01T00:00:00Z")
    convs = json.loads(body)["conversations"] if st == 200 else []
    if len(convs) < 5:
        sys.exit(f"hostile: cannot list conversations (status {st})")

    # put-1mib
    keys = ("".join(t) for t in ((a, b, c) for a in string.ascii_letters + string.digits
            for b in string.ascii_letters + string.digits for c in string.ascii_letters + string.digits))
    big = {"metadata": {next(keys): "x" for _ in range(100_000)}}
    data = json.dumps(big, separators=(",", ":")).encode()
    st, _, dt, _ = request(A, "PUT", f"/v1/conversations/{convs[0]['id']}", data, timeout=60)
    row("put-1mib", "400 in < 50 ms", f"{st} in {dt * 1000:.1f} ms ({len(data)} bytes)",
        st == 400 and dt < 0.05)

    # healthz-p99 while 4 clients PUT maximal valid bodies
    stop = threading.Event()
    puts = {"n": 0, "bad": 0}
    def putter(cid, old):
        clear = {"metadata": {k: None for k in old}}
        request(A, "PUT", f"/v1/conversations/{cid}", clear)
        body = {"metadata": {f"k{i:03d}": "".join(random.choice(string.ascii_letters) for _ in range(128)) for i in range(100)}}
        while not stop.is_set():
            st, _, _, _ = request(A, "PUT", f"/v1/conversations/{cid}", body)
            puts["n"] += 1
            puts["bad"] += st != 200
    ths = [threading.Thread(target=putter, args=(c["id"], c.get("metadata", {})), daemon=True) for c in convs[1:5]]
    for t in ths:
        t.start()
    lat = []
    t_end = time.perf_counter() + SECS
    while time.perf_counter() < t_end:
        st, _, dt, _ = request(A, "GET", "/healthz", timeout=15)
        lat.append(dt if st == 200 else 15.0)
    stop.set()
    for t in ths:
        t.join(timeout=30)
    p50, p99 = pct(lat, 0.5) * 1000, pct(lat, 0.99) * 1000
    row("healthz-p99", "p99 < 10 ms under 4 PUT loops",
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms over {len(lat)} calls; {puts['n']} PUTs ({puts['bad']} not 200)",
        p99 < 10 and puts["bad"] == 0)

    # http-layer answers
    checks = []
    for raw, want in [(b"GET /v1/conversations HTTP/1.1\r\nbad line\r\n\r\n", 400),
                      (b"GET /api/conversations?q=" + b"a" * 33000 + b" HTTP/1.1\r\n\r\n", 414),
                      (b"GET /get-all-conversations HTTP/1.1\r\nx: " + b"v" * 50000 + b"\r\n\r\n", 431)]:
        s = conn(A)
        s.sendall(raw)
        buf = b""
        try:
            while True:
                c = s.recv(1 << 16)
                if not c:
                    break
                buf += c
        except OSError:
            pass
        s.close()
        head, _, rest = buf.partition(b"\r\n\r\n")
        try:
            st = int(head.split()[1])
            json.loads(rest)
            ok = st == want and b"x-request-id:" in head.lower()
        except (IndexError, ValueError):
            st, ok = None, False
        checks.append(f"{want}:{'JSON+id' if ok else f'got {st}, body {rest[:40]!r}'}")
    row("http-layer", "400/414/431 JSON + X-Request-Id", ", ".join(checks), all("JSON+id" in c for c in checks))

    # idle + half-sent
    idle = [conn(A) for _ in range(300)]
    half = []
    for _ in range(50):
        s = conn(A)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: h")
        half.append(s)
    st, _, dt, _ = request(A, "GET", "/healthz", timeout=15)
    took = closed_within(idle + half, READ_TIMEOUT + 10)
    for s in idle + half:
        s.close()
    row("idle+half", f"closed within the read timeout ({READ_TIMEOUT:.0f} s); new client < 1 s",
        f"new client {st} in {dt * 1000:.1f} ms; all 350 closed after "
        + (f"{took:.2f} s" if took is not None else f"> {READ_TIMEOUT + 10:.0f} s (bound)"),
        st == 200 and dt < 1 and took is not None and took <= READ_TIMEOUT + 0.5)

    # no-read: 50 clients never read limit=65536
    base = srv.rss_mb()
    readers = []
    for _ in range(50):
        s = conn(A, rcvbuf=4096)
        s.sendall(f"GET /v1/conversations?limit=65536&startTime=2000-01-01T00:00:00Z HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode())
        readers.append(s)
    peak = base
    t_end = time.perf_counter() + READ_TIMEOUT + 4
    while time.perf_counter() < t_end:
        peak = max(peak, srv.rss_mb())
        time.sleep(0.05)
    after = srv.rss_mb()
    st, _, dt, _ = request(A, "GET", "/healthz", timeout=15)
    for s in readers:
        s.close()
    row("no-read", "peak RSS < 400 MB", f"RSS {base:.0f} → peak {peak:.0f} MB, {after:.0f} MB after the write timeout; /healthz {st} in {dt * 1000:.1f} ms",
        peak < 400)

    # sigterm with a half-sent request
    hb = conn(A)
    hb.sendall(b"POST /oauth2/token:generate HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{")
    hh = conn(A)
    hh.sendall(b"GET /healthz HTTP/1.1\r\nHo")
    time.sleep(0.2)
    errors = srv.errors()
    t0 = time.perf_counter()
    srv.proc.send_signal(signal.SIGTERM)
    try:
        srv.proc.wait(timeout=GRACE + 10)
        dt = time.perf_counter() - t0
        row("sigterm", f"exit within the grace + 1 s ({GRACE + 1:.0f} s)", f"exited after {dt:.2f} s (code {srv.proc.returncode})", dt <= GRACE + 1)
    except subprocess.TimeoutExpired:
        row("sigterm", f"exit within the grace + 1 s ({GRACE + 1:.0f} s)", f"still running after {GRACE + 10:.0f} s", False)
    hb.close(); hh.close()
    row("errors-1", "no ERROR or panic lines from client behaviour", f"{errors} ERROR/panic lines in the first server's log", errors == 0)
finally:
    srv.stop()

# cap-64: a second server
srv2 = Server("--max-connections", "64")
B = srv2.addr
try:
    idle = [conn(B) for _ in range(200)]
    lat = []
    t_end = time.perf_counter() + SECS
    while time.perf_counter() < t_end:
        st, _, dt, _ = request(B, "GET", "/healthz", timeout=15)
        lat.append(dt if st == 200 else 15.0)
    for s in idle:
        s.close()
    errors = srv2.errors()
    row("cap-64", f"/healthz never stalls > read timeout ({READ_TIMEOUT:.0f} s); no ERROR or panic lines",
        f"{len(lat)} calls, slowest {max(lat) * 1000:.1f} ms, p99 {pct(lat, 0.99) * 1000:.1f} ms; {errors} ERROR/panic lines",
        max(lat) <= READ_TIMEOUT and errors == 0)
finally:
    srv2.stop()

print("\n| row | target | measured | met |\n|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
PY
