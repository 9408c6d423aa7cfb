// GET /api/v1/analytics/usage?by=day&split= and GET /api/v1/analytics/tools/failures
// against a real SQLite store fused by the real indexer.
#include "api/analytics_routes.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "api_test_support.hpp"

namespace agent_trace::api {
namespace {

using testing::ApiOverStore;
using testing::SessionEvents;

std::string text(simdjson::dom::element e) { return std::string(std::string_view(e)); }

// The shared fixture plus a day with three models (one unpriced), and a session
// with many failed tool calls for paging.
std::vector<SessionEvents> sessions() {
    std::vector<SessionEvents> all = testing::fixture_sessions();
    all.emplace_back("sess-mix", "-home-dave-x", "dave");
    all.back()
        .prompt("m1", "2026-03-12T08:00:00Z")
        .otel_call("mx1", "m1", "2026-03-12T08:01:00Z", "claude-sonnet-4-5", {100, 10, 0, 0, 0},
                   0.05, 100)
        .otel_call("mx2", "m1", "2026-03-12T08:02:00Z", "claude-opus-4-1", {200, 20, 0, 0, 0}, 0.20,
                   100)
        .otel_call("mx3", "m1", "2026-03-12T08:03:00Z", "claude-sonnet-4-5", {100, 10, 0, 0, 0},
                   0.01, 100)
        .otel_call("mx4", "m1", "2026-03-12T08:04:00Z", "mystery-model-x", {5, 5, 0, 0, 0},
                   std::nullopt, 100);
    all.emplace_back("sess-fail", "-home-erin-ops", "erin");
    SessionEvents& fail = all.back();
    fail.prompt("f1", "2026-03-20T10:00:00Z");
    for (int i = 0; i < 7; ++i) {
        const std::string start = "2026-03-20T10:0" + std::to_string(i) + ":00Z";
        const std::string end = "2026-03-20T10:0" + std::to_string(i) + ":02Z";
        fail.tool("ft" + std::to_string(i), i % 2 == 0 ? "Bash" : "Grep", "f1", start.c_str(),
                  end.c_str(), false);
    }
    fail.tool("ok1", "Bash", "f1", "2026-03-20T10:08:00Z", "2026-03-20T10:08:01Z", true);
    fail.denied_tool("fd1", "Write", "f1", "2026-03-20T10:09:00Z");
    return all;
}

class AnalyticsRoutesTest : public ::testing::Test {
protected:
    AnalyticsRoutesTest() : api(sessions()) {}
    ApiOverStore api;
};

TEST_F(AnalyticsRoutesTest, UsageByDaySplitByModelStacksEachDay) {
    auto usage = api.get_json("/api/v1/analytics/usage?by=day&split=model");
    EXPECT_EQ(text(usage["by"]), "day");
    EXPECT_EQ(text(usage["split"]), "model");
    std::vector<std::string> days;
    for (auto g : usage["groups"].get_array()) {
        days.push_back(text(g["key"]));
        // The parts add up to their day.
        int64_t calls = 0;
        double cost = 0;
        int64_t input = 0;
        int64_t unpriced = 0;
        for (auto part : g["split"].get_array()) {
            calls += int64_t(part["calls"]);
            cost += double(part["cost_usd"]);
            input += int64_t(part["tokens"]["input"]);
            unpriced += int64_t(part["unpriced_calls"]);
        }
        EXPECT_EQ(calls, int64_t(g["calls"])) << days.back();
        EXPECT_NEAR(cost, double(g["cost_usd"]), 1e-9) << days.back();
        EXPECT_EQ(input, int64_t(g["tokens"]["input"])) << days.back();
        EXPECT_EQ(unpriced, int64_t(g["unpriced_calls"])) << days.back();
    }
    EXPECT_EQ(days, (std::vector<std::string>{"2026-03-02", "2026-03-03", "2026-03-05",
                                              "2026-03-10", "2026-03-12"}));
    // The mixed day: largest cost first, the unpriced model last.
    auto mixed = usage["groups"].at(4)["split"];
    ASSERT_EQ(mixed.get_array().size(), 3u);
    EXPECT_EQ(text(mixed.at(0)["key"]), "claude-opus-4-1");
    EXPECT_NEAR(double(mixed.at(0)["cost_usd"]), 0.20, 1e-9);
    EXPECT_EQ(int64_t(mixed.at(0)["calls"]), 1);
    EXPECT_EQ(text(mixed.at(1)["key"]), "claude-sonnet-4-5");
    EXPECT_NEAR(double(mixed.at(1)["cost_usd"]), 0.06, 1e-9);
    EXPECT_EQ(int64_t(mixed.at(1)["calls"]), 2);
    EXPECT_EQ(int64_t(mixed.at(1)["tokens"]["input"]), 200);
    EXPECT_EQ(text(mixed.at(2)["key"]), "mystery-model-x");
    EXPECT_EQ(int64_t(mixed.at(2)["unpriced_calls"]), 1);
}

TEST_F(AnalyticsRoutesTest, UsageSplitByProjectAndUserWithFiltersAndZone) {
    auto by_project = api.get_json("/api/v1/analytics/usage?by=day&split=project&since=2026-03-10");
    EXPECT_EQ(text(by_project["split"]), "project");
    ASSERT_EQ(by_project["groups"].get_array().size(), 2u);
    auto carol_day = by_project["groups"].at(0)["split"];
    ASSERT_EQ(carol_day.get_array().size(), 1u);
    EXPECT_EQ(text(carol_day.at(0)["key"]), "-home-carol-lib");
    EXPECT_EQ(int64_t(carol_day.at(0)["calls"]), 8);

    auto by_user = api.get_json("/api/v1/analytics/usage?by=day&split=user&tz=Asia/Tokyo");
    std::set<std::string> bob_days;
    for (auto g : by_user["groups"].get_array()) {
        for (auto part : g["split"].get_array()) {
            if (text(part["key"]) == "bob") bob_days.insert(text(g["key"]));
        }
    }
    EXPECT_EQ(bob_days, (std::set<std::string>{"2026-03-04"}));  // 22:30Z is the 4th in Tokyo

    auto model_only =
        api.get_json("/api/v1/analytics/usage?by=day&split=model&model=claude-opus-4-1");
    for (auto g : model_only["groups"].get_array()) {
        for (auto part : g["split"].get_array()) EXPECT_EQ(text(part["key"]), "claude-opus-4-1");
    }
}

TEST_F(AnalyticsRoutesTest, UsageWithoutSplitHasNoSplitMembers) {
    auto usage = api.get_json("/api/v1/analytics/usage?by=day");
    EXPECT_TRUE(usage["split"].error());
    for (auto g : usage["groups"].get_array()) EXPECT_TRUE(g["split"].error());
}

TEST_F(AnalyticsRoutesTest, SplitIsOnlyForByDay) {
    for (const char* target :
         {"/api/v1/analytics/usage?by=model&split=model",
          "/api/v1/analytics/usage?by=tool&split=user",
          "/api/v1/analytics/usage?by=project&split=project", "/api/v1/analytics/usage?split=day",
          "/api/v1/analytics/usage?split=bogus"}) {
        SCOPED_TRACE(target);
        const auto response = api.get(target);
        EXPECT_EQ(response.status, 400);
        auto body = api.parse(response.body);
        EXPECT_EQ(text(body["error"]["code"]), "bad_request");
        EXPECT_EQ(text(body["error"]["param"]), "split");
    }
    // by defaults to day.
    EXPECT_EQ(api.get("/api/v1/analytics/usage?split=model").status, 200);
}

std::vector<std::string> failure_ids(simdjson::dom::element page) {
    std::vector<std::string> ids;
    for (auto f : page["failures"].get_array()) ids.push_back(text(f["tool_use_id"]));
    return ids;
}

TEST_F(AnalyticsRoutesTest, ToolFailuresNewestFirst) {
    auto page = api.get_json("/api/v1/analytics/tools/failures");
    EXPECT_EQ(failure_ids(page), (std::vector<std::string>{"fd1", "ft6", "ft5", "ft4", "ft3", "ft2",
                                                           "ft1", "ft0", "t9", "t3"}));
    EXPECT_TRUE(page["next_cursor"].is_null());
    EXPECT_EQ(text(page["zone"]), "UTC");
    auto denied = page["failures"].at(0);
    EXPECT_EQ(text(denied["session_id"]), "sess-fail");
    EXPECT_EQ(text(denied["project"]), "-home-erin-ops");
    EXPECT_EQ(text(denied["tool_name"]), "Write");
    EXPECT_EQ(text(denied["result"]), "denied");
    EXPECT_EQ(text(denied["ts"]), "2026-03-20T10:09:00.000Z");  // when it was refused
    EXPECT_TRUE(denied["duration_ms"].is_null());
    EXPECT_EQ(text(denied["agent_id"]), "");
    auto bash = page["failures"].at(9);
    EXPECT_EQ(text(bash["session_id"]), "sess-alpha");
    EXPECT_EQ(text(bash["tool_name"]), "Bash");
    EXPECT_EQ(text(bash["result"]), "error");
    EXPECT_EQ(text(bash["ts"]), "2026-03-02T09:11:10.000Z");
    EXPECT_EQ(int64_t(bash["duration_ms"]), 30000);
}

TEST_F(AnalyticsRoutesTest, ToolFailuresFilters) {
    EXPECT_EQ(failure_ids(api.get_json("/api/v1/analytics/tools/failures?result=denied")),
              (std::vector<std::string>{"fd1", "t9"}));
    EXPECT_EQ(failure_ids(api.get_json("/api/v1/analytics/tools/failures?result=error&tool=Grep")),
              (std::vector<std::string>{"ft5", "ft3", "ft1"}));
    EXPECT_EQ(failure_ids(api.get_json("/api/v1/analytics/tools/failures?tool=Bash")),
              (std::vector<std::string>{"ft6", "ft4", "ft2", "ft0", "t3"}));
    EXPECT_EQ(failure_ids(api.get_json("/api/v1/analytics/tools/failures?project=-home-bob-api")),
              (std::vector<std::string>{"t9"}));
    EXPECT_EQ(failure_ids(api.get_json("/api/v1/analytics/tools/failures?user=alice")),
              (std::vector<std::string>{"t3"}));
    EXPECT_EQ(failure_ids(api.get_json("/api/v1/analytics/tools/failures?session_id=sess-bravo")),
              (std::vector<std::string>{"t9"}));
    EXPECT_EQ(failure_ids(api.get_json("/api/v1/analytics/tools/failures?"
                                       "since=2026-03-20T10:02:00Z&until=2026-03-20T10:05:00Z")),
              (std::vector<std::string>{"ft4", "ft3", "ft2"}));
    EXPECT_TRUE(failure_ids(api.get_json("/api/v1/analytics/tools/failures?tool=Read")).empty());
}

TEST_F(AnalyticsRoutesTest, ToolFailuresPageByCursorOnceEach) {
    const auto all = failure_ids(api.get_json("/api/v1/analytics/tools/failures?limit=500"));
    ASSERT_EQ(all.size(), 10u);
    for (int limit : {1, 3, 4, 9, 10}) {
        SCOPED_TRACE(limit);
        std::vector<std::string> walked;
        std::string cursor;
        for (int pages = 0; pages < 20; ++pages) {
            std::string target = "/api/v1/analytics/tools/failures?limit=" + std::to_string(limit);
            if (!cursor.empty()) target += "&cursor=" + cursor;
            auto page = api.get_json(target);
            const auto ids = failure_ids(page);
            EXPECT_LE(ids.size(), static_cast<size_t>(limit));
            walked.insert(walked.end(), ids.begin(), ids.end());
            if (page["next_cursor"].is_null()) break;
            cursor = text(page["next_cursor"]);
        }
        EXPECT_EQ(walked, all);
    }
}

TEST_F(AnalyticsRoutesTest, ToolFailuresRefuseBadInput) {
    auto first = api.get_json("/api/v1/analytics/tools/failures?limit=2&tool=Bash");
    const std::string cursor = text(first["next_cursor"]);
    const std::pair<std::string, std::string> cases[] = {
        {"/api/v1/analytics/tools/failures?limit=0", "limit"},
        {"/api/v1/analytics/tools/failures?limit=501", "limit"},
        {"/api/v1/analytics/tools/failures?limit=ten", "limit"},
        {"/api/v1/analytics/tools/failures?result=ok", "result"},
        {"/api/v1/analytics/tools/failures?model=x", "model"},
        {"/api/v1/analytics/tools/failures?cursor=!!!", "cursor"},
        // A sessions cursor, or one issued for another filter.
        {"/api/v1/analytics/tools/failures?cursor=" +
             text(api.get_json("/api/v1/sessions?limit=1")["next_cursor"]),
         "cursor"},
        {"/api/v1/analytics/tools/failures?limit=2&tool=Grep&cursor=" + cursor, "cursor"},
        {"/api/v1/analytics/tools/failures?since=2026-04-01&until=2026-03-01", "until"},
    };
    for (const auto& [target, param] : cases) {
        SCOPED_TRACE(target);
        const auto response = api.get(target);
        EXPECT_EQ(response.status, 400) << response.body;
        auto body = api.parse(response.body);
        EXPECT_EQ(text(body["error"]["param"]), param) << response.body;
    }
    // The same filter continues.
    EXPECT_EQ(api.get("/api/v1/analytics/tools/failures?limit=2&tool=Bash&cursor=" + cursor).status,
              200);
}

}  // namespace
}  // namespace agent_trace::api
