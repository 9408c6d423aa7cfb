#include "query/timeline_json.hpp"

#include <algorithm>

#include "query/session_fusion.hpp"

namespace agent_trace {
namespace {

constexpr int kUsdDecimals = 10;

void write_ts(JsonWriter& out, std::string_view key, TimestampUs ts) {
    out.key(key);
    if (ts == 0) {
        out.null();
    } else {
        out.value(format_iso8601_utc(ts));
    }
}

void write_sources(JsonWriter& out, uint8_t bits) {
    out.key("sources").begin_array();
    if ((bits & kSourceHook) != 0) out.value("hook");
    if ((bits & kSourceOtel) != 0) out.value("otel");
    if ((bits & kSourceTranscript) != 0) out.value("transcript");
    out.end_array();
}

void write_optional_usd(JsonWriter& out, std::string_view key, const std::optional<double>& v) {
    out.key(key);
    if (v) {
        out.value(*v, kUsdDecimals);
    } else {
        out.null();
    }
}

void write_optional_ms(JsonWriter& out, std::string_view key, const std::optional<int64_t>& v) {
    out.key(key);
    if (v) {
        out.value(*v);
    } else {
        out.null();
    }
}

void write_index(JsonWriter& out, std::string_view key, size_t index) {
    out.key(key);
    if (index == kNone) {
        out.null();
    } else {
        out.value(static_cast<int64_t>(index));
    }
}

void write_totals(JsonWriter& out, std::string_view key, const CostTotals& t) {
    out.key(key).begin_object();
    out.key("calls").value(t.calls);
    write_tokens(out, t.tokens);
    out.key("cost_usd").value(t.cost_usd, kUsdDecimals);
    out.key("reported_cost_usd").value(t.reported_cost_usd, kUsdDecimals);
    out.key("computed_cost_usd").value(t.computed_cost_usd, kUsdDecimals);
    out.key("reported_calls").value(t.reported_calls);
    out.key("computed_calls").value(t.computed_calls);
    out.key("unpriced_calls").value(t.unpriced_calls);
    out.end_object();
}

std::string_view marker_name(MarkerKind kind) {
    switch (kind) {
        case MarkerKind::session_start:
            return "session_start";
        case MarkerKind::session_end:
            return "session_end";
        case MarkerKind::compaction:
            return "compaction";
        case MarkerKind::permission:
            return "permission";
        case MarkerKind::notification:
            return "notification";
        case MarkerKind::api_error:
            return "api_error";
        case MarkerKind::turn_end:
            return "turn_end";
        case MarkerKind::subagent_start:
            return "subagent_start";
        case MarkerKind::subagent_stop:
            return "subagent_stop";
    }
    return "marker";
}

void write_prompt_fields(JsonWriter& out, const Prompt& p, size_t index) {
    out.key("index").value(static_cast<int64_t>(index));
    out.key("prompt_id").value(p.prompt_id);
    write_ts(out, "ts", p.ts);
    write_ts(out, "end_ts", p.end_ts);
    out.key("duration_ms").value((p.end_ts - p.ts) / 1000);
    if (!p.text.empty()) out.key("text").value(p.text);
    write_sources(out, p.sources);
    out.key("model_calls").value(static_cast<int64_t>(p.model_calls.size()));
    out.key("tool_calls").value(static_cast<int64_t>(p.tool_calls.size()));
    write_totals(out, "totals", p.totals);
}

void write_call(JsonWriter& out, const SessionTimeline& t, size_t index) {
    const ModelCall& c = t.model_calls[index];
    out.begin_object();
    out.key("type").value("model_call");
    out.key("index").value(static_cast<int64_t>(index));
    write_ts(out, "ts", c.ts);
    write_ts(out, "start_ts", c.duration_ms ? c.ts - *c.duration_ms * 1000 : 0);
    write_optional_ms(out, "duration_ms", c.duration_ms);
    out.key("agent_id").value(c.agent_id);
    write_index(out, "prompt_index", c.prompt);
    out.key("prompt_id").value(c.prompt_id);
    out.key("request_id").value(c.request_id);
    out.key("message_id").value(c.message_id);
    out.key("model").value(c.model);
    if (!c.query_source.empty()) out.key("query_source").value(c.query_source);
    write_tokens(out, c.tokens);
    out.key("tokens_from").value(c.tokens_from_otel ? "otel" : "transcript");
    write_optional_usd(out, "cost_usd", c.cost_usd());
    write_optional_usd(out, "reported_cost_usd", c.reported_cost_usd);
    write_optional_usd(out, "computed_cost_usd", c.computed_cost_usd);
    write_sources(out, c.sources);
    out.key("tool_use_ids").begin_array();
    for (size_t ti : c.tool_calls) out.value(t.tool_calls[ti].tool_use_id);
    out.end_array();
    out.end_object();
}

void write_tool(JsonWriter& out, const SessionTimeline& t, size_t index) {
    const ToolCall& tc = t.tool_calls[index];
    out.begin_object();
    out.key("type").value("tool_call");
    out.key("index").value(static_cast<int64_t>(index));
    write_ts(out, "ts", tc.start_ts != 0 ? tc.start_ts : tc.end_ts);
    write_ts(out, "start_ts", tc.start_ts);
    write_ts(out, "end_ts", tc.end_ts);
    write_optional_ms(out, "duration_ms", tc.duration_ms);
    out.key("tool_use_id").value(tc.tool_use_id);
    out.key("tool_name").value(tc.tool_name);
    out.key("agent_id").value(tc.agent_id);
    out.key("result").value(to_string(tc.result));
    if (!tc.error.empty()) out.key("error").value(tc.error);
    if (!tc.permission.empty()) {
        out.key("permission").value(tc.permission);
        out.key("permission_source").value(tc.permission_source);
    }
    if (!tc.spawned_agent_id.empty()) out.key("spawned_agent_id").value(tc.spawned_agent_id);
    write_index(out, "prompt_index", tc.prompt);
    write_index(out, "model_call_index", tc.model_call);
    out.key("request_id")
        .value(tc.model_call == kNone ? std::string_view{}
                                      : std::string_view(t.model_calls[tc.model_call].request_id));
    write_sources(out, tc.sources);
    out.end_object();
}

void write_subagent_fields(JsonWriter& out, const SessionTimeline& t, size_t index) {
    const Subagent& a = t.subagents[index];
    out.key("index").value(static_cast<int64_t>(index));
    out.key("agent_id").value(a.agent_id);
    out.key("agent_type").value(a.agent_type);
    out.key("parent_agent_id").value(a.parent_agent_id);
    out.key("spawned_by_tool_use_id").value(a.spawned_by_tool_use_id);
    write_ts(out, "start_ts", a.start_ts);
    write_ts(out, "end_ts", a.end_ts);
    write_optional_ms(out, "duration_ms", a.duration_ms);
    out.key("tool_calls").value(a.tool_calls);
    out.key("tool_errors").value(a.tool_errors);
    write_sources(out, a.sources);
    write_totals(out, "own", a.own);
    write_totals(out, "with_children", a.with_children);
}

void write_marker(JsonWriter& out, const Marker& m) {
    out.begin_object();
    out.key("type").value(marker_name(m.kind));
    write_ts(out, "ts", m.ts);
    out.key("agent_id").value(m.agent_id);
    if (!m.prompt_id.empty()) out.key("prompt_id").value(m.prompt_id);
    if (!m.detail.empty()) out.key("detail").value(m.detail);
    if (m.duration_ms) out.key("duration_ms").value(*m.duration_ms);
    write_sources(out, m.source);
    out.end_object();
}

void write_cost_comparison(JsonWriter& out, const SessionTimeline& t) {
    out.key("cost_comparison").begin_object();
    out.key("calls_with_both").value(std::min(t.totals.reported_calls, t.totals.computed_calls));
    out.key("reported_usd").value(t.totals.compared_reported_usd, kUsdDecimals);
    out.key("computed_usd").value(t.totals.compared_computed_usd, kUsdDecimals);
    out.key("difference_usd").value(t.linking.cost_difference_usd, kUsdDecimals);
    out.key("difference_ratio").value(t.linking.cost_difference_ratio, 6);
    out.end_object();
}

// The prompt a top-level subagent works for.
size_t subagent_prompt(const SessionTimeline& t, const Subagent& a) {
    if (a.spawning_tool_call != kNone) return t.tool_calls[a.spawning_tool_call].prompt;
    for (const ModelCall& c : t.model_calls) {
        if (c.agent_id == a.agent_id) return c.prompt;
    }
    return kNone;
}

void write_subagent_tree(JsonWriter& out, const SessionTimeline& t, size_t index, int depth) {
    const Subagent& a = t.subagents[index];
    out.begin_object();
    write_subagent_fields(out, t, index);
    out.key("calls").begin_array();
    for (size_t i = 0; i < t.model_calls.size(); ++i) {
        if (t.model_calls[i].agent_id == a.agent_id) write_call(out, t, i);
    }
    out.end_array();
    out.key("tools").begin_array();
    for (size_t i = 0; i < t.tool_calls.size(); ++i) {
        if (t.tool_calls[i].agent_id == a.agent_id) write_tool(out, t, i);
    }
    out.end_array();
    out.key("children").begin_array();
    if (depth < 64) {
        for (size_t child : a.children) write_subagent_tree(out, t, child, depth + 1);
    }
    out.end_array();
    out.end_object();
}

}  // namespace

void write_tokens(JsonWriter& out, const TokenCounts& t) {
    out.key("tokens").begin_object();
    out.key("input").value(t.input);
    out.key("output").value(t.output);
    out.key("cache_write_5m").value(t.cache_write_5m);
    out.key("cache_write_1h").value(t.cache_write_1h);
    out.key("cache_read").value(t.cache_read);
    out.key("total").value(t.total());
    out.end_object();
}

void write_session_row(JsonWriter& out, const FusedSessionRow& r) {
    out.begin_object();
    out.key("session_id").value(r.session_id);
    out.key("project").value(r.project);
    out.key("cwd").value(r.cwd);
    out.key("user").value(r.user);
    out.key("host").value(r.host);
    out.key("git_branch").value(r.git_branch);
    out.key("app_version").value(r.app_version);
    out.key("title").value(r.title);
    write_ts(out, "first_ts", r.first_ts);
    write_ts(out, "last_ts", r.last_ts);
    out.key("duration_ms").value((r.last_ts - r.first_ts) / 1000);
    out.key("primary_model").value(r.primary_model);
    out.key("models").raw(r.models.empty() ? std::string_view("[]") : std::string_view(r.models));
    out.key("counts").begin_object();
    out.key("events").value(r.events);
    out.key("prompts").value(r.prompts);
    out.key("model_calls").value(r.model_calls);
    out.key("tool_calls").value(r.tool_calls);
    out.key("tool_errors").value(r.tool_errors);
    out.key("api_errors").value(r.api_errors);
    out.key("subagents").value(r.subagents);
    out.key("compactions").value(r.compactions);
    out.key("permission_denials").value(r.permission_denials);
    out.end_object();
    write_tokens(out, r.tokens);
    out.key("cost").begin_object();
    out.key("usd").value(r.cost_usd, kUsdDecimals);
    out.key("reported_usd").value(r.reported_cost_usd, kUsdDecimals);
    out.key("computed_usd").value(r.computed_cost_usd, kUsdDecimals);
    out.key("reported_calls").value(r.reported_calls);
    out.key("computed_calls").value(r.computed_calls);
    out.key("unpriced_calls").value(r.unpriced_calls);
    out.end_object();
    write_sources(out, r.sources);
    out.key("has_errors").value(r.has_errors());
    out.key("linking").begin_object();
    out.key("tools_linked_to_prompt").value(r.tools_linked_to_prompt);
    out.key("tools_linked_to_call").value(r.tools_linked_to_call);
    out.end_object();
    out.end_object();
}

std::string session_detail_json(const SessionTimeline& t) {
    JsonWriter out;
    out.begin_object();
    out.key("session");
    write_session_row(out, to_fused_rows(t).session);
    write_totals(out, "totals", t.totals);
    write_totals(out, "main_thread", t.main_thread);
    out.key("by_model").begin_array();
    for (const auto& [model, totals] : t.by_model) {
        out.begin_object();
        out.key("model").value(model);
        write_totals(out, "totals", totals);
        out.end_object();
    }
    out.end_array();
    out.key("subagents").begin_array();
    for (size_t i = 0; i < t.subagents.size(); ++i) {
        out.begin_object();
        write_subagent_fields(out, t, i);
        out.end_object();
    }
    out.end_array();
    write_cost_comparison(out, t);
    out.end_object();
    return out.take();
}

std::string timeline_json(const SessionTimeline& t, TimelineView view) {
    JsonWriter out;
    out.begin_object();
    out.key("session");
    write_session_row(out, to_fused_rows(t).session);
    out.key("view").value(view == TimelineView::flat ? "flat" : "tree");
    if (view == TimelineView::flat) {
        // Merge the four time-ordered lists into one.
        struct Entry {
            TimestampUs ts;
            int type;  // 0 prompt, 1 call, 2 tool, 3 marker: the order at equal times
            size_t index;
        };
        std::vector<Entry> entries;
        entries.reserve(t.prompts.size() + t.model_calls.size() + t.tool_calls.size() +
                        t.markers.size());
        for (size_t i = 0; i < t.prompts.size(); ++i) entries.push_back({t.prompts[i].ts, 0, i});
        for (size_t i = 0; i < t.model_calls.size(); ++i) {
            const ModelCall& c = t.model_calls[i];
            entries.push_back({c.duration_ms ? c.ts - *c.duration_ms * 1000 : c.ts, 1, i});
        }
        for (size_t i = 0; i < t.tool_calls.size(); ++i) {
            const ToolCall& tc = t.tool_calls[i];
            entries.push_back({tc.start_ts != 0 ? tc.start_ts : tc.end_ts, 2, i});
        }
        for (size_t i = 0; i < t.markers.size(); ++i) entries.push_back({t.markers[i].ts, 3, i});
        std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
            if (a.ts != b.ts) return a.ts < b.ts;
            return a.type < b.type;
        });
        out.key("entries").begin_array();
        for (const Entry& e : entries) {
            switch (e.type) {
                case 0:
                    out.begin_object();
                    out.key("type").value("prompt");
                    write_prompt_fields(out, t.prompts[e.index], e.index);
                    out.end_object();
                    break;
                case 1:
                    write_call(out, t, e.index);
                    break;
                case 2:
                    write_tool(out, t, e.index);
                    break;
                default:
                    write_marker(out, t.markers[e.index]);
                    break;
            }
        }
        out.end_array();
    } else {
        std::vector<std::vector<size_t>> agents_of_prompt(t.prompts.size());
        std::vector<size_t> unattributed_agents;
        for (size_t i = 0; i < t.subagents.size(); ++i) {
            if (t.subagents[i].parent != kNone) continue;
            const size_t p = subagent_prompt(t, t.subagents[i]);
            (p == kNone ? unattributed_agents : agents_of_prompt[p]).push_back(i);
        }
        out.key("prompts").begin_array();
        for (size_t pi = 0; pi < t.prompts.size(); ++pi) {
            const Prompt& p = t.prompts[pi];
            out.begin_object();
            write_prompt_fields(out, p, pi);
            out.key("calls").begin_array();
            for (size_t ci : p.model_calls) {
                if (t.model_calls[ci].agent_id.empty()) write_call(out, t, ci);
            }
            out.end_array();
            out.key("tools").begin_array();
            for (size_t ti : p.tool_calls) {
                if (t.tool_calls[ti].agent_id.empty()) write_tool(out, t, ti);
            }
            out.end_array();
            out.key("subagents").begin_array();
            for (size_t ai : agents_of_prompt[pi]) write_subagent_tree(out, t, ai, 0);
            out.end_array();
            out.end_object();
        }
        out.end_array();
        // What no prompt claims (sessions without prompt events or ids).
        out.key("unattributed").begin_object();
        out.key("calls").begin_array();
        for (size_t ci = 0; ci < t.model_calls.size(); ++ci) {
            const ModelCall& c = t.model_calls[ci];
            if (c.prompt == kNone && c.agent_id.empty()) write_call(out, t, ci);
        }
        out.end_array();
        out.key("tools").begin_array();
        for (size_t ti = 0; ti < t.tool_calls.size(); ++ti) {
            const ToolCall& tc = t.tool_calls[ti];
            if (tc.prompt == kNone && tc.agent_id.empty()) write_tool(out, t, ti);
        }
        out.end_array();
        out.key("subagents").begin_array();
        for (size_t ai : unattributed_agents) write_subagent_tree(out, t, ai, 0);
        out.end_array();
        out.end_object();
        out.key("markers").begin_array();
        for (const Marker& m : t.markers) write_marker(out, m);
        out.end_array();
    }
    out.end_object();
    return out.take();
}

