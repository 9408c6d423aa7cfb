#pragma once
// A real SQLite store holding a few fused sessions, written through the store's
// own write path and fused by the real SessionIndexer, and the router over it.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../support/test_support.hpp"
#include "api/api_router.hpp"
#include "core/ids.hpp"
#include "core/pricing.hpp"
#include "query/session_indexer.hpp"
#include "query/status_report.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace agent_trace::api::testing {

using testing_support::at;

// Builds one session's events.
class SessionEvents {
public:
    SessionEvents(std::string session_id, std::string project, std::string user)
        : session_id_(std::move(session_id)),
          project_(std::move(project)),
          user_(std::move(user)) {}

    SessionEvents& prompt(const std::string& prompt_id, const char* ts,
                          const std::string& text = "") {
        Event& e = add(Source::hook, EventKind::user_prompt, ts, "prompt:" + prompt_id);
        e.prompt_id = prompt_id;
        if (!text.empty()) {
            e.tier = 2;
            e.attrs = R"({"prompt":")" + text + R"("})";
        }
        return *this;
    }

    // A model call as OTEL reports it: Claude Code's cost when `reported_usd` is set.
    SessionEvents& otel_call(const std::string& request_id, const std::string& prompt_id,
                             const char* ts, const std::string& model, TokenCounts tokens,
                             std::optional<double> reported_usd, int64_t duration_ms) {
        Event& e = add(Source::otel, EventKind::api_request, ts, "call:" + request_id);
        e.request_id = request_id;
        e.prompt_id = prompt_id;
        e.model = model;
        e.set_token_counts(tokens);
        if (reported_usd) {
            e.cost_usd = reported_usd;
            e.cost_source = CostSource::reported;
        }
        e.duration_ms = duration_ms;
        return *this;
    }

    // A model call only the transcript saw: priced by the table.
    SessionEvents& transcript_call(const std::string& message_id, const char* ts,
                                   const std::string& model, TokenCounts tokens) {
        Event& e = add(Source::transcript, EventKind::api_request, ts, "msg:" + message_id);
        e.message_id = message_id;
        e.model = model;
        e.set_token_counts(tokens);
        return *this;
    }

    SessionEvents& tool(const std::string& tool_use_id, const std::string& name,
                        const std::string& prompt_id, const char* start, const char* end,
                        bool success) {
        Event& s = add(Source::hook, EventKind::tool_start, start, "start:" + tool_use_id);
        s.tool_use_id = tool_use_id;
        s.tool_name = name;
        s.prompt_id = prompt_id;
        Event& e = add(Source::hook, EventKind::tool_end, end, "end:" + tool_use_id);
        e.tool_use_id = tool_use_id;
        e.tool_name = name;
        e.prompt_id = prompt_id;
        e.success = success;
        if (!success) e.kind = EventKind::tool_error;
        return *this;
    }

    SessionEvents& denied_tool(const std::string& tool_use_id, const std::string& name,
                               const std::string& prompt_id, const char* ts) {
        Event& e = add(Source::hook, EventKind::permission, ts, "perm:" + tool_use_id);
        e.tool_use_id = tool_use_id;
        e.tool_name = name;
        e.prompt_id = prompt_id;
        e.attrs = R"({"decision":"reject","source":"user"})";
        return *this;
    }

    [[nodiscard]] const std::vector<Event>& events() const { return events_; }

private:
    Event& add(Source source, EventKind kind, const char* ts, const std::string& key) {
        Event e;
        e.event_id = hash_event_id({"api-test", session_id_, key});
        e.source = source;
        e.kind = kind;
        e.ts = at(ts);
        e.ingest_ts = e.ts;
        e.session_id = session_id_;
        e.project = project_;
        e.cwd = "/home/" + user_ + "/" + project_;
        e.user = user_;
        e.host = "devbox";
        events_.push_back(std::move(e));
        return events_.back();
    }

    std::string session_id_;
    std::string project_;
    std::string user_;
    std::vector<Event> events_;
};

inline constexpr TokenCounts kTokens{1000, 200, 0, 0, 3000};

