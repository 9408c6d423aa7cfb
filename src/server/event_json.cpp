#include "server/event_json.hpp"

namespace agent_trace::server {

void write_event_json(JsonWriter& out, const Event& e) {
    out.begin_object()
        .key("event_id")
        .value(e.event_id.hex())
        .key("source")
        .value(to_string(e.source))
        .key("kind")
        .value(to_string(e.kind))
        .key("ts")
        .value(format_iso8601_utc(e.ts));
    if (e.ingest_ts != 0) out.key("ingest_ts").value(format_iso8601_utc(e.ingest_ts));
    auto text = [&](const char* name, const std::string& value) {
        if (!value.empty()) out.key(name).value(value);
    };
    auto count = [&](const char* name, int64_t value) {
        if (value != 0) out.key(name).value(value);
    };
    text("session_id", e.session_id);
    text("agent_id", e.agent_id);
    text("prompt_id", e.prompt_id);
    text("message_id", e.message_id);
    text("request_id", e.request_id);
    text("tool_use_id", e.tool_use_id);
    text("parent_uuid", e.parent_uuid);
    text("user", e.user);
    text("host", e.host);
    text("project", e.project);
    text("cwd", e.cwd);
    text("git_branch", e.git_branch);
    text("app_version", e.app_version);
    text("model", e.model);
    count("input_tokens", e.input_tokens);
    count("output_tokens", e.output_tokens);
    count("cache_write_5m_tokens", e.cache_write_5m_tokens);
    count("cache_write_1h_tokens", e.cache_write_1h_tokens);
    count("cache_read_tokens", e.cache_read_tokens);
    if (e.cost_usd) out.key("cost_usd").value(*e.cost_usd);
    if (e.cost_source != CostSource::none) out.key("cost_source").value(to_string(e.cost_source));
    text("tool_name", e.tool_name);
    if (e.duration_ms) out.key("duration_ms").value(*e.duration_ms);
    if (e.success) out.key("success").value(*e.success);
    text("error", e.error);
    if (e.is_sidechain) out.key("is_sidechain").value(true);
    out.key("tier").value(static_cast<int64_t>(e.tier));
    // Stored attrs are a JSON object written by our own encoders.
    out.key("attrs").raw(e.attrs.empty() ? std::string_view("{}") : std::string_view(e.attrs));
    out.end_object();
}

std::string event_json(const Event& event) {
    JsonWriter w;
    write_event_json(w, event);
    return w.take();
}

}  // namespace agent_trace::server
