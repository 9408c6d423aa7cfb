#include "query/usage_report.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../support/store_support.hpp"
#include "../support/test_support.hpp"
#include "core/event.hpp"

namespace agent_trace {
namespace {

constexpr const char* kSonnet = "claude-sonnet-4-5-20250929";
constexpr const char* kUnknown = "claude-nebula-1-20270315";
constexpr const char* kApp = "-home-dev-app";
constexpr const char* kWeb = "-home-dev-web";

using testing_support::api_request_event;
using testing_support::at;
using testing_support::commit_batch;
using testing_support::open_store;
using testing_support::set_tokens;
using testing_support::TempDir;

struct Call {
    const char* id;
    const char* ts;
    const char* session;
    const char* project;
    const char* agent;
    const char* model;
    int64_t in, out, w5, w1, read;
};

// Costs at claude-sonnet-4-5 prices (3 / 15 / 3.75 / 6 / 0.3 USD per MTok; the
// whole call at 6 / 22.5 / 7.5 / 12 / 0.6 above 200k prompt tokens), in 1e-10 USD:
//   e1: 1000*3e4 + 500*15e4 + 2000*3.75e4 + 1000*6e4 + 10000*0.3e4   = 270'000'000
//   e2: 100*3e4 + 100*15e4                                            =  18'000'000
//   e3: unknown model, 10+20+30+40+50 = 150 unpriced tokens
//   e4: prompt 150000+40000+20000 = 210000 > 200k:
//       150000*6e4 + 1000*22.5e4 + 40000*7.5e4 + 20000*0.6e4           = 12'345'000'000
//   e5: 10*3e4 + 10*15e4                                              =   1'800'000
//   e6: 1*3e4 + 1*15e4                                                =     180'000
const Call kCalls[] = {
    {"e1", "2026-03-02T10:00:00Z", "sess-1", kApp, "", kSonnet, 1000, 500, 2000, 1000, 10000},
    {"e2", "2026-03-02T16:30:00Z", "sess-1", kApp, "a11", kSonnet, 100, 100, 0, 0, 0},
    {"e3", "2026-03-03T09:00:00Z", "sess-2", kWeb, "", kUnknown, 10, 20, 30, 40, 50},
    {"e4", "2026-03-03T14:59:59Z", "sess-2", kWeb, "", kSonnet, 150000, 1000, 40000, 0, 20000},
    {"e5", "2026-03-03T15:00:00Z", "sess-1", kApp, "a11", kSonnet, 10, 10, 0, 0, 0},
    {"e6", "2026-03-02T11:00:00Z", "sess-1", kApp, "b22", kSonnet, 1, 1, 0, 0, 0},
};
constexpr int64_t kE1 = 270'000'000, kE2 = 18'000'000, kE4 = 12'345'000'000, kE5 = 1'800'000,
                  kE6 = 180'000;

Event to_event(const Call& c) {
    Event e = api_request_event(c.id, at(c.ts));
    e.session_id = c.session;
    e.agent_id = c.agent;
    e.is_sidechain = *c.agent != '\0';
    e.project = c.project;
    e.cwd = std::string(c.project) == kApp ? "/home/dev/app" : "/home/dev/web";
    e.model = c.model;
    set_tokens(e, c.in, c.out, c.w5, c.w1, c.read);
    return e;
}

class UsageReportTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = open_store(dir_.path() / "at.db");
        ASSERT_NE(store_, nullptr);
        std::vector<Event> events;
        for (const Call& c : kCalls) events.push_back(to_event(c));
        const Status committed = commit_batch(*store_, std::move(events));
        ASSERT_TRUE(committed.ok()) << committed.error().message;
    }

    UsageReport report(const ReportOptions& options) {
        auto r = build_usage_report(*store_, PricingTable::builtin(), options);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return r.ok() ? std::move(*r) : UsageReport{};
    }

    static ReportOptions options(ReportKind kind, const char* zone = "UTC") {
        ReportOptions o;
        o.kind = kind;
        auto z = Zone::named(zone);
        EXPECT_TRUE(z.ok()) << zone;
        if (z.ok()) o.zone = *z;
        return o;
    }

