#include "ingest/otlp/otlp_logs.hpp"

#include <cmath>

#include "core/json_writer.hpp"
#include "ingest/otlp/otlp_attributes.hpp"
#include "ingest/otlp/otlp_resource.hpp"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"

namespace agent_trace::otlp {
namespace {

namespace logs = opentelemetry::proto::logs::v1;

constexpr std::string_view kPrefix = "claude_code.";

// Claude Code reports cost in dollars and in integer micro-dollars; micros are exact.
std::optional<double> cost_of(const AnyValue* usd, const AnyValue* micros) {
    if (usd != nullptr) {
        if (auto d = as_double(*usd); d && *d >= 0) return d;
    }
    if (micros != nullptr) {
        if (auto m = as_int(*micros); m && *m >= 0) return static_cast<double>(*m) / 1e6;
    }
    return std::nullopt;
}

int64_t non_negative(const AnyValue* value) {
    if (value == nullptr) return 0;
    auto n = as_int(*value);
    return n && *n > 0 ? *n : 0;
}

struct RecordFields {
    const AnyValue* cost_usd = nullptr;
    const AnyValue* cost_micros = nullptr;
    const AnyValue* input = nullptr;
    const AnyValue* output = nullptr;
    const AnyValue* cache_read = nullptr;
    const AnyValue* cache_creation = nullptr;
    const AnyValue* cache_5m = nullptr;
    const AnyValue* cache_1h = nullptr;
    const AnyValue* success = nullptr;
    const AnyValue* error_type = nullptr;
    const AnyValue* status_code = nullptr;
    std::string_view event_name;
    std::string_view sequence;
    int64_t sequence_number = -1;
    std::string_view timestamp_text;
    int user_rank = 0;
};

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
            for (const logs::LogRecord& record : scope_logs.log_records()) {
                Event e;
                e.source = Source::otel;
                e.ingest_ts = options.now;
                e.tier = options.max_tier;
                e.host = resource.host;
                e.app_version = resource.app_version;
                e.user = resource.user;
                RecordFields f;
                if (std::string_view body = as_view(record.body()); body.starts_with(kPrefix)) {
                    f.event_name = body.substr(kPrefix.size());
                } else {
                    f.event_name = body;
                }

                json = JsonWriter();
                json.begin_object();
                json.key("signal").value("logs");
                AttributeWriter writer(json, options.max_tier, decoded);
                for (const auto& kv : record.attributes()) {
                    const std::string& key = kv.key();
                    const AnyValue& v = kv.value();
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
                e.attrs = json.take();

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
                const std::string time_key = std::to_string(record.time_unix_nano()) + "/" +
                                             std::to_string(record.observed_time_unix_nano());
                if (f.sequence_number >= 0) {
                    const std::string seq = std::to_string(f.sequence_number);
                    e.event_id =
                        hash_event_id({"otel", "log", e.session_id, f.event_name, seq, time_key});
                } else {
                    e.event_id = hash_event_id({"otel", "log", e.session_id, f.event_name, time_key,
                                                record.SerializeAsString()});
                }

                if (auto valid = validate(e); !valid) {
                    decoded.reject("log record \"" + std::string(f.event_name) +
                                   "\": " + valid.error().message);
                    continue;
                }
                decoded.events.push_back(std::move(e));
            }
        }
    }
    return decoded;
}

}  // namespace agent_trace::otlp
