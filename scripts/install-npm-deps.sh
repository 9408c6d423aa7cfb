#!/usr/bin/env bash
# Front-end (dashboard) dependencies: web/node_modules from the npm registry with `npm ci`
# (exact versions from web/package-lock.json): Vite, TypeScript, Preact, uPlot, Vitest and
# playwright-core (which drives Debian's chromium, installed by scripts/install-deps.sh).
#
# Quiet and instant when node_modules already matches package-lock.json: the lock file's
# checksum is kept in web/node_modules/.agent-trace-lock.sha256 after a successful install.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WEB="$ROOT/web"
STAMP="$WEB/node_modules/.agent-trace-lock.sha256"

[[ -f "$WEB/package.json" ]] || exit 0

if ! command -v npm >/dev/null 2>&1; then
  echo "install-npm-deps: npm is missing (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if ((node_major < 20)); then
  echo "install-npm-deps: the dashboard build needs Node.js >= 20, found $(node --version)" >&2
  exit 1
fi

want="$(sha256sum "$WEB/package-lock.json" | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
  exit 0
fi

echo "install-npm-deps: npm ci in web/"
cd "$WEB"
npm ci --no-audit --no-fund --loglevel=error
printf '%s\n' "$want" >"$STAMP"