    static std::map<std::string, ReportRow> by_key(const UsageReport& r) {
        std::map<std::string, ReportRow> out;
        for (const auto& row : r.rows) out[row.key] = row;
        return out;
    }

    TempDir dir_;
    std::unique_ptr<Store> store_;
};

TEST_F(UsageReportTest, DailyInUtc) {
    const UsageReport r = report(options(ReportKind::daily));
    EXPECT_EQ(r.zone, "UTC");
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_EQ(r.rows[0].key, "2026-03-02");  // oldest first
    EXPECT_EQ(r.rows[1].key, "2026-03-03");
    const ReportRow& d2 = r.rows[0];
    EXPECT_EQ(d2.totals.messages, 3);  // e1, e2, e6
    EXPECT_EQ(d2.totals.tokens.input, 1101);
    EXPECT_EQ(d2.totals.tokens.output, 601);
    EXPECT_EQ(d2.totals.tokens.cache_write_5m, 2000);
    EXPECT_EQ(d2.totals.tokens.cache_write_1h, 1000);
    EXPECT_EQ(d2.totals.tokens.cache_read, 10000);
    EXPECT_EQ(d2.totals.cost_units, kE1 + kE2 + kE6);
    EXPECT_EQ(d2.models, std::vector<std::string>{kSonnet});
    const ReportRow& d3 = r.rows[1];
    EXPECT_EQ(d3.totals.messages, 3);  // e3, e4, e5
    EXPECT_EQ(d3.totals.cost_units, kE4 + kE5);
    EXPECT_EQ(d3.totals.unpriced_tokens, 150);
    EXPECT_EQ(d3.totals.unpriced_messages, 1);
    EXPECT_EQ(d3.models, (std::vector<std::string>{kUnknown, kSonnet}));

    EXPECT_EQ(r.totals.messages, 6);
    EXPECT_EQ(r.totals.cost_units, kE1 + kE2 + kE4 + kE5 + kE6);
    EXPECT_NEAR(r.totals.cost_usd(), 1.263498, 1e-12);
    EXPECT_EQ(r.skipped.files, 0u);
}

TEST_F(UsageReportTest, DailyInTokyo) {
    const UsageReport r = report(options(ReportKind::daily, "Asia/Tokyo"));
    EXPECT_EQ(r.zone, "Asia/Tokyo");
    const auto rows = by_key(r);
    ASSERT_EQ(rows.size(), 3u);
    // Tokyo days start at 15:00Z the day before.
    EXPECT_EQ(rows.at("2026-03-02").totals.messages, 2);  // e1 19:00, e6 20:00 JST
    EXPECT_EQ(rows.at("2026-03-02").totals.cost_units, kE1 + kE6);
    EXPECT_EQ(rows.at("2026-03-03").totals.messages, 3);  // e2 01:30, e3 18:00, e4 23:59:59
    EXPECT_EQ(rows.at("2026-03-03").totals.cost_units, kE2 + kE4);
    EXPECT_EQ(rows.at("2026-03-04").totals.messages, 1);  // e5 at 00:00 JST
    EXPECT_EQ(r.totals.messages, 6);
}

TEST_F(UsageReportTest, MonthlyReport) {
    const UsageReport r = report(options(ReportKind::monthly, "Asia/Tokyo"));
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0].key, "2026-03");
    EXPECT_EQ(r.rows[0].totals.messages, 6);
}

