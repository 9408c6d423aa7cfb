#include "pipeline/privacy/otel_fields.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace agent_trace::privacy {
namespace {

using Entry = std::pair<std::string_view, uint8_t>;

// Sorted by key for the reader; looked up through kIndex below.
constexpr std::array kAttributes{
    Entry{"agent.name", 1},
    Entry{"agent.source", 1},
    Entry{"agent_id", 1},
    Entry{"agent_type", 1},
    Entry{"anthropic.custom_base_url", 1},
    Entry{"anthropic.plan", 1},
    Entry{"anthropic.provider", 1},
    Entry{"anthropic.seat_type", 1},
    Entry{"api_request_body", 3},
    Entry{"api_response_body", 3},
    Entry{"app.entrypoint", 1},
    Entry{"app.version", 1},
    Entry{"attempt", 1},
    Entry{"bash_command", 2},
    Entry{"body", 3},
    Entry{"body_length", 1},
    Entry{"body_ref", 3},
    Entry{"body_truncated", 1},
    Entry{"cache_creation_1h_tokens", 1},
    Entry{"cache_creation_5m_tokens", 1},
    Entry{"cache_creation_tokens", 1},
    Entry{"cache_read_tokens", 1},
    Entry{"category", 1},
    Entry{"client_request_id", 1},
    Entry{"command_name", 1},
    Entry{"command_source", 1},
    Entry{"cost_usd", 1},
    Entry{"cost_usd_micros", 1},
    Entry{"decision", 1},
    Entry{"decision_source", 1},
    Entry{"decision_type", 1},
    Entry{"duration_ms", 1},
    Entry{"effort", 1},
    Entry{"error", 3},
    Entry{"error_category", 1},
    Entry{"error_code", 1},
    Entry{"error_name", 1},
    Entry{"error_type", 1},
    Entry{"event.name", 1},
    Entry{"event.sequence", 1},
    Entry{"event.timestamp", 1},
    Entry{"file_path", 2},
    Entry{"final_model", 1},
    Entry{"from_mode", 1},
    Entry{"full_command", 2},
    Entry{"gen_ai.tool.call.id", 1},
    Entry{"has_category", 1},
    Entry{"has_explanation", 1},
    Entry{"hook_event", 1},
    Entry{"hook_matcher", 1},
    Entry{"hook_name", 1},
    Entry{"hook_source", 1},
    Entry{"hook_type", 1},
    Entry{"identity.source", 1},
    Entry{"input_tokens", 1},
    Entry{"interaction.duration_ms", 1},
    Entry{"interaction.sequence", 1},
    Entry{"invocation_trigger", 1},
    Entry{"is_async", 1},
    Entry{"is_built_in", 1},
    Entry{"is_plugin", 1},
    Entry{"mcp_server.name", 1},
    Entry{"mcp_server_scope", 1},
    Entry{"mcp_tool.name", 1},
    Entry{"mention_type", 1},
    Entry{"message.uuid", 1},
    Entry{"model", 1},
    Entry{"num_blocking", 1},
    Entry{"num_cancelled", 1},
    Entry{"num_hooks", 1},
    Entry{"num_non_blocking_error", 1},
    Entry{"num_success", 1},
    Entry{"organization.id", 1},
    Entry{"output_tokens", 1},
    Entry{"parent_agent_id", 1},
    Entry{"permission_mode", 1},
    Entry{"plugin.name", 1},
    Entry{"plugin_id", 1},
    Entry{"plugin_id_hash", 1},
    Entry{"post_tokens", 1},
    Entry{"pre_tokens", 1},
    Entry{"prompt", 2},
    Entry{"prompt.id", 1},
    Entry{"prompt_length", 1},
    Entry{"prompt_text", 2},
    Entry{"query_source", 1},
    Entry{"request_id", 1},
    Entry{"response", 3},
    Entry{"response_length", 1},
    Entry{"result_tokens", 1},
    Entry{"safe_mode", 1},
    Entry{"server_fallback_hop", 1},
    Entry{"server_name", 1},
    Entry{"server_scope", 1},
    Entry{"session.id", 1},
    Entry{"skill.name", 1},
    Entry{"skill.source", 1},
    Entry{"source", 1},
    Entry{"span.type", 1},
    Entry{"speed", 1},
    Entry{"start_type", 1},
    Entry{"status", 1},
    Entry{"status_code", 1},
    Entry{"stop_reason", 1},
    Entry{"success", 1},
    Entry{"terminal.type", 1},
    Entry{"to_mode", 1},
    Entry{"tool_input", 2},
    Entry{"tool_input_size_bytes", 1},
    Entry{"tool_name", 1},
    Entry{"tool_parameters", 2},
    Entry{"tool_result_size_bytes", 1},
    Entry{"tool_source", 1},
    Entry{"tool_use_id", 1},
    Entry{"total_attempts", 1},
    Entry{"total_duration_ms", 1},
    Entry{"total_retry_duration_ms", 1},
    Entry{"total_tokens", 1},
    Entry{"total_tool_uses", 1},
    Entry{"transport_type", 1},
    Entry{"trigger", 1},
    Entry{"ttft_ms", 1},
    Entry{"type", 1},
    Entry{"user.account_id", 1},
    Entry{"user.account_uuid", 1},
    Entry{"user.email", 1},
    Entry{"user.groups", 1},
    Entry{"user.id", 1},
    Entry{"user_prompt", 2},
    Entry{"workflow.name", 1},
    Entry{"workflow.run_id", 1},
    Entry{"workspace.host_paths", 2},
};

// An open-addressing index over kAttributes, built at compile time: the lookup runs
// for every attribute of every record, and hashing a few characters is cheaper than
// the eight string comparisons of a binary search.
constexpr size_t kIndexSlots = 512;  // a power of two, well above kAttributes.size()
static_assert(kAttributes.size() * 2 < kIndexSlots);

constexpr size_t slot_of(std::string_view key) {
    const size_t n = key.size();
    if (n == 0) return 0;
    const auto at = [&](size_t i) {
        return static_cast<size_t>(static_cast<unsigned char>(key[i]));
    };
    return (n * 131 + at(0) * 31 + at(n / 2) * 17 + at(n - 1) * 7 + at(n * 3 / 4)) &
           (kIndexSlots - 1);
}

constexpr auto kIndex = [] {
    std::array<int16_t, kIndexSlots> index{};
    for (int16_t& slot : index) slot = -1;
    for (size_t i = 0; i < kAttributes.size(); ++i) {
        size_t slot = slot_of(kAttributes[i].first);
        while (index[slot] >= 0) {
            // A key listed twice would make one of its tiers unreachable.
            if (kAttributes[static_cast<size_t>(index[slot])].first == kAttributes[i].first) {
                throw "duplicate key in kAttributes";
            }
            slot = (slot + 1) & (kIndexSlots - 1);
        }
        index[slot] = static_cast<int16_t>(i);
    }
    return index;
}();

// Namespaces whose members are metadata by construction (resource and semantic
// conventions, Claude Code's own bookkeeping events).
constexpr std::array<std::string_view, 14> kMetadataPrefixes{
    "service.",     "os.",     "host.",   "process.",          "telemetry.",
    "vcs.",         "wsl.",    "gen_ai.", "managed_settings.", "anthropic.",
    "marketplace.", "plugin.", "hook_",   "agent_trace.",
};

}  // namespace

uint8_t otel_attribute_tier(std::string_view key) {
    for (size_t slot = slot_of(key); kIndex[slot] >= 0; slot = (slot + 1) & (kIndexSlots - 1)) {
        const Entry& entry = kAttributes[static_cast<size_t>(kIndex[slot])];
        if (entry.first == key) return entry.second;
    }
    for (const std::string_view prefix : kMetadataPrefixes) {
        if (key.starts_with(prefix)) return 1;
    }
    return 0;
}

}  // namespace agent_trace::privacy
