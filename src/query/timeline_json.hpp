#pragma once
// JSON forms of fused sessions, shared by the REST API and `replay --json`.
#include <string>

#include "core/json_writer.hpp"
#include "query/session_timeline.hpp"
#include "store/fused_index.hpp"

namespace agent_trace {

enum class TimelineView : uint8_t {
    flat,  // {"session":…, "entries":[…]} every prompt, call, tool call and marker in time order
    tree,  // {"session":…, "prompts":[{calls, tools, subagents:[…]}], "subagents":[…]}
};

// "tokens": {input, output, cache_write_5m, cache_write_1h, cache_read, total}, the
// one shape every API answer uses for token counts.
void write_tokens(JsonWriter& out, const TokenCounts& tokens);

// The session header: ids, who/where, times, counts, totals and cost split.
void write_session_row(JsonWriter& out, const FusedSessionRow& row);
std::string session_detail_json(const SessionTimeline& timeline);
std::string timeline_json(const SessionTimeline& timeline, TimelineView view);
std::string linking_json(const SessionTimeline& timeline);

}  // namespace agent_trace
