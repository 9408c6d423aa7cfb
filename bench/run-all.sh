#!/usr/bin/env bash
# Run every benchmark script in bench/ (bench/*.sh except this one), in name order.
# The environment is passed through unchanged (RUNS, BENCH_CORPUS, BUILD_DIR, ... see
# bench/README.md). Every script runs even when an earlier one failed; the exit status is 1
# when any failed (a missed performance target is not a failure).
set -uo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
self="$(basename "${BASH_SOURCE[0]}")"
failed=()
ran=0
for script in "$BENCH"/*.sh; do
  [[ -f "$script" && "$(basename "$script")" != "$self" ]] || continue
  name="$(basename "$script")"
  echo "=== $name"
  start=$(date +%s)
  if bash "$script"; then
    echo "=== $name: done in $(( $(date +%s) - start )) s"
  else
    rc=$?
    echo "=== $name: FAILED (exit $rc) after $(( $(date +%s) - start )) s"
    failed+=("$name")
  fi
  ran=$((ran + 1))
done

if (( ran == 0 )); then
  echo "no benchmark scripts found in $BENCH" >&2
  exit 1
fi
if (( ${#failed[@]} )); then
  echo "benchmarks failed: ${failed[*]}" >&2
  exit 1
fi
echo "all $ran benchmark script(s) finished"
