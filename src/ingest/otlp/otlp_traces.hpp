#pragma once
// OTLP traces (Claude Code's beta tracing, reference §2.5) -> canonical events: one
// Event per span, keyed by (trace_id, span_id), kind from the span name
// (llm_request -> api_request, tool -> tool_end/tool_error, tool.blocked_on_user ->
// permission, ...). Span events (tool content bodies) are counted, never stored.
#include "ingest/otlp/otlp_decoded.hpp"

namespace opentelemetry::proto::collector::trace::v1 {
class ExportTraceServiceRequest;
}

namespace agent_trace::otlp {

OtlpDecoded decode_traces(
    const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request,
    const OtlpDecodeOptions& options);

}  // namespace agent_trace::otlp
