#!/usr/bin/env bash
# Import + report benchmark: agent-trace against ccusage on a synthetic 1 GB corpus.
#
# Measures (see bench/README.md):
#   1. full import into an empty store + `report daily --json`, agent-trace vs
#      `ccusage claude daily --json --offline` (wall time median, peak RSS median,
#      equal token totals);
#   2. incremental re-import after one new assistant line was appended (median ms);
#   3. peak RSS of importing a single ~600 MB transcript file.
#
# Environment (all optional):
#   BUILD_DIR=build            AGENT_TRACE=$BUILD_DIR/agent-trace
#   BENCH_DIR=$BUILD_DIR/bench BENCH_CORPUS=$BENCH_DIR/corpus-1g
#   BENCH_SEED=11 BENCH_SIZE=1GB GEN_JOBS=2   (used only when the corpus must be generated)
#   RUNS=5  BIG_RUNS=3  BIG_FILE_MB=600  BENCH_TIMEOUT=900 (seconds per command)
#   CCUSAGE_VERSION=20.0.24
#   TARGET_RATIO=3.0  TARGET_INCREMENTAL_MS=100  BIG_RSS_FACTOR=1.5
#   SKIP_CCUSAGE=1 SKIP_INCREMENTAL=1 SKIP_BIG_FILE=1   skip a part
#   AGENT_TRACE_ARGS="--threads 2"   extra arguments for `agent-trace import` (default:
#                                    --usage-only, the same work ccusage does: model calls
#                                    only; set AGENT_TRACE_ARGS=" " to time the full import
#                                    with the timeline)
#
# Network: only `npm install` from the npm registry when ccusage is not installed yet;
# ccusage runs with --offline. Exit status: 0 even when a target is missed (printed as
# MISSED); 1 when a command fails or token totals differ.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BUILD_DIR=${BUILD_DIR:-build}
AGENT_TRACE=${AGENT_TRACE:-$BUILD_DIR/agent-trace}
BENCH_DIR=${BENCH_DIR:-$BUILD_DIR/bench}
DEFAULT_CORPUS=$BENCH_DIR/corpus-1g
CORPUS=${BENCH_CORPUS:-$DEFAULT_CORPUS}
BENCH_SEED=${BENCH_SEED:-11}
BENCH_SIZE=${BENCH_SIZE:-1GB}
GEN_JOBS=${GEN_JOBS:-2}
RUNS=${RUNS:-5}
BIG_RUNS=${BIG_RUNS:-3}
BIG_FILE_MB=${BIG_FILE_MB:-600}
TIMEOUT=${BENCH_TIMEOUT:-900}
CCUSAGE_VERSION=${CCUSAGE_VERSION:-20.0.24}
CCUSAGE_DIR=$BENCH_DIR/ccusage
TARGET_RATIO=${TARGET_RATIO:-3.0}
TARGET_INCREMENTAL_MS=${TARGET_INCREMENTAL_MS:-100}
BIG_RSS_FACTOR=${BIG_RSS_FACTOR:-1.5}
read -r -a AT_ARGS <<<"${AGENT_TRACE_ARGS:---usage-only}"

die() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "$*"; }
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
[[ "$BIG_RUNS" =~ ^[1-9][0-9]*$ ]] || die "BIG_RUNS must be a positive integer"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is required: apt-get install time"
[[ -x "$AGENT_TRACE" ]] || die "$AGENT_TRACE not found or not executable (make build)"
AGENT_TRACE=$(cd "$(dirname "$AGENT_TRACE")" && pwd)/$(basename "$AGENT_TRACE")

