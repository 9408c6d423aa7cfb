#include "query/billing_blocks.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "../support/test_support.hpp"

namespace agent_trace {
namespace {

constexpr TimestampUs kMinute = 60LL * 1'000'000;
constexpr TimestampUs kHour = 60 * kMinute;

using testing_support::at;

// A call with `tokens` input tokens costing `usd`.
BlockCall call(const char* iso, int64_t tokens, double usd = 0, const char* model = "m") {
    BlockCall c;
    c.ts = at(iso);
    c.totals.messages = 1;
    c.totals.tokens.input = tokens;
    c.totals.cost_units = std::llround(usd * static_cast<double>(kCostUnitsPerUsd));
    c.model = model;
    return c;
}

const TimestampUs kLongAfter = at("2026-03-10T00:00:00Z");

// The blocks of `calls` seen long after the last of them: none is active.
std::vector<ReportRow> past_blocks(const std::vector<BlockCall>& calls) {
    return build_billing_blocks(calls, kLongAfter);
}

TEST(BillingBlocks, Empty) { EXPECT_TRUE(past_blocks({}).empty()); }

TEST(BillingBlocks, CallsWithinFiveHoursOfTheFlooredStartShareABlock) {
    const auto rows =
        past_blocks({call("2026-03-02T10:20:00Z", 10), call("2026-03-02T11:00:00Z", 20),
                     call("2026-03-02T14:59:00Z", 30)});
    ASSERT_EQ(rows.size(), 1u);
    const ReportRow& r = rows[0];
    EXPECT_EQ(r.key, "2026-03-02T10:00:00.000Z");
    EXPECT_EQ(r.block_end, at("2026-03-02T15:00:00Z"));
    EXPECT_EQ(r.first_ts, at("2026-03-02T10:20:00Z"));
    EXPECT_EQ(r.last_ts, at("2026-03-02T14:59:00Z"));
    EXPECT_EQ(r.totals.messages, 3);
    EXPECT_EQ(r.totals.tokens.input, 60);
    EXPECT_FALSE(r.active);
}

TEST(BillingBlocks, CallAtBlockEndStartsANewBlock) {
    const auto rows =
        past_blocks({call("2026-03-02T10:20:00Z", 10), call("2026-03-02T11:00:00Z", 20),
                     call("2026-03-02T14:59:00Z", 30), call("2026-03-02T15:00:00Z", 40)});
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].totals.messages, 3);
    EXPECT_EQ(rows[1].key, "2026-03-02T15:00:00.000Z");
    EXPECT_EQ(rows[1].block_end, at("2026-03-02T20:00:00Z"));
    EXPECT_EQ(rows[1].totals.messages, 1);
    EXPECT_EQ(rows[1].totals.tokens.input, 40);
}

TEST(BillingBlocks, SixHourGap) {
    const auto rows = past_blocks({call("2026-03-02T10:20:00Z", 1), call("2026-03-02T16:20:00Z", 2),
                                   call("2026-03-02T16:45:00Z", 3)});
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].key, "2026-03-02T10:00:00.000Z");
    EXPECT_EQ(rows[0].totals.messages, 1);
    EXPECT_EQ(rows[1].key, "2026-03-02T16:00:00.000Z");
    EXPECT_EQ(rows[1].first_ts, at("2026-03-02T16:20:00Z"));
    EXPECT_EQ(rows[1].totals.messages, 2);
}

TEST(BillingBlocks, InputOrderDoesNotMatter) {
    const auto rows = past_blocks(
        {call("2026-03-02T16:45:00Z", 3, 0, "b"), call("2026-03-02T10:20:00Z", 1, 0, "a"),
         call("2026-03-02T16:20:00Z", 2, 0, "a"), call("2026-03-02T11:00:00Z", 4, 0, "c")});
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].totals.tokens.input, 5);
    EXPECT_EQ(rows[0].models, (std::vector<std::string>{"a", "c"}));
    EXPECT_EQ(rows[1].totals.tokens.input, 5);
    EXPECT_EQ(rows[1].models, (std::vector<std::string>{"a", "b"}));
}

TEST(BillingBlocks, ActiveBlockProjection) {
    // 600 tokens and $1.20 over the hour from 10:20 to 11:20; `now` is 12:00.
    const TimestampUs now = at("2026-03-02T12:00:00Z");
    const auto rows = build_billing_blocks(
        {call("2026-03-02T10:20:00Z", 200, 0.40), call("2026-03-02T11:20:00Z", 400, 0.80)}, now);
    ASSERT_EQ(rows.size(), 1u);
    const ReportRow& r = rows[0];
    ASSERT_TRUE(r.active);
    EXPECT_DOUBLE_EQ(r.burn_tokens_per_minute, 10.0);
    EXPECT_NEAR(r.burn_usd_per_hour, 1.20, 1e-9);
    // 180 minutes remain until 15:00.
    EXPECT_EQ(r.projected_total_tokens, 600 + 1800);
    EXPECT_NEAR(r.projected_cost_usd, 1.20 + 3 * 1.20, 1e-9);
}

TEST(BillingBlocks, OnlyTheBlockContainingNowIsActive) {
    const std::vector<BlockCall> calls = {call("2026-03-02T10:20:00Z", 1),
                                          call("2026-03-02T16:20:00Z", 1)};
    auto rows = build_billing_blocks(calls, at("2026-03-02T17:00:00Z"));
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_FALSE(rows[0].active);
    EXPECT_TRUE(rows[1].active);
    EXPECT_EQ(rows[0].projected_total_tokens, 0);

    rows = build_billing_blocks(calls, at("2026-03-02T21:00:00Z"));  // block ended at 21:00
    EXPECT_FALSE(rows[1].active);
    rows = build_billing_blocks(calls, at("2026-03-02T20:59:59Z"));
    EXPECT_TRUE(rows[1].active);
}

TEST(BillingBlocks, BurnRateOfASingleCallCountsOneMinute) {
    const auto rows = past_blocks({call("2026-03-02T10:20:00Z", 1234, 0.5)});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_DOUBLE_EQ(rows[0].burn_tokens_per_minute, 1234.0);
    EXPECT_NEAR(rows[0].burn_usd_per_hour, 30.0, 1e-9);
    EXPECT_FALSE(rows[0].active);
    EXPECT_EQ(rows[0].first_ts, rows[0].last_ts);
}

TEST(BillingBlocks, BlockStartIsFlooredToTheUtcHour) {
    const auto rows = past_blocks({call("2026-03-02T23:59:59.999Z", 1)});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].key, "2026-03-02T23:00:00.000Z");
    EXPECT_EQ(rows[0].block_end, at("2026-03-03T04:00:00Z"));
    EXPECT_EQ(rows[0].block_end - kBlockDurationUs, at("2026-03-02T23:00:00Z"));
    EXPECT_EQ(kBlockDurationUs, 5 * kHour);
}

}  // namespace
}  // namespace agent_trace