// The sessions every API test reads (all in March 2026, UTC):
// - alpha (alice, -home-alice-app): 2 prompts, 3 OTEL calls with Claude Code's
//   cost ($0.05 + $0.03 + $0.02), tools Bash ok, Read ok, Bash error; prompt text
//   "refactor the frobnicator" at tier 2.
// - bravo (bob, -home-bob-api): one transcript call priced by the table, an Edit denied.
// - charlie (alice, -home-alice-app): one call of a model without a price.
// - page-01..page-08 (carol, -home-carol-lib): one priced call each, for paging.
inline std::vector<SessionEvents> fixture_sessions() {
    std::vector<SessionEvents> sessions;
    sessions.emplace_back("sess-alpha", "-home-alice-app", "alice");
    sessions.back()
        .prompt("p1", "2026-03-02T09:00:00Z", "refactor the frobnicator")
        .otel_call("r1", "p1", "2026-03-02T09:01:00Z", "claude-sonnet-4-5", kTokens, 0.05, 2000)
        .tool("t1", "Bash", "p1", "2026-03-02T09:01:10Z", "2026-03-02T09:01:20Z", true)
        .otel_call("r2", "p1", "2026-03-02T09:02:00Z", "claude-sonnet-4-5", kTokens, 0.03, 1000)
        .tool("t2", "Read", "p1", "2026-03-02T09:02:10Z", "2026-03-02T09:02:11Z", true)
        .prompt("p2", "2026-03-02T09:10:00Z")
        .otel_call("r3", "p2", "2026-03-02T09:11:00Z", "claude-sonnet-4-5", kTokens, 0.02, 4000)
        .tool("t3", "Bash", "p2", "2026-03-02T09:11:10Z", "2026-03-02T09:11:40Z", false);
    sessions.emplace_back("sess-bravo", "-home-bob-api", "bob");
    sessions.back()
        .prompt("q1", "2026-03-03T22:30:00Z")
        .transcript_call("m1", "2026-03-03T22:31:00Z", "claude-opus-4-1", {2000, 100, 0, 0, 0})
        .denied_tool("t9", "Edit", "q1", "2026-03-03T22:31:05Z");
    sessions.emplace_back("sess-charlie", "-home-alice-app", "alice");
    sessions.back()
        .prompt("c1", "2026-03-05T12:00:00Z")
        .otel_call("rc", "c1", "2026-03-05T12:01:00Z", "mystery-model-x", {10, 10, 0, 0, 0},
                   std::nullopt, 500);
    static const char* const kPageTimes[] = {"2026-03-10T01:00:00Z", "2026-03-10T02:00:00Z",
                                             "2026-03-10T03:00:00Z", "2026-03-10T04:00:00Z",
                                             "2026-03-10T05:00:00Z", "2026-03-10T06:00:00Z",
                                             "2026-03-10T07:00:00Z", "2026-03-10T08:00:00Z"};
    // Two pages share one cost, to exercise the tie-break.
    static const double kPageCosts[] = {0.01, 0.02, 0.03, 0.03, 0.05, 0.06, 0.07, 0.08};
    for (int i = 0; i < 8; ++i) {
        const std::string id = "sess-page-0" + std::to_string(i + 1);
        sessions.emplace_back(id, "-home-carol-lib", "carol");
        sessions.back().otel_call("r-" + id, "", kPageTimes[i], "claude-haiku-4-5",
                                  {100, 10, 0, 0, 0}, kPageCosts[i], 300 + 100 * i);
    }
    return sessions;
}

// Writes `sessions` into a new store at `db_path` and fuses every one.
inline void build_store(const std::string& db_path, const std::vector<SessionEvents>& sessions) {
    auto store = open_sqlite_store(db_path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    for (const SessionEvents& session : sessions) {
        const auto written = (*store)->write_events(session.events());
        ASSERT_TRUE(written.ok()) << written.error().message;
    }
    SessionIndexer indexer(**store, **store, PricingTable::builtin());
    auto pass = indexer.refresh(1000);
    ASSERT_TRUE(pass.ok()) << pass.error().message;
    EXPECT_EQ(pass->fused, sessions.size());
    EXPECT_EQ(pass->remaining, 0u);
}

// A fixture store and the router reading it.
class ApiOverStore {
public:
    explicit ApiOverStore(const std::vector<SessionEvents>& sessions = fixture_sessions())
        : db_path_(dir_.file("store.db").string()) {
        build_store(db_path_, sessions);
        ApiOptions options;
        options.db_path = db_path_;
        // What serve hands the router: the status report, here over this store with a
        // server health document of our own.
        options.status_json = [this] {
            StatusInputs inputs;
            inputs.now = now_us();
            inputs.server = in_process_probe("http://127.0.0.1:8317",
                                             R"({"status":"ok","store":{"available":true}})");
            inputs.data_dir = dir_.path().string();
            inputs.database_path = db_path_;
            inputs.read_only_store = true;
            return status_report_json(collect_status(inputs), inputs.now, StatusJsonStyle::compact);
        };
        auto router = make_api_router(options);
        EXPECT_TRUE(router.ok()) << (router.ok() ? "" : router.error().message);
        if (router.ok()) router_ = std::move(*router);
    }

    server::HttpResponse request(const std::string& method, const std::string& target) {
        server::HttpRequest request;
        request.method = method;
        request.target = target;
        request.remote = "127.0.0.1:1";
        return router_->handle(request);
    }
    server::HttpResponse get(const std::string& target) { return request("GET", target); }

    // GET `target`, expecting 200 and a JSON body.
    simdjson::dom::element get_json(const std::string& target) {
        const server::HttpResponse response = get(target);
        EXPECT_EQ(response.status, 200) << target << ": " << response.body;
        EXPECT_EQ(response.content_type, "application/json");
        return parse(response.body);
    }

    simdjson::dom::element parse(const std::string& body) {
        // Each parse keeps its own parser so earlier documents stay valid.
        parsers_.push_back(std::make_unique<simdjson::dom::parser>());
        auto result = parsers_.back()->parse(body);
        EXPECT_FALSE(result.error()) << "not JSON: " << body;
        return result.error() ? simdjson::dom::element{} : result.value_unsafe();
    }

    [[nodiscard]] const std::string& db_path() const { return db_path_; }

private:
    testing_support::TempDir dir_;
    std::string db_path_;
    std::unique_ptr<ApiRouter> router_;
    std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
};

}  // namespace agent_trace::api::testing
