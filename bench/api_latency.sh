#!/usr/bin/env bash
# Query API latency on a store of ~1,000,000 events, every one stored through a real
# ingest path:
#   1. transcripts from tools/corpus/gen_transcripts.py, in chunks, each imported with
#      `agent-trace import` (timed) until the store holds EVENTS events;
#   2. `agent-trace serve --api-listen 127.0.0.1:0 --no-import` started on that store;
#      the time until its fused index has no stale session is reported (index build);
#   3. one long session (SESSION_EVENTS, >= 5,000 stored events) POSTed to serve as
#      hook events (/v1/hooks) and OTLP/JSON logs (/v1/logs);
#   4. the API timed with one keep-alive connection (bench/api_latency.py), REPS
#      requests per case, round robin:
#        GET /api/v1/sessions (default; project filter + sort=cost; cursor pages)  p95 <= 50 ms
#        GET /api/v1/sessions/{id}/timeline?view=flat|tree (the long session)      p95 <= 50 ms
#        GET /api/v1/analytics/usage?by=day (whole history; last 30 days)          p95 <= 200 ms
#      each p95 printed beside its target and the seed target (5 s event to UI).
# A missed target prints MISSED (exit 0); a failed command or request exits 1.
#
# Usage: bash bench/api_latency.sh [--keep] [--reuse DIR]
#   --keep       keep the work directory (store, serve log, results) and print its path
#   --reuse DIR  skip step 1 (and 3 when done): measure the store a --keep run left in DIR
# Env: BUILD_DIR (build), AGENT_TRACE ($BUILD_DIR/agent-trace), EVENTS (1000000),
#      SESSION_EVENTS (5200), REPS (200), WARMUP (10), CHUNK_MB (1024), CORPUS_SEED (21),
#      GEN_JOBS (2), MAX_CHUNKS (20), INDEX_TIMEOUT_S (1800), DATA_ONLY (1: stop after
#      step 1), TMPDIR (where the work directory is made; default /tmp).
set -euo pipefail

# --no-dashboard where the build has one (its default port 3100 may be taken; older
# builds have no dashboard and no such flag).
no_dashboard() { "$1" serve --help 2>/dev/null | grep -- '--no-dashboard' >/dev/null && echo --no-dashboard; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-build}"
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
AGENT_TRACE="${AGENT_TRACE:-$BUILD_DIR/agent-trace}"
CLIENT="$ROOT/bench/api_latency.py"
GENERATOR="$ROOT/tools/corpus/gen_transcripts.py"
EVENTS="${EVENTS:-1000000}"
SESSION_EVENTS="${SESSION_EVENTS:-5200}"
REPS="${REPS:-200}"
WARMUP="${WARMUP:-10}"
CHUNK_MB="${CHUNK_MB:-1024}"
CORPUS_SEED="${CORPUS_SEED:-21}"
GEN_JOBS="${GEN_JOBS:-2}"
MAX_CHUNKS="${MAX_CHUNKS:-20}"
INDEX_TIMEOUT_S="${INDEX_TIMEOUT_S:-1800}"

KEEP=""
REUSE=""
while (($#)); do
  case "$1" in
    --keep) KEEP=1 ;;
    --reuse) REUSE="${2:?--reuse needs a directory}"; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "api_latency: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

if [[ ! -x "$AGENT_TRACE" ]]; then
  echo "api_latency: $AGENT_TRACE is not built (make build)" >&2
  exit 1
fi

if [[ -n "$REUSE" ]]; then
  WORK="$(cd "$REUSE" && pwd)"
  [[ -f "$WORK/data/agent-trace.db" ]] \
    || { echo "api_latency: $REUSE is not a directory kept by --keep" >&2; exit 1; }
  KEEP=1
else
  WORK="$(mktemp -d -t agent-trace-api-bench.XXXXXX)"
fi
# A private copy of the binaries: other builds may relink build/ while this runs, and every
# step measures the same build.
mkdir -p "$WORK/bin"
engine="$(dirname "$AGENT_TRACE")/agent-trace-engine"
if [[ -x "$engine" ]]; then
  cp "$AGENT_TRACE" "$engine" "$WORK/bin/"
  AGENT_TRACE="$WORK/bin/$(basename "$AGENT_TRACE")"
