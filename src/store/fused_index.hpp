#pragma once
// The fused index: what fusion (query/session_fusion) concluded about each
// session, kept as rows so lists and analytics never re-read raw events.
// It is derived data: any session can be recomputed from its events, and the
// store marks a session stale whenever one of its events is written.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "core/token_counts.hpp"

namespace agent_trace {

// Which layers saw something of a session or a call (bit set).
enum SourceBits : uint8_t {
    kSourceHook = 1,
    kSourceOtel = 2,
    kSourceTranscript = 4,
};

// One row per session: the list page and the session header.
struct FusedSessionRow {
    std::string session_id;
    std::string project;
    std::string cwd;
    std::string user;
    std::string host;
    std::string git_branch;
    std::string app_version;
    std::string primary_model;  // the model with the largest cost (else most calls)
    std::string models;         // JSON array of every answering model, largest cost first
    std::string title;          // first prompt's text when the tier stored it, else ""
    TimestampUs first_ts = 0;
    TimestampUs last_ts = 0;
    int64_t events = 0;
    int64_t prompts = 0;
    int64_t model_calls = 0;
    int64_t tool_calls = 0;
    int64_t tool_errors = 0;
    int64_t api_errors = 0;
    int64_t subagents = 0;
    int64_t compactions = 0;
    int64_t permission_denials = 0;
    TokenCounts tokens;
    double cost_usd = 0;           // per call: Claude Code's figure, else the table's
    double reported_cost_usd = 0;  // sum of Claude Code's own cost_usd (calls that have one)
    double computed_cost_usd = 0;  // sum of the table's price (calls the table prices)
    int64_t reported_calls = 0;
    int64_t computed_calls = 0;
    int64_t unpriced_calls = 0;  // neither a reported cost nor a price: cost unknown
    uint8_t sources = 0;         // SourceBits
    int64_t tools_linked_to_prompt = 0;
    int64_t tools_linked_to_call = 0;
    [[nodiscard]] bool has_errors() const { return tool_errors > 0 || api_errors > 0; }
};

// Usage per session, 15-minute bucket and model: daily analytics in any zone
// (every zone's offset is a multiple of 15 minutes) without reading calls.
struct FusedUsageRow {
    std::string session_id;
    TimestampUs bucket_ts = 0;  // UTC start of the 15-minute bucket
    std::string model;
    std::string project;
    std::string user;
    int64_t calls = 0;
    TokenCounts tokens;
    double cost_usd = 0;
    double reported_cost_usd = 0;
    double computed_cost_usd = 0;
    int64_t unpriced_calls = 0;
};

// One fused model call (blocks, latency percentiles).
struct FusedCallRow {
    std::string session_id;
    std::string agent_id;
    TimestampUs ts = 0;
    std::string model;
    std::string project;
    std::string user;
    std::optional<int64_t> duration_ms;
    TokenCounts tokens;
    double cost_usd = 0;
    bool priced = false;  // cost_usd is known (reported or computed)
};

// One fused tool call (tool analytics).
struct FusedToolRow {
    std::string session_id;
    std::string agent_id;
    std::string tool_use_id;
    std::string tool_name;
    std::string project;
    std::string user;
    TimestampUs ts = 0;  // start when known, else end, else the permission decision
    std::optional<int64_t> duration_ms;
    std::string result;   // "ok", "error", "denied", "pending"
    double cost_usd = 0;  // this call's share of the model call that issued it
};

struct FusedSession {
    FusedSessionRow session;
    std::vector<FusedUsageRow> usage;
    std::vector<FusedCallRow> calls;
    std::vector<FusedToolRow> tools;
};

struct StaleSession {
    std::string session_id;
    int64_t generation = 0;  // bumped by every write that touches the session
};

enum class SessionSort : uint8_t { last_activity, first_activity, cost, tokens, calls, duration };

// Keyset position: the sort value and session id of the last row returned.
struct SessionCursor {
    double value = 0;
    std::string session_id;
};

struct SessionListQuery {
    std::string project;  // project key or cwd
    std::string user;
    std::string model;
    std::optional<TimestampUs> since;  // sessions active at or after (last_ts >= since)
    std::optional<TimestampUs> until;  // sessions that began before (first_ts < until)
    std::optional<bool> has_errors;
    std::string text;  // matched against ids, project, cwd, branch, title and stored content
    // Sessions only OTEL start-up records know (no prompt, call or tool): what a
    // `claude --continue` process exports under a fresh id before it resumes the
    // old session. Hidden unless asked for.
    bool include_startup_only = false;
    SessionSort sort = SessionSort::last_activity;
    bool descending = true;
    size_t limit = 50;
    std::optional<SessionCursor> after;
};

struct SessionPage {
    std::vector<FusedSessionRow> rows;
    std::optional<SessionCursor> next;  // set when more rows follow
};

struct AnalyticsFilter {
    std::optional<TimestampUs> since;  // inclusive
    std::optional<TimestampUs> until;  // exclusive
    std::string project;
    std::string user;
    std::string model;
    std::string session_id;
};

// Keyset position in the newest-first list of failed tool calls: the time and
// storage row of the last one returned.
struct ToolFailureCursor {
    TimestampUs ts = 0;
    int64_t row = 0;
};

struct ToolFailureQuery {
    AnalyticsFilter filter;  // its model is ignored: tool rows have none
    std::string tool_name;   // empty: every tool
    std::string result;      // "error" or "denied"; empty: both
    size_t limit = 50;
    std::optional<ToolFailureCursor> after;
};

struct ToolFailurePage {
    std::vector<FusedToolRow> rows;         // newest first
    std::optional<ToolFailureCursor> next;  // set when more rows follow
};

class FusedIndex {
public:
    virtual ~FusedIndex() = default;
    // Sessions whose events changed since they were last fused, oldest change first.
    virtual Result<std::vector<StaleSession>> stale_sessions(size_t limit) = 0;
    // Replaces everything kept for the session in one transaction; the stale mark
    // is cleared only when no write touched the session after `generation`.
    virtual Status put_fused_session(const FusedSession& fused, int64_t generation) = 0;
    // Records the version of fusion the index was built with; when it differs
    // from the stored one, every session is marked stale so the index is redone.
    virtual Status ensure_fusion_version(int version) = 0;
    virtual Result<SessionPage> list_sessions(const SessionListQuery& query) = 0;
    // How many sessions match the query's filters (its sort, limit and position aside).
    virtual Result<uint64_t> count_sessions(const SessionListQuery& query) = 0;
    virtual Result<std::optional<FusedSessionRow>> find_session(std::string_view session_id) = 0;
    // Stored session ids starting with `prefix` (fused or not), at most `limit`.
    virtual Result<std::vector<std::string>> session_ids_with_prefix(std::string_view prefix,
                                                                     size_t limit) = 0;
    // Rows in no particular order.
    virtual Status scan_fused_usage(const AnalyticsFilter& filter,
                                    const std::function<void(const FusedUsageRow&)>& visit) = 0;
    // Failed tool calls (result error or denied), newest first.
    virtual Result<ToolFailurePage> list_tool_failures(const ToolFailureQuery& query) = 0;
    // Calls and tools, in no particular order (every consumer sums or sorts them itself).
    virtual Status scan_fused_calls(const AnalyticsFilter& filter,
                                    const std::function<void(const FusedCallRow&)>& visit) = 0;
    virtual Status scan_fused_tools(const AnalyticsFilter& filter,
                                    const std::function<void(const FusedToolRow&)>& visit) = 0;
};

}  // namespace agent_trace
