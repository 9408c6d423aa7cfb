#!/usr/bin/env bash
# Live stream latency: hook POST -> Server-Sent Events client, through the real path
# (hooks receiver -> durable queue with its group fdatasync -> store writer -> SQLite
# commit -> stream hub -> /api/v1/stream). A real `agent-trace serve` on loopback
# (ports 0, a temporary data dir); one SSE client; hook events POSTed one per request
# at RATE events/s for SECONDS, from CONNECTIONS keep-alive connections on an
# open-loop schedule. Latency per event from its POST being written to its arrival
# on the stream: p50/p95/p99, beside the 100 ms target (p95) and the seed's 5 s
# event-to-UI target.
set -euo pipefail

# --no-dashboard where the build has one (its default port 3100 may be taken; older
# builds have no dashboard and no such flag).
no_dashboard() { "$1" serve --help 2>/dev/null | grep -- '--no-dashboard' >/dev/null && echo --no-dashboard; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-build}"
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
AGENT_TRACE="${AGENT_TRACE:-$BUILD_DIR/agent-trace}"
BENCH_DIR="${BENCH_DIR:-$BUILD_DIR/bench}"
RATE="${RATE:-1000}"
SECONDS_RUN="${SECONDS_RUN:-10}"
CONNECTIONS="${CONNECTIONS:-16}"
QUEUE_SYNC="${QUEUE_SYNC:-every-commit}"
TARGET_P95_MS="${TARGET_P95_MS:-100}"
SEED_TARGET_MS=5000
CXX="${CXX:-c++}"

if [[ ! -x "$AGENT_TRACE" ]]; then
  echo "sse_latency: $AGENT_TRACE is not built (make build)" >&2
  exit 1
fi
mkdir -p "$BENCH_DIR"
# The driver is a CMake target (build/bench/sse_latency); built here when missing or stale.
driver="$BUILD_DIR/bench/sse_latency"
if [[ ! -x "$driver" || "$ROOT/bench/sse_latency.cpp" -nt "$driver" ]]; then
  driver="$BENCH_DIR/sse_latency-local"
  "$CXX" -O2 -std=c++20 -pthread -o "$driver" "$ROOT/bench/sse_latency.cpp"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/sse-latency.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$work/home"
HOME="$work/home" "$AGENT_TRACE" --data-dir "$work/data" serve --hooks-listen 127.0.0.1:0 \
  --no-otlp-grpc --api-listen 127.0.0.1:0 --port-file "$work/port.json" --no-import \
  --queue-sync "$QUEUE_SYNC" $(no_dashboard "$AGENT_TRACE") >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 200); do
  [[ -s "$work/port.json" ]] && break
  sleep 0.05
done
if [[ ! -s "$work/port.json" ]]; then
  echo "sse_latency: serve did not start:" >&2
  cat "$work/serve.log" >&2
  exit 1
fi
read -r hooks_port api_port < <(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["hooks"], d["api"])' "$work/port.json")

echo "sse latency: $RATE events/s for $SECONDS_RUN s over $CONNECTIONS connections, queue sync $QUEUE_SYNC, one SSE client"
"$driver" "$hooks_port" "$api_port" --rate "$RATE" --seconds "$SECONDS_RUN" --connections "$CONNECTIONS" \
  >"$work/result.txt"
health="$(curl -s "http://127.0.0.1:$api_port/healthz" || true)"

python3 - "$work/result.txt" "$TARGET_P95_MS" "$SEED_TARGET_MS" "$health" <<'EOF'
import json, sys
sent, received, p50, p95, p99, worst, post_p99, rate, failures = open(sys.argv[1]).read().split()
sent, received, failures = int(sent), int(received), int(failures)
p50, p95, p99, worst, post_p99, rate = map(float, (p50, p95, p99, worst, post_p99, rate))
target, seed = float(sys.argv[2]), float(sys.argv[3])
print(f">> {sent} events sent at {rate:.0f}/s, {received} received on the stream, {failures} POSTs failed"
      f" (POST p99 {post_p99:.1f} ms)")
verdict = "OK" if p95 <= target else "MISSED"
print(f">> hook POST -> SSE client: p50 {p50:.1f} ms p95 {p95:.1f} ms p99 {p99:.1f} ms max {worst:.1f} ms")
print(f">> p95 / target {target:g} ms = {p95 / target:.2f} {verdict};"
      f" p95 / seed target {seed / 1000:g} s = {p95 / seed:.4f} ({seed / max(p95, 0.001):.0f}x inside it)")
try:
    stream = json.loads(sys.argv[4])["api"]["stream"]
    print(f">> hub: {stream['events_sent']} event messages sent, {stream['dropped_slow']} clients dropped")
except (ValueError, KeyError):
    pass
# A lost event or a failed POST is a failure; a slow one is only MISSED.
sys.exit(0 if received == sent and failures == 0 else 1)
EOF
