// Events per source for `status` (ActivityReader::source_activity): counters the writer
// keeps in the transaction that stores the events (migration 0004), which must say
// what a scan of the events table says, counting a second copy of an event never.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "../support/store_support.hpp"
#include "../support/test_support.hpp"
#include "core/event.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"
#include "store/sqlite/status_queries.hpp"

namespace agent_trace {
namespace {

using testing_support::commit_batch;
using testing_support::open_store;
using testing_support::query_plan;
using testing_support::TempDir;

constexpr TimestampUs kSecond = 1'000'000;
constexpr TimestampUs kMinute = 60 * kSecond;
constexpr TimestampUs kHour = 60 * kMinute;

Event event(Source source, EventKind kind, const std::string& key, TimestampUs ts,
            TimestampUs ingest_ts) {
    Event e;
    e.event_id = hash_event_id({"source-stats", key});
    e.source = source;
    e.kind = kind;
    e.ts = ts;
    e.ingest_ts = ingest_ts;
    e.session_id = "s1";
    if (kind == EventKind::api_request) e.model = "claude-sonnet-4-5";
    return e;
}

// Statements run on their own connection (a test's view from outside the store).
void exec(const std::filesystem::path& db, const std::string& sql) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    char* message = nullptr;
    const int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &message);
    EXPECT_EQ(rc, SQLITE_OK) << (message != nullptr ? message : "") << "\n" << sql;
    sqlite3_free(message);
    sqlite3_close(raw);
}

// What the old full scan of events answers, per source.
std::map<std::string, SourceActivity> scanned(const std::filesystem::path& db, TimestampUs since) {
    sqlite3* raw = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(raw,
                                 "SELECT source, SUM(ingest_ts >= ?1), COUNT(*), MAX(ingest_ts), "
                                 "MAX(ts) FROM events GROUP BY source",
                                 -1, &stmt, nullptr),
              SQLITE_OK);
    sqlite3_bind_int64(stmt, 1, since);
    std::map<std::string, SourceActivity> out;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        SourceActivity a;
        a.source = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        a.events_since = static_cast<uint64_t>(sqlite3_column_int64(stmt, 1));
        a.events_total = static_cast<uint64_t>(sqlite3_column_int64(stmt, 2));
        a.last_ingest_ts = sqlite3_column_int64(stmt, 3);
        a.last_event_ts = sqlite3_column_int64(stmt, 4);
        out[a.source] = a;
    }
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
    return out;
}

std::map<std::string, SourceActivity> by_source(ActivityReader& reader, TimestampUs since) {
    auto activity = reader.source_activity(since);
    EXPECT_TRUE(activity.ok()) << activity.error().message;
    std::map<std::string, SourceActivity> out;
    if (activity.ok()) {
        for (const SourceActivity& a : *activity) out[a.source] = a;
    }
    return out;
}

void expect_same(const std::map<std::string, SourceActivity>& got,
                 const std::map<std::string, SourceActivity>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (const auto& [source, w] : want) {
        SCOPED_TRACE(source);
        ASSERT_TRUE(got.contains(source));
        const SourceActivity& g = got.at(source);
        EXPECT_EQ(g.events_since, w.events_since);
        EXPECT_EQ(g.events_total, w.events_total);
        EXPECT_EQ(g.last_ingest_ts, w.last_ingest_ts);
        EXPECT_EQ(g.last_event_ts, w.last_event_ts);
    }
}

// A minute boundary well inside the test's hour, so that the per-minute count and the
// exact scan agree: `since` falls on the first microsecond of its minute.
TimestampUs minute_start(TimestampUs ts) { return ts / kMinute * kMinute; }

class SourceStatsTest : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = dir_.file("store.db");
        now_ = now_us();
        since_ = minute_start(now_) - kHour;
    }
    // Events of three sources: recent, older than the hour, and copies of both.
    std::vector<Event> mixed() const {
        return {
            event(Source::hook, EventKind::user_prompt, "h1", now_ - 5 * kSecond, now_ - kSecond),
            event(Source::hook, EventKind::tool_start, "h2", now_ - 4 * kSecond, now_),
            event(Source::hook, EventKind::tool_end, "h3", now_ - 2 * kHour, since_ - kMinute),
            event(Source::otel, EventKind::api_request, "o1", now_ - 3 * kSecond, now_),
            event(Source::transcript, EventKind::api_request, "t1", now_ - 30 * 24 * kHour,
                  now_ - 90 * kMinute),
            event(Source::transcript, EventKind::user_prompt, "t2", now_ - 31 * 24 * kHour,
                  now_ - 3 * kHour),
        };
    }

    TempDir dir_;
    std::filesystem::path db_;
    TimestampUs now_ = 0;
    TimestampUs since_ = 0;
};

