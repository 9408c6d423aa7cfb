// Fusion against the real Claude Code captures: all three layers through the real
// decoders and a real SQLite store, then the invariants issue 5 asks for.
#include "query/session_fusion.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "../support/capture_layers.hpp"
#include "../support/run_binary.hpp"
#include "../support/store_support.hpp"
#include "../support/test_support.hpp"
#include "query/session_indexer.hpp"
#include "query/timeline_json.hpp"

namespace agent_trace {
namespace {

using testing_support::capture_dir;
using testing_support::capture_hook_events;
using testing_support::capture_otel_events;
using testing_support::full_capture_scenarios;
using testing_support::import_capture_transcripts;
using testing_support::nonempty_lines;
using testing_support::TempDir;
using testing_support::write_live;

enum Layer : unsigned { kHooks = 1, kOtel = 2, kTranscripts = 4, kAll = 7 };

// A store holding the chosen layers of a capture, written in the given order.
std::unique_ptr<Store> store_with(const TempDir& dir, const std::string& scenario, unsigned layers,
                                  const std::vector<Layer>& order, const char* name) {
    auto store = testing_support::open_store(dir.path() / name);
    if (!store) return nullptr;
    for (Layer layer : order) {
        if ((layers & layer) == 0) continue;
        if (layer == kHooks) write_live(*store, capture_hook_events(scenario));
        if (layer == kOtel) write_live(*store, capture_otel_events(scenario));
        if (layer == kTranscripts) import_capture_transcripts(scenario, *store);
    }
    return store;
}

std::set<std::string> session_ids(const std::string& scenario) {
    std::set<std::string> ids;
    for (const Event& e : capture_hook_events(scenario)) ids.insert(e.session_id);
    for (const Event& e : capture_otel_events(scenario)) {
        if (e.kind == EventKind::api_request) ids.insert(e.session_id);
    }
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(capture_dir(scenario) / "transcripts")) {
        const auto& p = entry.path();
        if (p.extension() == ".jsonl" && p.parent_path().filename() != "subagents") {
            ids.insert(p.stem().string());
        }
    }
    ids.erase("");
    return ids;
}

SessionTimeline fused(Store& store, const std::string& session_id) {
    std::vector<Event> events;
    auto s =
        store.scan_session_events(session_id, [&](Event&& e) { events.push_back(std::move(e)); });
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return fuse_session(events, PricingTable::builtin());
}

// The responses the fake API sent: the truth for "each call counted once".
size_t api_responses(const std::string& scenario) {
    std::set<std::string> ids;
    for (const std::string& line : nonempty_lines(capture_dir(scenario) / "api-requests.jsonl")) {
        rapidjson::Document d;
        d.Parse(line.c_str());
        if (d.HasParseError() || !d.HasMember("kind") ||
            std::string(d["kind"].GetString()) != "turn") {
            continue;
        }
        if (!d.HasMember("response") || !d["response"].IsObject()) continue;
        const auto& r = d["response"];
        if (r.HasMember("usage") && r.HasMember("id") && r["id"].IsString()) {
            ids.insert(r["id"].GetString());
        }
    }
    return ids.size();
}

// Claude Code's own cost_usd per session, from its api_request log records.
std::map<std::string, double> reported_cost_by_session(const std::string& scenario) {
    std::map<std::string, double> out;
    std::set<std::string> seen;
    for (const Event& e : capture_otel_events(scenario)) {
        if (e.kind == EventKind::api_request && e.cost_usd && seen.insert(e.request_id).second) {
            out[e.session_id] += *e.cost_usd;
        }
    }
    return out;
}

struct SubagentFile {
    std::string session_id;
    std::string agent_id;
    size_t calls = 0;
    std::string tool_use_id;  // meta.json toolUseId, when present
};

std::vector<SubagentFile> subagent_files(const std::string& scenario) {
    std::vector<SubagentFile> out;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(capture_dir(scenario) / "transcripts")) {
        const auto& p = entry.path();
        const std::string name = p.filename().string();
        if (p.extension() != ".jsonl" || !name.starts_with("agent-")) continue;
        SubagentFile f;
        f.agent_id = p.stem().string().substr(6);
        f.session_id = p.parent_path().parent_path().filename().string();
        std::set<std::string> messages;
        for (const std::string& line : nonempty_lines(p)) {
            rapidjson::Document d;
            d.Parse(line.c_str());
            if (d.HasParseError() || !d.HasMember("type") || !d["type"].IsString() ||
                std::string(d["type"].GetString()) != "assistant" || !d.HasMember("message")) {
                continue;
            }
            const auto& m = d["message"];
            if (m.HasMember("model") && std::string(m["model"].GetString()) == "<synthetic>")
                continue;
            if (m.HasMember("id") && m.HasMember("usage")) messages.insert(m["id"].GetString());
        }
        f.calls = messages.size();
        auto meta = p;
        meta.replace_extension(".meta.json");
        if (std::filesystem::exists(meta)) {
            rapidjson::Document d;
            const std::string text = testing_support::read_file_text(meta);
            d.Parse(text.c_str());
            if (!d.HasParseError() && d.HasMember("toolUseId"))
                f.tool_use_id = d["toolUseId"].GetString();
        }
        out.push_back(std::move(f));
    }
    return out;
}

