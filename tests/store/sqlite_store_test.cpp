#include "store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "core/ids.hpp"

namespace agent_trace {
namespace {

namespace fs = std::filesystem;

// 2026-03-02T10:00:00Z
constexpr TimestampUs kT0 = 1'772'445'600'000'000;
constexpr TimestampUs kMinute = 60'000'000;

class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::path(::testing::TempDir()) / "sqlite_store_XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed for " << tmpl;
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

std::unique_ptr<Store> open_store(const fs::path& path) {
    auto store = open_sqlite_store(path.string());
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return store.ok() ? std::move(*store) : nullptr;
}

Event call(const std::string& message_id, TimestampUs ts, int64_t output) {
    Event e;
    e.event_id = hash_event_id({"transcript", "api_request", message_id});
    e.source = Source::transcript;
    e.kind = EventKind::api_request;
    e.ts = ts;
    e.ingest_ts = ts + 1;
    e.session_id = "sess-main";
    e.message_id = message_id;
    e.request_id = "req-" + message_id;
    e.project = "-home-dev-app";
    e.cwd = "/home/dev/app";
    e.model = "claude-sonnet-4-5-20250929";
    e.input_tokens = 100;
    e.output_tokens = output;
    e.cache_write_5m_tokens = 600;
    e.cache_write_1h_tokens = 400;
    e.cache_read_tokens = 2000;
    return e;
}

// A UsageRow with owned strings.
struct Row {
    TimestampUs ts = 0;
    std::string session_id, agent_id, project, cwd, model;
    int64_t input = 0, output = 0, w5 = 0, w1 = 0, read = 0, web_search = 0;
    bool us_geo = false, sidechain = false;
    std::optional<double> reported_cost;
};

std::vector<Row> scan(Store& store, const UsageFilter& filter = {}) {
    std::vector<Row> rows;
    const Status s = store.scan_usage(filter, [&](const UsageRow& r) {
        rows.push_back({r.ts, std::string(r.session_id), std::string(r.agent_id),
                        std::string(r.project), std::string(r.cwd), std::string(r.model),
                        r.input_tokens, r.output_tokens, r.cache_write_5m_tokens,
                        r.cache_write_1h_tokens, r.cache_read_tokens, r.web_search_requests,
                        r.us_inference_geo, r.is_sidechain, r.reported_cost_usd});
    });
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.ts < b.ts; });
    return rows;
}

Status write(Store& store, std::vector<Event> events, std::vector<FileCheckpoint> cps = {}) {
    ImportBatch batch;
    batch.events = std::move(events);
    batch.checkpoints = std::move(cps);
    return store.write(batch);
}