mkdir -p "$BENCH_DIR"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/agent-trace-bench.XXXXXX")
APPEND_FILE=""
APPEND_ORIG_SIZE=""
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  if [[ -n "$APPEND_FILE" && -n "$APPEND_ORIG_SIZE" && -f "$APPEND_FILE" ]]; then
    truncate -s "$APPEND_ORIG_SIZE" "$APPEND_FILE" || echo "WARNING: could not restore $APPEND_FILE" >&2
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
median() { # numbers as arguments -> median
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {
    if (NR == 0) { print "nan"; exit }
    if (NR % 2) printf "%.6f\n", a[(NR+1)/2]; else printf "%.6f\n", (a[NR/2]+a[NR/2+1])/2 }'
}
fmt() { awk -v x="$1" -v f="$2" 'BEGIN { printf f, x }'; } # fmt VALUE PRINTF-FORMAT
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }  # a >= b ?
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# measure OUT_FILE CMD...   runs CMD with stdout to OUT_FILE under a timeout.
# Sets M_WALL (seconds, from a nanosecond clock) and M_RSS_KB (peak RSS of the
# command's process tree, from GNU time %M). Fails the script on a non-zero exit.
measure() {
  local out=$1; shift
  local tf="$TMP/time.txt" t0 t1 rc=0
  t0=$(date +%s%N)
  /usr/bin/time -f '%e %M' -o "$tf" timeout --kill-after=10 "$TIMEOUT" "$@" >"$out" 2>"$TMP/stderr.txt" || rc=$?
  t1=$(date +%s%N)
  if [[ $rc -ne 0 ]]; then
    echo "FAIL: exit $rc: $*" >&2
    tail -n 20 "$TMP/stderr.txt" >&2 || true
    exit 1
  fi
  M_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
  M_RSS_KB=$(awk 'END { print $2 }' "$tf")
}

# tokens FILE KIND -> "input output cache_creation cache_read messages" from a report JSON
tokens() {
  python3 - "$1" "$2" <<'PY'
import json, sys
path, kind = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    d = json.load(f)
t = d["totals"]
if kind == "ccusage":
    v = [t["inputTokens"], t["outputTokens"], t["cacheCreationTokens"], t["cacheReadTokens"], "-"]
elif kind == "expected":
    v = [t["input_tokens"], t["output_tokens"], t["cache_creation_tokens"], t["cache_read_tokens"], t["messages"]]
else:
    v = [t["input_tokens"], t["output_tokens"], t["cache_write_5m_tokens"] + t["cache_write_1h_tokens"],
         t["cache_read_tokens"], t["messages"]]
print(*v)
PY
}
tok_no_msgs() { awk '{ print $1, $2, $3, $4 }' <<<"$1"; }
describe_tokens() { awk '{ printf "input %s, output %s, cache_creation %s, cache_read %s", $1, $2, $3, $4; if ($5 != "-") printf ", messages %s", $5 }' <<<"$1"; }

# ---------------------------------------------------------------------------
# corpus
# ---------------------------------------------------------------------------
GEN=tools/corpus/gen_transcripts.py
[[ -f $GEN ]] || GEN=/work/shared/corpus/gen_transcripts.py
if [[ ! -f "$CORPUS/expected.json" ]]; then
  [[ -f $GEN ]] || die "corpus generator not found (tools/corpus/gen_transcripts.py)"
  if [[ -d "$CORPUS/projects" && -n "$(ls -A "$CORPUS/projects")" ]]; then
    # The generator writes expected.json last: no expected.json = an interrupted run.
    [[ "$CORPUS" == "$DEFAULT_CORPUS" ]] || die "$CORPUS/projects exists without expected.json; remove it"
    log "removing incomplete corpus $CORPUS"
    rm -rf "$CORPUS/projects"
  fi
  log "generating corpus: seed $BENCH_SEED, $BENCH_SIZE, $GEN_JOBS jobs -> $CORPUS"
  timeout "$TIMEOUT" python3 "$GEN" --out "$CORPUS" --seed "$BENCH_SEED" --size "$BENCH_SIZE" --jobs "$GEN_JOBS" ||
    die "corpus generation failed"
