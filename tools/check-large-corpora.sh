#!/usr/bin/env bash
# Exactness on large generated corpora (not part of `make test`: minutes, GBs of disk).
# Each spec SEED:SIZE is generated, imported and every report compared with its
# expected.json (tokens exactly, cost within 1e-6), then deleted.
#   tools/check-large-corpora.sh                       # the default five
#   tools/check-large-corpora.sh 11:1GB 12:600MB       # others
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$ROOT/build/agent-trace}"
specs=("$@")
(( ${#specs[@]} )) || specs=(7:200MB 8:120MB 9:50MB 10:20MB 11:10MB)
args=()
for spec in "${specs[@]}"; do args+=(--generate "$spec"); done
exec python3 "$ROOT/tools/check_expected.py" --bin "$BIN" "${args[@]}" --incremental-check
