#pragma once
// serve's own counters as Prometheus text (GET /metrics on the hooks and API
// ports): what arrived, what was refused and why, the queue, the writer, the
// DLQ, the live stream, the API and the fused index.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/queue/durable_queue.hpp"
#include "pipeline/store_writer.hpp"
#include "server/http_server.hpp"
#include "server/ingest_counters.hpp"
#include "server/otlp_grpc_server.hpp"
#include "server/session_importer.hpp"
#include "server/stream_hub.hpp"

namespace agent_trace::server {

// API answers by status class: 1xx .. 5xx.
using StatusClassCounts = std::array<uint64_t, 5>;

struct IndexStatus {
    uint64_t stale_sessions = 0;
    uint64_t fused_sessions = 0;
    uint64_t passes = 0;
    uint64_t errors = 0;
};

struct ServeMetrics {
    double uptime_seconds = 0;
    IngestCounters::Snapshot hooks;
    struct Otlp {
        std::string signal;  // "logs", "metrics", "traces"
        uint64_t requests = 0;
        IngestCounters::Snapshot records;
    };
    std::vector<Otlp> otlp;
    uint64_t otlp_dropped_attributes = 0;
    uint64_t otlp_redactions = 0;
    std::optional<OtlpGrpcStats> otlp_grpc;
    std::vector<std::pair<std::string, HttpListenerStats>> listeners;  // "hooks", "api"
    QueueStats queue;
    StoreWriterStats writer;
    double store_lag_seconds = 0;
    uint64_t dlq_entries = 0;
    uint64_t spool_pending = 0;
    uint64_t spool_drained = 0;
    uint64_t spool_malformed = 0;
    SessionImporterStats imports;
    std::optional<StreamHubStats> stream;
    std::optional<StatusClassCounts> api_responses;
    IndexStatus index;
};

std::string serve_metrics_text(const ServeMetrics& m);

}  // namespace agent_trace::server