TEST_F(UsageReportTest, SinceUntilAreInclusiveDaysInTheZone) {
    ReportOptions tokyo = options(ReportKind::daily, "Asia/Tokyo");
    tokyo.since = CivilDate{2026, 3, 3};
    tokyo.until = CivilDate{2026, 3, 3};
    UsageReport r = report(tokyo);
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0].key, "2026-03-03");
    EXPECT_EQ(r.totals.messages, 3);  // e2, e3, e4; e5 at 15:00Z is the next Tokyo day

    ReportOptions utc = options(ReportKind::daily);
    utc.since = CivilDate{2026, 3, 3};
    utc.until = CivilDate{2026, 3, 3};
    r = report(utc);
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.totals.messages, 3);  // e3, e4, e5
    EXPECT_EQ(r.totals.cost_units, kE4 + kE5);

    ReportOptions only_since = options(ReportKind::daily);
    only_since.since = CivilDate{2026, 3, 3};
    EXPECT_EQ(report(only_since).totals.messages, 3);
    ReportOptions only_until = options(ReportKind::daily);
    only_until.until = CivilDate{2026, 3, 2};
    EXPECT_EQ(report(only_until).totals.messages, 3);
    ReportOptions month_end = options(ReportKind::daily);
    month_end.since = CivilDate{2026, 3, 31};
    month_end.until = CivilDate{2026, 3, 31};  // the next day is in April
    EXPECT_EQ(report(month_end).totals.messages, 0);
}

TEST_F(UsageReportTest, ProjectFilterByKeyOrCwd) {
    ReportOptions web = options(ReportKind::daily);
    web.project = kWeb;
    UsageReport r = report(web);
    EXPECT_EQ(r.totals.messages, 2);
    EXPECT_EQ(r.totals.cost_units, kE4);

    ReportOptions app = options(ReportKind::project);
    app.project = "/home/dev/app";
    r = report(app);
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0].key, kApp);
    EXPECT_EQ(r.rows[0].cwd, "/home/dev/app");
    EXPECT_EQ(r.rows[0].totals.messages, 4);
    EXPECT_TRUE(r.unpriced_models.empty());
}

TEST_F(UsageReportTest, UnknownModelIsUnpricedNotFree) {
    const UsageReport r = report(options(ReportKind::model));
    ASSERT_EQ(r.unpriced_models.size(), 1u);
    EXPECT_EQ(r.unpriced_models[0].model, kUnknown);
    EXPECT_EQ(r.unpriced_models[0].tokens, 150);
    EXPECT_EQ(r.unpriced_models[0].messages, 1);
    EXPECT_EQ(r.totals.unpriced_tokens, 150);
    EXPECT_EQ(r.totals.unpriced_messages, 1);
    // Its tokens still count; its (unknown) cost is not folded in.
    // e1 14500 + e2 200 + e3 150 + e4 211000 + e5 20 + e6 2
    EXPECT_EQ(r.totals.tokens.total(), 225'872);
    const auto rows = by_key(r);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows.at(kUnknown).totals.cost_units, 0);
    EXPECT_EQ(rows.at(kUnknown).totals.unpriced_tokens, 150);
    EXPECT_EQ(rows.at(kUnknown).totals.messages, 1);
    EXPECT_EQ(rows.at(kSonnet).totals.messages, 5);
    EXPECT_EQ(rows.at(kSonnet).totals.cost_units, kE1 + kE2 + kE4 + kE5 + kE6);
    EXPECT_EQ(rows.at(kSonnet).totals.unpriced_tokens, 0);
}

TEST_F(UsageReportTest, SessionReportWithSubagents) {
    const UsageReport r = report(options(ReportKind::session));
    const auto rows = by_key(r);
    ASSERT_EQ(rows.size(), 2u);
    const ReportRow& s1 = rows.at("sess-1");
    EXPECT_EQ(s1.project, kApp);
    EXPECT_EQ(s1.cwd, "/home/dev/app");
    EXPECT_EQ(s1.totals.messages, 4);  // its own call plus three subagent calls
    EXPECT_EQ(s1.totals.cost_units, kE1 + kE2 + kE5 + kE6);
    EXPECT_EQ(s1.first_ts, at("2026-03-02T10:00:00Z"));
    EXPECT_EQ(s1.last_ts, at("2026-03-03T15:00:00Z"));
    ASSERT_EQ(s1.subagents.size(), 2u);
    std::map<std::string, UsageTotals> subs;
    for (const auto& s : s1.subagents) subs[s.agent_id] = s.totals;
    EXPECT_EQ(subs.at("a11").messages, 2);
    EXPECT_EQ(subs.at("a11").tokens.input, 110);
    EXPECT_EQ(subs.at("a11").cost_units, kE2 + kE5);
    EXPECT_EQ(subs.at("b22").messages, 1);
    EXPECT_EQ(subs.at("b22").cost_units, kE6);

    const ReportRow& s2 = rows.at("sess-2");
    EXPECT_EQ(s2.project, kWeb);
    EXPECT_EQ(s2.totals.messages, 2);
    EXPECT_TRUE(s2.subagents.empty());
    EXPECT_EQ(s2.models, (std::vector<std::string>{kUnknown, kSonnet}));
    EXPECT_EQ(r.totals.messages, 6);
}

