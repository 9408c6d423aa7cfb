#!/usr/bin/env bash
# Fetch the OpenTelemetry protocol (.proto) files from the npm package
# @opentelemetry/otlp-grpc-exporter-base and unpack them into OUT_DIR.
#
# The build runs this at configure time (CMakeLists.txt): the .proto files are never
# copied into this repository by hand. 0.38.0 is the last release of the package that
# ships them (build/protos/, opentelemetry-proto v0.19 era); later releases generate code
# at publish time and no longer include .proto files. The tarball's sha512 is pinned
# here, so a changed or substituted package fails the build instead of compiling.
#
# The tarball is cached in ${AGENT_TRACE_CACHE:-~/.cache/agent-trace}/npm so a rebuild
# works offline.
#
# Usage: scripts/fetch-otlp-protos.sh OUT_DIR
set -euo pipefail

PACKAGE="@opentelemetry/otlp-grpc-exporter-base"
VERSION="0.38.0"
INTEGRITY="sha512-wwGxeJt80w+mIA0aE+K9OshkyEoYQrXuwXl1TNZBs9K7qE4AAiEuxU9cbd3VX3BTsp+xzNcDRWIb9WWkiU9+kA=="

out_dir="${1:?usage: fetch-otlp-protos.sh OUT_DIR}"
cache_dir="${AGENT_TRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agent-trace}/npm"
tarball="$cache_dir/opentelemetry-otlp-grpc-exporter-base-$VERSION.tgz"

integrity_of() {
  printf 'sha512-%s' "$(openssl dgst -sha512 -binary "$1" 2>/dev/null | base64 -w0 ||
    python3 -c 'import base64,hashlib,sys;print(base64.b64encode(hashlib.sha512(open(sys.argv[1],"rb").read()).digest()).decode(),end="")' "$1")"
}

if [[ ! -f "$tarball" || "$(integrity_of "$tarball")" != "$INTEGRITY" ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "fetch-otlp-protos: npm is required to fetch $PACKAGE@$VERSION (run scripts/install-deps.sh)" >&2
    exit 1
  fi
  mkdir -p "$cache_dir"
  tmp="$(mktemp -d "$cache_dir/.fetch.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
  mv -f "$tmp/opentelemetry-otlp-grpc-exporter-base-$VERSION.tgz" "$tarball"
fi

actual="$(integrity_of "$tarball")"
if [[ "$actual" != "$INTEGRITY" ]]; then
  echo "fetch-otlp-protos: $tarball has integrity $actual, expected $INTEGRITY" >&2
  exit 1
fi

rm -rf "$out_dir.tmp"
mkdir -p "$out_dir.tmp"
tar -xzf "$tarball" -C "$out_dir.tmp" --strip-components=3 \
  package/build/protos/opentelemetry
rm -rf "$out_dir"
mkdir -p "$(dirname "$out_dir")"
mv "$out_dir.tmp" "$out_dir"