// One batch, written and made durable.
Status commit(Store& store, std::vector<Event> events, std::vector<FileCheckpoint> cps = {}) {
    if (auto s = write(store, std::move(events), std::move(cps)); !s.ok()) return s;
    return store.commit();
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

TEST(SqliteStore, OpenCreatesDirectoryAndFile) {
    TempDir dir;
    const fs::path db = dir.path() / "nested" / "deeper" / "agent-trace.db";
    auto store = open_store(db);
    ASSERT_NE(store, nullptr);
    EXPECT_TRUE(fs::exists(db));
    EXPECT_EQ(store->describe(), "sqlite:" + db.string());
    EXPECT_TRUE(scan(*store).empty());
    auto cps = store->load_checkpoints();
    ASSERT_TRUE(cps.ok());
    EXPECT_TRUE(cps->empty());
    auto health = store->import_health();
    ASSERT_TRUE(health.ok());
    EXPECT_EQ(health->files, 0u);
}

TEST(SqliteStore, OpenFailsOnADirectory) {
    TempDir dir;
    auto store = open_sqlite_store(dir.path().string());
    EXPECT_FALSE(store.ok());
}

TEST(SqliteStore, MigrationsAppliedOnceAndDataSurvivesReopen) {
    TempDir dir;
    const fs::path db = dir.path() / "at.db";
    {
        auto store = open_store(db);
        ASSERT_NE(store, nullptr);
        ASSERT_TRUE(commit(*store, {call("msg_1", kT0, 50)}).ok());
    }
    {
        auto store = open_store(db);  // second open: nothing to migrate
        ASSERT_NE(store, nullptr);
        const auto rows = scan(*store);
        ASSERT_EQ(rows.size(), 1u);
        EXPECT_EQ(rows[0].output, 50);
    }
    auto again = open_store(db);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(scan(*again).size(), 1u);
    again.reset();
    EXPECT_EQ(count_rows(db, "SELECT count(*) FROM schema_migrations"), 1);
    EXPECT_EQ(
        count_rows(db, "SELECT count(*) FROM schema_migrations WHERE name = '0001_events.sql'"), 1);
}

TEST(SqliteStore, TwoConnectionsShareTheFile) {
    TempDir dir;
    const fs::path db = dir.path() / "at.db";
    auto writer = open_store(db);
    auto reader = open_store(db);
    ASSERT_NE(writer, nullptr);
    ASSERT_NE(reader, nullptr);
    ASSERT_TRUE(commit(*writer, {call("msg_1", kT0, 50)}).ok());
    EXPECT_EQ(scan(*reader).size(), 1u);
}

TEST(SqliteStore, ScanReturnsStoredValues) {
    TempDir dir;
    auto store = open_store(dir.path() / "at.db");
    ASSERT_NE(store, nullptr);
    Event sub = call("msg_sub", kT0 + kMinute, 7);
    sub.agent_id = "a11";
    sub.is_sidechain = true;
    sub.model = "claude-haiku-4-5-20251001";
    sub.attrs = R"({"web_search_requests":3,"inference_geo":"us"})";
    ASSERT_TRUE(commit(*store, {call("msg_1", kT0, 50), sub}).ok());

    const auto rows = scan(*store);
    ASSERT_EQ(rows.size(), 2u);
    const Row& a = rows[0];
    EXPECT_EQ(a.ts, kT0);
    EXPECT_EQ(a.session_id, "sess-main");
    EXPECT_EQ(a.agent_id, "");
    EXPECT_EQ(a.project, "-home-dev-app");
    EXPECT_EQ(a.cwd, "/home/dev/app");
    EXPECT_EQ(a.model, "claude-sonnet-4-5-20250929");
    EXPECT_EQ(a.input, 100);
    EXPECT_EQ(a.output, 50);
    EXPECT_EQ(a.w5, 600);
    EXPECT_EQ(a.w1, 400);
    EXPECT_EQ(a.read, 2000);
    EXPECT_EQ(a.web_search, 0);
    EXPECT_FALSE(a.us_geo);
    EXPECT_FALSE(a.sidechain);
    EXPECT_FALSE(a.reported_cost.has_value());
    const Row& b = rows[1];
    EXPECT_EQ(b.agent_id, "a11");
    EXPECT_TRUE(b.sidechain);
    EXPECT_EQ(b.model, "claude-haiku-4-5-20251001");
    EXPECT_EQ(b.web_search, 3);
    EXPECT_TRUE(b.us_geo);
}

TEST(SqliteStore, ReportedCostIsPassedThroughComputedIsNot) {
    TempDir dir;
    auto store = open_store(dir.path() / "at.db");
    ASSERT_NE(store, nullptr);
    Event reported = call("msg_r", kT0, 1);
    reported.cost_usd = 0.125;
    reported.cost_source = CostSource::reported;
    Event computed = call("msg_c", kT0 + kMinute, 1);
    computed.cost_usd = 9.0;
    computed.cost_source = CostSource::computed;
    ASSERT_TRUE(commit(*store, {reported, computed}).ok());
    const auto rows = scan(*store);
    ASSERT_EQ(rows.size(), 2u);
    ASSERT_TRUE(rows[0].reported_cost.has_value());
    EXPECT_DOUBLE_EQ(*rows[0].reported_cost, 0.125);
    EXPECT_FALSE(rows[1].reported_cost.has_value());
}

TEST(SqliteStore, OnlyTranscriptApiRequestsAreUsage) {
    TempDir dir;
    auto store = open_store(dir.path() / "at.db");
    ASSERT_NE(store, nullptr);
    Event tool = call("tool_1", kT0, 0);
    tool.kind = EventKind::tool_end;
    Event otel = call("otel_1", kT0, 5);
    otel.source = Source::otel;
    ASSERT_TRUE(commit(*store, {tool, otel, call("msg_1", kT0, 5)}).ok());
    EXPECT_EQ(scan(*store).size(), 1u);
}

TEST(SqliteStore, SecondCopyKeepsLargestCounts) {
    for (const bool final_first : {false, true}) {
        TempDir dir;
        auto store = open_store(dir.path() / "at.db");
        ASSERT_NE(store, nullptr);
        Event partial = call("msg_1", kT0, 5);  // streaming snapshot
        Event final_copy = call("msg_1", kT0 + 2'000'000, 120);
        if (final_first) std::swap(partial, final_copy);
        ASSERT_TRUE(commit(*store, {partial}).ok());
        ASSERT_TRUE(commit(*store, {final_copy}).ok());
        ASSERT_TRUE(commit(*store, {partial}).ok());  // a replay changes nothing
        const auto rows = scan(*store);
        ASSERT_EQ(rows.size(), 1u) << final_first;
        EXPECT_EQ(rows[0].output, 120) << final_first;
        EXPECT_EQ(rows[0].ts, kT0 + 2'000'000) << final_first;  // the winning copy's time
    }
}

TEST(SqliteStore, MainCopyWinsOverSidechainReplayInEitherOrder) {
    for (const bool replay_first : {false, true}) {
        TempDir dir;
        auto store = open_store(dir.path() / "at.db");
        ASSERT_NE(store, nullptr);
        const Event main_copy = call("msg_B", kT0, 30);
        Event replay = call("msg_B", kT0 + 25 * kMinute, 30);  // /btw aside replay: later
        replay.request_id = "req-new";
        replay.is_sidechain = true;
        replay.agent_id = "aside_question-0f3a";
        if (replay_first) {
            ASSERT_TRUE(commit(*store, {replay}).ok());
            ASSERT_TRUE(commit(*store, {main_copy}).ok());
        } else {
            ASSERT_TRUE(commit(*store, {main_copy}).ok());
            ASSERT_TRUE(commit(*store, {replay}).ok());
        }
        const auto rows = scan(*store);
        ASSERT_EQ(rows.size(), 1u);
        EXPECT_EQ(rows[0].ts, kT0) << replay_first;
        EXPECT_EQ(rows[0].agent_id, "") << replay_first;
        EXPECT_FALSE(rows[0].sidechain) << replay_first;
        EXPECT_EQ(rows[0].output, 30);
    }
}

TEST(SqliteStore, InvalidEventRollsBackWholeBatch) {
    TempDir dir;
    auto store = open_store(dir.path() / "at.db");
    ASSERT_NE(store, nullptr);
    Event bad = call("msg_bad", kT0 + kMinute, 1);
    bad.session_id.clear();
    FileCheckpoint cp;
    cp.path = "/x/s.jsonl";
    cp.offset = 10;
    const Status s = commit(*store, {call("msg_good", kT0, 1), bad}, {cp});
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("session_id"), std::string::npos) << s.error().message;
    EXPECT_TRUE(scan(*store).empty());
    auto cps = store->load_checkpoints();
    ASSERT_TRUE(cps.ok());
    EXPECT_TRUE(cps->empty());
    // The store is still usable afterwards.
    ASSERT_TRUE(commit(*store, {call("msg_good", kT0, 1)}, {cp}).ok());
    EXPECT_EQ(scan(*store).size(), 1u);
    ASSERT_TRUE(store->load_checkpoints().ok());
    EXPECT_EQ(store->load_checkpoints()->size(), 1u);
}

