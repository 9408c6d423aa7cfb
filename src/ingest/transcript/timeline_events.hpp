#pragma once
// The events a session timeline needs besides model calls: tool calls (their
// start from the assistant line that asked for them, their end from the user
// line that carries the result), prompts, compactions, API errors and subagent
// starts. Tier 1: ids, names, flags, counts; never text.
//
// Ids are deterministic, so a re-import, a resumed session's copy of a line or
// a second root holding the same file yields the same event, stored once:
//   tool_start        ("transcript", "tool_use", tool_use_id)
//   tool_end / _error ("transcript", "tool_result", tool_use_id)
//   user_prompt, compact, api_error
//                     ("transcript", "line", session_id, line uuid)
//   subagent_start    ("transcript", "subagent", session_id, agent_id)
#include <optional>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "ingest/transcript/assistant_record.hpp"
#include "ingest/transcript/conversation_record.hpp"
#include "ingest/transcript/discovery.hpp"
#include "ingest/transcript/subagent_meta.hpp"

namespace agent_trace::transcript {

// The tool_start of one tool_use block of an assistant line, appended to `out`.
void append_tool_start(const AssistantRecord& line, const ToolUseBlock& block,
                       const TranscriptFile& file, TimestampUs ingest_ts, std::vector<Event>& out);

// The events of a user line (a prompt, a tool_end or tool_error per tool_result
// block) or a system line (compact, api_error), appended to `out`. An error
// when the line needs a timestamp it lacks.
Status append_conversation_events(const ConversationRecord& line, const TranscriptFile& file,
                                  TimestampUs ingest_ts, std::vector<Event>& out);

// The start of the subagent whose transcript is `file`, at `ts` (its earliest
// line), appended to `out`.
void append_subagent_start(const TranscriptFile& file, const std::string& session_id,
                           const std::string& agent_id, TimestampUs ts, TimestampUs ingest_ts,
                           const std::optional<SubagentMeta>& meta, std::vector<Event>& out);

}  // namespace agent_trace::transcript
