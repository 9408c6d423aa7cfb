#include "server/serve_metrics.hpp"

#include "server/prometheus_text.hpp"

namespace agent_trace::server {
namespace {

void ingest_families(PrometheusText& p, const ServeMetrics& m) {
    p.family("agent_trace_ingest_received_total", "counter",
             "Events (hooks) and records (OTLP) received, accepted or rejected");
    p.sample(m.hooks.accepted + m.hooks.rejected, {{"source", "hooks"}});
    for (const auto& o : m.otlp) {
        p.sample(o.records.accepted + o.records.rejected, {{"source", "otlp_" + o.signal}});
    }
    p.family("agent_trace_ingest_accepted_total", "counter",
             "Events and records durable in the queue and acknowledged");
    p.sample(m.hooks.accepted, {{"source", "hooks"}});
    for (const auto& o : m.otlp) p.sample(o.records.accepted, {{"source", "otlp_" + o.signal}});
    p.family("agent_trace_ingest_rejected_total", "counter",
             "Events and records refused, by reason (nothing is dropped uncounted)");
    for (const auto& [reason, n] : m.hooks.by_reason) {
        p.sample(n, {{"source", "hooks"}, {"reason", reason}});
    }
    for (const auto& o : m.otlp) {
        const std::string source = "otlp_" + o.signal;
        for (const auto& [reason, n] : o.records.by_reason) {
            p.sample(n, {{"source", source}, {"reason", reason}});
        }
    }
    p.family("agent_trace_otlp_requests_total", "counter", "OTLP export requests, by signal");
    for (const auto& o : m.otlp) p.sample(o.requests, {{"signal", o.signal}});
    p.counter("agent_trace_otlp_dropped_attributes_total",
              "OTLP attributes dropped by the privacy tier", m.otlp_dropped_attributes);
    p.counter("agent_trace_otlp_redactions_total", "Secrets redacted from OTLP attributes",
              m.otlp_redactions);
    if (m.otlp_grpc) {
        p.counter("agent_trace_otlp_grpc_calls_total", "OTLP/gRPC calls", m.otlp_grpc->calls);
        p.family("agent_trace_otlp_grpc_refused_total", "counter", "OTLP/gRPC calls refused");
        p.sample(m.otlp_grpc->invalid, {{"reason", "invalid_argument"}});
        p.sample(m.otlp_grpc->unavailable, {{"reason", "unavailable"}});
        p.sample(m.otlp_grpc->unauthenticated, {{"reason", "unauthenticated"}});
    }
}

void http_families(PrometheusText& p, const ServeMetrics& m) {
    p.family("agent_trace_http_connections_total", "counter", "HTTP connections accepted");
    for (const auto& [name, s] : m.listeners) p.sample(s.connections, {{"listener", name}});
    p.family("agent_trace_http_requests_total", "counter", "HTTP requests read");
    for (const auto& [name, s] : m.listeners) p.sample(s.requests, {{"listener", name}});
    p.family("agent_trace_http_refused_total", "counter",
             "HTTP requests refused before any handler saw them");
    for (const auto& [name, s] : m.listeners) {
        p.sample(s.too_large, {{"listener", name}, {"reason", "too_large"}});
        p.sample(s.malformed, {{"listener", name}, {"reason", "malformed"}});
    }
    if (m.api_responses) {
        p.family("agent_trace_api_requests_total", "counter",
                 "Answers on the API port, by status class");
        static constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
        for (size_t i = 0; i < m.api_responses->size(); ++i) {
            p.sample((*m.api_responses)[i], {{"class", kClasses[i]}});
        }
    }
}

void pipeline_families(PrometheusText& p, const ServeMetrics& m) {
    p.gauge("agent_trace_queue_depth_records", "Records in the durable queue not yet stored",
            static_cast<double>(m.queue.depth_records));
    p.gauge("agent_trace_queue_depth_bytes", "Bytes in the durable queue not yet stored",
            static_cast<double>(m.queue.depth_bytes));
    p.gauge("agent_trace_queue_segments", "Durable queue segment files",
            static_cast<double>(m.queue.segments));
    p.counter("agent_trace_queue_appended_total", "Records appended to the durable queue",
              m.queue.appended_total);
    p.counter("agent_trace_queue_syncs_total", "fdatasync calls of the durable queue",
              m.queue.syncs_total);
    p.gauge("agent_trace_queue_recovered_records",
            "Records found in the queue when it was opened (replayed to the store)",
            static_cast<double>(m.queue.recovered_records));
    p.gauge("agent_trace_queue_corrupt_records",
            "Records dropped at open because their checksum failed",
            static_cast<double>(m.queue.corrupt_records));
    p.gauge("agent_trace_queue_torn_tail_bytes", "Bytes of a torn tail cut off at open",
            static_cast<double>(m.queue.torn_tail_bytes));
    p.counter("agent_trace_store_events_stored_total",
              "Events the writer stored (second copies included)", m.writer.stored_events);
    p.counter("agent_trace_store_batches_total", "Store transactions of the writer",
              m.writer.batches);
    p.counter("agent_trace_store_write_retries_total",
              "Store writes that failed with a retryable error and were retried", m.writer.retries);
    p.counter("agent_trace_store_dead_lettered_total",
              "Events the store refused for good, moved to the DLQ", m.writer.dead_lettered);
    p.gauge("agent_trace_store_available", "1 when the last store write succeeded",
            m.writer.store_unavailable ? 0 : 1);
    p.gauge("agent_trace_store_lag_seconds",
            "Age of the oldest event of the last stored batch when it was committed "
            "(arrival to store)",
            m.store_lag_seconds);
    p.gauge("agent_trace_dlq_entries", "Dead letters waiting in <data>/dlq",
            static_cast<double>(m.dlq_entries));
    p.gauge("agent_trace_spool_pending_records", "hook-handler spool records not yet delivered",
            static_cast<double>(m.spool_pending));
    p.counter("agent_trace_spool_drained_total", "Spool records delivered to the queue",
              m.spool_drained);
    p.counter("agent_trace_spool_malformed_total", "Spool lines that could not be read",
              m.spool_malformed);
    p.counter("agent_trace_imports_total", "Transcript import runs", m.imports.imports);
    p.counter("agent_trace_import_events_written_total", "Events written by transcript imports",
              m.imports.events_written);
    p.counter("agent_trace_import_errors_total", "Transcript import runs that failed",
              m.imports.errors);
}

void stream_families(PrometheusText& p, const ServeMetrics& m) {
    if (!m.stream) return;
    const StreamHubStats& s = *m.stream;
    p.gauge("agent_trace_sse_clients", "Live stream clients connected",
            static_cast<double>(s.clients));
    p.counter("agent_trace_sse_clients_connected_total", "Live stream clients ever connected",
              s.clients_total);
    p.counter("agent_trace_sse_events_sent_total",
              "Event messages queued to live stream clients (one per client)", s.events_sent);
    p.counter("agent_trace_sse_events_replayed_total",
              "Of those, sent as a replay after Last-Event-ID", s.replayed);
    p.counter("agent_trace_sse_clients_dropped_slow_total",
              "Live stream clients cut off because they did not keep up", s.dropped_slow);
    p.counter("agent_trace_sse_read_errors_total", "Store reads of the live stream that failed",
              s.read_errors);
}

}  // namespace

std::string serve_metrics_text(const ServeMetrics& m) {
    PrometheusText p;
    p.family("agent_trace_build_info", "gauge", "Version of the running agent-trace");
    p.sample(uint64_t{1}, {{"version", "0.1.0"}});
    p.gauge("agent_trace_uptime_seconds", "Seconds since serve started", m.uptime_seconds);
    ingest_families(p, m);
    http_families(p, m);
    pipeline_families(p, m);
    stream_families(p, m);
    p.gauge("agent_trace_index_stale_sessions",
            "Sessions whose events changed since they were last fused",
            static_cast<double>(m.index.stale_sessions));
    p.gauge("agent_trace_index_fused_sessions", "Sessions fused since serve started",
            static_cast<double>(m.index.fused_sessions));
    p.counter("agent_trace_index_errors_total", "Fused index refreshes that failed",
              m.index.errors);
    return p.take();
}

}  // namespace agent_trace::server
