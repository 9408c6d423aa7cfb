#!/usr/bin/env bash
# Hook latency: what Claude Code waits for on every tool call. Wall time per hook
# invocation (spawn + exec + work + exit, payload on a stdin pipe) of:
#   /bin/true                                  the floor: any command costs this much
#   python3 hook (json.load + urllib POST)     what users run today
#   agent-trace hook-handler, server down      POST refused -> spool (flock + write + start write-back)
#   agent-trace hook-handler, server up        POST to a real `agent-trace serve`
# RUNS rounds (PYTHON_RUNS for the python hooks), the variants interleaved so machine
# noise hits them alike; p50/p99 and the difference to the floor.
# Target: hook-handler p99 <= floor p99 + 3 ms.
set -euo pipefail

# --no-dashboard where the build has one (its default port 3100 may be taken; older
# builds have no dashboard and no such flag).
no_dashboard() { "$1" serve --help 2>/dev/null | grep -- '--no-dashboard' >/dev/null && echo --no-dashboard; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-build}"
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
AGENT_TRACE="${AGENT_TRACE:-$BUILD_DIR/agent-trace}"
BENCH_DIR="${BENCH_DIR:-$BUILD_DIR/bench}"
RUNS="${RUNS:-1000}"
PYTHON_RUNS="${PYTHON_RUNS:-200}"
WARMUP="${WARMUP:-20}"
TARGET_DELTA_MS="${TARGET_DELTA_MS:-3}"
CXX="${CXX:-c++}"

if [[ ! -x "$AGENT_TRACE" ]]; then
  echo "hook_handler_latency: $AGENT_TRACE is not built (make build)" >&2
  exit 1
fi
mkdir -p "$BENCH_DIR"
# The driver is a CMake target (build/bench/hook_handler_latency); built here when missing.
driver="$BUILD_DIR/bench/hook_handler_latency"
if [[ ! -x "$driver" || "$ROOT/bench/hook_handler_latency.cpp" -nt "$driver" ]]; then
  driver="$BENCH_DIR/hook_handler_latency"
  "$CXX" -O2 -std=c++20 -o "$driver" "$ROOT/bench/hook_handler_latency.cpp"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/hook-latency.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A real PostToolUse payload (Bash `ls -la`, ~1 KB) from the captures.
python3 - "$ROOT/tests/fixtures/captures/basic/hooks.jsonl" "$work/payload.json" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    record = json.loads(line)
    if record["event"] == "PostToolUse":
        open(sys.argv[2], "w").write(json.dumps(record["payload"], separators=(",", ":")))
        break
EOF

# A port nothing listens on.
refused_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"

# The server: `agent-trace serve` on port 0; a tiny python server answering 200 if
# this build has no serve command.
server_kind=""
if "$AGENT_TRACE" serve --help >/dev/null 2>&1; then
  server_kind="agent-trace serve"
  "$AGENT_TRACE" --data-dir "$work/serve" serve --hooks-listen 127.0.0.1:0 --otlp-grpc-listen 127.0.0.1:0 --api-listen 127.0.0.1:0 \
    --port-file "$work/port.json" --no-import $(no_dashboard "$AGENT_TRACE") >"$work/serve.log" 2>&1 &
  server_pid=$!
else
  server_kind="python http.server (agent-trace serve not built)"
  python3 - "$work/port.json" >"$work/serve.log" 2>&1 <<'EOF' &
import http.server, json, sys
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"accepted":1}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
open(sys.argv[1] + ".tmp", "w").write(json.dumps({"hooks": server.server_address[1]}))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
EOF
  server_pid=$!
fi
for _ in $(seq 100); do
  [[ -s "$work/port.json" ]] && break
  sleep 0.1
done
if [[ ! -s "$work/port.json" ]]; then
  echo "hook_handler_latency: the server did not start:" >&2
  cat "$work/serve.log" >&2
  exit 1
fi
up_port="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["hooks"])' "$work/port.json")"

cat >"$work/hook.py" <<'EOF'
import json, sys, urllib.request
payload = json.load(sys.stdin)
try:
    request = urllib.request.Request(sys.argv[1], data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=1).read()
