#include "ingest/otlp/otlp_traces.hpp"

#include "core/json_writer.hpp"
#include "ingest/otlp/otlp_attributes.hpp"
#include "ingest/otlp/otlp_resource.hpp"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace agent_trace::otlp {
namespace {

namespace trace = opentelemetry::proto::trace::v1;

constexpr std::string_view kPrefix = "claude_code.";

EventKind span_kind(std::string_view name, std::optional<bool> success) {
    if (name.starts_with(kPrefix)) name.remove_prefix(kPrefix.size());
    if (name == "llm_request") {
        return success.value_or(true) ? EventKind::api_request : EventKind::api_error;
    }
    if (name == "tool" || name == "tool.execution") {
        return success.value_or(true) ? EventKind::tool_end : EventKind::tool_error;
    }
    if (name == "tool.blocked_on_user") return EventKind::permission;
    if (name == "compaction") return EventKind::compact;
    if (name == "subagent.spawn") return EventKind::subagent_start;
    return EventKind::other;
}

}  // namespace

OtlpDecoded decode_traces(
    const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request,
    const OtlpDecodeOptions& options) {
    OtlpDecoded decoded;
    for (const auto& resource_spans : request.resource_spans()) {
        const ResourceContext resource = read_resource(resource_spans.resource(), options, decoded);
        for (const auto& scope_spans : resource_spans.scope_spans()) {
            for (const trace::Span& span : scope_spans.spans()) {
                if (span.trace_id().size() != 16 || span.span_id().size() != 8) {
                    decoded.reject("invalid_span_id",
                                   "span \"" + span.name() + "\" has no valid trace_id/span_id");
                    continue;
                }
                Event e = resource_event(resource, options);
                e.ts = span.start_time_unix_nano() != 0
                           ? static_cast<TimestampUs>(span.start_time_unix_nano() / 1000)
                           : options.now;
                if (span.end_time_unix_nano() > span.start_time_unix_nano() &&
                    span.start_time_unix_nano() != 0) {
                    e.duration_ms = static_cast<int64_t>(
                        (span.end_time_unix_nano() - span.start_time_unix_nano()) / 1'000'000);
                }
                JsonWriter json;
                json.begin_object();
                json.key("signal").value("traces");
                json.key("span").value(span.name());
                json.key("trace_id").value(id_hex(span.trace_id()));
                json.key("span_id").value(id_hex(span.span_id()));
                if (!span.parent_span_id().empty()) {
                    json.key("parent_span_id").value(id_hex(span.parent_span_id()));
                }
                if (span.status().code() != trace::Status::STATUS_CODE_UNSET) {
                    json.key("span_status")
                        .value(span.status().code() == trace::Status::STATUS_CODE_OK ? "ok"
                                                                                     : "error");
                }
                if (!scope_spans.scope().name().empty()) {
                    json.key("scope").value(scope_spans.scope().name());
                }
                AttributeWriter writer(json, options.max_tier, decoded);
                int user_rank = 0;
                const AnyValue* input = nullptr;
                const AnyValue* output = nullptr;
                const AnyValue* cache_read = nullptr;
                const AnyValue* cache_creation = nullptr;
                for (const auto& kv : span.attributes()) {
                    const std::string& key = kv.key();
                    const AnyValue& v = kv.value();
                    const std::string_view text = as_view(v);
                    if (key == "session.id") {
                        e.session_id = text;
                        continue;
                    }
                    if (key == "prompt.id") {
                        e.prompt_id = text;
                        continue;
                    }
                    if (key == "model") e.model = text;
                    if (key == "request_id") e.request_id = text;
                    if (key == "tool_use_id" || key == "gen_ai.tool.call.id") {
                        if (!text.empty()) e.tool_use_id = text;
                    }
                    if (key == "tool_name") e.tool_name = text;
                    if (key == "agent_id") e.agent_id = text;
                    if (key == "success") e.success = as_bool(v);
                    if (key == "duration_ms") {
                        if (auto ms = as_int(v); ms && *ms >= 0) e.duration_ms = *ms;
                    }
                    if (key == "input_tokens") input = &v;
                    if (key == "output_tokens") output = &v;
                    if (key == "cache_read_tokens") cache_read = &v;
                    if (key == "cache_creation_tokens") cache_creation = &v;
                    if (const int rank = user_key_rank(key); rank > user_rank && !text.empty()) {
                        e.user = text;
                        user_rank = rank;
                    }
                    writer.write(key, v);
                }
                if (span.events_size() > 0) {
                    json.key("span_events").value(static_cast<int64_t>(span.events_size()));
                }
                json.key("resource").raw(resource.attrs_json);
                json.end_object();
                e.attrs = json.take();
                e.kind = span_kind(span.name(), e.success);
                if (e.kind == EventKind::api_request) {
                    auto tokens = [](const AnyValue* v) -> int64_t {
                        if (v == nullptr) return 0;
                        auto n = as_int(*v);
                        return n && *n > 0 ? *n : 0;
                    };
                    e.input_tokens = tokens(input);
                    e.output_tokens = tokens(output);
                    e.cache_read_tokens = tokens(cache_read);
                    e.cache_write_5m_tokens = tokens(cache_creation);
                    if (e.model.empty()) e.model = "unknown";
                }
                e.event_id = hash_event_id({"otel", "span", span.trace_id(), span.span_id()});
                redact_columns(e, decoded);
                if (auto valid = validate(e); !valid) {
                    decoded.reject(invalid_event_reason(valid.error().message),
                                   "span \"" + span.name() + "\": " + valid.error().message);
                    continue;
                }
                decoded.events.push_back(std::move(e));
            }
        }
    }
    return decoded;
}

}  // namespace agent_trace::otlp
