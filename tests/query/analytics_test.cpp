#include "query/analytics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "../support/test_support.hpp"

namespace agent_trace {
namespace {

using testing_support::at;

FusedUsageRow usage(const char* bucket, const char* model, const char* project, const char* user,
                    int64_t calls, TokenCounts tokens, double cost, double reported,
                    double computed, int64_t unpriced = 0) {
    FusedUsageRow row;
    row.session_id = "s";
    row.bucket_ts = at(bucket);
    row.model = model;
    row.project = project;
    row.user = user;
    row.calls = calls;
    row.tokens = tokens;
    row.cost_usd = cost;
    row.reported_cost_usd = reported;
    row.computed_cost_usd = computed;
    row.unpriced_calls = unpriced;
    return row;
}

FusedToolRow tool(const char* name, const char* result, std::optional<int64_t> duration_ms,
                  double cost = 0) {
    FusedToolRow row;
    row.session_id = "s";
    row.tool_name = name;
    row.result = result;
    row.duration_ms = duration_ms;
    row.cost_usd = cost;
    return row;
}

FusedCallRow call(const char* model, std::optional<int64_t> duration_ms, double cost, bool priced,
                  TokenCounts tokens = {}) {
    FusedCallRow row;
    row.session_id = "s";
    row.ts = at("2026-03-02T10:00:00Z");
    row.model = model;
    row.duration_ms = duration_ms;
    row.cost_usd = cost;
    row.priced = priced;
    row.tokens = tokens;
    return row;
}

TEST(CacheHitRatio, ReadsOverEveryPromptToken) {
    // 300 read of 100 input + 300 read + 50 + 50 written.
    const TokenCounts tokens{100, 999, 50, 50, 300};
    ASSERT_TRUE(cache_hit_ratio(tokens).has_value());
    EXPECT_DOUBLE_EQ(*cache_hit_ratio(tokens), 0.6);
}

TEST(CacheHitRatio, NoPromptTokensIsUnknownNotZero) {
    EXPECT_FALSE(cache_hit_ratio(TokenCounts{0, 10, 0, 0, 0}).has_value());
}

TEST(UsageGroupBy, ParsesEveryNameAndRefusesOthers) {
    for (const char* name : {"day", "model", "project", "user", "tool"}) {
        const auto by = parse_usage_group_by(name);
        ASSERT_TRUE(by.has_value()) << name;
        EXPECT_EQ(to_string(*by), name);
    }
    EXPECT_FALSE(parse_usage_group_by("week").has_value());
    EXPECT_FALSE(parse_usage_group_by("").has_value());
}

TEST(UsageAccumulator, DaysFollowTheZoneNotUtc) {
    auto tokyo = Zone::named("Asia/Tokyo");
    ASSERT_TRUE(tokyo.ok());
    UsageAccumulator acc(UsageGroupBy::day, *tokyo);
    // 14:45Z on the 1st is 23:45 in Tokyo (the 1st); 15:00Z is midnight of the 2nd.
    acc.add(usage("2026-03-01T14:45:00Z", "m", "p", "u", 1, {10, 0, 0, 0, 0}, 1.0, 1.0, 0.9));
    acc.add(usage("2026-03-01T15:00:00Z", "m", "p", "u", 2, {20, 0, 0, 0, 0}, 2.0, 0, 2.0));
    acc.add(usage("2026-03-02T14:30:00Z", "m", "p", "u", 3, {30, 0, 0, 0, 0}, 4.0, 4.0, 4.1));
    const UsageAnalytics result = std::move(acc).finish();
    EXPECT_EQ(result.zone, "Asia/Tokyo");
    ASSERT_EQ(result.groups.size(), 2u);
    EXPECT_EQ(result.groups[0].key, "2026-03-01");
    EXPECT_EQ(result.groups[0].calls, 1);
    EXPECT_EQ(result.groups[1].key, "2026-03-02");
    EXPECT_EQ(result.groups[1].calls, 5);
    EXPECT_DOUBLE_EQ(result.groups[1].cost_usd, 6.0);
    EXPECT_DOUBLE_EQ(result.groups[1].reported_cost_usd, 4.0);
    EXPECT_DOUBLE_EQ(result.groups[1].computed_cost_usd, 6.1);
    EXPECT_EQ(result.totals.calls, 6);
    EXPECT_EQ(result.totals.tokens.input, 60);
    EXPECT_DOUBLE_EQ(result.totals.cost_usd, 7.0);
}

TEST(UsageAccumulator, DaysAreChronologicalAcrossMonthsAndYears) {
    UsageAccumulator acc(UsageGroupBy::day, Zone::utc());
    acc.add(usage("2026-01-01T00:00:00Z", "m", "p", "u", 1, {}, 0, 0, 0));
    acc.add(usage("2025-12-31T23:45:00Z", "m", "p", "u", 1, {}, 0, 0, 0));
    acc.add(usage("2025-02-10T08:00:00Z", "m", "p", "u", 1, {}, 0, 0, 0));
    const auto result = std::move(acc).finish();
    ASSERT_EQ(result.groups.size(), 3u);
    EXPECT_EQ(result.groups[0].key, "2025-02-10");
    EXPECT_EQ(result.groups[1].key, "2025-12-31");
    EXPECT_EQ(result.groups[2].key, "2026-01-01");
}

TEST(UsageAccumulator, ModelGroupsLargestCostFirstWithUnpricedCalls) {
    UsageAccumulator acc(UsageGroupBy::model, Zone::utc());
    acc.add(usage("2026-03-01T10:00:00Z", "cheap", "p", "u", 5, {1, 1, 0, 0, 0}, 0.5, 0, 0.5));
    acc.add(usage("2026-03-01T10:00:00Z", "dear", "p", "u", 1, {1, 1, 0, 0, 0}, 3.0, 3.0, 0));
    acc.add(usage("2026-03-02T10:00:00Z", "cheap", "q", "v", 1, {1, 1, 0, 0, 0}, 0.25, 0, 0.25));
    acc.add(usage("2026-03-02T10:00:00Z", "nameless", "q", "v", 2, {5, 5, 0, 0, 0}, 0, 0, 0, 2));
    const auto result = std::move(acc).finish();
    ASSERT_EQ(result.groups.size(), 3u);
    EXPECT_EQ(result.groups[0].key, "dear");
    EXPECT_EQ(result.groups[1].key, "cheap");
    EXPECT_EQ(result.groups[1].calls, 6);
    EXPECT_DOUBLE_EQ(result.groups[1].cost_usd, 0.75);
    EXPECT_EQ(result.groups[2].key, "nameless");
    EXPECT_EQ(result.groups[2].unpriced_calls, 2);
    EXPECT_EQ(result.totals.unpriced_calls, 2);
    EXPECT_EQ(result.totals.calls, 9);
}

TEST(UsageAccumulator, ProjectAndUserGroups) {
    for (const auto by : {UsageGroupBy::project, UsageGroupBy::user}) {
        UsageAccumulator acc(by, Zone::utc());
        acc.add(usage("2026-03-01T10:00:00Z", "m", "p1", "alice", 1, {}, 1.0, 0, 1.0));
        acc.add(usage("2026-03-01T10:00:00Z", "m", "p2", "bob", 1, {}, 2.0, 0, 2.0));
        acc.add(usage("2026-03-01T10:15:00Z", "m", "p1", "alice", 1, {}, 2.0, 0, 2.0));
        const auto result = std::move(acc).finish();
        ASSERT_EQ(result.groups.size(), 2u);
        EXPECT_EQ(result.groups[0].key, by == UsageGroupBy::project ? "p1" : "alice");
        EXPECT_DOUBLE_EQ(result.groups[0].cost_usd, 3.0);
        EXPECT_EQ(result.groups[1].key, by == UsageGroupBy::project ? "p2" : "bob");
    }
}

TEST(UsageAccumulator, ToolGroupsTakeTheirSharesAndTheRestIsUnattributed) {
    UsageAccumulator acc(UsageGroupBy::tool, Zone::utc());
    acc.add(usage("2026-03-01T10:00:00Z", "m", "p", "u", 3, {10, 0, 0, 0, 0}, 3.0, 3.0, 0));
    acc.add(tool("Bash", "ok", 10, 0.5));
    acc.add(tool("Read", "ok", 5, 0.5));
    acc.add(tool("Bash", "error", 7, 1.0));
    const auto result = std::move(acc).finish();
    ASSERT_EQ(result.groups.size(), 2u);
    EXPECT_EQ(result.groups[0].key, "Bash");
    EXPECT_EQ(result.groups[0].calls, 2);
    EXPECT_DOUBLE_EQ(result.groups[0].cost_usd, 1.5);
    EXPECT_EQ(result.groups[1].key, "Read");
    EXPECT_DOUBLE_EQ(result.unattributed_cost_usd, 1.0);
    EXPECT_DOUBLE_EQ(result.totals.cost_usd, 3.0);
    EXPECT_EQ(result.totals.calls, 3);
}

TEST(UsageAccumulator, ToolRowsAreIgnoredByOtherGroupings) {
    UsageAccumulator acc(UsageGroupBy::model, Zone::utc());
    acc.add(tool("Bash", "ok", 10, 0.5));
    const auto result = std::move(acc).finish();
    EXPECT_TRUE(result.groups.empty());
    EXPECT_DOUBLE_EQ(result.unattributed_cost_usd, 0);
}

TEST(DurationStats, NearestRankPercentiles) {
    std::vector<int64_t> values;
    for (int64_t v = 100; v >= 1; --v) values.push_back(v);  // 1..100, unsorted
    const auto stats = duration_stats(values);
    ASSERT_TRUE(stats.has_value());
    EXPECT_EQ(stats->count, 100);
    EXPECT_EQ(stats->p50, 50);
    EXPECT_EQ(stats->p90, 90);
    EXPECT_EQ(stats->p95, 95);
    EXPECT_EQ(stats->p99, 99);
    EXPECT_EQ(stats->max, 100);
}

TEST(DurationStats, SmallSamplesUseTheValuesThemselves) {
    std::vector<int64_t> one = {42};
    const auto single = duration_stats(one);
    ASSERT_TRUE(single.has_value());
    EXPECT_EQ(single->p50, 42);
    EXPECT_EQ(single->p99, 42);
    std::vector<int64_t> three = {30, 10, 20};
    const auto stats = duration_stats(three);
    ASSERT_TRUE(stats.has_value());
    EXPECT_EQ(stats->p50, 20);  // rank ceil(1.5) = 2
    EXPECT_EQ(stats->p90, 30);
    EXPECT_EQ(stats->max, 30);
    std::vector<int64_t> none;
    EXPECT_FALSE(duration_stats(none).has_value());
}

TEST(ToolStatsAccumulator, CountsResultsAndRates) {
    ToolStatsAccumulator acc;
    acc.add(tool("Bash", "ok", 100, 0.1));
    acc.add(tool("Bash", "error", 300, 0.2));
    acc.add(tool("Bash", "denied", std::nullopt));
    acc.add(tool("Bash", "pending", std::nullopt));
    acc.add(tool("Read", "ok", 5));
    const auto stats = std::move(acc).finish();
    ASSERT_EQ(stats.size(), 2u);
    const ToolStats& bash = stats[0];
    EXPECT_EQ(bash.tool_name, "Bash");
    EXPECT_EQ(bash.calls, 4);
    EXPECT_EQ(bash.errors, 1);
    EXPECT_EQ(bash.denied, 1);
    EXPECT_EQ(bash.pending, 1);
    EXPECT_DOUBLE_EQ(bash.error_rate(), 0.25);
    EXPECT_NEAR(bash.cost_usd, 0.3, 1e-12);
    ASSERT_TRUE(bash.duration_ms.has_value());
    EXPECT_EQ(bash.duration_ms->count, 2);
    EXPECT_EQ(bash.duration_ms->p50, 100);
    EXPECT_EQ(bash.duration_ms->max, 300);
    EXPECT_EQ(stats[1].tool_name, "Read");
    EXPECT_DOUBLE_EQ(stats[1].error_rate(), 0);
}

TEST(ToolStatsAccumulator, ToolsWithoutDurationsHaveNoPercentiles) {
    ToolStatsAccumulator acc;
    acc.add(tool("Write", "pending", std::nullopt));
    const auto stats = std::move(acc).finish();
    ASSERT_EQ(stats.size(), 1u);
    EXPECT_FALSE(stats[0].duration_ms.has_value());
}

TEST(ModelStatsAccumulator, LatenciesTokensAndUnpricedCalls) {
    ModelStatsAccumulator acc;
    acc.add(call("sonnet", 1000, 0.01, true, {10, 20, 0, 0, 30}));
    acc.add(call("sonnet", 3000, 0.03, true, {10, 20, 0, 0, 30}));
    acc.add(call("sonnet", std::nullopt, 0.02, true));
    acc.add(call("mystery", 500, 0, false, {1, 1, 0, 0, 0}));
    const auto stats = std::move(acc).finish();
    ASSERT_EQ(stats.size(), 2u);
    const ModelStats& sonnet = stats[0];
    EXPECT_EQ(sonnet.model, "sonnet");
    EXPECT_EQ(sonnet.calls, 3);
    EXPECT_EQ(sonnet.priced_calls, 3);
    EXPECT_NEAR(sonnet.cost_usd, 0.06, 1e-12);
    EXPECT_EQ(sonnet.tokens.cache_read, 60);
    ASSERT_TRUE(sonnet.latency_ms.has_value());
    EXPECT_EQ(sonnet.latency_ms->count, 2);
    EXPECT_EQ(sonnet.latency_ms->p50, 1000);
    EXPECT_EQ(sonnet.latency_ms->max, 3000);
    EXPECT_EQ(stats[1].model, "mystery");
    EXPECT_EQ(stats[1].unpriced_calls, 1);
    EXPECT_EQ(stats[1].priced_calls, 0);
    EXPECT_DOUBLE_EQ(stats[1].cost_usd, 0);
}

TEST(ToBlockCall, PricedAndUnpricedCalls) {
    const BlockCall priced = to_block_call(call("sonnet", 10, 0.125, true, {1, 2, 3, 4, 5}));
    EXPECT_EQ(priced.totals.messages, 1);
    EXPECT_DOUBLE_EQ(priced.totals.cost_usd(), 0.125);
    EXPECT_EQ(priced.totals.unpriced_messages, 0);
    EXPECT_EQ(priced.totals.tokens.total(), 15);
    const BlockCall unpriced = to_block_call(call("mystery", 10, 0, false, {1, 2, 0, 0, 0}));
    EXPECT_EQ(unpriced.totals.cost_units, 0);
    EXPECT_EQ(unpriced.totals.unpriced_messages, 1);
    EXPECT_EQ(unpriced.totals.unpriced_tokens, 3);
}

TEST(ToBlockCall, FeedsTheBlockBuilder) {
    const TimestampUs now = at("2026-03-02T11:30:00Z");
    FusedCallRow first = call("sonnet", 10, 1.0, true, {100, 0, 0, 0, 0});
    first.ts = at("2026-03-02T10:30:00Z");
    FusedCallRow second = call("sonnet", 10, 2.0, true, {200, 0, 0, 0, 0});
    second.ts = at("2026-03-02T11:00:00Z");
    const auto blocks = build_billing_blocks({to_block_call(first), to_block_call(second)}, now);
    ASSERT_EQ(blocks.size(), 1u);
    EXPECT_TRUE(blocks[0].active);
    EXPECT_DOUBLE_EQ(blocks[0].totals.cost_usd(), 3.0);
    EXPECT_EQ(blocks[0].totals.tokens.input, 300);
    // $3 over 30 minutes, 3.5 hours left: 3 + 6/h * 3.5h.
    EXPECT_NEAR(blocks[0].projected_cost_usd, 24.0, 1e-9);
}

}  // namespace
}  // namespace agent_trace