TEST_F(SourceStatsTest, CountsWhatTheEventsTableHoldsAndNeverASecondCopy) {
    auto store = open_store(db_);
    ASSERT_NE(store, nullptr);
    std::vector<Event> batch = mixed();
    batch.push_back(batch[0]);  // the same event twice in one batch
    ASSERT_TRUE(commit_batch(*store, batch).ok());
    // Every event again (a re-import), and a better copy of a model call: merged into
    // its row (the upsert's UPDATE), not a new one.
    std::vector<Event> again = mixed();
    again[3].output_tokens = 500;
    ASSERT_TRUE(commit_batch(*store, again).ok());
    ASSERT_TRUE(store->write_events(again).ok());

    const auto got = by_source(*store, since_);
    expect_same(got, scanned(db_, since_));
    EXPECT_EQ(got.at("hook").events_total, 3u);
    EXPECT_EQ(got.at("hook").events_since, 2u);
    EXPECT_EQ(got.at("otel").events_total, 1u);
    EXPECT_EQ(got.at("transcript").events_total, 2u);
    EXPECT_EQ(got.at("transcript").events_since, 0u);
    EXPECT_EQ(got.at("transcript").last_event_ts, now_ - 30 * 24 * kHour);

    // New events add on; a batch that fails is rolled back with its counts.
    ASSERT_TRUE(commit_batch(*store, {event(Source::hook, EventKind::notification, "h4",
                                            now_ - kSecond, now_)})
                    .ok());
    Event invalid = event(Source::hook, EventKind::notification, "bad", now_, now_);
    invalid.session_id.clear();
    EXPECT_FALSE(
        commit_batch(*store,
                     {event(Source::hook, EventKind::notification, "h5", now_, now_), invalid})
            .ok());
    const auto after = by_source(*store, since_);
    expect_same(after, scanned(db_, since_));
    EXPECT_EQ(after.at("hook").events_total, 4u);
}

TEST_F(SourceStatsTest, TheLastHourIsCountedInWholeMinutesAndOldMinutesArePruned) {
    auto store = open_store(db_);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(commit_batch(*store, mixed()).ok());
    // An event in the minute the hour starts in, before `since` itself: that minute counts.
    ASSERT_TRUE(commit_batch(*store, {event(Source::otel, EventKind::metric, "o2", now_,
                                            since_ + 30 * kSecond)})
                    .ok());
    auto got = by_source(*store, since_ + 45 * kSecond);
    EXPECT_EQ(got.at("otel").events_since, 2u);
    EXPECT_EQ(got.at("otel").events_total, 2u);

    // Minutes older than two hours go on the next write (a new connection prunes first).
    exec(db_, "INSERT INTO source_ingest_minutes (source, minute, events) VALUES ('git', " +
                  std::to_string((now_ - 3 * kHour) / kMinute) + ", 7)");
    store.reset();
    store = open_store(db_);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(commit_batch(*store, {event(Source::hook, EventKind::notification, "h6",
                                            now_ - kSecond, now_)})
                    .ok());
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open_v2(db_.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT count(*), min(minute) FROM source_ingest_minutes", -1,
                                 &stmt, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_GT(sqlite3_column_int64(stmt, 0), 0);
    EXPECT_GE(sqlite3_column_int64(stmt, 1), (now_ - 2 * kHour) / kMinute - 1);
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
}

TEST_F(SourceStatsTest, TheMigrationBackfillsAStoreThatHadNoCounters) {
    {
        auto store = open_store(db_);
        ASSERT_NE(store, nullptr);
        ASSERT_TRUE(commit_batch(*store, mixed()).ok());
    }
    // The store as a build before migration 0004 left it.
    exec(db_,
         "DROP TABLE source_stats; DROP TABLE source_ingest_minutes; "
         "DELETE FROM schema_migrations WHERE name LIKE '0004_%';");

    // Read-only (serve's query connections never migrate): the events are scanned.
    SqliteStoreOptions read_only;
    read_only.read_only = true;
    {
        auto reader = open_sqlite_store(db_.string(), read_only);
        ASSERT_TRUE(reader.ok()) << reader.error().message;
        expect_same(by_source(**reader, since_), scanned(db_, since_));
    }
    // Opened by a writer: migrated, the counters filled from the events once.
    auto store = open_store(db_);
    ASSERT_NE(store, nullptr);
    const auto got = by_source(*store, since_);
    expect_same(got, scanned(db_, since_));
    EXPECT_EQ(got.at("hook").events_total, 3u);
    EXPECT_EQ(got.at("hook").events_since, 2u);
    ASSERT_TRUE(commit_batch(*store, {event(Source::hook, EventKind::notification, "h7",
                                            now_ - kSecond, now_)})
                    .ok());
    expect_same(by_source(*store, since_), scanned(db_, since_));
}

// Neither status query reads the events table from end to end.
TEST(StatusQueryPlans, SourceActivityReadsTheCountersAndActiveSessionsTheKindIndex) {
    TempDir dir;
    ASSERT_NE(open_store(dir.file("store.db")), nullptr);
    const std::string activity = query_plan(dir.file("store.db"), sqlite::kSourceActivitySql);
    EXPECT_EQ(activity.find("events"), std::string::npos) << activity;
    EXPECT_NE(activity.find("SEARCH m USING PRIMARY KEY (source=? AND minute>?)"),
              std::string::npos)
        << activity;

    const std::string active = query_plan(dir.file("store.db"), sqlite::active_sessions_sql());
    EXPECT_NE(active.find("SEARCH events USING INDEX events_kind_ts (kind=? AND ts>?)"),
              std::string::npos)
        << active;
    EXPECT_EQ(active.find("SCAN events"), std::string::npos) << active;
}

}  // namespace
}  // namespace agent_trace
