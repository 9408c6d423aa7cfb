#!/usr/bin/env bash
# Front-end (dashboard) dependencies.
#
# The dashboard lives under web/ (Vite + TypeScript + Preact, see DESIGN.md §5). Once it exists,
# its dependencies are installed from the npm registry with `npm ci` (exact versions from
# web/package-lock.json). `npm` itself then has to be added to PACKAGES in
# scripts/install-deps.sh. Until web/package.json exists this script is a no-op.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ ! -f "$ROOT/web/package.json" ]]; then
  exit 0
fi

# TODO(web): skip when web/node_modules is already in sync with package-lock.json.
cd "$ROOT/web"
npm ci --no-audit --no-fund
