#include "api/api_router.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/openapi_document.hpp"
#include "api_test_support.hpp"

namespace agent_trace::api {
namespace {

using testing::ApiOverStore;
using testing::SessionEvents;

std::string text(simdjson::dom::element e) { return std::string(std::string_view(e)); }

std::vector<std::string> session_ids(simdjson::dom::element page) {
    std::vector<std::string> ids;
    for (auto row : page["sessions"].get_array()) ids.push_back(text(row["session_id"]));
    return ids;
}

// Every session id the list returns for `query`, following cursors page by page.
std::vector<std::string> walk_pages(ApiOverStore& api, const std::string& query, int limit) {
    std::vector<std::string> ids;
    std::string cursor;
    for (int pages = 0; pages < 100; ++pages) {
        std::string target = "/api/v1/sessions?" + query + "&limit=" + std::to_string(limit);
        if (!cursor.empty()) target += "&cursor=" + cursor;
        auto page = api.get_json(target);
        const auto rows = session_ids(page);
        EXPECT_LE(rows.size(), static_cast<size_t>(limit));
        ids.insert(ids.end(), rows.begin(), rows.end());
        if (page["next_cursor"].is_null()) return ids;
        cursor = text(page["next_cursor"]);
    }
    ADD_FAILURE() << "the cursor never ended";
    return ids;
}

class ApiRouterTest : public ::testing::Test {
protected:
    ApiOverStore api;
};

TEST_F(ApiRouterTest, ListsEverySessionMostRecentFirst) {
    auto page = api.get_json("/api/v1/sessions");
    const auto ids = session_ids(page);
    ASSERT_EQ(ids.size(), 11u);
    EXPECT_EQ(ids.front(), "sess-page-08");
    EXPECT_EQ(ids.back(), "sess-alpha");
    EXPECT_TRUE(page["next_cursor"].is_null());
    auto alpha = page["sessions"].at(10);
    EXPECT_EQ(text(alpha["project"]), "-home-alice-app");
    EXPECT_EQ(text(alpha["user"]), "alice");
    EXPECT_EQ(int64_t(alpha["counts"]["model_calls"]), 3);
    EXPECT_TRUE(bool(alpha["has_errors"]));
}

TEST_F(ApiRouterTest, CursorPagesCoverEverySessionOnceInEverySort) {
    for (const char* sort : {"last", "first", "cost", "tokens", "calls", "duration"}) {
        for (const char* order : {"asc", "desc"}) {
            const std::string query = std::string("sort=") + sort + "&order=" + order;
            const auto all = session_ids(api.get_json("/api/v1/sessions?" + query + "&limit=500"));
            ASSERT_EQ(all.size(), 11u) << query;
            for (int limit : {1, 3, 4}) {
                EXPECT_EQ(walk_pages(api, query, limit), all) << query << " limit " << limit;
            }
        }
    }
}

TEST_F(ApiRouterTest, CostSortBreaksTiesBySessionId) {
    const auto ids = session_ids(api.get_json("/api/v1/sessions?sort=cost&order=desc&limit=3"));
    ASSERT_EQ(ids.size(), 3u);
    EXPECT_EQ(ids[0], "sess-alpha");    // $0.10
    EXPECT_EQ(ids[1], "sess-page-08");  // $0.08
    EXPECT_EQ(ids[2], "sess-page-07");
}

TEST_F(ApiRouterTest, Filters) {
    const auto list = [&](const std::string& query) {
        auto ids = session_ids(api.get_json("/api/v1/sessions?" + query));
        return std::set<std::string>(ids.begin(), ids.end());
    };
    using Ids = std::set<std::string>;
    EXPECT_EQ(list("project=-home-alice-app"), (Ids{"sess-alpha", "sess-charlie"}));
    EXPECT_EQ(list("user=bob"), (Ids{"sess-bravo"}));
    EXPECT_EQ(list("model=mystery-model-x"), (Ids{"sess-charlie"}))
        << api.get("/api/v1/sessions/sess-charlie").body;
    EXPECT_EQ(list("has_errors=true"), (Ids{"sess-alpha"}));
    EXPECT_EQ(list("has_errors=false&project=-home-alice-app"), (Ids{"sess-charlie"}));
    EXPECT_EQ(list("q=frobnicator"), (Ids{"sess-alpha"}));
    EXPECT_EQ(list("until=2026-03-03"), (Ids{"sess-alpha", "sess-bravo"}));
    // The same date in Tokyo ends nine hours earlier, before bravo began.
    EXPECT_EQ(list("until=2026-03-03&tz=Asia/Tokyo"), (Ids{"sess-alpha"}));
    EXPECT_EQ(list("since=2026-03-05&until=2026-03-09"), (Ids{"sess-charlie"}));
    EXPECT_EQ(list("since=2026-03-10T07:30:00Z"), (Ids{"sess-page-08"}));
    EXPECT_TRUE(list("user=nobody").empty());
}

TEST_F(ApiRouterTest, SessionDetailTimelineAndLinking) {
    auto detail = api.get_json("/api/v1/sessions/sess-alpha");
    EXPECT_EQ(text(detail["session"]["session_id"]), "sess-alpha");
    EXPECT_EQ(int64_t(detail["totals"]["calls"]), 3);
    EXPECT_NEAR(double(detail["totals"]["cost_usd"]), 0.10, 1e-9);
    EXPECT_NEAR(double(detail["totals"]["reported_cost_usd"]), 0.10, 1e-9);

    auto flat = api.get_json("/api/v1/sessions/sess-alpha/timeline");
    EXPECT_EQ(text(flat["view"]), "flat");
    size_t entries = 0;
    for (auto entry : flat["entries"].get_array()) {
        (void)entry;
        ++entries;
    }
    EXPECT_EQ(entries, 2u + 3u + 3u);  // prompts, calls, tools (no markers)

    auto tree = api.get_json("/api/v1/sessions/sess-alpha/timeline?view=tree");
    EXPECT_EQ(text(tree["view"]), "tree");
    EXPECT_EQ(tree["prompts"].get_array().size(), 2u);

    auto linking = api.get_json("/api/v1/sessions/sess-alpha/linking");
    EXPECT_EQ(text(linking["session_id"]), "sess-alpha");
    EXPECT_EQ(int64_t(linking["tool_calls"]), 3);
    EXPECT_EQ(int64_t(linking["tools_linked_to_prompt"]), 3);
    EXPECT_EQ(int64_t(linking["model_calls"]), 3);
}

TEST_F(ApiRouterTest, SessionIdsArePercentDecoded) {
    SessionEvents odd("odd id/with slash", "p", "u");
    odd.prompt("x", "2026-03-01T00:00:00Z");
    ApiOverStore store({odd});
    auto detail = store.get_json("/api/v1/sessions/odd%20id%2Fwith%20slash");
    EXPECT_EQ(text(detail["session"]["session_id"]), "odd id/with slash");
}

TEST_F(ApiRouterTest, UsageByDay) {
    auto usage = api.get_json("/api/v1/analytics/usage?by=day");
    EXPECT_EQ(text(usage["by"]), "day");
    EXPECT_EQ(text(usage["zone"]), "UTC");
    std::vector<std::string> days;
    for (auto g : usage["groups"].get_array()) days.push_back(text(g["key"]));
    EXPECT_EQ(days,
              (std::vector<std::string>{"2026-03-02", "2026-03-03", "2026-03-05", "2026-03-10"}));
    auto first = usage["groups"].at(0);
    EXPECT_EQ(int64_t(first["calls"]), 3);
    EXPECT_NEAR(double(first["cost_usd"]), 0.10, 1e-9);
    EXPECT_NEAR(double(first["reported_cost_usd"]), 0.10, 1e-9);
    EXPECT_NEAR(double(first["cache_hit_ratio"]), 0.75, 1e-9);  // 9000 / (3000 + 9000)
    EXPECT_EQ(int64_t(usage["totals"]["calls"]), 13);
    EXPECT_EQ(int64_t(usage["totals"]["unpriced_calls"]), 1);
    // bravo's call is priced by the table, never by Claude Code.
    auto bravo_day = usage["groups"].at(1);
    EXPECT_GT(double(bravo_day["computed_cost_usd"]), 0);
    EXPECT_EQ(double(bravo_day["reported_cost_usd"]), 0);
}

TEST_F(ApiRouterTest, UsageDaysFollowTz) {
    // 2026-03-03T22:30Z is already the 4th in Tokyo.
    auto usage = api.get_json("/api/v1/analytics/usage?by=day&tz=Asia/Tokyo&user=bob");
    EXPECT_EQ(text(usage["zone"]), "Asia/Tokyo");
    ASSERT_EQ(usage["groups"].get_array().size(), 1u);
    EXPECT_EQ(text(usage["groups"].at(0)["key"]), "2026-03-04");
}

TEST_F(ApiRouterTest, UsageByModelProjectUserAndFilters) {
    auto models = api.get_json("/api/v1/analytics/usage?by=model");
    std::set<std::string> keys;
    for (auto g : models["groups"].get_array()) keys.insert(text(g["key"]));
    EXPECT_EQ(keys, (std::set<std::string>{"claude-sonnet-4-5", "claude-opus-4-1",
                                           "mystery-model-x", "claude-haiku-4-5"}));
    auto projects = api.get_json("/api/v1/analytics/usage?by=project&since=2026-03-05");
    std::set<std::string> project_keys;
    for (auto g : projects["groups"].get_array()) project_keys.insert(text(g["key"]));
    EXPECT_EQ(project_keys, (std::set<std::string>{"-home-alice-app", "-home-carol-lib"}));
    auto users = api.get_json("/api/v1/analytics/usage?by=user&project=-home-carol-lib");
    ASSERT_EQ(users["groups"].get_array().size(), 1u);
    EXPECT_EQ(text(users["groups"].at(0)["key"]), "carol");
    EXPECT_EQ(int64_t(users["totals"]["calls"]), 8);
}

TEST_F(ApiRouterTest, UsageByToolSharesTheCallsCost) {
    auto usage = api.get_json("/api/v1/analytics/usage?by=tool&session_id=sess-alpha");
    double shares = 0;
    std::set<std::string> tools;
    for (auto g : usage["groups"].get_array()) {
        tools.insert(text(g["key"]));
        shares += double(g["cost_usd"]);
    }
    EXPECT_EQ(tools, (std::set<std::string>{"Bash", "Read"}));
    const double total = double(usage["totals"]["cost_usd"]);
    EXPECT_NEAR(total, 0.10, 1e-9);
    EXPECT_NEAR(shares + double(usage["unattributed_cost_usd"]), total, 1e-9);
}

TEST_F(ApiRouterTest, ToolAnalytics) {
    auto tools = api.get_json("/api/v1/analytics/tools");
    bool saw_bash = false;
    bool saw_edit = false;
    for (auto t : tools["tools"].get_array()) {
        const std::string name = text(t["tool_name"]);
        if (name == "Bash") {
            saw_bash = true;
            EXPECT_EQ(int64_t(t["calls"]), 2);
            EXPECT_EQ(int64_t(t["errors"]), 1);
            EXPECT_NEAR(double(t["error_rate"]), 0.5, 1e-9);
            EXPECT_EQ(int64_t(t["duration_ms"]["count"]), 2);
            EXPECT_EQ(int64_t(t["duration_ms"]["p50"]), 10000);
            EXPECT_EQ(int64_t(t["duration_ms"]["max"]), 30000);
        } else if (name == "Edit") {
            saw_edit = true;
            EXPECT_EQ(int64_t(t["denied"]), 1);
            EXPECT_TRUE(t["duration_ms"].is_null());
        }
    }
    EXPECT_TRUE(saw_bash);
    EXPECT_TRUE(saw_edit);
    EXPECT_EQ(int64_t(tools["totals"]["calls"]), 4);
    EXPECT_EQ(int64_t(tools["totals"]["errors"]), 1);
}

TEST_F(ApiRouterTest, ModelAnalytics) {
    auto models = api.get_json("/api/v1/analytics/models");
    auto first = models["models"].at(0);
    EXPECT_EQ(text(first["model"]), "claude-haiku-4-5");  // 8 calls, $0.35
    bool saw_sonnet = false;
    bool saw_mystery = false;
    for (auto m : models["models"].get_array()) {
        const std::string name = text(m["model"]);
        if (name == "claude-sonnet-4-5") {
            saw_sonnet = true;
            EXPECT_EQ(int64_t(m["calls"]), 3);
            EXPECT_EQ(int64_t(m["latency_ms"]["p50"]), 2000);
            EXPECT_EQ(int64_t(m["latency_ms"]["p99"]), 4000);
            EXPECT_NEAR(double(m["cache_hit_ratio"]), 0.75, 1e-9);
        } else if (name == "mystery-model-x") {
            saw_mystery = true;
            EXPECT_EQ(int64_t(m["unpriced_calls"]), 1);
            EXPECT_EQ(int64_t(m["priced_calls"]), 0);
        }
    }
    EXPECT_TRUE(saw_sonnet);
    EXPECT_TRUE(saw_mystery);
}

TEST_F(ApiRouterTest, BlocksOfHistoryHaveNoActiveBlock) {
    auto blocks = api.get_json("/api/v1/blocks");
    std::vector<std::string> starts;
    for (auto b : blocks["blocks"].get_array()) {
        starts.push_back(text(b["start"]));
        EXPECT_FALSE(bool(b["active"]));
        EXPECT_TRUE(b["projected_cost_usd"].is_null());
    }
    EXPECT_EQ(starts,
              (std::vector<std::string>{"2026-03-02T09:00:00.000Z", "2026-03-03T22:00:00.000Z",
                                        "2026-03-05T12:00:00.000Z", "2026-03-10T01:00:00.000Z",
                                        "2026-03-10T06:00:00.000Z"}));
    EXPECT_TRUE(blocks["active"].is_null());
    auto charlie = blocks["blocks"].at(2);
    EXPECT_EQ(int64_t(charlie["unpriced_calls"]), 1);
}

TEST(ApiRouterBlocks, TheCurrentBlockIsActiveWithAProjection) {
    const TimestampUs now = now_us();
    const std::string ten_minutes_ago = format_iso8601_utc(now - 10LL * 60 * 1'000'000);
    const std::string five_minutes_ago = format_iso8601_utc(now - 5LL * 60 * 1'000'000);
    SessionEvents live("sess-live", "p", "u");
    live.otel_call("a", "", ten_minutes_ago.c_str(), "claude-sonnet-4-5", {100, 0, 0, 0, 0}, 1.0,
                   10)
        .otel_call("b", "", five_minutes_ago.c_str(), "claude-sonnet-4-5", {100, 0, 0, 0, 0}, 1.0,
                   10);
    ApiOverStore api({live});
    auto blocks = api.get_json("/api/v1/blocks");
    ASSERT_FALSE(blocks["active"].is_null());
    auto active = blocks["active"];
    EXPECT_TRUE(bool(active["active"]));
    EXPECT_EQ(int64_t(active["calls"]), 2);
    EXPECT_GT(double(active["burn_usd_per_hour"]), 0);
    EXPECT_GE(double(active["projected_cost_usd"]), 2.0);
    EXPECT_GE(int64_t(active["projected_total_tokens"]), 200);
}

TEST_F(ApiRouterTest, ServesTheOpenApiDocument) {
    const auto response = api.get("/api/v1/openapi.json");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, openapi_document());
    auto doc = api.parse(response.body);
    EXPECT_EQ(text(doc["openapi"]).substr(0, 2), "3.");
}

TEST_F(ApiRouterTest, ConcurrentRequestsEachGetTheirOwnConnection) {
    std::atomic<int> failures{0};
    constexpr int kThreads = 6;
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            const char* targets[] = {
                "/api/v1/sessions?limit=2",         "/api/v1/sessions/sess-alpha",
                "/api/v1/analytics/usage?by=model", "/api/v1/blocks",
                "/api/v1/analytics/tools",          "/api/v1/sessions/nope"};
            for (int i = 0; i < 20; ++i) {
                const auto response = api.get(targets[(t + i) % 6]);
                const int want = (t + i) % 6 == 5 ? 404 : 200;
                if (response.status != want) failures.fetch_add(1);
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
}

TEST(ApiRouterOptions, RefusesAnUnusableConfiguration) {
    EXPECT_FALSE(make_api_router(ApiOptions{}).ok());
    testing_support::TempDir dir;
    ApiOptions zero;
    zero.db_path = dir.file("x.db").string();
    zero.max_page_size = 0;
    EXPECT_FALSE(make_api_router(zero).ok());
    ApiOptions unreachable;
    testing_support::write_file(dir.file("file"), "not a directory");
    unreachable.db_path = dir.file("file/below/a/file.db").string();
    EXPECT_FALSE(make_api_router(unreachable).ok());
}

TEST(ApiRouterOptions, MaxPageSizeBoundsTheLimit) {
    ApiOverStore api;
    ApiOptions options;
    options.db_path = api.db_path();
    options.max_page_size = 5;
    auto router = make_api_router(options);
    ASSERT_TRUE(router.ok());
    server::HttpRequest request;
    request.method = "GET";
    request.target = "/api/v1/sessions?limit=6";
    EXPECT_EQ((*router)->handle(request).status, 400);
    request.target = "/api/v1/sessions?limit=5";
    EXPECT_EQ((*router)->handle(request).status, 200);
    request.target = "/api/v1/sessions";  // the default page shrinks to the maximum
    auto page = api.parse((*router)->handle(request).body);
    EXPECT_EQ(page["sessions"].get_array().size(), 5u);
}

}  // namespace
}  // namespace agent_trace::api
