#include "ingest/otlp/otlp_logs.hpp"

#include <charconv>
#include <cmath>

#include "core/json_writer.hpp"
#include "ingest/otlp/otlp_attributes.hpp"
#include "ingest/otlp/otlp_resource.hpp"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"

namespace agent_trace::otlp {
namespace {

constexpr std::string_view kPrefix = "claude_code.";

// Claude Code reports cost in dollars and in integer micro-dollars; micros are exact.
template <class Value>
std::optional<double> cost_of(const Value* usd, const Value* micros) {
    if (usd != nullptr) {
        if (auto d = as_double(*usd); d && *d >= 0) return d;
    }
    if (micros != nullptr) {
        if (auto m = as_int(*micros); m && *m >= 0) return static_cast<double>(*m) / 1e6;
    }
    return std::nullopt;
}

// "<time>/<observed time>" in decimal (what std::to_string gives), without allocating.
std::string_view time_pair(char (&buffer)[48], uint64_t time, uint64_t observed) {
    char* end = std::to_chars(buffer, buffer + 20, time).ptr;
    *end++ = '/';
    end = std::to_chars(end, buffer + sizeof buffer, observed).ptr;
    return {buffer, static_cast<size_t>(end - buffer)};
}

template <class Value>
int64_t non_negative(const Value* value) {
    if (value == nullptr) return 0;
    auto n = as_int(*value);
    return n && *n > 0 ? *n : 0;
}

template <class Value>
struct RecordFields {
    const Value* cost_usd = nullptr;
    const Value* cost_micros = nullptr;
    const Value* input = nullptr;
    const Value* output = nullptr;
    const Value* cache_read = nullptr;
    const Value* cache_creation = nullptr;
    const Value* cache_5m = nullptr;
    const Value* cache_1h = nullptr;
    const Value* success = nullptr;
    const Value* error_type = nullptr;
    const Value* status_code = nullptr;
    std::string_view event_name;
    std::string_view sequence;
    int64_t sequence_number = -1;
    std::string_view timestamp_text;
    int user_rank = 0;
};

// The attribute value type of a request representation.
template <class Request>
struct ValueOf {
    using type = AnyValue;
};
template <>
struct ValueOf<LogsRequestView> {
    using type = AnyView;
};

template <class Request>
OtlpDecoded decode_logs_of(const Request& request, const OtlpDecodeOptions& options);

}  // namespace

EventKind log_event_kind(std::string_view name, std::optional<bool> success) {
    if (name == "api_request") return EventKind::api_request;
    if (name == "user_prompt") return EventKind::user_prompt;
    if (name == "tool_result") {
        return success.value_or(true) ? EventKind::tool_end : EventKind::tool_error;
    }
    if (name == "tool_decision") return EventKind::permission;
    if (name == "api_error" || name == "api_retries_exhausted" || name == "api_refusal") {
        return EventKind::api_error;
    }
    if (name == "compaction") return EventKind::compact;
    if (name == "subagent_completed") return EventKind::subagent_stop;
    return EventKind::other;
}

OtlpDecoded decode_logs(
    const opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest& request,
    const OtlpDecodeOptions& options) {
    return decode_logs_of(request, options);
}

std::optional<OtlpDecoded> decode_logs_protobuf(std::string_view bytes,
                                                const OtlpDecodeOptions& options) {
    // Reused by the thread's next request, unless a huge one made it big.
    thread_local LogsRequestView view;
    if (!view.read(bytes)) return std::nullopt;
    std::optional<OtlpDecoded> decoded = decode_logs_of(view, options);
    if (bytes.size() > (8U << 20U)) view = LogsRequestView();
    return decoded;
}

namespace {

template <class Request>
OtlpDecoded decode_logs_of(const Request& request, const OtlpDecodeOptions& options) {
    using Value = typename ValueOf<Request>::type;
    OtlpDecoded decoded;
    size_t total = 0;
    for (const auto& rl : request.resource_logs()) {
        for (const auto& sl : rl.scope_logs()) total += static_cast<size_t>(sl.log_records_size());
    }
    decoded.events.reserve(total);
    JsonWriter json;
    for (const auto& resource_logs : request.resource_logs()) {
        const ResourceContext resource = read_resource(resource_logs.resource(), options, decoded);
        for (const auto& scope_logs : resource_logs.scope_logs()) {
            for (const auto& record : scope_logs.log_records()) {
                Event e = resource_event(resource, options);
                RecordFields<Value> f;
                if (std::string_view body = as_view(record.body()); body.starts_with(kPrefix)) {
                    f.event_name = body.substr(kPrefix.size());
                } else {
                    f.event_name = body;
                }

                // One writer for the whole request: its buffer is reused, each record's
                // attrs get one allocation of the right size.
                json.clear();
                json.begin_object();
                json.key("signal").value("logs");
                AttributeWriter writer(json, options.max_tier, decoded);
                for (const auto& kv : record.attributes()) {
                    const std::string_view key = kv.key();
                    const Value& v = kv.value();
                    // Join keys and usage go to their columns (not repeated in attrs).
                    if (key == "session.id") {
                        e.session_id = as_view(v);
                        continue;
                    }
                    if (key == "prompt.id") {
                        e.prompt_id = as_view(v);
                        continue;
                    }
                    if (key == "event.name") {
                        if (!as_view(v).empty()) f.event_name = as_view(v);
                        continue;
                    }
                    if (key == "event.sequence") {
                        f.sequence_number = as_int(v).value_or(-1);
                        continue;
                    }
                    if (key == "event.timestamp") {
                        f.timestamp_text = as_view(v);
                        continue;
                    }
                    if (key == "model") {
                        e.model = as_view(v);
                        continue;
                    }
                    if (key == "request_id") {
                        e.request_id = as_view(v);
                        continue;
                    }
                    if (key == "tool_use_id") {
                        e.tool_use_id = as_view(v);
                        continue;
                    }
                    if (key == "tool_name") {
                        e.tool_name = as_view(v);
                        continue;
                    }
                    if (key == "agent_id") {
                        e.agent_id = as_view(v);
                        continue;
                    }
                    if (key == "app.version") {
                        if (!as_view(v).empty()) e.app_version = as_view(v);
                        continue;
                    }
                    if (key == "duration_ms") {
                        if (auto ms = as_int(v); ms && *ms >= 0) e.duration_ms = *ms;
                        continue;
                    }
                    if (const int rank = user_key_rank(key); rank > 0) {
                        if (rank > f.user_rank && !as_view(v).empty()) {
                            e.user = as_view(v);
                            f.user_rank = rank;
                        }
                    } else if (key == "cost_usd") {
                        f.cost_usd = &v;
                    } else if (key == "cost_usd_micros") {
                        f.cost_micros = &v;
                    } else if (key == "input_tokens") {
                        f.input = &v;
                    } else if (key == "output_tokens") {
                        f.output = &v;
                    } else if (key == "cache_read_tokens") {
                        f.cache_read = &v;
                    } else if (key == "cache_creation_tokens") {
                        f.cache_creation = &v;
                    } else if (key == "cache_creation_5m_tokens") {
                        f.cache_5m = &v;
                    } else if (key == "cache_creation_1h_tokens") {
                        f.cache_1h = &v;
                    } else if (key == "success") {
                        f.success = &v;
                    } else if (key == "error_type") {
                        f.error_type = &v;
                    } else if (key == "status_code") {
                        f.status_code = &v;
                    }
                    // Kept in attrs too (within the tier): the figures as Claude Code sent them.
                    writer.write(key, v);
                }
                if (f.event_name.empty()) f.event_name = "log";
                json.key("event").value(f.event_name);
                if (!scope_logs.scope().name().empty()) {
                    json.key("scope").value(scope_logs.scope().name());
                }
                if (f.sequence_number >= 0) json.key("sequence").value(f.sequence_number);
                if (record.severity_number() != 0) {
                    json.key("severity").value(static_cast<int64_t>(record.severity_number()));
                }
                if (!record.trace_id().empty())
                    json.key("trace_id").value(id_hex(record.trace_id()));
                if (!record.span_id().empty()) json.key("span_id").value(id_hex(record.span_id()));
                json.key("resource").raw(resource.attrs_json);
                json.end_object();
                e.attrs = json.str();

                // Event time: the record's, else Claude Code's ISO stamp, else when observed.
                if (record.time_unix_nano() != 0) {
                    e.ts = static_cast<TimestampUs>(record.time_unix_nano() / 1000);
                } else if (auto parsed = parse_iso8601(f.timestamp_text)) {
                    e.ts = *parsed;
                } else if (record.observed_time_unix_nano() != 0) {
                    e.ts = static_cast<TimestampUs>(record.observed_time_unix_nano() / 1000);
                } else {
                    e.ts = options.now;
                }

                if (f.success != nullptr) e.success = as_bool(*f.success);
                e.kind = log_event_kind(f.event_name, e.success);
                if (f.error_type != nullptr && !as_view(*f.error_type).empty()) {
                    e.error = as_view(*f.error_type);
                } else if (f.status_code != nullptr) {
                    if (auto code = as_int(*f.status_code))
                        e.error = "http_" + std::to_string(*code);
                }
                if (e.kind == EventKind::api_request) {
                    e.input_tokens = non_negative(f.input);
                    e.output_tokens = non_negative(f.output);
                    e.cache_read_tokens = non_negative(f.cache_read);
                    if (f.cache_5m != nullptr || f.cache_1h != nullptr) {
                        e.cache_write_5m_tokens = non_negative(f.cache_5m);
                        e.cache_write_1h_tokens = non_negative(f.cache_1h);
                    } else {
                        // No 5m/1h split (older builds): the default 5-minute TTL.
                        e.cache_write_5m_tokens = non_negative(f.cache_creation);
                    }
                    if (auto cost = cost_of(f.cost_usd, f.cost_micros)) {
                        e.cost_usd = *cost;
                        e.cost_source = CostSource::reported;
                    }
                    if (e.model.empty()) e.model = "unknown";
                }

                // Deterministic id: a retried export carries the same record. Claude Code's
                // event.sequence is per process, so the time keeps two processes of one
                // (resumed) session apart; without a sequence, the record's bytes decide.
                char time_buffer[48];
                const std::string_view time_key = time_pair(time_buffer, record.time_unix_nano(),
                                                            record.observed_time_unix_nano());
                if (f.sequence_number >= 0) {
                    char seq_buffer[24];
                    const auto seq_end =
                        std::to_chars(seq_buffer, seq_buffer + sizeof seq_buffer, f.sequence_number)
                            .ptr;
                    const std::string_view seq(seq_buffer,
                                               static_cast<size_t>(seq_end - seq_buffer));
                    e.event_id =
                        hash_event_id({"otel", "log", e.session_id, f.event_name, seq, time_key});
                } else {
                    e.event_id = hash_event_id({"otel", "log", e.session_id, f.event_name, time_key,
                                                record.SerializeAsString()});
                }

                redact_columns(e, decoded);
                if (auto valid = validate(e); !valid) {
                    decoded.reject(invalid_event_reason(valid.error().message),
                                   "log record \"" + std::string(f.event_name) +
                                       "\": " + valid.error().message);
                    continue;
                }
                decoded.events.push_back(std::move(e));
            }
        }
    }
    return decoded;
}

}  // namespace

}  // namespace agent_trace::otlp