fi
CORPUS=$(cd "$CORPUS" && pwd)
EXPECTED="$CORPUS/expected.json"
read -r CORPUS_BYTES CORPUS_FILES CORPUS_SESSIONS < <(python3 -c '
import json, sys
g = json.load(open(sys.argv[1]))["generator"]
print(g["bytes"], g["files"], g["sessions"])' "$EXPECTED")
CORPUS_LABEL=$(awk -v b="$CORPUS_BYTES" 'BEGIN { if (b >= 2^30 * 0.9) printf "%.0fGB", b / 2^30; else printf "%.0fMB", b / 2^20 }')
EXP_TOK=$(tokens "$EXPECTED" expected)
log "corpus: $CORPUS ($(fmt "$CORPUS_BYTES" '%.0f') bytes, $CORPUS_FILES files, $CORPUS_SESSIONS sessions)"
log "expected.json totals: $(describe_tokens "$EXP_TOK")"

log "warming the page cache"
find "$CORPUS/projects" -type f -name '*.jsonl' -exec cat {} + >/dev/null

# ---------------------------------------------------------------------------
# ccusage
# ---------------------------------------------------------------------------
CCUSAGE=""
if [[ "${SKIP_CCUSAGE:-0}" != 1 ]]; then
  CCUSAGE=$CCUSAGE_DIR/node_modules/@ccusage/ccusage-linux-x64/bin/ccusage
  installed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
    "$CCUSAGE_DIR/node_modules/ccusage/package.json" 2>/dev/null || true)
  if [[ "$installed" != "$CCUSAGE_VERSION" || ! -f "$CCUSAGE" ]]; then
    command -v npm >/dev/null || die "npm is needed to install ccusage (or set SKIP_CCUSAGE=1)"
    log "installing ccusage@$CCUSAGE_VERSION into $CCUSAGE_DIR"
    timeout "$TIMEOUT" npm install --prefix "$CCUSAGE_DIR" --no-audit --no-fund --loglevel=error \
      "ccusage@$CCUSAGE_VERSION" >/dev/null || die "npm install ccusage@$CCUSAGE_VERSION failed"
  fi
  if [[ ! -f "$CCUSAGE" ]]; then # other platforms: the JS launcher
    CCUSAGE=$CCUSAGE_DIR/node_modules/.bin/ccusage
    [[ -e "$CCUSAGE" ]] || die "ccusage binary not found under $CCUSAGE_DIR"
  fi
  chmod +x "$CCUSAGE" # npm leaves the platform binary without the x bit
  CCUSAGE=$(cd "$(dirname "$CCUSAGE")" && pwd)/$(basename "$CCUSAGE")
fi

# ---------------------------------------------------------------------------
# 1. full import + report daily, alternating runs
# ---------------------------------------------------------------------------
run_ours_full() { # run index
  local store="$TMP/store-full-$1"
  rm -rf "$store"
  mkdir -p "$store"
  measure "$TMP/ours-$1.json" "$AGENT_TRACE" --data-dir "$store" import "$CORPUS/projects" "${AT_ARGS[@]}" \
    --report daily --json --tz UTC
  OURS_WALL+=("$M_WALL"); OURS_RSS+=("$M_RSS_KB")
  log "  run $1 agent-trace: $(fmt "$M_WALL" '%.3f') s, RSS $(fmt "$M_RSS_KB" '%.0f') KB"
  rm -rf "$store"
}
run_ccusage() {
  measure "$TMP/ccusage-$1.json" env CLAUDE_CONFIG_DIR="$CORPUS" "$CCUSAGE" claude daily --json --offline -z UTC
  CC_WALL+=("$M_WALL"); CC_RSS+=("$M_RSS_KB")
  log "  run $1 ccusage:     $(fmt "$M_WALL" '%.3f') s, RSS $(fmt "$M_RSS_KB" '%.0f') KB"
}

OURS_WALL=(); OURS_RSS=(); CC_WALL=(); CC_RSS=()
log ""
log "== full import into an empty store + report daily ($RUNS runs each, alternating)"
for ((i = 1; i <= RUNS; i++)); do
  if [[ -n "$CCUSAGE" && $((i % 2)) -eq 1 ]]; then run_ccusage "$i"; fi
  run_ours_full "$i"
  if [[ -n "$CCUSAGE" && $((i % 2)) -eq 0 ]]; then run_ccusage "$i"; fi
done

STATUS=0
for ((i = 1; i <= RUNS; i++)); do
  t=$(tokens "$TMP/ours-$i.json" ours) || die "cannot read agent-trace totals (run $i)"
  if [[ "$(tok_no_msgs "$t")" != "$(tok_no_msgs "$EXP_TOK")" ]]; then
    log "TOKENS DIFFER agent-trace run $i vs expected.json:"
    log "  agent-trace: $(describe_tokens "$t")"
    log "  expected:    $(describe_tokens "$EXP_TOK")"
    STATUS=1
  fi
  if [[ -n "$CCUSAGE" ]]; then
    c=$(tokens "$TMP/ccusage-$i.json" ccusage) || die "cannot read ccusage totals (run $i)"
    if [[ "$(tok_no_msgs "$t")" != "$(tok_no_msgs "$c")" ]]; then
      log "TOKENS DIFFER agent-trace vs ccusage (run $i):"
      log "  agent-trace: $(describe_tokens "$t")"
      log "  ccusage:     $(describe_tokens "$c")"
      STATUS=1
    fi
  fi
