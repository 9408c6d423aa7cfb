// GET /api/v1/sessions?include_total=true: the count of sessions matching the
// filters, the same on every page, against a real SQLite store.
#include "api/session_routes.hpp"

#include <gtest/gtest.h>

#include <string>

#include "api_test_support.hpp"

namespace agent_trace::api {
namespace {

using testing::ApiOverStore;

std::string text(simdjson::dom::element e) { return std::string(std::string_view(e)); }

class SessionRoutesTest : public ::testing::Test {
protected:
    ApiOverStore api;
};

TEST_F(SessionRoutesTest, IncludeTotalCountsEverySessionMatchingTheFilters) {
    auto page = api.get_json("/api/v1/sessions?include_total=true&limit=2");
    EXPECT_EQ(page["sessions"].get_array().size(), 2u);
    EXPECT_EQ(int64_t(page["total"]), 11);
    // The cursor moves the page, not the total.
    auto next = api.get_json("/api/v1/sessions?include_total=true&limit=2&cursor=" +
                             text(page["next_cursor"]));
    EXPECT_EQ(int64_t(next["total"]), 11);

    const std::pair<const char*, int64_t> filtered[] = {
        {"project=-home-alice-app", 2},
        {"project=%2Fhome%2Fcarol%2F-home-carol-lib", 8},  // a cwd names its project too
        {"user=bob", 1},
        {"model=claude-haiku-4-5", 8},
        {"has_errors=true", 1},  // alpha's Bash error (a denial is not an error)
        {"since=2026-03-05", 9},
        {"until=2026-03-04", 2},
        {"q=frobnicator", 1},
        {"project=nobody", 0},
    };
    for (const auto& [filter, total] : filtered) {
        SCOPED_TRACE(filter);
        auto answer =
            api.get_json(std::string("/api/v1/sessions?include_total=true&limit=1&") + filter);
        EXPECT_EQ(int64_t(answer["total"]), total);
        // It is the number of rows the list has, page after page.
        auto all = api.get_json(std::string("/api/v1/sessions?limit=500&") + filter);
        EXPECT_EQ(static_cast<int64_t>(all["sessions"].get_array().size()), total);
    }
}

TEST_F(SessionRoutesTest, NoTotalUnlessAsked) {
    EXPECT_TRUE(api.get_json("/api/v1/sessions")["total"].error());
    EXPECT_TRUE(api.get_json("/api/v1/sessions?include_total=false")["total"].error());
    const auto bad = api.get("/api/v1/sessions?include_total=maybe");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(text(api.parse(bad.body)["error"]["param"]), "include_total");
}

}  // namespace
}  // namespace agent_trace::api