fi
"$AGENT_TRACE" import --help >/dev/null \
  || { echo "api_latency: $AGENT_TRACE does not run (a build in progress?)" >&2; exit 1; }
DATA="$WORK/data"
DB="$DATA/agent-trace.db"
PORT_FILE="$WORK/port.json"
SERVER_PID=""

stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do  # <= 30 s for a clean stop, then SIGKILL
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
cleanup() {
  stop_server
  if [[ -n "$KEEP" ]]; then
    echo "kept: $WORK (store $DB; reuse with --reuse $WORK)"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }
seconds_since() { python3 -c 'import sys; print(f"{(int(sys.argv[2]) - int(sys.argv[1])) / 1e9:.2f}")' "$1" "$(now_ns)"; }
count_events() { python3 - "$DB" <<'PY'
import sqlite3, sys
con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=30)
print(con.execute("SELECT count(*) FROM events").fetchone()[0])
PY
}
json_field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); work dir $WORK"

# ------------------------------------------------------------ 1. transcripts -> import
if [[ -z "$REUSE" ]]; then
  mkdir -p "$WORK/home"
  need=$((EVENTS - SESSION_EVENTS))
  stored=0 chunk=0 size_mb="$CHUNK_MB" import_ns=0 gen_ns=0 corpus_kb=0 peak_rss_kb=0
  while ((stored < need && chunk < MAX_CHUNKS)); do
    chunk=$((chunk + 1))
    corpus="$WORK/corpus-$chunk"
    t0=$(now_ns)
    python3 "$GENERATOR" --out "$corpus" --seed $((CORPUS_SEED + chunk - 1)) --size "${size_mb}MB" \
      --jobs "$GEN_JOBS" >"$WORK/gen-$chunk.log" 2>&1 \
      || { cat "$WORK/gen-$chunk.log" >&2; echo "api_latency: generating failed" >&2; exit 1; }
    t1=$(now_ns)
    corpus_kb=$((corpus_kb + $(du -sk "$corpus" | cut -f1)))
    HOME="$WORK/home" /usr/bin/time -f '%M' -o "$WORK/import-$chunk.rss" \
      "$AGENT_TRACE" --data-dir "$DATA" import "$corpus/projects" -q >"$WORK/import-$chunk.log" 2>&1 \
      || { cat "$WORK/import-$chunk.log" >&2; echo "api_latency: import failed" >&2; exit 1; }
    t2=$(now_ns)
    gen_ns=$((gen_ns + t1 - t0))
    import_ns=$((import_ns + t2 - t1))
    rss=$(tail -1 "$WORK/import-$chunk.rss")
    ((rss > peak_rss_kb)) && peak_rss_kb=$rss
    [[ -n "$KEEP" ]] || rm -rf "$corpus"
    now_stored=$(count_events)
    added=$((now_stored - stored))
    stored=$now_stored
    echo "   chunk $chunk: ${size_mb} MB of transcripts (seed $((CORPUS_SEED + chunk - 1))) -> +$added events" \
         "(import $(python3 -c "print(f'{($t2-$t1)/1e9:.2f}')") s); store: $stored events"
    ((added > 0)) || { echo "api_latency: the import stored no event" >&2; exit 1; }
    remaining=$((need - stored))
    if ((remaining > 0)); then  # size the next chunk from this one's events per MB
      size_mb=$(python3 -c "import math; print(min($CHUNK_MB, max(32, math.ceil($remaining * $size_mb / $added * 1.03))))")
    fi
  done
  ((stored >= need)) || { echo "api_latency: only $stored events after $MAX_CHUNKS chunks" >&2; exit 1; }
  db_bytes=$(( $(du -sk "$DATA" | cut -f1) * 1024 ))
  python3 - "$DB" "$stored" "$import_ns" "$gen_ns" "$corpus_kb" "$db_bytes" "$peak_rss_kb" "$chunk" <<'PY'