// "Batches written since the last commit become durable together, or not at all."
TEST(SqliteStore, FailedWriteDropsEverythingSinceLastCommit) {
    TempDir dir;
    const fs::path db = dir.path() / "at.db";
    auto store = open_store(db);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(commit(*store, {call("msg_0", kT0, 1)}).ok());

    FileCheckpoint cp;
    cp.path = "/x/s.jsonl";
    ASSERT_TRUE(write(*store, {call("msg_1", kT0 + kMinute, 1)}, {cp}).ok());
    Event bad = call("msg_2", kT0 + 2 * kMinute, 1);
    bad.model.clear();  // api_request without model
    EXPECT_FALSE(write(*store, {bad}).ok());
    (void)store->commit();

    const auto rows = scan(*store);
    ASSERT_EQ(rows.size(), 1u);  // only the batch committed before
    EXPECT_EQ(rows[0].ts, kT0);
    ASSERT_TRUE(store->load_checkpoints().ok());
    EXPECT_TRUE(store->load_checkpoints()->empty());
    store.reset();
    auto reopened = open_store(db);
    ASSERT_NE(reopened, nullptr);
    EXPECT_EQ(scan(*reopened).size(), 1u);
}

TEST(SqliteStore, WritesBecomeDurableOnCommitOnly) {
    TempDir dir;
    const fs::path db = dir.path() / "at.db";
    {
        auto store = open_store(db);
        ASSERT_NE(store, nullptr);
        ASSERT_TRUE(write(*store, {call("msg_1", kT0, 1)}).ok());
        ASSERT_TRUE(write(*store, {call("msg_2", kT0 + kMinute, 1)}).ok());
        ASSERT_TRUE(store->commit().ok());
        ASSERT_TRUE(write(*store, {call("msg_3", kT0 + 2 * kMinute, 1)}).ok());
        // Closed without a commit: msg_3 is dropped, the next import redoes it.
    }
    auto store = open_store(db);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(scan(*store).size(), 2u);
    EXPECT_TRUE(store->commit().ok());  // nothing pending: a no-op
}

