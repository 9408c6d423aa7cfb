#include "store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/sqlite/migrations.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../support/store_support.hpp"
#include "../support/test_support.hpp"
#include "core/event.hpp"
#include "core/ids.hpp"

namespace agent_trace {
namespace {

namespace fs = std::filesystem;

// 2026-03-02T10:00:00Z
constexpr TimestampUs kT0 = 1'772'445'600'000'000;
constexpr TimestampUs kMinute = 60'000'000;

using testing_support::api_request_event;
using testing_support::commit_batch;
using testing_support::open_store;
using testing_support::scan_rows;
using testing_support::set_tokens;
using testing_support::TempDir;
using testing_support::write_batch;
using Row = testing_support::StoredRow;

Event call(const std::string& message_id, TimestampUs ts, int64_t output) {
    Event e = api_request_event(message_id, ts);
    e.ingest_ts = ts + 1;
    e.session_id = "sess-main";
    e.request_id = "req-" + message_id;
    e.project = "-home-dev-app";
    e.cwd = "/home/dev/app";
    e.model = "claude-sonnet-4-5-20250929";
    set_tokens(e, 100, output, 600, 400, 2000);
    return e;
}

int64_t count_rows(const fs::path& db, const char* sql) {
    sqlite3* raw = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(raw, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
    int64_t n = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
    return n;
}

// Each test starts with an empty store at <dir>/at.db; reopening `db_` gives
// another connection to the same file.
class SqliteStore : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = open_store(db_);
        ASSERT_NE(store_, nullptr);
    }