TEST_F(UsageReportTest, BlocksReport) {
    ReportOptions o = options(ReportKind::blocks);
    o.now = at("2026-03-03T16:00:00Z");
    const UsageReport r = report(o);
    // e1 10:00, e6 11:00 | e2 16:30 | e3 09:00 (next day) | e4 14:59:59, e5 15:00
    ASSERT_EQ(r.rows.size(), 4u);
    EXPECT_EQ(r.rows[0].key, "2026-03-02T10:00:00.000Z");
    EXPECT_EQ(r.rows[0].totals.messages, 2);
    EXPECT_EQ(r.rows[1].key, "2026-03-02T16:00:00.000Z");
    EXPECT_EQ(r.rows[2].key, "2026-03-03T09:00:00.000Z");
    EXPECT_EQ(r.rows[2].totals.messages, 1);
    EXPECT_EQ(r.rows[3].key, "2026-03-03T14:00:00.000Z");
    EXPECT_EQ(r.rows[3].totals.messages, 2);
    EXPECT_EQ(r.rows[3].totals.cost_units, kE4 + kE5);
    EXPECT_TRUE(r.rows[3].active);
    EXPECT_FALSE(r.rows[2].active);
    EXPECT_EQ(r.totals.messages, 6);
}

// Each row's per-model shares add up to the row, for every kind, blocks included.
TEST_F(UsageReportTest, BreakdownSharesSumToTheirRow) {
    for (const ReportKind kind :
         {ReportKind::daily, ReportKind::session, ReportKind::project, ReportKind::blocks}) {
        ReportOptions o = options(kind);
        o.breakdown = true;
        o.now = at("2026-03-04T00:00:00Z");
        const UsageReport r = report(o);
        ASSERT_FALSE(r.rows.empty());
        for (const ReportRow& row : r.rows) {
            ASSERT_EQ(row.by_model.size(), row.models.size()) << row.key;
            UsageTotals sum;
            for (const ModelUsage& part : row.by_model) sum.add(part.totals);
            EXPECT_EQ(sum.messages, row.totals.messages) << row.key;
            EXPECT_EQ(sum.tokens, row.totals.tokens) << row.key;
            EXPECT_EQ(sum.cost_units, row.totals.cost_units) << row.key;
            EXPECT_EQ(sum.unpriced_tokens, row.totals.unpriced_tokens) << row.key;
        }
    }
    // Without the option no row is split.
    for (const ReportRow& row : report(options(ReportKind::daily)).rows) {
        EXPECT_TRUE(row.by_model.empty());
    }
}

