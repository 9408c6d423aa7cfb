#!/usr/bin/env bash
# Micro benchmark: the transcript line prefilter against glibc memmem (its baseline),
# and the user-line (tool result) decoder against simdjson's DOM parse of the same
# line; same lines, same run; prints throughput and the ratios.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BUILD_DIR:-$ROOT/build}/bench/bench_transcript_scan"
[[ -x "$BIN" ]] || { echo "missing $BIN: run make build" >&2; exit 1; }
out="$("$BIN" --benchmark_format=csv 2>/dev/null)"
python3 - "$out" <<'PY'
import csv, io, sys
rows = {r["name"]: float(r["bytes_per_second"]) for r in csv.DictReader(io.StringIO(sys.argv[1]))}
for size in ("4096", "1048576"):
    ours, base = rows[f"BM_Prefilter/{size}"], rows[f"BM_MemmemBaseline/{size}"]
    print(f">> prefilter on {int(size) // 1024} KiB lines: {ours / 1e9:.1f} GB/s vs memmem "
          f"{base / 1e9:.1f} GB/s | ratio {ours / base:.1f}x")
for size in ("4096", "1048576"):
    ours, base = rows[f"BM_SkimToolResult/{size}"], rows[f"BM_DomToolResult/{size}"]
    print(f">> tool-result user line of {int(size) // 1024} KiB: skim decoder {ours / 1e9:.1f} GB/s "
          f"vs simdjson DOM parse {base / 1e9:.1f} GB/s | ratio {ours / base:.1f}x")
PY