import sqlite3, sys
db, stored, import_ns, gen_ns, corpus_kb, db_bytes, rss_kb, chunks = sys.argv[1:]
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
kinds = con.execute("SELECT kind, count(*) FROM events GROUP BY kind ORDER BY 2 DESC").fetchall()
sessions = con.execute("SELECT count(DISTINCT session_id) FROM events").fetchone()[0]
stored, import_s = int(stored), int(import_ns) / 1e9
print(f">> import: {stored:,} events ({sessions:,} sessions) from {int(corpus_kb) / 1048576:.2f} GiB "
      f"of transcripts in {chunks} chunks: {import_s:.1f} s ({stored / import_s:,.0f} events/s), "
      f"peak RSS {int(rss_kb) / 1024:.0f} MiB; generating took {int(gen_ns) / 1e9:.0f} s")
print(f">> store: {int(db_bytes) / 1048576:.0f} MiB on disk ({int(db_bytes) / stored:.0f} B/event); "
      + ", ".join(f"{k} {n:,}" for k, n in kinds))
PY
  if [[ "${DATA_ONLY:-}" = 1 ]]; then
    exit 0
  fi
fi

# ------------------------------------------------------------ 2. serve, index build
if ! "$AGENT_TRACE" serve --help 2>/dev/null | grep -q -- '--api-listen'; then
  echo "api_latency: this build's serve has no --api-listen (the query API); DATA_ONLY=1 runs the import part" >&2
  exit 1
fi
rm -f "$PORT_FILE"
mkdir -p "$WORK/home"
stale_before=$(python3 -c 'import sqlite3, sys
con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(con.execute("SELECT count(*) FROM fused_stale").fetchone()[0])' "$DB")
t_launch=$(now_ns)
HOME="$WORK/home" "$AGENT_TRACE" --data-dir "$DATA" serve --hooks-listen 127.0.0.1:0 \
  --otlp-grpc-listen 127.0.0.1:0 --api-listen 127.0.0.1:0 --port-file "$PORT_FILE" --no-import \
  $(no_dashboard "$AGENT_TRACE") >>"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do  # <= 60 s to open the store and listen
  [[ -s "$PORT_FILE" ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; echo "api_latency: serve exited" >&2; exit 1; }
  sleep 0.1
done
[[ -s "$PORT_FILE" ]] || { echo "api_latency: serve wrote no port file in 60 s" >&2; exit 1; }
listening_s=$(seconds_since "$t_launch")
wait_json=$(python3 "$CLIENT" wait --port-file "$PORT_FILE" --db "$DB" --timeout-s "$INDEX_TIMEOUT_S" \
  --label "index build")
index_s=$(seconds_since "$t_launch")
echo ">> fused index: $stale_before stale sessions before serve started, none ${index_s} s after" \
     "(listening after ${listening_s} s; backlog read from $(json_field "$wait_json" source))"

# ------------------------------------------------------------ 3. the long session
if [[ ! -s "$WORK/session_id" ]]; then
  SESSION_ID=$(python3 -c 'import uuid; print(uuid.uuid4())')
  echo "$SESSION_ID" >"$WORK/session_id"
  seed_json=$(python3 "$CLIENT" seed --port-file "$PORT_FILE" --db "$DB" --session-id "$SESSION_ID" \
    --events "$SESSION_EVENTS" --min-events 5000 --work "$WORK")
  t_seeded=$(now_ns)
  python3 "$CLIENT" wait --port-file "$PORT_FILE" --db "$DB" --timeout-s "$INDEX_TIMEOUT_S" \
    --label "index after the session" >/dev/null
  python3 - "$seed_json" "$(seconds_since "$t_seeded")" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
print(f">> long session: {s['posted']:,} events POSTed ({s['hooks']:,} hook events, {s['otel']:,} "
      f"OTLP log records) in {s['post_s']:.1f} s; stored {s['stored']:,} "
      f"({', '.join(f'{k} {v:,}' for k, v in sorted(s['stored_by_source'].items()))}); "
      f"indexed {sys.argv[2]} s after the last POST was stored")
PY
fi
SESSION_ID=$(cat "$WORK/session_id")

# ------------------------------------------------------------ 4. latency
python3 "$CLIENT" measure --port-file "$PORT_FILE" --db "$DB" --session-id "$SESSION_ID" \
  --reps "$REPS" --warmup "$WARMUP" --out "$WORK/results.json"
stop_server
python3 "$CLIENT" report "$WORK/results.json"
