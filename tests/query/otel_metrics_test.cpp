#include "query/otel_metrics.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace agent_trace {
namespace {

constexpr TimestampUs kDay = 86'400'000'000;
constexpr TimestampUs kStart = 1'795'600'000'000'000;  // 2026-11-25 ~07:06 UTC

struct Point {
    TimestampUs ts;
    TimestampUs start_ts;
    std::string series;
    std::string temporality;
    std::string type;
    double value;
    std::string session = "s1";
    std::string metric = "claude_code.token.usage";
};

std::vector<MetricTotal> totals_of(const std::vector<Point>& points,
                                   const MetricTotalsOptions& options) {
    MetricTotalsBuilder builder(options);
    for (const Point& p : points) {
        MetricPoint mp;
        mp.ts = p.ts;
        mp.start_ts = p.start_ts;
        mp.metric = p.metric;
        mp.series = p.series;
        mp.temporality = p.temporality;
        mp.session_id = p.session;
        mp.type = p.type;
        mp.value = p.value;
        builder.add(mp);
    }
    return builder.totals();
}

double value_of(const std::vector<MetricTotal>& totals, const std::string& type,
                const std::string& group = "") {
    for (const MetricTotal& t : totals) {
        if (t.type == type && t.group == group) return t.value;
    }
    ADD_FAILURE() << "no total for type " << type << " group " << group;
    return -1;
}

// The same increments exported as deltas and as running totals.
std::vector<Point> as_deltas(const std::vector<double>& increments, const std::string& type) {
    std::vector<Point> out;
    for (size_t i = 0; i < increments.size(); ++i) {
        const TimestampUs t = kStart + static_cast<TimestampUs>(i) * 60'000'000;
        out.push_back({t, t - 60'000'000, "series-" + type, "delta", type, increments[i]});
    }
    return out;
}

std::vector<Point> as_cumulative(const std::vector<double>& increments, const std::string& type) {
    std::vector<Point> out;
    double running = 0;
    for (size_t i = 0; i < increments.size(); ++i) {
        running += increments[i];
        const TimestampUs t = kStart + static_cast<TimestampUs>(i) * 60'000'000;
        out.push_back({t, kStart - 60'000'000, "series-" + type, "cumulative", type, running});
    }
    return out;
}

TEST(OtelMetricTotals, DeltaAndCumulativeExportsOfTheSameCountsAgree) {
    const std::vector<double> input{1200, 0, 3400, 77, 5};
    const std::vector<double> output{45, 12, 0, 300, 9};
    MetricTotalsOptions options;
    auto deltas = as_deltas(input, "input");
    auto more = as_deltas(output, "output");
    deltas.insert(deltas.end(), more.begin(), more.end());
    auto cumulative = as_cumulative(input, "input");
    auto more_c = as_cumulative(output, "output");
    cumulative.insert(cumulative.end(), more_c.begin(), more_c.end());

    const auto d = totals_of(deltas, options);
    const auto c = totals_of(cumulative, options);
    EXPECT_DOUBLE_EQ(value_of(d, "input"), 4682);
    EXPECT_DOUBLE_EQ(value_of(c, "input"), 4682);
    EXPECT_DOUBLE_EQ(value_of(d, "output"), 366);
    EXPECT_DOUBLE_EQ(value_of(c, "output"), 366);
}

TEST(OtelMetricTotals, AWindowCountsOnlyTheIncrementsInsideIt) {
    const std::vector<double> input{100, 200, 300, 400};
    MetricTotalsOptions options;
    options.since = kStart + 60'000'000;                   // the 2nd point
    options.until = kStart + TimestampUs{3} * 60'000'000;  // before the 4th
    EXPECT_DOUBLE_EQ(value_of(totals_of(as_deltas(input, "input"), options), "input"), 500);
    // The first cumulative point (100) is only the baseline.
    EXPECT_DOUBLE_EQ(value_of(totals_of(as_cumulative(input, "input"), options), "input"), 500);
}

TEST(OtelMetricTotals, ARestartedSenderCountsFromZeroAgain) {
    // Running totals 10, 30, then the process restarts: a new start_ts, 5, 8.
    std::vector<Point> points{
        {kStart, kStart - 1, "s", "cumulative", "input", 10},
        {kStart + 1, kStart - 1, "s", "cumulative", "input", 30},
        {kStart + 2, kStart + 2, "s", "cumulative", "input", 5},
        {kStart + 3, kStart + 2, "s", "cumulative", "input", 8},
    };
    EXPECT_DOUBLE_EQ(value_of(totals_of(points, {}), "input"), 38);
    // The same reset without a new start_ts: the value going down gives it away.
    for (auto& p : points) p.start_ts = kStart - 1;
    EXPECT_DOUBLE_EQ(value_of(totals_of(points, {}), "input"), 38);
}

TEST(OtelMetricTotals, GroupsByDayInTheZoneAndBySession) {
    std::vector<Point> points{
        {kStart, kStart, "a", "delta", "input", 1, "s1"},
        {kStart + kDay, kStart + kDay, "a", "delta", "input", 2, "s1"},
        {kStart + kDay, kStart + kDay, "b", "delta", "input", 4, "s2"},
    };
    MetricTotalsOptions by_day;
    by_day.group = MetricGroup::day;
    const auto days = totals_of(points, by_day);
    EXPECT_DOUBLE_EQ(value_of(days, "input", Zone::utc().day_key(kStart)), 1);
    EXPECT_DOUBLE_EQ(value_of(days, "input", Zone::utc().day_key(kStart + kDay)), 6);
    MetricTotalsOptions by_session;
    by_session.group = MetricGroup::session;
    const auto sessions = totals_of(points, by_session);
    EXPECT_DOUBLE_EQ(value_of(sessions, "input", "s1"), 3);
    EXPECT_DOUBLE_EQ(value_of(sessions, "input", "s2"), 4);
}

TEST(OtelMetricTotals, AGaugeContributesItsLastReading) {
    std::vector<Point> points{
        {kStart, 0, "g", "unspecified", "", 7},
        {kStart + 1, 0, "g", "unspecified", "", 3},
    };
    const auto totals = totals_of(points, {});
    ASSERT_EQ(totals.size(), 1u);
    EXPECT_DOUBLE_EQ(totals[0].value, 3);
    EXPECT_EQ(totals[0].points, 2u);
}

}  // namespace
}  // namespace agent_trace
