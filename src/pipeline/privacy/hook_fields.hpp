#pragma once
// Which tier each hook payload field belongs to (docs/privacy.md has the table).
#include <cstdint>
#include <string_view>

namespace agent_trace::privacy {

enum class FieldClass : uint8_t {
    unknown,        // not known to this version: kept below tier 3 only if it looks like metadata
    metadata,       // tier 1: ids, paths, names, timings, flags
    parameters,     // tier 2: prompts and tool parameters
    content,        // tier 3: tool output, assistant text, error text, summaries
    tool_input,     // tier 2, plus tool_input_bytes
    tool_response,  // tier 3, plus tool_response_bytes, lines_added/removed, tool_response_meta
    tool_calls,     // PostToolBatch: each call reduced like a payload of its own
    error,          // error class at tier 1 (a StopFailure's error is one), text at tier 3
    derived,        // written by a reduction (sizes, lengths, classes): kept as metadata
};

// The class of a top-level member of a hook payload (also used inside tool_calls[]).
FieldClass classify_hook_field(std::string_view key);

// The lowest tier that keeps a field of this class (unknown: 3).
uint8_t minimum_tier(FieldClass field_class);

// Allow-list of tool_response members copied, as metadata, into tool_response_meta
// when the response itself is above the tier (Bash's interrupted and gitOperation, an
// Agent's usage and model, an edit's type...).
bool is_tool_response_metadata(std::string_view key);

// For fields this version does not know: whether a string value may be kept below
// tier 3. True for short id-like tokens ("end_turn", "toolu_01...", a UUID, a model
// name) under a name that does not suggest content (…_prompt, …_text, …_command,
// …_output, …_error, …_url, ... are refused whatever their value).
bool looks_like_metadata_string(std::string_view key, std::string_view value);
// Whether a nested object or array under `key` may be searched for metadata at all.
bool may_hold_metadata(std::string_view key);

}  // namespace agent_trace::privacy
