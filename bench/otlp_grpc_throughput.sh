#!/usr/bin/env bash
# OTLP/gRPC log ingest: Claude Code log records per second acknowledged by a real
# `agent-trace serve` (default --queue-sync every-commit: durable in the queue before the
# OK), against no-op gRPC servers measured in the same run, round robin. The driver is
# bench/otlp_grpc_throughput.cpp (a CMake target, built here when missing or stale).
# Target: >= 200,000 records/s (TARGET). Exit 1 only when a call or a run fails or
# /healthz does not count every acknowledged record; a missed target prints MISSED.
#
# Env: BUILD_DIR (build), AGENT_TRACE ($BUILD_DIR/agent-trace), ROUNDS (3),
#      SECONDS_PER_RUN (4), WARMUP_S (1), CHANNELS (2), INFLIGHT (4), BATCH (1000),
#      TEMPLATES (50), VARIANTS (noop,parse,serve; also: decode), TARGET (200000),
#      SERVE_ARGS (extra `serve` arguments, e.g. "--queue-sync none"), GZIP (1: the client
#      compresses its requests, as OTEL_EXPORTER_OTLP_COMPRESSION=gzip does).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-build}"
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
AGENT_TRACE="${AGENT_TRACE:-$BUILD_DIR/agent-trace}"

if [[ ! -x "$AGENT_TRACE" ]]; then
  echo "otlp_grpc_throughput: $AGENT_TRACE is not built (make build)" >&2
  exit 1
fi
driver="$BUILD_DIR/bench/otlp_grpc_throughput"
if [[ ! -x "$driver" || "$ROOT/bench/otlp_grpc_throughput.cpp" -nt "$driver" ]]; then
  cmake --build "$BUILD_DIR" --target otlp_grpc_throughput >/dev/null
fi

args=(--agent-trace "$AGENT_TRACE"
      --rounds "${ROUNDS:-3}" --seconds "${SECONDS_PER_RUN:-4}" --warmup "${WARMUP_S:-1}"
      --channels "${CHANNELS:-2}" --inflight "${INFLIGHT:-4}" --batch "${BATCH:-1000}"
      --templates "${TEMPLATES:-50}" --variants "${VARIANTS:-noop,parse,serve}"
      --target "${TARGET:-200000}")
[[ "${GZIP:-}" = 1 ]] && args+=(--gzip)
for arg in ${SERVE_ARGS:-}; do
  args+=(--serve-arg "$arg")
done
exec "$driver" "${args[@]}"
