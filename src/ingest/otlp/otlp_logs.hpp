#pragma once
// OTLP logs -> canonical events. Claude Code exports one log record per event
// (claude_code.user_prompt, api_request, tool_result, ...; reference §2.4): each
// becomes one Event with source=otel, the join keys in their columns (session.id,
// prompt.id, request_id, tool_use_id, agent_id) and the rest in attrs, reduced to
// the tier. A retried export maps to the same event ids (see log_event_id).
#include <optional>
#include <string_view>

#include "ingest/otlp/otlp_decoded.hpp"

namespace opentelemetry::proto::collector::logs::v1 {
class ExportLogsServiceRequest;
}

namespace agent_trace::otlp {

OtlpDecoded decode_logs(
    const opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest& request,
    const OtlpDecodeOptions& options);

// The same from the request's protobuf bytes, read in place (otlp_view.hpp): what
// decode_logs gives for them once parsed. nullopt when the bytes need the protobuf
// parser (malformed, or an unusual form): parse them and call decode_logs then.
std::optional<OtlpDecoded> decode_logs_protobuf(std::string_view bytes,
                                                const OtlpDecodeOptions& options);

// The canonical kind of a Claude Code event name (without the claude_code. prefix).
EventKind log_event_kind(std::string_view event_name, std::optional<bool> success);

}  // namespace agent_trace::otlp
