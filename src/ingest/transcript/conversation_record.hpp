#pragma once
// Decodes the user and system lines of a transcript: prompts, tool results,
// compactions and API errors. They are read with JsonSkim rather than
// simdjson's DOM: user lines carry the tool results, most of a transcript's
// bytes, and only a few small members of them are wanted.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace agent_trace::transcript {

enum class LineType : uint8_t { user, system, assistant, other };

// One tool_result content block of a user line.
struct ToolResultBlock {
    std::string tool_use_id;
    bool is_error = false;
    std::string error_class;  // tier-1 class of the error text (privacy::tool_error_class)
};

// What a user or system line says, reduced to metadata (tier 1: no text).
// Reused from line to line, so its strings keep their buffers.
struct ConversationRecord {
    LineType type = LineType::other;
    std::string session_id;
    std::string agent_id;
    std::string uuid;
    std::string parent_uuid;
    std::string logical_parent_uuid;  // a compact boundary's link over the cut
    std::string prompt_id;
    std::string cwd;
    std::string git_branch;
    std::string version;
    std::string timestamp;  // as written
    TimestampUs ts = 0;     // 0 when absent or unreadable
    bool is_sidechain = false;
    bool is_meta = false;
    bool is_compact_summary = false;

    // user: message.content
    uint32_t text_parts = 0;               // the content string, or its text blocks
    uint64_t text_length = 0;              // their code points
    bool made_by_claude = false;           // the text is a marker Claude Code writes, not a prompt
    std::vector<ToolResultBlock> results;  // the first result_count entries are this line's
    size_t result_count = 0;
    // user: toolUseResult (the structured tool output)
    std::string spawned_agent_id;  // Agent/Task tools: the subagent that ran
    std::optional<int64_t> duration_ms;

    // system
    std::string subtype;
    std::string compact_trigger;
    std::optional<int64_t> pre_tokens;
    std::optional<int64_t> status_code;  // api_error: error.status as a number ...
    std::string status_text;             // ... or as a short string
    std::string error_request_id;
    std::optional<int64_t> retry_attempt;
    std::optional<int64_t> max_retries;
};

enum class ConversationOutcome : uint8_t {
    user,       // `record` is filled
    system,     // `record` is filled
    assistant,  // an assistant line: for the assistant decoder
    other,      // valid JSON of another type
    malformed,  // not a JSON object, or a member that cannot be read
};

struct ConversationResult {
    ConversationOutcome outcome = ConversationOutcome::other;
    std::string detail;  // why, when malformed
};

// `line` must be followed by kSkimPadding readable bytes.
ConversationResult decode_conversation_line(const char* line, size_t length,
                                            ConversationRecord& record);

// A user line that is a prompt: typed (or queued, like a task notification) on
// the main thread, not Claude Code's own meta or compaction summary, holding text
// and no tool result. A subagent's first user line is its task, not a prompt.
bool is_user_prompt(const ConversationRecord& record);

}  // namespace agent_trace::transcript