done
OURS_TOK=$(tokens "$TMP/ours-1.json" ours)
log "agent-trace totals: $(describe_tokens "$OURS_TOK")"
if [[ -n "$CCUSAGE" ]]; then
  log "ccusage totals:     $(describe_tokens "$(tokens "$TMP/ccusage-1.json" ccusage)")"
  python3 - "$TMP/ours-1.json" "$TMP/ccusage-1.json" "$EXPECTED" <<'PY'
import json, sys
o, c, e = (json.load(open(p)) for p in sys.argv[1:])
print(f"cost: agent-trace {o['totals']['cost_usd']:.2f} USD, expected {e['totals']['cost_usd']:.2f} "
      f"(per-request tiering); ccusage {c['totals']['totalCost']:.2f}, expected "
      f"{e['totals']['cost_usd_per_category_tiering']:.2f} (per-category tiering)")
PY
fi
[[ $STATUS -eq 0 ]] && log "token totals: equal"

OURS_WALL_MED=$(median "${OURS_WALL[@]}")
OURS_RSS_MIB=$(awk -v k="$(median "${OURS_RSS[@]}")" 'BEGIN { printf "%.0f", k / 1024 }')
SUMMARY=()
if [[ -n "$CCUSAGE" ]]; then
  CC_WALL_MED=$(median "${CC_WALL[@]}")
  CC_RSS_MIB=$(awk -v k="$(median "${CC_RSS[@]}")" 'BEGIN { printf "%.0f", k / 1024 }')
  RATIO=$(awk -v a="$CC_WALL_MED" -v b="$OURS_WALL_MED" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
  line="import+report $CORPUS_LABEL: agent-trace $(fmt "$OURS_WALL_MED" '%.2f') s (RSS $OURS_RSS_MIB MiB)"
  line+=" | ccusage $(fmt "$CC_WALL_MED" '%.2f') s (RSS $CC_RSS_MIB MiB) | ratio ${RATIO}x (target >= ${TARGET_RATIO}x)"
  ge "$RATIO" "$TARGET_RATIO" || line+="  MISSED"
  SUMMARY+=("$line")
  if (( OURS_RSS_MIB < CC_RSS_MIB )); then
    SUMMARY+=("peak RSS: agent-trace $OURS_RSS_MIB MiB < ccusage $CC_RSS_MIB MiB (target: below ccusage)")
  else
    SUMMARY+=("peak RSS: agent-trace $OURS_RSS_MIB MiB >= ccusage $CC_RSS_MIB MiB (target: below ccusage)  MISSED")
  fi
else
  SUMMARY+=("import+report $CORPUS_LABEL: agent-trace $(fmt "$OURS_WALL_MED" '%.2f') s (RSS $OURS_RSS_MIB MiB) | ccusage skipped")
fi
printf '>> %s\n' "${SUMMARY[@]}"

# ---------------------------------------------------------------------------
# 2. incremental: append one new assistant line, re-import, report
# ---------------------------------------------------------------------------
if [[ "${SKIP_INCREMENTAL:-0}" != 1 ]]; then
  log ""
  log "== incremental import after appending one assistant line ($RUNS runs)"
  # a top-level session file that ends with a newline (not the one being written)
  read -r APPEND_PICK_FILE APPEND_PICK_SIZE < <(python3 - "$CORPUS/projects" <<'PY'
import os, sys
root = sys.argv[1]
for proj in sorted(os.listdir(root)):
    d = os.path.join(root, proj)
    if not os.path.isdir(d):
        continue
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        if not (name.endswith(".jsonl") and not name.startswith("agent-") and os.path.isfile(p)):
            continue
        size = os.path.getsize(p)
        if size < 1024 or size > 64 << 20:
            continue
        with open(p, "rb") as f:
            f.seek(-1, 2)
            if f.read(1) != b"\n":
                continue
        print(p, size)
        sys.exit(0)
sys.exit("no suitable session file found")
PY
) || die "no session file to append to"
  APPEND_ORIG_SIZE=$APPEND_PICK_SIZE
  APPEND_FILE=$APPEND_PICK_FILE # from here on the EXIT trap truncates it back
  log "appending to $APPEND_FILE (restored to $APPEND_ORIG_SIZE bytes afterwards)"

  store="$TMP/store-inc"
  mkdir -p "$store"
  measure "$TMP/inc-0.json" "$AGENT_TRACE" --data-dir "$store" import "$CORPUS/projects" "${AT_ARGS[@]}" \
    --report daily --json --tz UTC
  log "  initial full import: $(fmt "$M_WALL" '%.2f') s"
  # no-change re-import, for reference
  measure "$TMP/inc-nochange.json" "$AGENT_TRACE" --data-dir "$store" import "$CORPUS/projects" "${AT_ARGS[@]}" \
    --report daily --json --tz UTC
  NOCHANGE_MS=$(awk -v s="$M_WALL" 'BEGIN { printf "%.1f", s * 1000 }')
  log "  re-import without changes: $NOCHANGE_MS ms"

  INC_MS=()
  t=$(tokens "$TMP/inc-0.json" ours) || die "cannot read agent-trace totals (incremental)"
  read -r base_in _ _ _ base_msgs <<<"$t"
  added_in=0
  for ((i = 1; i <= RUNS; i++)); do
    line_in=$(python3 - "$APPEND_FILE" "$i" <<'PY'
import json, os, sys, uuid
path, i = sys.argv[1], sys.argv[2]
# the last complete assistant line with a real model, used as a template
tmpl = None
with open(path, "rb") as f:
    f.seek(max(0, os.path.getsize(path) - (16 << 20)))
    for raw in f:
        if b'"type":"assistant"' not in raw or b"<synthetic>" in raw:
            continue
        try:
            obj = json.loads(raw)
        except ValueError:
            continue
        if obj.get("type") == "assistant" and isinstance(obj.get("message", {}).get("usage"), dict):
            tmpl = obj
if tmpl is None:
    sys.exit("no assistant line to copy in " + path)
tag = uuid.uuid4().hex
tmpl["uuid"] = str(uuid.uuid4())
tmpl["message"]["id"] = f"msg_bench{i}{tag[:18]}"
tmpl["requestId"] = f"req_bench{i}{tag[18:]}"
with open(path, "a", encoding="utf-8") as f:
    f.write(json.dumps(tmpl, ensure_ascii=False, separators=(",", ":")) + "\n")
print(tmpl["message"]["usage"].get("input_tokens", 0))
PY
) || die "could not append a line to $APPEND_FILE"
    added_in=$((added_in + line_in))
    measure "$TMP/inc-$i.json" "$AGENT_TRACE" --data-dir "$store" import "$CORPUS/projects" "${AT_ARGS[@]}" \
      --report daily --json --tz UTC
    ms=$(awk -v s="$M_WALL" 'BEGIN { printf "%.1f", s * 1000 }')
    INC_MS+=("$ms")
    t=$(tokens "$TMP/inc-$i.json" ours) || die "cannot read agent-trace totals (incremental run $i)"
    read -r got_in _ _ _ got_msgs <<<"$t"
    log "  run $i: $ms ms, RSS $(fmt "$M_RSS_KB" '%.0f') KB, messages $got_msgs"
    if [[ "$got_msgs" != "$((base_msgs + i))" || "$got_in" != "$((base_in + added_in))" ]]; then
      log "TOKENS DIFFER after incremental import $i: messages $got_msgs (want $((base_msgs + i))), input $got_in (want $((base_in + added_in)))"
      STATUS=1
    fi
  done
  rm -rf "$store"
  truncate -s "$APPEND_ORIG_SIZE" "$APPEND_FILE"
  APPEND_FILE=""
  INC_MED=$(median "${INC_MS[@]}")
  line="incremental import+report (1 new line, $CORPUS_LABEL store): $(fmt "$INC_MED" '%.1f') ms median"
  line+=" (no-change re-import $NOCHANGE_MS ms) (target <= $TARGET_INCREMENTAL_MS ms)"
  le "$INC_MED" "$TARGET_INCREMENTAL_MS" || line+="  MISSED"
  SUMMARY+=("$line")
  log ">> $line"
fi

# ---------------------------------------------------------------------------
# 3. one big transcript file
# ---------------------------------------------------------------------------
if [[ "${SKIP_BIG_FILE:-0}" != 1 ]]; then
  log ""
  log "== single ~${BIG_FILE_MB} MB transcript file"
  BIG_DIR=$BENCH_DIR/big-file
  BIG_FILE=$BIG_DIR/projects/-big/0b1d2e3f-4a5b-4c6d-8e9f-a0b1c2d3e4f5.jsonl
  BIG_STAMP="$CORPUS_BYTES $BIG_FILE_MB"
  if [[ ! -f "$BIG_FILE" || "$(cat "$BIG_DIR/.source" 2>/dev/null)" != "$BIG_STAMP" ]]; then
    log "building $BIG_FILE from the corpus's session files"
    rm -rf "$BIG_DIR"
    mkdir -p "$(dirname "$BIG_FILE")"
    python3 - "$CORPUS/projects" "$BIG_FILE.tmp" "$BIG_FILE_MB" <<'PY' || die "building the big file failed"
import os, shutil, sys
root, out, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
limit = mb << 20
files = []
for d, _, names in os.walk(root):
    files += [os.path.join(d, n) for n in names if n.endswith(".jsonl")]
files.sort()
total = 0
with open(out, "wb") as w:
    for p in files:
        if total >= limit:
            break
        with open(p, "rb") as r:
            shutil.copyfileobj(r, w, 1 << 20)
        size = os.path.getsize(p)
        total += size
        if size:
            with open(p, "rb") as r:
                r.seek(-1, 2)
                if r.read(1) != b"\n":  # a cut last line must not swallow the next file's first line
                    w.write(b"\n")
                    total += 1
if total < limit:
    sys.exit(f"corpus too small for a {mb} MB file ({total} bytes)")
PY
    mv "$BIG_FILE.tmp" "$BIG_FILE"
    echo "$BIG_STAMP" >"$BIG_DIR/.source"
  fi
  BIG_BYTES=$(stat -c %s "$BIG_FILE")
  cat "$BIG_FILE" >/dev/null
  BIG_WALL=(); BIG_RSS=()
  for ((i = 1; i <= BIG_RUNS; i++)); do
    store="$TMP/store-big-$i"
    mkdir -p "$store"
    measure "$TMP/big-$i.json" "$AGENT_TRACE" --data-dir "$store" import "$BIG_DIR/projects" "${AT_ARGS[@]}" \
      --report daily --json --tz UTC
    BIG_WALL+=("$M_WALL"); BIG_RSS+=("$M_RSS_KB")
    log "  run $i: $(fmt "$M_WALL" '%.3f') s, RSS $(fmt "$M_RSS_KB" '%.0f') KB"
    rm -rf "$store"
  done
  BIG_RSS_MIB=$(awk -v k="$(median "${BIG_RSS[@]}")" 'BEGIN { printf "%.0f", k / 1024 }')
  BOUND=$(awk -v a="$OURS_RSS_MIB" -v f="$BIG_RSS_FACTOR" 'BEGIN { printf "%.0f", a * f }')
  line="import one $(awk -v b="$BIG_BYTES" 'BEGIN { printf "%.0f", b / 2^20 }') MiB file: agent-trace"
  line+=" $(fmt "$(median "${BIG_WALL[@]}")" '%.2f') s (RSS $BIG_RSS_MIB MiB) | $CORPUS_LABEL corpus RSS $OURS_RSS_MIB MiB"
  line+=" (target <= ${BIG_RSS_FACTOR}x = $BOUND MiB)"
  (( BIG_RSS_MIB <= BOUND )) || line+="  MISSED"
  SUMMARY+=("$line")
  log ">> $line"
fi

log ""
log "== summary"
printf '%s\n' "${SUMMARY[@]}"
if [[ $STATUS -ne 0 ]]; then
  log "FAIL: token totals differ (see above)"
fi
exit "$STATUS"