    TempDir dir_;
    const fs::path db_ = dir_.path() / "at.db";
    std::unique_ptr<Store> store_;
};

TEST_F(SqliteStore, OpenCreatesDirectoryAndFile) {
    const fs::path db = dir_.path() / "nested" / "deeper" / "agent-trace.db";
    auto store = open_store(db);
    ASSERT_NE(store, nullptr);
    EXPECT_TRUE(fs::exists(db));
    EXPECT_EQ(store->describe(), "sqlite:" + db.string());
    EXPECT_TRUE(scan_rows(*store).empty());
    auto cps = store->load_checkpoints();
    ASSERT_TRUE(cps.ok());
    EXPECT_TRUE(cps->empty());
    auto health = store->import_health();
    ASSERT_TRUE(health.ok());
    EXPECT_EQ(health->files, 0u);
}

TEST_F(SqliteStore, OpenFailsOnADirectory) {
    auto store = open_sqlite_store(dir_.path().string());
    EXPECT_FALSE(store.ok());
}

TEST_F(SqliteStore, MigrationsAppliedOnceAndDataSurvivesReopen) {
    ASSERT_TRUE(commit_batch(*store_, {call("msg_1", kT0, 50)}).ok());
    store_.reset();
    {
        auto store = open_store(db_);  // second open: nothing to migrate
        ASSERT_NE(store, nullptr);
        const auto rows = scan_rows(*store);
        ASSERT_EQ(rows.size(), 1u);
        EXPECT_EQ(rows[0].out, 50);
    }
    auto again = open_store(db_);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(scan_rows(*again).size(), 1u);
    again.reset();
    // Each migration recorded once, however often the store was opened.
    EXPECT_EQ(count_rows(db_, "SELECT count(*) FROM schema_migrations"),
              static_cast<int64_t>(sqlite_migrations().size()));
    EXPECT_EQ(count_rows(db_, "SELECT count(DISTINCT name) FROM schema_migrations"),
              static_cast<int64_t>(sqlite_migrations().size()));
    EXPECT_EQ(
        count_rows(db_, "SELECT count(*) FROM schema_migrations WHERE name = '0001_events.sql'"),
        1);
}

TEST_F(SqliteStore, TwoConnectionsShareTheFile) {
    auto reader = open_store(db_);
    ASSERT_NE(reader, nullptr);
    ASSERT_TRUE(commit_batch(*store_, {call("msg_1", kT0, 50)}).ok());
    EXPECT_EQ(scan_rows(*reader).size(), 1u);
}

TEST_F(SqliteStore, ScanReturnsStoredValues) {
    Event sub = call("msg_sub", kT0 + kMinute, 7);
    sub.agent_id = "a11";
    sub.is_sidechain = true;
    sub.model = "claude-haiku-4-5-20251001";
    sub.attrs = R"({"web_search_requests":3,"inference_geo":"us"})";
    ASSERT_TRUE(commit_batch(*store_, {call("msg_1", kT0, 50), sub}).ok());

    const auto rows = scan_rows(*store_);
    ASSERT_EQ(rows.size(), 2u);
    const Row& a = rows[0];
    EXPECT_EQ(a.ts, kT0);
    EXPECT_EQ(a.session, "sess-main");
    EXPECT_EQ(a.agent, "");
    EXPECT_EQ(a.project, "-home-dev-app");
    EXPECT_EQ(a.cwd, "/home/dev/app");
    EXPECT_EQ(a.model, "claude-sonnet-4-5-20250929");
    EXPECT_EQ(a.in, 100);
    EXPECT_EQ(a.out, 50);
    EXPECT_EQ(a.w5, 600);
    EXPECT_EQ(a.w1, 400);
    EXPECT_EQ(a.read, 2000);
    EXPECT_EQ(a.web_search, 0);
    EXPECT_FALSE(a.us_geo);
    EXPECT_FALSE(a.sidechain);
    EXPECT_FALSE(a.reported_cost.has_value());
    const Row& b = rows[1];
    EXPECT_EQ(b.agent, "a11");
    EXPECT_TRUE(b.sidechain);
    EXPECT_EQ(b.model, "claude-haiku-4-5-20251001");
    EXPECT_EQ(b.web_search, 3);
    EXPECT_TRUE(b.us_geo);
}

TEST_F(SqliteStore, ReportedCostIsPassedThroughComputedIsNot) {
    Event reported = call("msg_r", kT0, 1);
    reported.cost_usd = 0.125;
    reported.cost_source = CostSource::reported;
    Event computed = call("msg_c", kT0 + kMinute, 1);
    computed.cost_usd = 9.0;
    computed.cost_source = CostSource::computed;
    ASSERT_TRUE(commit_batch(*store_, {reported, computed}).ok());
    const auto rows = scan_rows(*store_);
    ASSERT_EQ(rows.size(), 2u);
    ASSERT_TRUE(rows[0].reported_cost.has_value());
    EXPECT_DOUBLE_EQ(*rows[0].reported_cost, 0.125);
    EXPECT_FALSE(rows[1].reported_cost.has_value());
}

TEST_F(SqliteStore, OnlyTranscriptApiRequestsAreUsage) {
    Event tool = call("tool_1", kT0, 0);
    tool.kind = EventKind::tool_end;
    Event otel = call("otel_1", kT0, 5);
    otel.source = Source::otel;
    ASSERT_TRUE(commit_batch(*store_, {tool, otel, call("msg_1", kT0, 5)}).ok());
    EXPECT_EQ(scan_rows(*store_).size(), 1u);
}

TEST_F(SqliteStore, SecondCopyKeepsLargestCounts) {
    for (const bool final_first : {false, true}) {
        auto store =
            open_store(dir_.path() / (final_first ? "final-first.db" : "partial-first.db"));
        ASSERT_NE(store, nullptr);
        Event partial = call("msg_1", kT0, 5);  // streaming snapshot
        Event final_copy = call("msg_1", kT0 + 2'000'000, 120);
        if (final_first) std::swap(partial, final_copy);
        ASSERT_TRUE(commit_batch(*store, {partial}).ok());
        ASSERT_TRUE(commit_batch(*store, {final_copy}).ok());
        ASSERT_TRUE(commit_batch(*store, {partial}).ok());  // a replay changes nothing
        const auto rows = scan_rows(*store);
        ASSERT_EQ(rows.size(), 1u) << final_first;
        EXPECT_EQ(rows[0].out, 120) << final_first;
        EXPECT_EQ(rows[0].ts, kT0 + 2'000'000) << final_first;  // the winning copy's time
    }
}

TEST_F(SqliteStore, MainCopyWinsOverSidechainReplayInEitherOrder) {
    for (const bool replay_first : {false, true}) {
        auto store = open_store(dir_.path() / (replay_first ? "replay-first.db" : "main-first.db"));
        ASSERT_NE(store, nullptr);
        const Event main_copy = call("msg_B", kT0, 30);
        Event replay = call("msg_B", kT0 + 25 * kMinute, 30);  // /btw aside replay: later
        replay.request_id = "req-new";
        replay.is_sidechain = true;
        replay.agent_id = "aside_question-0f3a";
        if (replay_first) {
            ASSERT_TRUE(commit_batch(*store, {replay}).ok());
            ASSERT_TRUE(commit_batch(*store, {main_copy}).ok());
        } else {
            ASSERT_TRUE(commit_batch(*store, {main_copy}).ok());
            ASSERT_TRUE(commit_batch(*store, {replay}).ok());
        }
        const auto rows = scan_rows(*store);
        ASSERT_EQ(rows.size(), 1u);
        EXPECT_EQ(rows[0].ts, kT0) << replay_first;
        EXPECT_EQ(rows[0].agent, "") << replay_first;
        EXPECT_FALSE(rows[0].sidechain) << replay_first;
        EXPECT_EQ(rows[0].out, 30);
    }
}

TEST_F(SqliteStore, InvalidEventRollsBackWholeBatch) {
    Event bad = call("msg_bad", kT0 + kMinute, 1);
    bad.session_id.clear();
    FileCheckpoint cp;
    cp.path = "/x/s.jsonl";
    cp.offset = 10;
    const Status s = commit_batch(*store_, {call("msg_good", kT0, 1), bad}, {cp});
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("session_id"), std::string::npos) << s.error().message;
    EXPECT_TRUE(scan_rows(*store_).empty());
    auto cps = store_->load_checkpoints();
    ASSERT_TRUE(cps.ok());
    EXPECT_TRUE(cps->empty());
    // The store is still usable afterwards.
    ASSERT_TRUE(commit_batch(*store_, {call("msg_good", kT0, 1)}, {cp}).ok());
    EXPECT_EQ(scan_rows(*store_).size(), 1u);
    ASSERT_TRUE(store_->load_checkpoints().ok());
    EXPECT_EQ(store_->load_checkpoints()->size(), 1u);
}

