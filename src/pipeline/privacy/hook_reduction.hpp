#pragma once
// Privacy tiers for hook payloads (DESIGN §4, docs/privacy.md). A payload is reduced
// to what its tier allows and every kept string is redacted, before it leaves
// hook-handler or reaches the durable queue:
//   tier 1  metadata: ids, paths, timings, names, flags, counts, sizes, error class
//   tier 2  + prompts and tool parameters (tool_input, prompt, command_args, ...)
//   tier 3  + content: tool_response, assistant text, error text, summaries, ...
// Fields are allow-listed per tier; fields this version does not know are kept below
// tier 3 only when they look like metadata (numbers, booleans, short id-like tokens
// under a name that does not suggest content).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "pipeline/privacy/json_dom.hpp"
#include "pipeline/privacy/redaction.hpp"

namespace agent_trace::privacy {

inline constexpr uint8_t kMinTier = 1;
inline constexpr uint8_t kMaxTier = 3;

struct ReduceOptions {
    uint8_t tier = 1;  // clamped to 1..3
    // Top-level members left out of the output (hook-handler replaces "agent_trace";
    // the decoder promotes fields to columns).
    std::span<const std::string_view> omit_keys;
};

struct ReducedPayload {
    std::string json;  // a JSON object, compact, valid UTF-8
    uint8_t tier = 1;  // the tier actually applied
    RedactionCounts redactions;
    uint32_t dropped_fields = 0;  // members left out because of the tier
};

// Parses `json` (must be a JSON object in valid UTF-8) and reduces it. The error
// says why the input is not a hook payload (not UTF-8, not JSON, not an object,
// nested deeper than kMaxJsonDepth).
Result<ReducedPayload> reduce_hook_payload(const std::string& json, const ReduceOptions& options);

// The same for a payload the caller has already parsed (must be an object).
Result<ReducedPayload> reduce_hook_object(const JsonValue& object, const ReduceOptions& options);

// The error class of a payload: its error_class member (a payload reduced before),
// else, from its error: a StopFailure's error as it is when it is a short token
// ("rate_limit"), else tool_error_class(error, is_interrupt). nullopt without an error.
std::optional<std::string> hook_error_class(const JsonValue& payload);

// The tier-1 class of a tool failure's error text: "interrupted", "exit_code:<N>"
// ("Exit code N ..."), "tool_use_error", "file_not_found", "permission_denied",
// "timeout", else "error".
std::string tool_error_class(std::string_view error, bool is_interrupt);

}  // namespace agent_trace::privacy
