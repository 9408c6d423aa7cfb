#pragma once
// Decodes one transcript line that may hold an assistant response.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "core/token_counts.hpp"

namespace simdjson::dom {
class parser;
}  // namespace simdjson::dom

namespace agent_trace::transcript {

// The usage-bearing part of one assistant line. One API response is written
// as several lines (one per content block) sharing message.id.
struct AssistantRecord {
    std::string message_id;
    std::string request_id;
    std::string uuid;
    std::string parent_uuid;
    std::string session_id;
    std::string agent_id;
    std::string model;
    std::string cwd;
    std::string git_branch;
    std::string version;
    std::string inference_geo;
    std::string speed;
    TimestampUs ts = 0;
    TokenCounts tokens;
    int64_t web_search_requests = 0;
    bool is_sidechain = false;
    bool has_usage = false;
};

// A tool_use content block of an assistant line. The views point into the
// parser's document: valid until the parser's next parse.
struct ToolUseBlock {
    std::string_view id;
    std::string_view name;
};

enum class LineOutcome : uint8_t {
    assistant,      // `record` is filled
    synthetic,      // "<synthetic>" model: made by Claude Code, not a model call
    not_assistant,  // valid JSON of another type
    malformed,      // not valid JSON, or an assistant line without the fields we need
};

struct LineResult {
    LineOutcome outcome = LineOutcome::not_assistant;
    std::string detail;  // why, when malformed
    // not_assistant: the line's type is "user" or "system" (for the conversation decoder)
    bool conversation = false;
};

// `line` must be followed by at least simdjson::SIMDJSON_PADDING readable bytes
// (`capacity` counts them). With `tool_uses`, the line's tool_use blocks are
// listed there too (cleared first; filled only for an `assistant` outcome).
LineResult decode_assistant_line(simdjson::dom::parser& parser, const char* line, size_t length,
                                 size_t capacity, AssistantRecord& record,
                                 std::vector<ToolUseBlock>* tool_uses = nullptr);

// Full JSON validation of a line no prefilter selected (used by --strict).
bool is_valid_json_object(simdjson::dom::parser& parser, const char* line, size_t length,
                          size_t capacity);

}  // namespace agent_trace::transcript
