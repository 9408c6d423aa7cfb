#!/usr/bin/env bash
# Sustained hook ingest over HTTP on loopback into a real `agent-trace serve`
# (durable queue + SQLite store), driven by tools/hook_load.cpp.
#
#   1. batched: 64 connections, BATCH events per request (default 100)  target >= 50,000 events/s
#   2. single:  64 connections, one event per request                   target >= 15,000 requests/s
# Each is run with the default durable queue (--queue-sync every-commit: the answer
# waits for the group fdatasync) and, as the same-run baseline, with --queue-sync none
# (no fdatasync): the ratio is what durability costs. After each run the store must
# hold every acknowledged event exactly once (else exit 1).
#
# Env: BUILD_DIR (default build), SECONDS_PER_RUN (default 5), BATCH (default 100),
#      CONNECTIONS (default 64).
set -euo pipefail

# --no-dashboard where the build has one (its default port 3100 may be taken; older
# builds have no dashboard and no such flag).
no_dashboard() { "$1" serve --help 2>/dev/null | grep -- '--no-dashboard' >/dev/null && echo --no-dashboard; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
BIN="$BUILD_DIR/agent-trace"
LOAD="$BUILD_DIR/hook_load"
SECS="${SECONDS_PER_RUN:-5}"
BATCH="${BATCH:-100}"
CONNS="${CONNECTIONS:-64}"
for f in "$BIN" "$LOAD"; do
  [[ -x "$f" ]] || { echo "missing $f: run make build" >&2; exit 1; }
done
WORK="$(mktemp -d -t agent-trace-ingest-bench.XXXXXX)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# run_case NAME SYNC BATCH -> prints the hook_load JSON, checks the store
run_case() {
  local name="$1" sync="$2" batch="$3"
  local dir="$WORK/$name-$sync"
  mkdir -p "$dir/home"
  HOME="$dir/home" "$BIN" --data-dir "$dir/data" serve --hooks-listen 127.0.0.1:0 --otlp-grpc-listen 127.0.0.1:0 --api-listen 127.0.0.1:0 \
    --port-file "$dir/port" --no-import --queue-sync "$sync" $(no_dashboard "$BIN") >"$dir/serve.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 200); do [[ -s "$dir/port" ]] && break; sleep 0.05; done
  local port
  port="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hooks"])' "$dir/port")"
  "$LOAD" --port "$port" --connections "$CONNS" --batch "$batch" --duration-s "$SECS" \
    --acked-file "$dir/acked" >"$dir/result.json"
  # Wait for the writer to drain, then check every acknowledged event is stored once.
  python3 - "$dir" "$port" <<'PY'
import json, sqlite3, sys, time, urllib.request
d, port = sys.argv[1], sys.argv[2]
for _ in range(600):
    h = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz"))
    if h["queue"]["depth_records"] == 0:
        break
    time.sleep(0.1)
acked = {l.strip() for l in open(d + "/acked") if l.strip()}
con = sqlite3.connect(f"file:{d}/data/agent-trace.db?mode=ro", uri=True)
rows = [r[0] for r in con.execute("SELECT lower(hex(event_id)) FROM events WHERE source='hook'")]
if len(rows) != len(set(rows)) or not acked <= set(rows):
    print(f"STORE CHECK FAILED: {len(acked)} acked, {len(rows)} rows, "
          f"{len(acked - set(rows))} missing", file=sys.stderr)
    sys.exit(1)
PY
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  cat "$dir/result.json"
}

field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

echo "machine: $(nproc) cores; $CONNS connections, ${SECS} s per run"
batched_durable="$(run_case batched every-commit "$BATCH")"
batched_nosync="$(run_case batched none "$BATCH")"
single_durable="$(run_case single every-commit 1)"
single_nosync="$(run_case single none 1)"

python3 - "$batched_durable" "$batched_nosync" "$single_durable" "$single_nosync" "$BATCH" <<'PY'
import json, sys
bd, bn, sd, sn = (json.loads(a) for a in sys.argv[1:5])
batch = sys.argv[5]
def verdict(value, target):
    return "ok" if value >= target else "MISSED"
print(f"batched ({batch}/request), durable : {bd['events_per_s']:>9,.0f} events/s  "
      f"p50 {bd['p50_ms']:.2f} ms p99 {bd['p99_ms']:.2f} ms  target 50,000 -> "
      f"{bd['events_per_s']/50000:.2f}x {verdict(bd['events_per_s'], 50000)}")
print(f"batched ({batch}/request), no fsync: {bn['events_per_s']:>9,.0f} events/s  "
      f"durable/no-fsync = {bd['events_per_s']/max(bn['events_per_s'],1):.2f}")
print(f"single event/request, durable   : {sd['requests_per_s']:>9,.0f} requests/s "
      f"p50 {sd['p50_ms']:.2f} ms p99 {sd['p99_ms']:.2f} ms  target 15,000 -> "
      f"{sd['requests_per_s']/15000:.2f}x {verdict(sd['requests_per_s'], 15000)}")
print(f"single event/request, no fsync  : {sn['requests_per_s']:>9,.0f} requests/s "
      f"durable/no-fsync = {sd['requests_per_s']/max(sn['requests_per_s'],1):.2f}")
for name, r in (("batched durable", bd), ("single durable", sd)):
    if r["errors"]:
        print(f"note: {name}: {r['errors']} non-200 answers or reconnects")
PY