except Exception:
    pass
EOF
# The interpreter itself, not a version-manager shim in front of it (pyenv's costs ~10 ms).
python="$(python3 -c 'import sys; print(sys.executable)')"

# Two rounds: the python hooks (70+ ms of CPU each on this 2-core machine) would
# disturb whatever runs right after them, so they are timed apart, each round against
# its own floor.
echo "hook latency: $RUNS runs per variant (+$WARMUP warm-up), python3 hooks $PYTHON_RUNS, payload $(wc -c <"$work/payload.json") B, server: $server_kind"
"$driver" "$RUNS" "$WARMUP" \
  --variant floor "$work/payload.json" /bin/true \
  --variant handler_down "$work/payload.json" "$AGENT_TRACE" hook-handler --server "http://127.0.0.1:$refused_port" --data-dir "$work/down" PostToolUse \
  --variant handler_up "$work/payload.json" "$AGENT_TRACE" hook-handler --server "http://127.0.0.1:$up_port" --data-dir "$work/up" PostToolUse \
  >"$work/results.txt"
"$driver" "$PYTHON_RUNS" 3 \
  --variant python_floor "$work/payload.json" /bin/true \
  --variant python_down "$work/payload.json" "$python" "$work/hook.py" "http://127.0.0.1:$refused_port/v1/hooks" \
  --variant python_up "$work/payload.json" "$python" "$work/hook.py" "http://127.0.0.1:$up_port/v1/hooks" \
  >>"$work/results.txt"

# Correctness: every server-down run spooled one record; no server-up run had to.
expected=$((RUNS + WARMUP))
count_lines() { if [[ -f "$1" ]]; then wc -l <"$1"; else echo 0; fi; }
spooled_down=$(count_lines "$work/down/spool/hooks.spool")
spooled_up=$(count_lines "$work/up/spool/hooks.spool")
status=0
if (( spooled_down != expected )); then
  echo "FAIL: server down: $spooled_down records spooled, expected $expected" >&2
  status=1
fi
if (( spooled_up != 0 )); then
  echo "FAIL: server up: $spooled_up records spooled, expected none" >&2
  status=1
fi

python3 - "$work/results.txt" "$TARGET_DELTA_MS" <<'EOF' || status=1
import sys
rows = {}
for line in open(sys.argv[1]):
    name, p50, p90, p99, mean, worst, failures = line.split()
    rows[name] = dict(p50=float(p50), p90=float(p90), p99=float(p99), mean=float(mean),
                      max=float(worst), failures=int(failures))
target = float(sys.argv[2])
floor, python_floor = rows["floor"], rows["python_floor"]
print(f">> /bin/true (floor): p50 {floor['p50']:.2f} ms p99 {floor['p99']:.2f} ms")
failed = False
def report(name, label, base, with_target):
    global failed
    r = rows[name]
    line = (f">> {label}: p50 {r['p50']:.2f} ms p99 {r['p99']:.2f} ms"
            f" = floor {r['p50'] - base['p50']:+.2f} ms (p50), {r['p99'] - base['p99']:+.2f} ms (p99)")
    if with_target:
        ok = r["p99"] - base["p99"] <= target
        line += f" (target p99 <= +{target:g} ms) {'OK' if ok else 'MISSED'}"
    else:
        line += f"; {r['p50'] / base['p50']:.0f}x the floor"
    if r["failures"]:
        line += f" [{r['failures']} runs exited non-zero]"
        failed = True
    print(line)
report("handler_down", "hook-handler (server down)", floor, True)
report("handler_up", "hook-handler (server up)", floor, True)
report("python_down", "python3 hook (server down)", python_floor, False)
report("python_up", "python3 hook (server up)", python_floor, False)
for side in ("down", "up"):
    py, at = rows[f"python_{side}"], rows[f"handler_{side}"]
    print(f">> server {side}: python3 hook p50 / hook-handler p50 = {py['p50'] / at['p50']:.0f}x")
sys.exit(1 if failed else 0)
EOF
exit $status