TEST(SessionFusionCaptures, AllLayersLinkEveryToolCountEveryCallOnceAndAgreeOnCost) {
    for (const std::string& scenario : full_capture_scenarios()) {
        SCOPED_TRACE(scenario);
        TempDir dir;
        auto store = store_with(dir, scenario, kAll, {kHooks, kOtel, kTranscripts}, "all.db");
        ASSERT_NE(store, nullptr);
        const auto reported = reported_cost_by_session(scenario);
        size_t calls = 0;
        int64_t tools = 0;
        int64_t linked_prompt = 0;
        int64_t linked_call = 0;
        std::map<std::string, SessionTimeline> timelines;
        for (const std::string& id : session_ids(scenario)) {
            SessionTimeline t = fused(*store, id);
            calls += t.model_calls.size();
            tools += t.linking.tool_calls;
            linked_prompt += t.linking.tools_linked_to_prompt;
            linked_call += t.linking.tools_linked_to_call;
            EXPECT_EQ(t.totals.unpriced_calls, 0) << id;
            if (auto it = reported.find(id); it != reported.end()) {
                EXPECT_NEAR(t.totals.reported_cost_usd, it->second, 1e-9) << id;
                EXPECT_LE(std::abs(t.totals.computed_cost_usd - it->second), 0.01 * it->second)
                    << id << " computed " << t.totals.computed_cost_usd << " reported "
                    << it->second;
                EXPECT_LE(std::abs(t.linking.cost_difference_ratio), 0.01) << id;
            }
            for (const ToolCall& tc : t.tool_calls) {
                EXPECT_NE(tc.prompt, kNone)
                    << id << " tool " << tc.tool_use_id << " " << tc.tool_name << " has no prompt";
                EXPECT_NE(tc.model_call, kNone) << id << " tool " << tc.tool_use_id << " "
                                                << tc.tool_name << " has no model call";
            }
            timelines.emplace(id, std::move(t));
        }
        EXPECT_EQ(calls, api_responses(scenario)) << "every API response counted exactly once";
        EXPECT_GT(tools, 0);
        EXPECT_GE(static_cast<double>(linked_prompt), 0.999 * static_cast<double>(tools));
        EXPECT_GE(static_cast<double>(linked_call), 0.999 * static_cast<double>(tools));

        for (const SubagentFile& f : subagent_files(scenario)) {
            SCOPED_TRACE(f.agent_id);
            auto it = timelines.find(f.session_id);
            ASSERT_NE(it, timelines.end());
            const SessionTimeline& t = it->second;
            auto agent = std::find_if(t.subagents.begin(), t.subagents.end(),
                                      [&](const Subagent& a) { return a.agent_id == f.agent_id; });
            ASSERT_NE(agent, t.subagents.end()) << "subagent file without a subagent";
            EXPECT_EQ(agent->own.calls, static_cast<int64_t>(f.calls));
            if (!f.tool_use_id.empty()) {
                EXPECT_EQ(agent->spawned_by_tool_use_id, f.tool_use_id);
                ASSERT_NE(agent->spawning_tool_call, kNone);
                EXPECT_EQ(t.tool_calls[agent->spawning_tool_call].spawned_agent_id, f.agent_id);
            }
            // Rolled into the session exactly once: main thread + top-level subtrees.
            CostTotals sum = t.main_thread;
            for (const Subagent& a : t.subagents) {
                if (a.parent == kNone) sum.add(a.with_children);
            }
            EXPECT_EQ(sum.calls, t.totals.calls);
            EXPECT_NEAR(sum.cost_usd, t.totals.cost_usd, 1e-9);
        }
    }
}

