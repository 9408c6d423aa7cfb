#include "pipeline/privacy/hook_fields.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace agent_trace::privacy {
namespace {

using Entry = std::pair<std::string_view, FieldClass>;
constexpr FieldClass M = FieldClass::metadata;
constexpr FieldClass P = FieldClass::parameters;
constexpr FieldClass C = FieldClass::content;
constexpr FieldClass D = FieldClass::derived;

// Claude Code 2.1.x hook fields (reference §1.3-1.4 and the captures).
constexpr std::array kFields{
    // common
    Entry{"session_id", M},
    Entry{"transcript_path", M},
    Entry{"agent_transcript_path", M},
    Entry{"cwd", M},
    Entry{"hook_event_name", M},
    Entry{"permission_mode", M},
    Entry{"prompt_id", M},
    Entry{"effort", M},
    Entry{"agent_id", M},
    Entry{"agent_type", M},
    // tools
    Entry{"tool_name", M},
    Entry{"tool_use_id", M},
    Entry{"duration_ms", M},
    Entry{"is_interrupt", M},
    Entry{"tool_input", FieldClass::tool_input},
    Entry{"tool_response", FieldClass::tool_response},
    Entry{"tool_calls", FieldClass::tool_calls},
    Entry{"error", FieldClass::error},
    Entry{"error_details", C},
    Entry{"permission_suggestions", P},
    // session, turn, subagent, tasks
    Entry{"source", M},
    Entry{"reason", M},
    Entry{"model", M},
    Entry{"session_title", P},
    Entry{"stop_hook_active", M},
    Entry{"last_assistant_message", C},
    Entry{"background_tasks", M},
    Entry{"session_crons", M},
    Entry{"task_id", M},
    Entry{"task_subject", P},
    Entry{"task_description", P},
    Entry{"teammate_name", M},
    Entry{"team_name", M},
    Entry{"seconds_since_last_response", M},
    Entry{"context_tokens", M},
    Entry{"prompt_cache_likely_expired", M},
    Entry{"estimated_cache_write_usd", M},
    // prompts
    Entry{"prompt", P},
    Entry{"expansion_type", M},
    Entry{"command_name", M},
    Entry{"command_args", P},
    Entry{"command_source", M},
    // assistant display
    Entry{"turn_id", M},
    Entry{"message_id", M},
    Entry{"index", M},
    Entry{"final", M},
    Entry{"delta", C},
    // notifications, elicitation
    Entry{"notification_type", M},
    Entry{"message", P},
    Entry{"title", P},
    Entry{"mcp_server_name", M},
    Entry{"elicitation_id", M},
    Entry{"mode", M},
    Entry{"action", M},
    Entry{"url", P},
    Entry{"requested_schema", P},
    Entry{"content", C},
    // compaction, setup, config, files, worktrees
    Entry{"trigger", M},
    Entry{"custom_instructions", P},
    Entry{"compact_summary", C},
    Entry{"file_path", M},
    Entry{"memory_type", M},
    Entry{"load_reason", M},
    Entry{"globs", P},
    Entry{"trigger_file_path", M},
    Entry{"parent_file_path", M},
    Entry{"event", M},
    Entry{"old_cwd", M},
    Entry{"new_cwd", M},
    Entry{"directory", M},
    Entry{"name", M},
    Entry{"worktree_path", M},
    // written by agent-trace itself
    Entry{"agent_trace", M},
    Entry{"tool_input_bytes", D},
    Entry{"tool_response_bytes", D},
    Entry{"tool_response_meta", D},
    Entry{"lines_added", D},
    Entry{"lines_removed", D},
    Entry{"prompt_length", D},
    Entry{"error_class", D},
};

constexpr std::array<std::string_view, 25> kToolResponseMetadata{
    "interrupted",
    "isImage",
    "noOutputExpected",
    "gitOperation",
    "type",
    "status",
    "isAsync",
    "agentId",
    "agentType",
    "resolvedModel",
    "totalDurationMs",
    "totalTokens",
    "totalToolUseCount",
    "usage",
    "toolStats",
    "userModified",
    "replaceAll",
    "toolsUsed",
    "durationMs",
    "durationSeconds",
    "numFiles",
    "numLines",
    "truncated",
    "exitCode",
    "returnCodeInterpretation",
};

// Last words of field names that hold content whatever their value looks like.
constexpr std::array<std::string_view, 48> kContentWords{
    "prompt",   "prompts",     "content",      "contents", "text",      "texts",   "message",
    "messages", "command",     "commands",     "input",    "inputs",    "output",  "outputs",
    "response", "responses",   "result",       "results",  "query",     "body",    "description",
    "summary",  "instruction", "instructions", "args",     "arguments", "argv",    "delta",
    "stdout",   "stderr",      "error",        "errors",   "detail",    "details", "title",
    "subject",  "url",         "uri",          "pattern",  "patch",     "diff",    "snippet",
    "question", "answer",      "note",         "comment",  "value",     "data",
};

// The last word of a snake_case, kebab-case, dotted or camelCase name, lower-cased
// ("last_assistant_message" -> "message", "exitCode" -> "code", "URL" -> "url").
std::string_view last_word(std::string_view key, std::array<char, 64>& buffer) {
    auto is_upper = [](char c) { return c >= 'A' && c <= 'Z'; };
    auto is_lower = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    size_t begin = key.size();
    while (begin > 0) {
        const char c = key[begin - 1];
        if (c == '_' || c == '-' || c == '.') break;
        --begin;
        if (is_upper(c) && begin > 0 && is_lower(key[begin - 1])) break;
    }
    const std::string_view word = key.substr(begin);
    if (word.size() > buffer.size()) return {};
    for (size_t i = 0; i < word.size(); ++i) {
        const char c = word[i];
        buffer[i] = is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return {buffer.data(), word.size()};
}

bool is_token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':' || c == '@' || c == '+';
}

}  // namespace

FieldClass classify_hook_field(std::string_view key) {
    for (const auto& [name, field_class] : kFields) {
        if (name == key) return field_class;
    }
    return FieldClass::unknown;
}

uint8_t minimum_tier(FieldClass field_class) {
    switch (field_class) {
        case FieldClass::metadata:
        case FieldClass::derived:
        case FieldClass::tool_calls:
            return 1;
        case FieldClass::parameters:
        case FieldClass::tool_input:
            return 2;
        case FieldClass::unknown:
        case FieldClass::content:
        case FieldClass::tool_response:
        case FieldClass::error:
            return 3;
    }
    return 3;
}

bool is_tool_response_metadata(std::string_view key) {
    return std::find(kToolResponseMetadata.begin(), kToolResponseMetadata.end(), key) !=
           kToolResponseMetadata.end();
}

bool may_hold_metadata(std::string_view key) {
    std::array<char, 64> buffer{};
    const std::string_view word = last_word(key, buffer);
    if (word.empty()) return key.empty();  // array elements have no name
    return std::find(kContentWords.begin(), kContentWords.end(), word) == kContentWords.end();
}

bool looks_like_metadata_string(std::string_view key, std::string_view value) {
    if (!may_hold_metadata(key)) return false;
    if (value.empty()) return true;
    if (value.size() > 80) return false;
    return std::all_of(value.begin(), value.end(), is_token_char);
}

}  // namespace agent_trace::privacy