// "Batches written since the last commit become durable together, or not at all."
TEST_F(SqliteStore, FailedWriteDropsEverythingSinceLastCommit) {
    ASSERT_TRUE(commit_batch(*store_, {call("msg_0", kT0, 1)}).ok());

    FileCheckpoint cp;
    cp.path = "/x/s.jsonl";
    ASSERT_TRUE(write_batch(*store_, {call("msg_1", kT0 + kMinute, 1)}, {cp}).ok());
    Event bad = call("msg_2", kT0 + 2 * kMinute, 1);
    bad.model.clear();  // api_request without model
    EXPECT_FALSE(write_batch(*store_, {bad}).ok());
    (void)store_->commit();

    const auto rows = scan_rows(*store_);
    ASSERT_EQ(rows.size(), 1u);  // only the batch committed before
    EXPECT_EQ(rows[0].ts, kT0);
    ASSERT_TRUE(store_->load_checkpoints().ok());
    EXPECT_TRUE(store_->load_checkpoints()->empty());
    store_.reset();
    auto reopened = open_store(db_);
    ASSERT_NE(reopened, nullptr);
    EXPECT_EQ(scan_rows(*reopened).size(), 1u);
}

TEST_F(SqliteStore, WritesBecomeDurableOnCommitOnly) {
    ASSERT_TRUE(write_batch(*store_, {call("msg_1", kT0, 1)}).ok());
    ASSERT_TRUE(write_batch(*store_, {call("msg_2", kT0 + kMinute, 1)}).ok());
    ASSERT_TRUE(store_->commit().ok());
    ASSERT_TRUE(write_batch(*store_, {call("msg_3", kT0 + 2 * kMinute, 1)}).ok());
    // Closed without a commit: msg_3 is dropped, the next import redoes it.
    store_.reset();

    auto store = open_store(db_);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(scan_rows(*store).size(), 2u);
    EXPECT_TRUE(store->commit().ok());  // nothing pending: a no-op
}