TEST(SessionFusionCaptures, ArrivalOrderDoesNotChangeTheTimeline) {
    for (const std::string& scenario : full_capture_scenarios()) {
        SCOPED_TRACE(scenario);
        TempDir dir;
        auto a = store_with(dir, scenario, kAll, {kHooks, kOtel, kTranscripts}, "a.db");
        auto b = store_with(dir, scenario, kAll, {kTranscripts, kOtel, kHooks}, "b.db");
        auto c = store_with(dir, scenario, kAll, {kOtel, kTranscripts, kHooks}, "c.db");
        ASSERT_TRUE(a && b && c);
        for (const std::string& id : session_ids(scenario)) {
            const std::string want = timeline_json(fused(*a, id), TimelineView::tree);
            EXPECT_EQ(timeline_json(fused(*b, id), TimelineView::tree), want) << id;
            EXPECT_EQ(timeline_json(fused(*c, id), TimelineView::tree), want) << id;
        }
    }
}

TEST(SessionFusionCaptures, OneLayerAloneGivesTheSameTotals) {
    for (const std::string& scenario : full_capture_scenarios()) {
        SCOPED_TRACE(scenario);
        TempDir dir;
        auto all = store_with(dir, scenario, kAll, {kHooks, kOtel, kTranscripts}, "all.db");
        auto transcripts = store_with(dir, scenario, kTranscripts, {kTranscripts}, "t.db");
        auto otel = store_with(dir, scenario, kOtel, {kOtel}, "o.db");
        auto hooks = store_with(dir, scenario, kHooks, {kHooks}, "h.db");
        ASSERT_TRUE(all && transcripts && otel && hooks);
        for (const std::string& id : session_ids(scenario)) {
            SCOPED_TRACE(id);
            const SessionTimeline whole = fused(*all, id);
            const TokenCounts w = whole.totals.tokens;
            for (Store* one : {transcripts.get(), otel.get()}) {
                const SessionTimeline t = fused(*one, id);
                const TokenCounts o = t.totals.tokens;
                EXPECT_EQ(t.totals.calls, whole.totals.calls);
                EXPECT_EQ(o.input, w.input);
                EXPECT_EQ(o.output, w.output);
                EXPECT_EQ(o.cache_read, w.cache_read);
                EXPECT_EQ(o.cache_write_5m + o.cache_write_1h, w.cache_write_5m + w.cache_write_1h);
                EXPECT_LE(std::abs(t.totals.cost_usd - whole.totals.cost_usd),
                          0.01 * whole.totals.cost_usd + 1e-12);
            }
            // Hooks never see model calls; they see the prompts and the tools that ran.
            const SessionTimeline h = fused(*hooks, id);
            EXPECT_EQ(h.totals.calls, 0);
            size_t hook_tools = 0;
            for (const ToolCall& tc : whole.tool_calls)
                hook_tools += (tc.sources & kSourceHook) != 0;
            EXPECT_EQ(h.tool_calls.size(), hook_tools);
            size_t hook_prompts = 0;
            for (const Prompt& p : whole.prompts) hook_prompts += (p.sources & kSourceHook) != 0;
            size_t prompts_with_events = 0;
            for (const Prompt& p : h.prompts) prompts_with_events += (p.sources & kSourceHook) != 0;
            EXPECT_EQ(prompts_with_events, hook_prompts);
            EXPECT_EQ(h.subagents.size(), whole.subagents.size());
        }
    }
}