TEST(SqliteStore, CheckpointsRoundTripAndHealth) {
    TempDir dir;
    const fs::path db = dir.path() / "at.db";
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
    {
        auto store = open_store(db);
        ASSERT_NE(store, nullptr);
        ASSERT_TRUE(commit(*store, {}, {a, b}).ok());
        // Replacing a checkpoint keeps one row per path.
        FileCheckpoint b2 = b;
        b2.malformed_lines = 5;
        ASSERT_TRUE(commit(*store, {}, {b2}).ok());
    }
    auto store = open_store(db);
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

TEST(SqliteStore, ScanFilters) {
    TempDir dir;
    auto store = open_store(dir.path() / "at.db");
    ASSERT_NE(store, nullptr);
    Event other = call("msg_o", kT0 + 2 * kMinute, 1);
    other.project = "-home-dev-other";
    other.cwd = "/home/dev/other";
    ASSERT_TRUE(
        commit(*store, {call("msg_0", kT0, 1), call("msg_1", kT0 + kMinute, 1), other}).ok());

    UsageFilter window;
    window.since = kT0 + kMinute;      // inclusive
    window.until = kT0 + 2 * kMinute;  // exclusive
    auto rows = scan(*store, window);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].ts, kT0 + kMinute);

    UsageFilter by_key;
    by_key.project = "-home-dev-other";
    EXPECT_EQ(scan(*store, by_key).size(), 1u);
    UsageFilter by_cwd;
    by_cwd.project = "/home/dev/app";
    EXPECT_EQ(scan(*store, by_cwd).size(), 2u);
    UsageFilter none;
    none.project = "-nope";
    EXPECT_TRUE(scan(*store, none).empty());
}

}  // namespace
}  // namespace agent_trace