// A bulk writer's commits reach the database file while the store is still
// open (a background checkpoint), not only when the last connection closes.
TEST_F(SqliteStore, CommittedImportsReachTheDatabaseFileWhileOpen) {
    std::vector<Event> events;
    events.reserve(2000);
    for (int i = 0; i < 2000; ++i) {
        events.push_back(call("msg_bg_" + std::to_string(i), kT0 + i * kMinute, 10 + i));
    }
    const auto before = fs::file_size(db_);
    ASSERT_TRUE(commit_batch(*store_, std::move(events)).ok());
    // Bounded wait: the checkpointer runs right after the commit.
    uintmax_t after = before;
    for (int tries = 0; tries < 500 && after <= before + (64 << 10); ++tries) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        after = fs::file_size(db_);
    }
    EXPECT_GT(after, before + (64 << 10)) << "the WAL was not checkpointed into the file";
    EXPECT_EQ(scan_rows(*store_).size(), 2000u);
}

// A big store is read in slices by several threads; together they return exactly
// the rows of one sequential scan, slice by slice in storage order.
TEST_F(SqliteStore, ParallelScanEqualsSequentialScan) {
    constexpr int kRows = 50000;
    std::vector<Event> events;
    events.reserve(kRows);
    for (int i = 0; i < kRows; ++i) {
        events.push_back(call("msg_par_" + std::to_string(i), kT0 + int64_t{i} * kMinute, i % 97));
    }
    ASSERT_TRUE(commit_batch(*store_, std::move(events)).ok());
    std::vector<int64_t> sequential;
    ASSERT_TRUE(
        store_->scan_usage({}, [&](const UsageRow& r) { sequential.push_back(r.ts); }).ok());
    ASSERT_EQ(sequential.size(), size_t{kRows});

    std::vector<std::vector<int64_t>> slices;
    std::mutex mutex;  // only guards the resize; each slice has its own thread
    const Status s = store_->scan_usage_parallel(
        {}, 2, [&](size_t n) { slices.resize(n); },
        [&](size_t part, const UsageRow& r) { slices[part].push_back(r.ts); });
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_EQ(slices.size(), 2u) << "a 50k-row store is read by two threads";
    std::vector<int64_t> joined;
    for (const auto& slice : slices) {
        EXPECT_FALSE(slice.empty());
        joined.insert(joined.end(), slice.begin(), slice.end());
    }
    EXPECT_EQ(joined, sequential);

    // Filters apply to every slice.
    UsageFilter since;
    since.since = kT0 + int64_t{kRows / 2} * kMinute;
    size_t filtered = 0;
    ASSERT_TRUE(store_
                    ->scan_usage_parallel(
                        since, 2, [&](size_t n) { (void)n; },
                        [&](size_t, const UsageRow&) {
                            std::lock_guard lock(mutex);
                            ++filtered;
                        })
                    .ok());
    EXPECT_EQ(filtered, size_t{kRows / 2});
}