// --- the counting rules on hand-made events -----------------------------------

Event call_event(Source source, const std::string& request, TimestampUs ts,
                 const std::string& model, TokenCounts tokens) {
    Event e;
    e.event_id = hash_event_id({"test", to_string(source), request});
    e.source = source;
    e.kind = EventKind::api_request;
    e.ts = ts;
    e.session_id = "s1";
    e.request_id = request;
    e.message_id = source == Source::transcript ? "msg_" + request : "";
    e.model = model;
    e.set_token_counts(tokens);
    return e;
}

TEST(SessionFusion, ReportedCostPricesAModelTheTableLacksAndUnknownIsNeverZero) {
    const TokenCounts tokens{1000, 100, 0, 0, 0};
    Event reported = call_event(Source::otel, "r1", 1'000'000, "claude-future-9", tokens);
    reported.cost_usd = 0.5;
    reported.cost_source = CostSource::reported;
    Event unknown = call_event(Source::transcript, "r2", 2'000'000, "claude-future-9", tokens);
    const std::vector<Event> events{reported, unknown};
    const SessionTimeline t = fuse_session(events, PricingTable::builtin());
    ASSERT_EQ(t.model_calls.size(), 2u);
    EXPECT_EQ(t.totals.unpriced_calls, 1);
    EXPECT_NEAR(t.totals.cost_usd, 0.5, 1e-12);
    EXPECT_EQ(t.totals.reported_calls, 1);
    EXPECT_EQ(t.totals.computed_calls, 0);
}

TEST(SessionFusion, OtelFinalCountsWinOverTranscriptPlaceholdersAndKeepTheCacheSplit) {
    Event transcript = call_event(Source::transcript, "r1", 1'000'000, "claude-sonnet-4-5",
                                  {3, 1, 200, 800, 50});  // streaming placeholder output
    Event otel = call_event(Source::otel, "r1", 1'100'000, "claude-sonnet-4-5",
                            {1300, 420, 1000, 0, 50});  // no 5m/1h split
    otel.cost_usd = 0.1;
    otel.cost_source = CostSource::reported;
    const std::vector<Event> events{transcript, otel};
    const SessionTimeline t = fuse_session(events, PricingTable::builtin());
    ASSERT_EQ(t.model_calls.size(), 1u);
    const ModelCall& c = t.model_calls[0];
    EXPECT_EQ(c.tokens.input, 1300);
    EXPECT_EQ(c.tokens.output, 420);
    EXPECT_EQ(c.tokens.cache_write_1h, 800);
    EXPECT_EQ(c.tokens.cache_write_5m, 200);
    EXPECT_EQ(c.sources, kSourceOtel | kSourceTranscript);
    EXPECT_EQ(t.linking.duplicate_call_reports, 0);
    EXPECT_EQ(t.linking.calls_seen_by_both, 1);
    EXPECT_NEAR(t.totals.cost_usd, 0.1, 1e-12);
}

Event agent_event(EventKind kind, const std::string& agent, const std::string& tool_use,
                  const std::string& tool_name, TimestampUs ts) {
    Event e;
    e.event_id = hash_event_id({"test", to_string(kind), agent, tool_use, std::to_string(ts)});
    e.source = Source::hook;
    e.kind = kind;
    e.ts = ts;
    e.session_id = "s1";
    e.agent_id = agent;
    e.tool_use_id = tool_use;
    e.tool_name = tool_name;
    e.prompt_id = "p1";
    return e;
}

