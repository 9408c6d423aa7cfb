// `agent-trace replay SESSION`: one session's fused timeline in the terminal.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "core/pricing.hpp"
#include "core/time.hpp"
#include "query/session_fusion.hpp"
#include "query/timeline_json.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace agent_trace::cli {
namespace {

struct ReplayFlags {
    std::string session;
    std::string tz = "local";
    bool json = false;
    bool flat = false;
    bool linking = false;
};

std::string usd(double v) { return v < 1 ? fmt::format("${:.4f}", v) : fmt::format("${:.2f}", v); }

std::string duration_text(std::optional<int64_t> ms) {
    if (!ms) return "";
    if (*ms < 1000) return fmt::format("{} ms", *ms);
    if (*ms < 60'000) return fmt::format("{:.1f} s", static_cast<double>(*ms) / 1000);
    return fmt::format("{}m{:02}s", *ms / 60'000, (*ms / 1000) % 60);
}

std::string short_id(const std::string& id) { return id.size() > 8 ? id.substr(0, 8) : id; }

std::string sources_text(uint8_t bits) {
    std::string out;
    for (auto [bit, name] : {std::pair{kSourceHook, "hook"}, std::pair{kSourceOtel, "otel"},
                             std::pair{kSourceTranscript, "transcript"}}) {
        if ((bits & bit) == 0) continue;
        if (!out.empty()) out += '+';
        out += name;
    }
    return out.empty() ? "-" : out;
}

std::string cost_text(const CostTotals& t) {
    std::string out = usd(t.cost_usd);
    if (t.unpriced_calls > 0) out += fmt::format(" (+{} unpriced)", t.unpriced_calls);
    return out;
}

class TreePrinter {
public:
    TreePrinter(const SessionTimeline& t, const Zone& zone) : t_(t), zone_(zone) {}

    void print() {
        const CostTotals& total = t_.totals;
        std::printf("Session %s  %s  [%s]\n", t_.session_id.c_str(), t_.project.c_str(),
                    sources_text(t_.sources).c_str());
        std::printf("%s → %s  (%s)  %lld prompts  %lld calls  %zu tools  %zu subagents  %s\n",
                    clock(t_.first_ts, true).c_str(), clock(t_.last_ts, false).c_str(),
                    duration_text((t_.last_ts - t_.first_ts) / 1000).c_str(),
                    static_cast<long long>(t_.prompts.size()), static_cast<long long>(total.calls),
                    t_.tool_calls.size(), t_.subagents.size(), cost_text(total).c_str());
        if (total.reported_calls > 0) {
            std::printf(
                "cost: Claude Code reported %s, pricing table %s (%+.2f%% on %lld calls with "
                "both)\n",
                usd(total.reported_cost_usd).c_str(), usd(total.computed_cost_usd).c_str(),
                t_.linking.cost_difference_ratio * 100,
                static_cast<long long>(std::min(total.reported_calls, total.computed_calls)));
        }
        std::printf("\n");
        for (size_t pi = 0; pi < t_.prompts.size(); ++pi) print_prompt(pi);
        print_orphans();
        print_markers();
        print_linking();
    }

private:
    [[nodiscard]] std::string clock(TimestampUs ts, bool with_day) const {
        if (ts == 0) return "--:--:--";
        const std::string minute = zone_.minute_key(ts);  // "YYYY-MM-DD HH:MM"
        const int64_t seconds = (ts / 1'000'000) % 60;
        const int64_t millis = (ts / 1000) % 1000;
        std::string text = fmt::format("{}:{:02}.{:03}", minute, seconds, millis);
        return with_day ? text : text.substr(11);
    }

    void print_prompt(size_t pi) {
        const Prompt& p = t_.prompts[pi];
        std::printf("▶ %s  prompt %zu %s  %zu calls  %zu tools  %s  %s\n",
                    clock(p.ts, false).c_str(), pi + 1,
                    p.prompt_id.empty() ? "" : short_id(p.prompt_id).c_str(), p.model_calls.size(),
                    p.tool_calls.size(), cost_text(p.totals).c_str(),
                    duration_text((p.end_ts - p.ts) / 1000).c_str());
        if (!p.text.empty()) std::printf("  \"%s\"\n", p.text.substr(0, 120).c_str());
        std::vector<size_t> calls;
        for (size_t ci : p.model_calls) {
            if (t_.model_calls[ci].agent_id.empty()) calls.push_back(ci);
        }
        print_calls(calls, "  ");
        std::printf("\n");
    }

    void print_calls(const std::vector<size_t>& calls, const std::string& indent) {
        for (size_t n = 0; n < calls.size(); ++n) {
            const bool last = n + 1 == calls.size();
            const ModelCall& c = t_.model_calls[calls[n]];
            const TimestampUs start = c.duration_ms ? c.ts - *c.duration_ms * 1000 : c.ts;
            fmt::print("{}{} {}  {}  in {}  out {}  cache w {} r {}  {}  {}\n", indent,
                       last ? "└─" : "├─", clock(start, false), c.model, c.tokens.input,
                       c.tokens.output, c.tokens.cache_write_5m + c.tokens.cache_write_1h,
                       c.tokens.cache_read, c.cost_usd() ? usd(*c.cost_usd()) : "unpriced",
                       duration_text(c.duration_ms));
            const std::string child_indent = indent + (last ? "   " : "│  ");
            for (size_t k = 0; k < c.tool_calls.size(); ++k) {
                print_tool(c.tool_calls[k], child_indent, k + 1 == c.tool_calls.size());
            }
        }
    }

    void print_tool(size_t ti, const std::string& indent, bool last) {
        const ToolCall& tc = t_.tool_calls[ti];
        std::string flags;
        if (tc.result == ToolResult::error) flags = "  ✗ error";
        if (tc.result == ToolResult::denied) flags = "  ⊘ denied";
        if (tc.result == ToolResult::pending) flags = "  … pending";
        if (!tc.permission.empty() && tc.permission != "accept") {
            flags += "  permission " + tc.permission;
        }
        std::printf("%s%s %s  tool %s  %s%s\n", indent.c_str(), last ? "└─" : "├─",
                    clock(tc.start_ts != 0 ? tc.start_ts : tc.end_ts, false).c_str(),
                    tc.tool_name.c_str(), duration_text(tc.duration_ms).c_str(), flags.c_str());
        if (tc.spawned_agent_id.empty()) return;
        for (size_t ai = 0; ai < t_.subagents.size(); ++ai) {
            if (t_.subagents[ai].agent_id == tc.spawned_agent_id) {
                print_subagent(ai, indent + (last ? "   " : "│  "), 0);
            }
        }
    }

    void print_subagent(size_t ai, const std::string& indent, int depth) {
        const Subagent& a = t_.subagents[ai];
        std::printf("%s└─ subagent %s %s  %lld calls  own %s  with children %s  %s\n",
                    indent.c_str(), short_id(a.agent_id).c_str(),
                    a.agent_type.empty() ? "" : ("(" + a.agent_type + ")").c_str(),
                    static_cast<long long>(a.own.calls), cost_text(a.own).c_str(),
                    cost_text(a.with_children).c_str(), duration_text(a.duration_ms).c_str());
        if (depth > 32) return;
        std::vector<size_t> calls;
        for (size_t ci = 0; ci < t_.model_calls.size(); ++ci) {
            if (t_.model_calls[ci].agent_id == a.agent_id) calls.push_back(ci);
        }
        print_calls(calls, indent + "   ");
    }

    void print_orphans() {
        std::vector<size_t> calls;
        for (size_t ci = 0; ci < t_.model_calls.size(); ++ci) {
            const ModelCall& c = t_.model_calls[ci];
            if (c.prompt == kNone && c.agent_id.empty()) calls.push_back(ci);
        }
        if (calls.empty()) return;
        std::printf("▶ calls no prompt claims\n");
        print_calls(calls, "  ");
        std::printf("\n");
    }

    void print_markers() {
        bool any = false;
        for (const Marker& m : t_.markers) {
            if (m.kind == MarkerKind::subagent_start || m.kind == MarkerKind::turn_end) continue;
            if (!any) std::printf("Events\n");
            any = true;
            static constexpr const char* kNames[] = {
                "session start", "session end", "compaction",     "permission",   "notification",
                "API error",     "turn end",    "subagent start", "subagent stop"};
            std::printf("  %s  %s  %s\n", clock(m.ts, false).c_str(),
                        kNames[static_cast<size_t>(m.kind)], m.detail.c_str());
        }
        if (any) std::printf("\n");
    }

    void print_linking() {
        const LinkingStats& l = t_.linking;
        std::printf(
            "Linking: tools→prompt %lld/%lld  tools→model call %lld/%lld  calls seen by otel %lld, "
            "transcript %lld, both %lld  subagents→tool %lld/%lld  events hook %lld otel %lld "
            "transcript %lld\n",
            static_cast<long long>(l.tools_linked_to_prompt), static_cast<long long>(l.tool_calls),
            static_cast<long long>(l.tools_linked_to_call), static_cast<long long>(l.tool_calls),
            static_cast<long long>(l.calls_seen_by_otel),
            static_cast<long long>(l.calls_seen_by_transcript),
            static_cast<long long>(l.calls_seen_by_both),
            static_cast<long long>(l.subagents_linked_to_tool), static_cast<long long>(l.subagents),
            static_cast<long long>(l.events_by_source[0]),
            static_cast<long long>(l.events_by_source[1]),
            static_cast<long long>(l.events_by_source[2]));
    }

    const SessionTimeline& t_;
    const Zone& zone_;
};

// The session an id or a unique id prefix names.
Result<std::string> resolve_session(Store& store, const std::string& wanted) {
    if (wanted.empty()) return make_error("no session id given");
    auto ids = store.session_ids_with_prefix(wanted, 2);
    if (!ids) return ids.error();
    if (ids->size() == 1 || (!ids->empty() && ids->front() == wanted)) return ids->front();
    if (ids->empty()) return make_error("no session " + wanted + " in the store");
    return make_error("session prefix " + wanted + " is ambiguous: give more of the id");
}

int run_replay(const GlobalOptions& globals, const ReplayFlags& flags) {
    auto zone = Zone::named(flags.tz);
    if (!zone) {
        std::fprintf(stderr, "agent-trace replay: --tz: %s\n", zone.error().message.c_str());
        return 2;
    }
    auto pricing = load_pricing(globals.config_dir);
    if (!pricing) {
        std::fprintf(stderr, "agent-trace replay: %s\n", pricing.error().message.c_str());
        return 1;
    }
    auto store = open_sqlite_store(globals.database_path());
    if (!store) {
        std::fprintf(stderr, "agent-trace: %s\n", store.error().message.c_str());
        return 1;
    }
    auto session = resolve_session(**store, flags.session);
    if (!session) {
        std::fprintf(stderr, "agent-trace replay: %s\n", session.error().message.c_str());
        return 1;
    }
    auto fused = fuse_stored_session(**store, *session, *pricing);
    if (!fused || !*fused) {
        std::fprintf(
            stderr, "agent-trace replay: %s\n",
            fused ? ("no events of session " + *session).c_str() : fused.error().message.c_str());
        return 1;
    }
    const SessionTimeline& timeline = **fused;
    if (flags.json) {
        const std::string json =
            flags.linking
                ? linking_json(timeline)
                : timeline_json(timeline, flags.flat ? TimelineView::flat : TimelineView::tree);
        std::printf("%s\n", json.c_str());
        return 0;
    }
    TreePrinter(timeline, *zone).print();
    return 0;
}

}  // namespace

void add_replay_command(CLI::App& root, const GlobalOptions& globals, int& exit_code) {
    auto flags = std::make_shared<ReplayFlags>();
    CLI::App* cmd = root.add_subcommand(
        "replay", "One session's fused timeline: prompts, model calls, tools, subagents, cost");
    cmd->add_option("session", flags->session, "Session id, or a unique prefix of one")->required();
    cmd->add_flag("--json", flags->json, "Machine-readable timeline (tree; see docs/api.md)");
    cmd->add_flag("--flat", flags->flat, "With --json: one time-ordered list instead of the tree");
    cmd->add_flag("--linking", flags->linking,
                  "With --json: only the linking statistics (how the layers joined)");
    cmd->add_option("--tz", flags->tz, "Time zone for clock times: IANA name, UTC or local");
    cmd->footer(
        "Hooks, OpenTelemetry and transcript events of the session are fused: every model\n"
        "call once (Claude Code's own cost_usd beside the pricing table's), each tool call\n"
        "under the call that asked for it, subagents under the tool call that spawned them.\n"
        "\nExamples:\n"
        "  agent-trace replay 90eb1b36\n"
        "  agent-trace replay 90eb1b36-d9c1-4907-8f64-8aa363e92f2f --json --flat\n"
        "  agent-trace replay 90eb1b36 --json --linking");
    cmd->callback([&globals, &exit_code, flags] { exit_code = run_replay(globals, *flags); });
}

}  // namespace agent_trace::cli
