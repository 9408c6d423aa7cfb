#include "server/otlp_receiver.hpp"

#include <google/protobuf/arena.h>

#include "core/time.hpp"
#include "ingest/otlp/otlp_logs.hpp"
#include "ingest/otlp/otlp_metrics.hpp"
#include "ingest/otlp/otlp_traces.hpp"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "pipeline/event_codec.hpp"
#include "pipeline/queue/durable_queue.hpp"

namespace agent_trace::server {
namespace {

namespace collector = opentelemetry::proto::collector;

template <class Request>
Result<otlp::OtlpDecoded> parse_and_decode(
    const OtlpParse& parse, const otlp::OtlpDecodeOptions& options,
    otlp::OtlpDecoded (*decode)(const Request&, const otlp::OtlpDecodeOptions&)) {
    google::protobuf::Arena arena;
    auto* request = google::protobuf::Arena::CreateMessage<Request>(&arena);
    if (auto s = parse(*request); !s) return s.error();
    return decode(*request, options);
}

}  // namespace

OtlpReceiver::OtlpReceiver(DurableQueue& queue, uint8_t max_tier, std::string host)
    : queue_(queue), max_tier_(max_tier), host_(std::move(host)) {}

void OtlpReceiver::ingest(OtlpSignal signal, const OtlpParse& parse, OtlpDone done,
                          std::string_view protobuf) {
    requests_[static_cast<size_t>(signal)].fetch_add(1, std::memory_order_relaxed);
    otlp::OtlpDecodeOptions options;
    options.max_tier = max_tier_;
    options.host = host_;
    options.now = now_us();
    Result<otlp::OtlpDecoded> decoded = make_error("unknown signal");
    switch (signal) {
        case OtlpSignal::logs:
            if (!protobuf.empty()) {
                if (auto in_place = otlp::decode_logs_protobuf(protobuf, options)) {
                    decoded = std::move(*in_place);
                    break;
                }
            }
            decoded = parse_and_decode<collector::logs::v1::ExportLogsServiceRequest>(
                parse, options, &otlp::decode_logs);
            break;
        case OtlpSignal::metrics:
            decoded = parse_and_decode<collector::metrics::v1::ExportMetricsServiceRequest>(
                parse, options, &otlp::decode_metrics);
            break;
        case OtlpSignal::traces:
            decoded = parse_and_decode<collector::trace::v1::ExportTraceServiceRequest>(
                parse, options, &otlp::decode_traces);
            break;
    }
    IngestCounters& counters = counters_of(signal);
    if (!decoded) {
        counters.rejected("malformed_request");
        done(OtlpOutcome{OtlpOutcome::Code::invalid_argument, 0, 0, decoded.error().message});
        return;
    }
    dropped_attributes_.fetch_add(decoded->dropped_attributes, std::memory_order_relaxed);
    redactions_.fetch_add(decoded->redactions, std::memory_order_relaxed);
    for (const auto& [reason, n] : decoded->rejected_by_reason) counters.rejected(reason, n);

    OtlpOutcome outcome;
    outcome.rejected = decoded->rejected;
    outcome.message = decoded->rejection;
    const uint64_t n = decoded->events.size();
    if (n == 0) {
        done(std::move(outcome));
        return;
    }
    size_t estimate = 0;
    for (const Event& e : decoded->events) estimate += e.attrs.size() + 256;
    EncodedBatch batch;
    batch.reserve(estimate, n);
    for (const Event& e : decoded->events) batch.add(e);
    outcome.accepted = n;
    append_durably(queue_, batch.views(),
                   [&counters, n, outcome = std::move(outcome),
                    done = std::move(done)](const Status& status) mutable {
                       if (!status) {
                           counters.rejected("queue_unavailable", n);
                           done(OtlpOutcome{OtlpOutcome::Code::unavailable, 0, outcome.rejected,
                                            status.error().message});
                           return;
                       }
                       counters.accepted(n);
                       done(std::move(outcome));
                   });
}

void OtlpReceiver::refused(OtlpSignal signal, const std::string& reason) {
    requests_[static_cast<size_t>(signal)].fetch_add(1, std::memory_order_relaxed);
    counters_of(signal).rejected(reason);
}

IngestCounters::Snapshot OtlpReceiver::counters(OtlpSignal signal) const {
    return counters_[static_cast<size_t>(signal)].snapshot();
}

uint64_t OtlpReceiver::requests(OtlpSignal signal) const {
    return requests_[static_cast<size_t>(signal)].load(std::memory_order_relaxed);
}

uint64_t OtlpReceiver::dropped_attributes() const {
    return dropped_attributes_.load(std::memory_order_relaxed);
}

uint64_t OtlpReceiver::redactions() const { return redactions_.load(std::memory_order_relaxed); }

}  // namespace agent_trace::server