TEST(SessionFusion, NestedSubagentsRollUpOnceAndCyclesCannotLoop) {
    std::vector<Event> events;
    events.push_back(agent_event(EventKind::user_prompt, "", "", "", 1));
    events.push_back(agent_event(EventKind::tool_start, "", "t_main", "Agent", 10));
    events.push_back(agent_event(EventKind::subagent_start, "a1", "", "", 20));
    events.push_back(agent_event(EventKind::tool_start, "a1", "t_a1", "Agent", 30));
    events.push_back(agent_event(EventKind::subagent_start, "a2", "", "", 40));
    int n = 0;
    for (const char* agent : {"", "a1", "a2", "a2"}) {
        Event c = call_event(Source::otel, "r" + std::to_string(n), 50 + n, "claude-sonnet-4-5",
                             {100, 10, 0, 0, 0});
        c.agent_id = agent;
        c.prompt_id = "p1";
        events.push_back(c);
        ++n;
    }
    const SessionTimeline t = fuse_session(events, PricingTable::builtin());
    ASSERT_EQ(t.subagents.size(), 2u);
    const Subagent& a1 = t.subagents[0];
    const Subagent& a2 = t.subagents[1];
    EXPECT_EQ(a1.spawned_by_tool_use_id, "t_main");
    EXPECT_EQ(a2.parent_agent_id, "a1");
    EXPECT_EQ(a1.own.calls, 1);
    EXPECT_EQ(a2.own.calls, 2);
    EXPECT_EQ(a1.with_children.calls, 3);
    EXPECT_EQ(t.main_thread.calls, 1);
    EXPECT_EQ(t.totals.calls, 4);

    // An agent claiming to be spawned by its own child's tool: the tree is cut, not looped.
    std::vector<Event> cyclic = events;
    Event loop = agent_event(EventKind::subagent_start, "a1", "t_a1", "", 20);
    loop.source = Source::transcript;
    cyclic.push_back(loop);
    const SessionTimeline c = fuse_session(cyclic, PricingTable::builtin());
    EXPECT_EQ(c.totals.calls, 4);
    (void)timeline_json(c, TimelineView::tree);
}

TEST(SessionFusion, PermissionRefusalsWithoutAToolIdAreCountedAsDenials) {
    Event denied = agent_event(EventKind::permission, "", "", "Bash", 10);
    denied.attrs = R"({"hook_event_name":"PermissionDenied"})";
    Event rejected = agent_event(EventKind::permission, "", "", "Edit", 20);
    rejected.source = Source::hook;
    rejected.attrs = R"({"hook_event_name":"PermissionRequest","decision":"reject"})";
    Event asked = agent_event(EventKind::permission, "", "", "Read", 30);
    asked.attrs = R"({"hook_event_name":"PermissionRequest"})";
    const std::vector<Event> events{denied, rejected, asked};
    const SessionTimeline t = fuse_session(events, PricingTable::builtin());
    EXPECT_EQ(t.permission_denials, 2);
    ASSERT_EQ(t.markers.size(), 3u);
    EXPECT_EQ(t.markers[0].detail, "denied Bash");
    EXPECT_EQ(t.markers[2].detail, "Read");
}

// Claude Code's PermissionDenied hook (auto mode) carries the refused call's tool_use_id
// and a reason, but no decision field: the call is denied and counted, not left pending.
TEST(SessionFusion, APermissionDeniedHookWithAToolIdDeniesThatToolCall) {
    Event denied = agent_event(EventKind::permission, "", "tu3", "Bash", 10);
    denied.attrs = R"({"hook_event_name":"PermissionDenied","reason":"auto"})";
    Event ran = agent_event(EventKind::tool_start, "", "tu4", "Read", 20);
    Event done = agent_event(EventKind::tool_end, "", "tu4", "Read", 30);
    // Another hook that merely mentions the name in its content is not a refusal.
    Event asked = agent_event(EventKind::permission, "", "tu5", "Bash", 40);
    asked.attrs =
        R"({"hook_event_name":"PermissionRequest","tool_input":{"command":"PermissionDenied"}})";
    const std::vector<Event> events{denied, ran, done, asked};
    const SessionTimeline t = fuse_session(events, PricingTable::builtin());
    ASSERT_EQ(t.tool_calls.size(), 3u);
    auto call = [&](const std::string& id) -> const ToolCall& {
        for (const ToolCall& tc : t.tool_calls) {
            if (tc.tool_use_id == id) return tc;
        }
        ADD_FAILURE() << "no tool call " << id;
        return t.tool_calls.front();
    };
    EXPECT_EQ(call("tu3").result, ToolResult::denied);
    EXPECT_EQ(call("tu3").permission, "denied");
    EXPECT_EQ(call("tu3").decided_ts, 10);
    EXPECT_EQ(call("tu4").result, ToolResult::ok);
    EXPECT_EQ(call("tu5").result, ToolResult::pending);
    EXPECT_EQ(t.permission_denials, 1);
    EXPECT_TRUE(t.markers.empty());  // tool-bound decisions live on their tool call
}

