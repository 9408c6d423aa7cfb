// The store reads the dashboard adds: sessions live now (ActivityReader), and the
// plans SQLite picks for the failed tool calls list and the sessions count, so
// they stay index reads on a large store.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../support/store_support.hpp"
#include "../support/test_support.hpp"
#include "core/event.hpp"
#include "core/ids.hpp"

namespace agent_trace {
namespace {

using testing_support::commit_batch;
using testing_support::open_store;
using testing_support::query_plan;
using testing_support::TempDir;

constexpr TimestampUs kSecond = 1'000'000;
constexpr TimestampUs kNow = 1'772'445'600'000'000;  // 2026-03-02T10:00:00Z

Event event(const std::string& session, EventKind kind, TimestampUs ts, const std::string& key) {
    Event e;
    e.event_id = hash_event_id({"dashboard-queries", session, key});
    e.source = Source::hook;
    e.kind = kind;
    e.ts = ts;
    e.ingest_ts = ts;
    e.session_id = session;
    return e;
}

TEST(ActiveSessions, RecentAndNotEndedMostRecentFirst) {
    TempDir dir;
    auto store = open_store(dir.file("store.db"));
    ASSERT_NE(store, nullptr);
    const TimestampUs since = kNow - 300 * kSecond;
    ASSERT_TRUE(
        commit_batch(*store,
                     {
                         // live: prompted a minute ago
                         event("live", EventKind::session_start, kNow - 400 * kSecond, "s"),
                         event("live", EventKind::user_prompt, kNow - 60 * kSecond, "p"),
                         event("live", EventKind::tool_start, kNow - 50 * kSecond, "t"),
                         // ended two minutes ago
                         event("ended", EventKind::user_prompt, kNow - 200 * kSecond, "p"),
                         event("ended", EventKind::session_end, kNow - 120 * kSecond, "e"),
                         // ended, then resumed (SessionStart again): live
                         event("resumed", EventKind::session_end, kNow - 240 * kSecond, "e"),
                         event("resumed", EventKind::session_start, kNow - 30 * kSecond, "s"),
                         // quiet for ten minutes
                         event("quiet", EventKind::user_prompt, kNow - 600 * kSecond, "p"),
                         // ended before the window, an event (a metric flush) inside it
                         event("late", EventKind::session_end, kNow - 400 * kSecond, "e"),
                         event("late", EventKind::notification, kNow - 100 * kSecond, "n"),
                         // a session_end and nothing else in the window: ended
                         event("end-only", EventKind::session_end, kNow - 10 * kSecond, "e"),
                     })
            .ok());
    auto active = store->active_sessions(since, 20);
    ASSERT_TRUE(active.ok()) << active.error().message;
    EXPECT_EQ(active->count, 3u);
    EXPECT_EQ(active->session_ids, (std::vector<std::string>{"resumed", "live", "late"}));

    auto limited = store->active_sessions(since, 1);
    ASSERT_TRUE(limited.ok());
    EXPECT_EQ(limited->count, 3u);
    EXPECT_EQ(limited->session_ids, (std::vector<std::string>{"resumed"}));

    auto none = store->active_sessions(kNow + 1, 20);
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(none->count, 0u);
    EXPECT_TRUE(none->session_ids.empty());
}

TEST(ActiveSessions, ReadsTheTimeRangeThroughTheKindIndex) {
    TempDir dir;
    ASSERT_NE(open_store(dir.file("store.db")), nullptr);
    const std::string plan = query_plan(
        dir.file("store.db"),
        "SELECT session_id, MAX(ts) FROM events WHERE kind IN ('session_start', 'tool_end') "
        "AND ts >= 1 AND session_id IS NOT NULL GROUP BY session_id");
    EXPECT_NE(plan.find("USING INDEX events_kind_ts (kind=? AND ts>?)"), std::string::npos) << plan;
}

FusedSession fused_row(const std::string& id, const std::string& project, uint8_t sources,
                       int64_t prompts) {
    FusedSession fused;
    FusedSessionRow& r = fused.session;
    r.session_id = id;
    r.project = project;
    r.cwd = "/work/" + project;
    r.first_ts = kNow;
    r.last_ts = kNow;
    r.events = 1;
    r.prompts = prompts;
    r.sources = sources;
    return fused;
}

TEST(CountSessions, CountsWhatTheListShowsWithOrWithoutFilters) {
    TempDir dir;
    auto store = open_store(dir.file("store.db"));
    ASSERT_NE(store, nullptr);
    // Two OTEL start-up-only sessions (hidden by default) among five.
    for (const FusedSession& f :
         {fused_row("a", "p1", kSourceHook, 1), fused_row("b", "p1", kSourceHook | kSourceOtel, 2),
          fused_row("c", "p2", kSourceTranscript, 1), fused_row("d", "p1", kSourceOtel, 0),
          fused_row("e", "p2", kSourceOtel, 0)}) {
        ASSERT_TRUE(store->put_fused_session(f, 0).ok());
    }
    auto count = [&](SessionListQuery q) -> uint64_t {
        auto counted = store->count_sessions(q);
        EXPECT_TRUE(counted.ok()) << counted.error().message;
        if (!counted.ok()) return 0;
        q.limit = 100;
        auto page = store->list_sessions(q);
        EXPECT_TRUE(page.ok());
        if (page.ok()) {
            EXPECT_EQ(*counted, page->rows.size());
        }
        return *counted;
    };
    SessionListQuery all;
    EXPECT_EQ(count(all), 3u);
    all.include_startup_only = true;
    EXPECT_EQ(count(all), 5u);
    SessionListQuery p1;
    p1.project = "p1";
    EXPECT_EQ(count(p1), 2u);
    p1.include_startup_only = true;
    EXPECT_EQ(count(p1), 3u);
    SessionListQuery by_cwd;
    by_cwd.project = "/work/p2";
    EXPECT_EQ(count(by_cwd), 1u);
    // Position and limit do not change the count.
    SessionListQuery paged;
    paged.limit = 1;
    paged.after = SessionCursor{static_cast<double>(kNow), "b"};
    auto counted = store->count_sessions(paged);
    ASSERT_TRUE(counted.ok());
    EXPECT_EQ(*counted, 3u);
}

TEST(ToolFailuresIndex, ThePartialIndexServesTheNewestFirstList) {
    TempDir dir;
    ASSERT_NE(open_store(dir.file("store.db")), nullptr);
    // The shape FusedIndexTables::list_tool_failures() sends (fused_index_sqlite.cpp).
    const std::string base =
        "SELECT rowid, session_id, tool_name, ts, result FROM fused_tools WHERE 1 = 1";
    const std::string order = " ORDER BY ts DESC, rowid DESC LIMIT 51";
    for (const std::string& filters :
         {std::string(" AND result IN ('error', 'denied')"),
          std::string(" AND result IN ('error', 'denied') AND result = ?1 AND tool_name = ?2"),
          std::string(" AND project = ?1 AND result IN ('error', 'denied')"),
          std::string(" AND ts >= ?1 AND ts < ?2 AND result IN ('error', 'denied') AND ts <= ?3 "
                      "AND (ts < ?3 OR rowid < ?4)")}) {
        SCOPED_TRACE(filters);
        const std::string plan = query_plan(dir.file("store.db"), base + filters + order);
        EXPECT_NE(plan.find("fused_tools_failures"), std::string::npos) << plan;
        EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
    }
}

TEST(CountSessions, TheStartUpOnlyIndexServesTheCountAndNotTheList) {
    TempDir dir;
    ASSERT_NE(open_store(dir.file("store.db")), nullptr);
    const std::string count_plan = query_plan(
        dir.file("store.db"),
        "SELECT count(*) FROM fused_sessions INDEXED BY fused_sessions_startup_only WHERE "
        "sources = 2 AND prompts = 0 AND model_calls = 0 AND tool_calls = 0");
    EXPECT_NE(count_plan.find("fused_sessions_startup_only"), std::string::npos) << count_plan;
    const std::string list_plan = query_plan(
        dir.file("store.db"),
        "SELECT session_id FROM fused_sessions WHERE 1 = 1 AND NOT (sources = 2 AND prompts = 0 "
        "AND model_calls = 0 AND tool_calls = 0) ORDER BY last_ts DESC, session_id DESC LIMIT 51");
    EXPECT_NE(list_plan.find("fused_sessions_last"), std::string::npos) << list_plan;
}

}  // namespace
}  // namespace agent_trace