// A store big enough to be read by two threads: the merged report equals the
// sums computed here, for days, sessions and models.
TEST(UsageReportLargeStore, ParallelScanMergesExactly) {
    TempDir dir;
    auto store = open_store(dir.path() / "big.db");
    ASSERT_NE(store, nullptr);
    constexpr int kRows = 60000;
    std::vector<Event> events;
    events.reserve(kRows);
    std::map<std::string, int64_t> output_by_day;
    std::map<std::string, int64_t> calls_by_session;
    std::map<std::string, int64_t> output_by_model;
    const TimestampUs t0 = at("2026-03-01T00:00:00Z");
    for (int i = 0; i < kRows; ++i) {
        const TimestampUs ts = t0 + int64_t{i} * 37 * 1'000'000;  // ~26 days
        Event e = api_request_event("msg_big_" + std::to_string(i), ts);
        e.session_id = "s" + std::to_string(i % 7);
        e.project = "-p";
        e.model = i % 3 == 0 ? "claude-haiku-4-5-20251001" : "claude-sonnet-4-5-20250929";
        set_tokens(e, 1, i % 50, 0, 0, 10);
        output_by_day[Zone::utc().day_key(ts)] += i % 50;
        calls_by_session[e.session_id] += 1;
        output_by_model[e.model] += i % 50;
        events.push_back(std::move(e));
    }
    ASSERT_TRUE(commit_batch(*store, std::move(events)).ok());

    ReportOptions o;
    o.kind = ReportKind::daily;
    o.breakdown = true;
    auto daily = build_usage_report(*store, PricingTable::builtin(), o);
    ASSERT_TRUE(daily.ok());
    ASSERT_EQ(daily->rows.size(), output_by_day.size());
    for (const ReportRow& row : daily->rows) {
        EXPECT_EQ(row.totals.tokens.output, output_by_day[row.key]) << row.key;
        int64_t parts = 0;
        for (const ModelUsage& m : row.by_model) parts += m.totals.tokens.output;
        EXPECT_EQ(parts, row.totals.tokens.output) << row.key;
    }
    EXPECT_EQ(daily->totals.messages, kRows);

    o.kind = ReportKind::session;
    auto sessions = build_usage_report(*store, PricingTable::builtin(), o);
    ASSERT_TRUE(sessions.ok());
    ASSERT_EQ(sessions->rows.size(), calls_by_session.size());
    for (const ReportRow& row : sessions->rows) {
        EXPECT_EQ(row.totals.messages, calls_by_session[row.key]) << row.key;
        EXPECT_EQ(row.first_ts, t0 + int64_t{std::stoi(row.key.substr(1))} * 37 * 1'000'000);
    }

    o.kind = ReportKind::model;
    auto models = build_usage_report(*store, PricingTable::builtin(), o);
    ASSERT_TRUE(models.ok());
    for (const ReportRow& row : models->rows) {
        EXPECT_EQ(row.totals.tokens.output, output_by_model[row.key]) << row.key;
    }
}

TEST_F(UsageReportTest, SortOrders) {
    ReportOptions o = options(ReportKind::session);
    o.sort = ReportSort::cost;
    const UsageReport by_cost = report(o);
    ASSERT_GE(by_cost.rows.size(), 2u);
    for (size_t i = 1; i < by_cost.rows.size(); ++i) {
        EXPECT_GE(by_cost.rows[i - 1].totals.cost_units, by_cost.rows[i].totals.cost_units);
    }
    o.sort = ReportSort::tokens;
    const UsageReport by_tokens = report(o);
    for (size_t i = 1; i < by_tokens.rows.size(); ++i) {
        EXPECT_GE(by_tokens.rows[i - 1].totals.tokens.total(),
                  by_tokens.rows[i].totals.tokens.total());
    }
    o.sort = ReportSort::last;
    const UsageReport by_last = report(o);
    for (size_t i = 1; i < by_last.rows.size(); ++i) {
        EXPECT_LE(by_last.rows[i - 1].last_ts, by_last.rows[i].last_ts);
    }
    // Same rows whatever the order.
    EXPECT_EQ(by_cost.rows.size(), report(options(ReportKind::session)).rows.size());
    EXPECT_EQ(parse_report_sort("cost"), ReportSort::cost);
    EXPECT_FALSE(parse_report_sort("random").has_value());
}

TEST(ReportKindNames, RoundTrip) {
    for (const ReportKind k : {ReportKind::daily, ReportKind::monthly, ReportKind::session,
                               ReportKind::project, ReportKind::model, ReportKind::blocks}) {
        EXPECT_EQ(parse_report_kind(to_string(k)), k);
    }
    EXPECT_EQ(parse_report_kind("weekly"), std::nullopt);
}

}  // namespace
}  // namespace agent_trace
