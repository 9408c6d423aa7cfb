#include "ingest/transcript/timeline_events.hpp"

#include <string_view>

#include "core/json_writer.hpp"

namespace agent_trace::transcript {
namespace {

// Short tokens only ("auto", "manual", "529"): anything longer is not metadata.
constexpr size_t kMaxToken = 32;
constexpr std::string_view kAsidePrefix = "aside_question-";

// A new event at the end of `out` (built in place: an event is large to move),
// saying who and where as every transcript event does: path hints fill in what
// the line lacks; a subagent's events are sidechain events.
Event& located_event(std::vector<Event>& out, EventKind kind, const EventId& id, TimestampUs ts,
                     TimestampUs ingest_ts, const TranscriptFile& file,
                     const std::string& session_id, const std::string& agent_id, bool is_sidechain,
                     const std::string& cwd) {
    Event& e = out.emplace_back();
    e.event_id = id;
    e.source = Source::transcript;
    e.kind = kind;
    e.ts = ts;
    e.ingest_ts = ingest_ts;
    e.session_id = session_id.empty() ? file.session_hint : session_id;
    e.agent_id = agent_id.empty() ? file.agent_hint : agent_id;
    e.is_sidechain = is_sidechain || !e.agent_id.empty();
    e.project = file.project;
    e.cwd = cwd;
    e.tier = 1;
    return e;
}

const std::string& session_of(const ConversationRecord& line, const TranscriptFile& file) {
    return line.session_id.empty() ? file.session_hint : line.session_id;
}

Event& line_event(std::vector<Event>& out, EventKind kind, const ConversationRecord& line,
                  const TranscriptFile& file, TimestampUs ingest_ts) {
    return located_event(
        out, kind, hash_event_id({"transcript", "line", session_of(line, file), line.uuid}),
        line.ts, ingest_ts, file, line.session_id, line.agent_id, line.is_sidechain, line.cwd);
}

void append_tool_results(const ConversationRecord& line, const TranscriptFile& file,
                         TimestampUs ingest_ts, std::vector<Event>& out) {
    // toolUseResult describes the line's result; with several results it is unclear whose.
    const bool one_result = line.result_count == 1;
    for (size_t i = 0; i < line.result_count; ++i) {
        const ToolResultBlock& result = line.results[i];
        if (result.tool_use_id.empty()) continue;
        Event& e = located_event(out, result.is_error ? EventKind::tool_error : EventKind::tool_end,
                                 hash_event_id({"transcript", "tool_result", result.tool_use_id}),
                                 line.ts, ingest_ts, file, line.session_id, line.agent_id,
                                 line.is_sidechain, line.cwd);
        e.tool_use_id = result.tool_use_id;
        e.prompt_id = line.prompt_id;
        e.success = !result.is_error;
        e.error = result.error_class;
        if (one_result) {
            e.duration_ms = line.duration_ms;
            if (!line.spawned_agent_id.empty()) {
                JsonWriter w;
                w.begin_object().key("spawned_agent_id").value(line.spawned_agent_id).end_object();
                e.attrs = w.take();
            }
        }
    }
}

void append_prompt(const ConversationRecord& line, const TranscriptFile& file,
                   TimestampUs ingest_ts, std::vector<Event>& out) {
    Event& e = line_event(out, EventKind::user_prompt, line, file, ingest_ts);
    e.prompt_id = line.prompt_id;
    e.parent_uuid = line.parent_uuid;
    e.git_branch = line.git_branch;
    e.app_version = line.version;
    JsonWriter w;
    w.begin_object().key("prompt_length").value(line.text_length).end_object();
    e.attrs = w.take();
}

void append_compact(const ConversationRecord& line, const TranscriptFile& file,
                    TimestampUs ingest_ts, std::vector<Event>& out) {
    Event& e = line_event(out, EventKind::compact, line, file, ingest_ts);
    // The boundary starts a new chain (parentUuid null); the logical parent bridges it.
    e.parent_uuid = line.parent_uuid.empty() ? line.logical_parent_uuid : line.parent_uuid;
    JsonWriter w;
    w.begin_object();
    if (!line.compact_trigger.empty() && line.compact_trigger.size() <= kMaxToken) {
        w.key("trigger").value(line.compact_trigger);
    }
    if (line.pre_tokens) w.key("pre_tokens").value(*line.pre_tokens);
    w.end_object();
    e.attrs = w.take();
}

void append_api_error(const ConversationRecord& line, const TranscriptFile& file,
                      TimestampUs ingest_ts, std::vector<Event>& out) {
    Event& e = line_event(out, EventKind::api_error, line, file, ingest_ts);
    e.parent_uuid = line.parent_uuid;
    e.request_id = line.error_request_id;
    e.success = false;
    // The same class the OTEL api_error carries for an HTTP failure.
    if (line.status_code) {
        e.error = "http_" + std::to_string(*line.status_code);
    } else {
        e.error = line.status_text;
    }
    JsonWriter w;
    w.begin_object();
    if (line.status_code) {
        w.key("status").value(*line.status_code);
    } else if (!line.status_text.empty()) {
        w.key("status").value(line.status_text);
    }
    if (line.retry_attempt) w.key("retry_attempt").value(*line.retry_attempt);
    if (line.max_retries) w.key("max_retries").value(*line.max_retries);
    w.end_object();
    e.attrs = w.take();
}

}  // namespace

void append_tool_start(const AssistantRecord& line, const ToolUseBlock& block,
                       const TranscriptFile& file, TimestampUs ingest_ts, std::vector<Event>& out) {
    Event& e = located_event(
        out, EventKind::tool_start, hash_event_id({"transcript", "tool_use", block.id}), line.ts,
        ingest_ts, file, line.session_id, line.agent_id, line.is_sidechain, line.cwd);
    e.tool_use_id = block.id;
    e.tool_name = block.name;
    e.message_id = line.message_id;
    e.request_id = line.request_id;
}

Status append_conversation_events(const ConversationRecord& line, const TranscriptFile& file,
                                  TimestampUs ingest_ts, std::vector<Event>& out) {
    bool has_result = false;
    for (size_t i = 0; i < line.result_count; ++i) {
        has_result = has_result || !line.results[i].tool_use_id.empty();
    }
    // Events named after the line need its uuid; a line without one yields none.
    const bool prompt = line.type == LineType::user && !line.uuid.empty() &&
                        file.agent_hint.empty() && is_user_prompt(line);
    const bool compact =
        line.type == LineType::system && !line.uuid.empty() && line.subtype == "compact_boundary";
    const bool api_error =
        line.type == LineType::system && !line.uuid.empty() && line.subtype == "api_error";
    if (!has_result && !prompt && !compact && !api_error) return Ok{};
    if (line.ts == 0) {
        return make_error(std::string(line.type == LineType::user ? "user" : "system") +
                          " line without a valid timestamp");
    }
    if (has_result) append_tool_results(line, file, ingest_ts, out);
    if (prompt) append_prompt(line, file, ingest_ts, out);
    if (compact) append_compact(line, file, ingest_ts, out);
    if (api_error) append_api_error(line, file, ingest_ts, out);
    return Ok{};
}

void append_subagent_start(const TranscriptFile& file, const std::string& session_id,
                           const std::string& agent_id, TimestampUs ts, TimestampUs ingest_ts,
                           const std::optional<SubagentMeta>& meta, std::vector<Event>& out) {
    static const std::string kNoCwd;
    Event& e = located_event(out, EventKind::subagent_start,
                             hash_event_id({"transcript", "subagent", session_id, agent_id}), ts,
                             ingest_ts, file, session_id, agent_id, true, kNoCwd);
    JsonWriter w;
    w.begin_object();
    if (meta) {
        e.tool_use_id = meta->tool_use_id;
        if (!meta->agent_type.empty() && meta->agent_type.size() <= kMaxToken * 2) {
            w.key("agent_type").value(meta->agent_type);
        }
        if (meta->spawn_depth) w.key("spawn_depth").value(*meta->spawn_depth);
    } else if (agent_id.starts_with(kAsidePrefix)) {
        // A /btw side question: Claude Code writes it like a subagent, without a sidecar.
        w.key("agent_type").value("aside_question");
    }
    w.end_object();
    e.attrs = w.take();
}

}  // namespace agent_trace::transcript
