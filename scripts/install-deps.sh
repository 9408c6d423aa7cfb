#!/usr/bin/env bash
# Install every Debian package agent-trace needs to build, test, lint and benchmark.
#
# Target: a fresh Debian 12 (bookworm) machine. Idempotent: when everything is already
# installed it prints nothing and touches nothing (no `apt-get update`).
# Add new dependencies to PACKAGES below (one per line, keep it sorted by purpose).
set -euo pipefail

PACKAGES=(
  # toolchain and build
  build-essential
  g++
  cmake
  ninja-build
  ccache
  pkg-config
  git
  python3
  tzdata
  ca-certificates
  time
  # formatting and linting (LLVM 14 on bookworm)
  clang-format
  clang-tidy
  # libraries
  libsimdjson-dev
  libcli11-dev
  libfmt-dev
  libhowardhinnant-date-dev
  libxxhash-dev
  libsqlite3-dev
  sqlite3
  libboost-dev
  rapidjson-dev
  nlohmann-json3-dev
  # OTLP: protobuf + gRPC (the .proto files come from npm, scripts/fetch-otlp-protos.sh)
  libprotobuf-dev
  protobuf-compiler
  libgrpc++-dev
  protobuf-compiler-grpc
  zlib1g-dev
  openssl
  # tests and benchmarks
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  hyperfine
  # dashboard browser tests: playwright-core (npm) drives Debian's chromium headless
  chromium
  fonts-liberation
  fonts-dejavu-core
)

# npm installs the real Claude Code CLI for the end-to-end tests (tests/e2e/harness) and
# ccusage for a benchmark. A machine that already has node + npm (e.g. from NodeSource)
# keeps them: Debian's npm package would conflict with that nodejs.
if ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "install-deps: missing packages (${missing[*]}) and not root, no sudo available" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
