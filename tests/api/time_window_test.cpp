#include "api/time_window.hpp"

#include <gtest/gtest.h>

#include "../support/test_support.hpp"

namespace agent_trace::api {
namespace {

using testing_support::at;

ApiResult<TimeWindow> window(std::string_view query) {
    auto params = QueryParams::parse(query);
    EXPECT_TRUE(params.ok());
    return parse_time_window(*params);
}

TEST(TimeWindow, NothingGivenIsUnboundedUtc) {
    auto w = window("");
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->zone.name(), "UTC");
    EXPECT_FALSE(w->since.has_value());
    EXPECT_FALSE(w->until.has_value());
}

TEST(TimeWindow, DatesAreWholeDaysInTheZone) {
    auto w = window("since=2026-03-01&until=2026-03-02&tz=Asia/Tokyo");
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->zone.name(), "Asia/Tokyo");
    EXPECT_EQ(w->since, at("2026-02-28T15:00:00Z"));
    EXPECT_EQ(w->until, at("2026-03-02T15:00:00Z"));  // inclusive: through the 2nd
}

TEST(TimeWindow, InstantsAreTakenAsGiven) {
    auto w = window("since=2026-03-01T10:00:00%2B02:00&until=2026-03-01T12:00:00.5Z&tz=Asia/Tokyo");
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->since, at("2026-03-01T08:00:00Z"));
    EXPECT_EQ(w->until, at("2026-03-01T12:00:00.5Z"));
}

TEST(TimeWindow, BadValuesNameTheirParameter) {
    const std::pair<const char*, const char*> cases[] = {
        {"since=yesterday", "since"},
        {"until=2026-13-01", "until"},
        {"since=2026-02-30", "since"},
        {"tz=Mars/Olympus", "tz"},
        {"since=2026-03-02&until=2026-03-01", "until"},
        {"since=2026-03-01T10:00:00Z&until=2026-03-01T10:00:00Z", "until"},
    };
    for (const auto& [query, param] : cases) {
        auto w = window(query);
        ASSERT_FALSE(w.ok()) << query;
        EXPECT_EQ(w.error().code, ApiErrorCode::bad_request) << query;
        EXPECT_EQ(w.error().param, param) << query;
    }
}

}  // namespace
}  // namespace agent_trace::api