TEST(SessionFusion, ShuffledEventsGiveTheSameTimeline) {
    const std::string scenario = "subagent";
    std::vector<Event> events = capture_hook_events(scenario);
    for (Event& e : capture_otel_events(scenario)) events.push_back(std::move(e));
    const std::string want =
        timeline_json(fuse_session(events, PricingTable::builtin()), TimelineView::flat);
    std::mt19937 rng(7);
    for (int round = 0; round < 5; ++round) {
        std::shuffle(events.begin(), events.end(), rng);
        EXPECT_EQ(timeline_json(fuse_session(events, PricingTable::builtin()), TimelineView::flat),
                  want);
    }
}

// --- the fused index ---------------------------------------------------------

TEST(SessionIndexer, FusesStaleSessionsListsThemAndKeepsLateWritesStale) {
    TempDir dir;
    auto store = store_with(dir, "subagent", kAll, {kHooks, kOtel, kTranscripts}, "idx.db");
    ASSERT_NE(store, nullptr);
    SessionIndexer indexer(*store, *store, PricingTable::builtin());
    auto pass = indexer.refresh(1000);
    ASSERT_TRUE(pass.ok()) << pass.error().message;
    EXPECT_GE(pass->fused, 1u);
    EXPECT_EQ(pass->remaining, 0u);
    auto stale = store->stale_sessions(10);
    ASSERT_TRUE(stale.ok());
    EXPECT_TRUE(stale->empty());

    SessionListQuery query;
    query.sort = SessionSort::cost;
    auto page = store->list_sessions(query);
    ASSERT_TRUE(page.ok()) << page.error().message;
    ASSERT_FALSE(page->rows.empty());
    const FusedSessionRow& top = page->rows.front();
    EXPECT_EQ(top.model_calls, 4);
    EXPECT_EQ(top.subagents, 1);
    EXPECT_EQ(top.sources, kSourceHook | kSourceOtel | kSourceTranscript);
    EXPECT_EQ(top.tools_linked_to_call, top.tool_calls);
    EXPECT_NEAR(top.cost_usd, top.reported_cost_usd, 1e-12);

    // A write after the indexer read a session keeps it stale for the next pass.
    auto before = store->stale_sessions(10);
    Event late = agent_event(EventKind::notification, "", "", "", top.last_ts + 1);
    late.session_id = top.session_id;
    const Status wrote = store->write_events(std::span<const Event>(&late, 1));
    ASSERT_TRUE(wrote.ok()) << wrote.error().message;
    auto marked = store->stale_sessions(10);
    ASSERT_TRUE(marked.ok());
    ASSERT_EQ(marked->size(), 1u);
    FusedSession rows;
    rows.session = top;
    ASSERT_TRUE(store->put_fused_session(rows, marked->front().generation - 1).ok());
    auto still = store->stale_sessions(10);
    ASSERT_TRUE(still.ok());
    EXPECT_EQ(still->size(), 1u) << "an older generation must not clear a newer write";
    (void)before;

    // Cursor pagination walks every session exactly once.
    query.limit = 1;
    std::set<std::string> seen;
    for (int i = 0; i < 10; ++i) {
        auto p = store->list_sessions(query);
        ASSERT_TRUE(p.ok());
        for (const auto& row : p->rows) EXPECT_TRUE(seen.insert(row.session_id).second);
        if (!p->next) break;
        query.after = p->next;
    }
    auto all = store->list_sessions(SessionListQuery{});
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(seen.size(), all->rows.size());
}

}  // namespace
}  // namespace agent_trace
