#pragma once
// The sidecar Claude Code 2.1.x writes beside a subagent's transcript:
// <session>/subagents/agent-<id>.meta.json, {"agentType","toolUseId","spawnDepth",...}.
#include <cstdint>
#include <optional>
#include <string>

namespace simdjson::dom {
class parser;
}  // namespace simdjson::dom

namespace agent_trace::transcript {

struct SubagentMeta {
    std::string agent_type;
    std::string tool_use_id;  // the Agent/Task tool call that spawned the subagent
    std::optional<int64_t> spawn_depth;
};

// The sidecar of the transcript at `transcript_path` (its ".jsonl" replaced by
// ".meta.json"). nullopt when there is none, or it is unreadable, too large or
// not a JSON object: older versions write none, so its absence is never an error.
std::optional<SubagentMeta> read_subagent_meta(const std::string& transcript_path,
                                               simdjson::dom::parser& parser);

}  // namespace agent_trace::transcript
