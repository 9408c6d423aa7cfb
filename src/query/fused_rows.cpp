// to_fused_rows(): what the fused index keeps of a timeline.
#include <map>
#include <tuple>

#include "core/json_writer.hpp"
#include "query/session_fusion.hpp"

namespace agent_trace {
namespace {

constexpr TimestampUs kBucketUs = 15LL * 60 * 1'000'000;
constexpr size_t kTitleChars = 200;

TimestampUs bucket_of(TimestampUs ts) {
    const TimestampUs r = ts % kBucketUs;
    return r >= 0 ? ts - r : ts - r - kBucketUs;
}

// Cuts at a UTF-8 character boundary.
std::string title_of(const std::string& text) {
    if (text.size() <= kTitleChars) return text;
    size_t end = kTitleChars;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end);
}

std::string_view result_name(ToolResult r) {
    switch (r) {
        case ToolResult::ok:
            return "ok";
        case ToolResult::error:
            return "error";
        case ToolResult::denied:
            return "denied";
        case ToolResult::pending:
            return "pending";
    }
    return "pending";
}

}  // namespace

std::string_view to_string(ToolResult result) { return result_name(result); }

FusedSession to_fused_rows(const SessionTimeline& t) {
    FusedSession out;
    FusedSessionRow& r = out.session;
    r.session_id = t.session_id;
    r.project = t.project;
    r.cwd = t.cwd;
    r.user = t.user;
    r.host = t.host;
    r.git_branch = t.git_branch;
    r.app_version = t.app_version;
    JsonWriter models;
    models.begin_array();
    for (const auto& [model, totals] : t.by_model) models.value(model);
    models.end_array();
    r.models = models.take();
    if (!t.by_model.empty()) r.primary_model = t.by_model.front().first;
    for (const Prompt& p : t.prompts) {
        if (!p.text.empty()) {
            r.title = title_of(p.text);
            break;
        }
    }
    r.first_ts = t.first_ts;
    r.last_ts = t.last_ts;
    r.events = t.linking.events;
    r.prompts = static_cast<int64_t>(t.prompts.size());
    r.model_calls = static_cast<int64_t>(t.model_calls.size());
    r.tool_calls = static_cast<int64_t>(t.tool_calls.size());
    r.tool_errors = t.tool_errors;
    r.api_errors = t.api_errors;
    r.subagents = static_cast<int64_t>(t.subagents.size());
    r.compactions = t.compactions;
    r.permission_denials = t.permission_denials;
    r.tokens = t.totals.tokens;
    r.cost_usd = t.totals.cost_usd;
    r.reported_cost_usd = t.totals.reported_cost_usd;
    r.computed_cost_usd = t.totals.computed_cost_usd;
    r.reported_calls = t.totals.reported_calls;
    r.computed_calls = t.totals.computed_calls;
    r.unpriced_calls = t.totals.unpriced_calls;
    r.sources = t.sources;
    r.tools_linked_to_prompt = t.linking.tools_linked_to_prompt;
    r.tools_linked_to_call = t.linking.tools_linked_to_call;

    std::map<std::pair<TimestampUs, std::string>, FusedUsageRow> usage;
    for (const ModelCall& c : t.model_calls) {
        FusedUsageRow& u = usage[{bucket_of(c.ts), c.model}];
        u.session_id = t.session_id;
        u.bucket_ts = bucket_of(c.ts);
        u.model = c.model;
        u.project = t.project;
        u.user = t.user;
        u.calls++;
        u.tokens.add(c.tokens);
        if (auto cost = c.cost_usd()) {
            u.cost_usd += *cost;
        } else {
            u.unpriced_calls++;
        }
        if (c.reported_cost_usd) u.reported_cost_usd += *c.reported_cost_usd;
        if (c.computed_cost_usd) u.computed_cost_usd += *c.computed_cost_usd;

        FusedCallRow row;
        row.session_id = t.session_id;
        row.agent_id = c.agent_id;
        row.ts = c.ts;
        row.model = c.model;
        row.project = t.project;
        row.user = t.user;
        row.duration_ms = c.duration_ms;
        row.tokens = c.tokens;
        row.cost_usd = c.cost_usd().value_or(0);
        row.priced = c.cost_usd().has_value();
        out.calls.push_back(std::move(row));
    }
    for (auto& [key, u] : usage) out.usage.push_back(std::move(u));

    for (const ToolCall& tc : t.tool_calls) {
        FusedToolRow row;
        row.session_id = t.session_id;
        row.agent_id = tc.agent_id;
        row.tool_use_id = tc.tool_use_id;
        row.tool_name = tc.tool_name;
        row.project = t.project;
        row.user = t.user;
        // A call refused before it ran has neither start nor end: its decision dates it.
        row.ts = tc.start_ts != 0 ? tc.start_ts : (tc.end_ts != 0 ? tc.end_ts : tc.decided_ts);
        row.duration_ms = tc.duration_ms;
        row.result = std::string(result_name(tc.result));
        // The issuing call's cost, shared equally by the tools it asked for.
        if (tc.model_call != kNone) {
            const ModelCall& c = t.model_calls[tc.model_call];
            if (!c.tool_calls.empty()) {
                row.cost_usd = c.cost_usd().value_or(0) / static_cast<double>(c.tool_calls.size());
            }
        }
        out.tools.push_back(std::move(row));
    }
    return out;
}

}  // namespace agent_trace
