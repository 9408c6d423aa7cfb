#!/usr/bin/env bash
# Keep the project's own copies of the shared harness and corpus files in step with ../shared.
#
# A user's clone has no ../shared, so the project carries copies:
#   SHARED/harness/captures/                      -> tests/fixtures/captures/      (whole tree)
#   SHARED/harness/{*.py,*.sh,README.md}           -> tests/e2e/harness/
#   SHARED/harness/scenarios/                      -> tests/e2e/harness/scenarios/  (whole tree)
#   SHARED/corpus/{gen_transcripts.py,pricing.json,README.md} -> tools/corpus/
#
# Usage:
#   tools/sync-shared.sh           re-copy everything (stale files in the copies are removed)
#   tools/sync-shared.sh --check   only compare; exit 1 when a copy is out of date
# SHARED_DIR overrides the source (default: <repo>/../shared). When it is absent, both modes
# print a note and exit 0.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED_DIR="${SHARED_DIR:-$ROOT/../shared}"

mode=sync
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

if [[ ! -d "$SHARED_DIR" ]]; then
  echo "sync-shared: $SHARED_DIR not found; nothing to compare (the project's copies are used as is)"
  exit 0
fi
SHARED_DIR="$(cd "$SHARED_DIR" && pwd)"

stale=0

# copy_tree SRC DST: DST becomes an exact copy of SRC.
copy_tree() {
  local src="$1" dst="$2"
  if [[ "$mode" == check ]]; then
    if ! diff -rq "$src" "$dst" >/dev/null 2>&1; then
      echo "out of date: ${dst#"$ROOT"/} (from ${src#"$SHARED_DIR"/})"
      diff -rq "$src" "$dst" 2>&1 | sed 's/^/  /' | head -20 || true
      stale=1
    fi
  else
    rm -rf "$dst"
    mkdir -p "$(dirname "$dst")"
    cp -R "$src" "$dst"
    chmod -R u+w "$dst" # shared/ is read-only; keep the copies writable
  fi
}

# copy_file SRC DST
copy_file() {
  local src="$1" dst="$2"
  if [[ "$mode" == check ]]; then
    if ! cmp -s "$src" "$dst"; then
      echo "out of date: ${dst#"$ROOT"/} (from ${src#"$SHARED_DIR"/})"
      stale=1
    fi
  else
    mkdir -p "$(dirname "$dst")"
    rm -f "$dst"
    cp "$src" "$dst"
    chmod u+w "$dst"
  fi
}

# copy_glob SRCDIR DSTDIR PATTERN...: copy the top-level files matching PATTERNs; files in DSTDIR
# that match a PATTERN but no longer exist in SRCDIR are stale (removed when syncing).
copy_glob() {
  local srcdir="$1" dstdir="$2"
  shift 2
  local pat f name
  shopt -s nullglob
  for pat in "$@"; do
    for f in "$srcdir"/$pat; do
      [[ -f "$f" ]] && copy_file "$f" "$dstdir/$(basename "$f")"
    done
    for f in "$dstdir"/$pat; do
      name="$(basename "$f")"
      if [[ -f "$f" && ! -e "$srcdir/$name" ]]; then
        if [[ "$mode" == check ]]; then
          echo "stale: ${f#"$ROOT"/} (no longer in ${srcdir#"$SHARED_DIR"/})"
          stale=1
        else
          rm -f "$f"
        fi
      fi
    done
  done
  shopt -u nullglob
}

copy_tree "$SHARED_DIR/harness/captures" "$ROOT/tests/fixtures/captures"
copy_glob "$SHARED_DIR/harness" "$ROOT/tests/e2e/harness" '*.py' '*.sh' README.md
copy_tree "$SHARED_DIR/harness/scenarios" "$ROOT/tests/e2e/harness/scenarios"
for f in gen_transcripts.py pricing.json README.md; do
  copy_file "$SHARED_DIR/corpus/$f" "$ROOT/tools/corpus/$f"
done

if [[ "$mode" == check ]]; then
  if ((stale)); then
    echo "sync-shared: copies differ from $SHARED_DIR; run tools/sync-shared.sh" >&2
    exit 1
  fi
  echo "sync-shared: copies match $SHARED_DIR"
fi
