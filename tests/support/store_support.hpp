#pragma once
// Helpers for tests that put events into a store and read them back.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "pipeline/import_sink.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

namespace agent_trace::testing_support {

// The plan SQLite picks for `sql` on the store at `db`, one line per step.
inline std::string query_plan(const std::filesystem::path& db, const std::string& sql) {
    sqlite3* raw = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    const std::string explain = "EXPLAIN QUERY PLAN " + sql;
    EXPECT_EQ(sqlite3_prepare_v2(raw, explain.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(raw);
    std::string plan;
    while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
        plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
        plan += "\n";
    }
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
    return plan;
}

// Opens (creating) a SQLite store; nullptr, with a test failure, when it cannot.
inline std::unique_ptr<Store> open_store(const std::filesystem::path& path) {
    auto store = open_sqlite_store(path.string());
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return store.ok() ? std::move(*store) : nullptr;
}

// One batch, written but not yet committed.
inline Status write_batch(ImportSink& sink, std::vector<Event> events,
                          std::vector<FileCheckpoint> checkpoints = {}) {
    ImportBatch batch;
    batch.events = std::move(events);
    batch.checkpoints = std::move(checkpoints);
    return sink.write(batch);
}

// One batch, written and made durable.
inline Status commit_batch(ImportSink& sink, std::vector<Event> events,
                           std::vector<FileCheckpoint> checkpoints = {}) {
    if (auto s = write_batch(sink, std::move(events), std::move(checkpoints)); !s.ok()) return s;
    return sink.commit();
}

// The stored checkpoints, by file path.
inline std::map<std::string, FileCheckpoint> checkpoints_by_path(CheckpointSource& source) {
    auto loaded = source.load_checkpoints();
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().message);
    std::map<std::string, FileCheckpoint> out;
    if (loaded.ok()) {
        for (auto& cp : *loaded) out[cp.path] = cp;
    }
    return out;
}

// A UsageRow with owned strings.
struct StoredRow {
    TimestampUs ts = 0;
    std::string session, agent, project, cwd, model;
    int64_t in = 0, out = 0, w5 = 0, w1 = 0, read = 0, web_search = 0;
    bool us_geo = false, sidechain = false;
    std::optional<double> reported_cost;
    bool operator==(const StoredRow&) const = default;
};

// Every usage row the store returns for `filter`, oldest first.
inline std::vector<StoredRow> scan_rows(UsageReader& store, const UsageFilter& filter = {}) {
    std::vector<StoredRow> rows;
    const Status s = store.scan_usage(filter, [&](const UsageRow& r) {
        rows.push_back({r.ts, std::string(r.session_id), std::string(r.agent_id),
                        std::string(r.project), std::string(r.cwd), std::string(r.model),
                        r.tokens.input, r.tokens.output, r.tokens.cache_write_5m,
                        r.tokens.cache_write_1h, r.tokens.cache_read, r.web_search_requests,
                        r.us_inference_geo, r.is_sidechain, r.reported_cost_usd});
    });
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    std::sort(rows.begin(), rows.end(),
              [](const StoredRow& a, const StoredRow& b) { return a.ts < b.ts; });
    return rows;
}

}  // namespace agent_trace::testing_support