std::string linking_json(const SessionTimeline& t) {
    const LinkingStats& l = t.linking;
    auto ratio = [](int64_t part, int64_t whole) {
        return whole == 0 ? 1.0 : static_cast<double>(part) / static_cast<double>(whole);
    };
    JsonWriter out;
    out.begin_object();
    out.key("session_id").value(t.session_id);
    write_sources(out, t.sources);
    out.key("events").value(l.events);
    out.key("events_by_source").begin_object();
    out.key("hook").value(l.events_by_source[0]);
    out.key("otel").value(l.events_by_source[1]);
    out.key("transcript").value(l.events_by_source[2]);
    out.end_object();
    out.key("tool_calls").value(l.tool_calls);
    out.key("tools_linked_to_prompt").value(l.tools_linked_to_prompt);
    out.key("tools_linked_to_call").value(l.tools_linked_to_call);
    out.key("tool_prompt_link_ratio").value(ratio(l.tools_linked_to_prompt, l.tool_calls), 6);
    out.key("tool_call_link_ratio").value(ratio(l.tools_linked_to_call, l.tool_calls), 6);
    out.key("model_calls").value(l.model_calls);
    out.key("calls_seen_by_otel").value(l.calls_seen_by_otel);
    out.key("calls_seen_by_transcript").value(l.calls_seen_by_transcript);
    out.key("calls_seen_by_both").value(l.calls_seen_by_both);
    out.key("calls_linked_to_prompt").value(l.calls_linked_to_prompt);
    out.key("duplicate_call_reports").value(l.duplicate_call_reports);
    out.key("subagents").value(l.subagents);
    out.key("subagents_linked_to_tool").value(l.subagents_linked_to_tool);
    write_cost_comparison(out, t);
    out.end_object();
    return out.take();
}

}  // namespace agent_trace
