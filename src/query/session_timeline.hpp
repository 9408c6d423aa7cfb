#pragma once
// One session as fusion sees it: hooks, OTEL and transcript events merged into
// prompts -> model calls -> tool calls, with subagents as a tree. Built by
// fuse_session() (session_fusion.hpp); rendered by the API, `replay` and the
// fused index.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "core/token_counts.hpp"

namespace agent_trace {

inline constexpr size_t kNone = static_cast<size_t>(-1);

// What a call or a subtree cost. cost_usd takes, per call, Claude Code's own
// figure when it reported one, else the pricing table's; calls with neither
// are counted in unpriced_calls and never priced $0 silently.
struct CostTotals {
    int64_t calls = 0;
    TokenCounts tokens;
    double cost_usd = 0;
    double reported_cost_usd = 0;
    double computed_cost_usd = 0;
    int64_t reported_calls = 0;
    int64_t computed_calls = 0;
    int64_t unpriced_calls = 0;
    // Calls with both figures: what the table says for exactly those calls, and
    // what Claude Code said, so the difference compares like with like.
    double compared_reported_usd = 0;
    double compared_computed_usd = 0;
    void add(const CostTotals& other);
};

struct ModelCall {
    std::string key;     // request id, else message id
    TimestampUs ts = 0;  // when the response completed (start = ts - duration)
    std::string agent_id;
    std::string prompt_id;
    std::string request_id;
    std::string message_id;
    std::string model;         // the model that answered
    std::string query_source;  // OTEL's query_source ("compact", ...), when known
    TokenCounts tokens;
    std::optional<int64_t> duration_ms;
    std::optional<double> reported_cost_usd;  // Claude Code's cost_usd
    std::optional<double> computed_cost_usd;  // the pricing table's
    uint8_t sources = 0;                      // SourceBits
    bool tokens_from_otel = false;            // OTEL's final counts won over the transcript's
    size_t prompt = kNone;                    // index into SessionTimeline::prompts
    std::vector<size_t> tool_calls;           // indexes into SessionTimeline::tool_calls
    [[nodiscard]] std::optional<double> cost_usd() const {
        return reported_cost_usd ? reported_cost_usd : computed_cost_usd;
    }
};

enum class ToolResult : uint8_t { pending, ok, error, denied };
std::string_view to_string(ToolResult result);  // "pending", "ok", "error", "denied"

struct ToolCall {
    std::string tool_use_id;
    std::string tool_name;
    std::string agent_id;
    std::string prompt_id;
    TimestampUs start_ts = 0;  // 0: not seen
    TimestampUs end_ts = 0;    // 0: not seen
    std::optional<int64_t> duration_ms;
    ToolResult result = ToolResult::pending;
    std::string error;              // when the tier stored it
    std::string permission;         // "accept", "reject" ... (last decision), "" when none seen
    std::string permission_source;  // "config", "user" ...
    TimestampUs decided_ts = 0;     // the last permission decision; 0: none seen
    std::string spawned_agent_id;   // an Agent/Task call: the subagent it ran
    uint8_t sources = 0;
    size_t prompt = kNone;
    size_t model_call = kNone;  // the call whose response asked for this tool
};

struct Prompt {
    std::string prompt_id;  // "" for a prompt only a layer without ids saw
    TimestampUs ts = 0;
    std::string text;  // when the tier stored it
    uint8_t sources = 0;
    std::vector<size_t> model_calls;
    std::vector<size_t> tool_calls;
    CostTotals totals;       // every call of the prompt, subagents' included
    TimestampUs end_ts = 0;  // last event attributed to the prompt
};

struct Subagent {
    std::string agent_id;
    std::string agent_type;
    std::string description;      // when stored
    std::string parent_agent_id;  // "" for the main thread
    std::string spawned_by_tool_use_id;
    size_t spawning_tool_call = kNone;
    size_t parent = kNone;  // index into subagents, kNone: child of the main thread
    std::vector<size_t> children;
    TimestampUs start_ts = 0;
    TimestampUs end_ts = 0;
    std::optional<int64_t> duration_ms;
    uint8_t sources = 0;
    CostTotals own;            // its own calls
    CostTotals with_children;  // own + every descendant's, each once
    int64_t tool_calls = 0;
    int64_t tool_errors = 0;
};

// Everything else worth a line on the timeline.
enum class MarkerKind : uint8_t {
    session_start,
    session_end,
    compaction,
    permission,
    notification,
    api_error,
    turn_end,
    subagent_start,
    subagent_stop,
};

struct Marker {
    MarkerKind kind = MarkerKind::notification;
    TimestampUs ts = 0;
    std::string agent_id;
    std::string prompt_id;
    std::string detail;   // short metadata: trigger, decision, error class, reason
    bool denial = false;  // a permission refused
    std::optional<int64_t> duration_ms;
    uint8_t source = 0;  // SourceBits of the layer that reported it
};

// How well the layers joined; printed by `replay` and served by the API.
struct LinkingStats {
    int64_t tool_calls = 0;
    int64_t tools_linked_to_prompt = 0;
    int64_t tools_linked_to_call = 0;
    int64_t model_calls = 0;
    int64_t calls_seen_by_otel = 0;
    int64_t calls_seen_by_transcript = 0;
    int64_t calls_seen_by_both = 0;
    int64_t calls_linked_to_prompt = 0;
    int64_t subagents = 0;
    int64_t subagents_linked_to_tool = 0;  // parent tool call known
    int64_t events = 0;
    int64_t events_by_source[3] = {0, 0, 0};  // hook, otel, transcript
    int64_t duplicate_call_reports = 0;       // a layer reporting one call more than once
    double cost_difference_usd = 0;           // computed - reported, over calls with both
    double cost_difference_ratio = 0;         // that difference / reported (0 when none)
};

struct SessionTimeline {
    std::string session_id;
    std::string project;
    std::string cwd;
    std::string user;
    std::string host;
    std::string git_branch;
    std::string app_version;
    TimestampUs first_ts = 0;
    TimestampUs last_ts = 0;
    uint8_t sources = 0;
    std::vector<Prompt> prompts;                               // in time order
    std::vector<ModelCall> model_calls;                        // in time order
    std::vector<ToolCall> tool_calls;                          // in start order
    std::vector<Subagent> subagents;                           // in start order
    std::vector<Marker> markers;                               // in time order
    CostTotals totals;                                         // the whole session, each call once
    CostTotals main_thread;                                    // calls outside any subagent
    std::vector<std::pair<std::string, CostTotals>> by_model;  // largest cost first
    LinkingStats linking;
    int64_t tool_errors = 0;
    int64_t api_errors = 0;
    int64_t permission_denials = 0;
    int64_t compactions = 0;
};

}  // namespace agent_trace
