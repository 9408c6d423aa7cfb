#pragma once
// OTLP metrics -> canonical events: one Event (kind=metric) per data point, with
// the metric name, value, temporality, start time and a series id in attrs.
//
// Sums stay right under either temporality without state in the receiver: a delta
// point is one increment; a cumulative point is a running total since start_ts, so a
// series' total is the last point of each (series, start_ts) — a restart of the
// sender begins a new start_ts (query/otel_metrics.hpp adds them up that way).
#include <string>

#include "ingest/otlp/otlp_decoded.hpp"

namespace opentelemetry::proto::collector::metrics::v1 {
class ExportMetricsServiceRequest;
}

namespace agent_trace::otlp {

OtlpDecoded decode_metrics(
    const opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request,
    const OtlpDecodeOptions& options);

}  // namespace agent_trace::otlp