TEST_F(SqliteStore, CheckpointsRoundTripAndHealth) {
    FileCheckpoint a;
    a.path = "/p/-home-dev-app/s1.jsonl";
    a.device = std::numeric_limits<uint64_t>::max() - 1;  // beyond int64
    a.inode = 123456789;
    a.size = 4096;
    a.mtime_ns = 1'772'445'600'123'456'789;
    a.offset = 4000;
    a.head_hash = 0xFEDCBA9876543210ULL;
    a.head_length = 4000;
    a.lines = 40;
    a.malformed_lines = 2;
    a.oversized_lines = 1;
    a.incomplete_lines = 1;
    a.decoder_version = 1;
    FileCheckpoint b;
    b.path = "/p/-home-dev-app/unreadable.jsonl";
    b.malformed_lines = 3;
    b.error = "Permission denied";
    ASSERT_TRUE(commit_batch(*store_, {}, {a, b}).ok());
    // Replacing a checkpoint keeps one row per path.
    FileCheckpoint b2 = b;
    b2.malformed_lines = 5;
    ASSERT_TRUE(commit_batch(*store_, {}, {b2}).ok());
    store_.reset();

    auto store = open_store(db_);
    ASSERT_NE(store, nullptr);
    auto loaded = store->load_checkpoints();
    ASSERT_TRUE(loaded.ok());
    ASSERT_EQ(loaded->size(), 2u);
    std::map<std::string, FileCheckpoint> by_path;
    for (const auto& cp : *loaded) by_path[cp.path] = cp;
    const FileCheckpoint& la = by_path.at(a.path);
    EXPECT_EQ(la.device, a.device);
    EXPECT_EQ(la.inode, a.inode);
    EXPECT_EQ(la.size, a.size);
    EXPECT_EQ(la.mtime_ns, a.mtime_ns);
    EXPECT_EQ(la.offset, a.offset);
    EXPECT_EQ(la.head_hash, a.head_hash);
    EXPECT_EQ(la.head_length, a.head_length);
    EXPECT_EQ(la.lines, a.lines);
    EXPECT_EQ(la.malformed_lines, a.malformed_lines);
    EXPECT_EQ(la.oversized_lines, a.oversized_lines);
    EXPECT_EQ(la.incomplete_lines, a.incomplete_lines);
    EXPECT_EQ(la.decoder_version, a.decoder_version);
    EXPECT_EQ(la.error, "");
    EXPECT_EQ(by_path.at(b.path).error, "Permission denied");
    EXPECT_EQ(by_path.at(b.path).malformed_lines, 5u);

    auto health = store->import_health();
    ASSERT_TRUE(health.ok());
    EXPECT_EQ(health->files, 2u);
    EXPECT_EQ(health->malformed_lines, 7u);
    EXPECT_EQ(health->oversized_lines, 1u);
    EXPECT_EQ(health->incomplete_lines, 1u);
    EXPECT_EQ(health->files_unreadable, 1u);
}

TEST_F(SqliteStore, ScanFilters) {
    Event other = call("msg_o", kT0 + 2 * kMinute, 1);
    other.project = "-home-dev-other";
    other.cwd = "/home/dev/other";
    ASSERT_TRUE(
        commit_batch(*store_, {call("msg_0", kT0, 1), call("msg_1", kT0 + kMinute, 1), other})
            .ok());

    UsageFilter window;
    window.since = kT0 + kMinute;      // inclusive
    window.until = kT0 + 2 * kMinute;  // exclusive
    auto rows = scan_rows(*store_, window);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].ts, kT0 + kMinute);

    UsageFilter by_key;
    by_key.project = "-home-dev-other";
    EXPECT_EQ(scan_rows(*store_, by_key).size(), 1u);
    UsageFilter by_cwd;
    by_cwd.project = "/home/dev/app";
    EXPECT_EQ(scan_rows(*store_, by_cwd).size(), 2u);
    UsageFilter none;
    none.project = "-nope";
    EXPECT_TRUE(scan_rows(*store_, none).empty());
}

}  // namespace
}  // namespace agent_trace
