#include "store/sqlite/sqlite_store.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "store/sqlite/event_reads.hpp"
#include "store/sqlite/fused_index_sqlite.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_handle.hpp"
#include "store/sqlite/status_queries.hpp"
#include "store/sqlite/wal_checkpointer.hpp"

namespace agent_trace {
namespace {

using sqlite::Statement;

// Copies of one model call: every count is the largest seen, and the copy
// that wins (largest output, main over sidechain, later, then session id)
// decides attribution. Same rule as the transcript importer.
constexpr const char* kBetterCopy =
    "(excluded.output_tokens > output_tokens OR (excluded.output_tokens = output_tokens AND ("
    "excluded.is_sidechain < is_sidechain OR (excluded.is_sidechain = is_sidechain AND ("
    "excluded.ts > ts OR (excluded.ts = ts AND "
    "coalesce(excluded.session_id, '') < coalesce(session_id, '')))))))";

std::string upsert_event_sql() {
    std::string sql = R"sql(
INSERT INTO events (event_id, source, kind, ts, ingest_ts, session_id, agent_id, prompt_id,
    message_id, request_id, tool_use_id, parent_uuid, user, host, project, cwd, git_branch,
    app_version, model, input_tokens, output_tokens, cache_write_5m_tokens,
    cache_write_1h_tokens, cache_read_tokens, cost_usd, cost_source, tool_name, duration_ms,
    success, error, is_sidechain, tier, attrs)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
    ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33)
ON CONFLICT (event_id) DO UPDATE SET
    input_tokens = max(input_tokens, excluded.input_tokens),
    output_tokens = max(output_tokens, excluded.output_tokens),
    cache_write_5m_tokens = max(cache_write_5m_tokens, excluded.cache_write_5m_tokens),
    cache_write_1h_tokens = max(cache_write_1h_tokens, excluded.cache_write_1h_tokens),
    cache_read_tokens = max(cache_read_tokens, excluded.cache_read_tokens))sql";
    for (const char* column :
         {"ts", "session_id", "agent_id", "request_id", "parent_uuid", "project", "cwd",
          "git_branch", "app_version", "model", "is_sidechain", "attrs"}) {
        sql += ",\n    ";
        sql += column;
        sql += " = CASE WHEN ";
        sql += kBetterCopy;
        sql += " THEN excluded.";
        sql += column;
        sql += " ELSE ";
        sql += column;
        sql += " END";
    }
    sql += "\nWHERE kind = 'api_request' AND source = excluded.source";
    return sql;
}

constexpr const char* kUpsertCheckpoint = R"sql(
INSERT OR REPLACE INTO import_files (path, device, inode, size, mtime_ns, byte_offset, head_hash,
    head_length, lines, malformed_lines, oversized_lines, incomplete_lines, decoder_version,
    error, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
)sql";

// A whole-history report reads most rows: a sequential table scan beats an
// index walk that jumps into the table for every row.
std::string usage_select(const UsageFilter& filter) {
    // Reports that never look at who/where skip four text columns per row.
    return std::string("SELECT ts, ") +
           (filter.with_identity ? "session_id, agent_id, project, cwd, " : "'', '', '', '', ") +
           "model, input_tokens, output_tokens, cache_write_5m_tokens, cache_write_1h_tokens, "
           "cache_read_tokens, is_sidechain, cost_usd, cost_source, attrs FROM events ";
}

// Only the clauses a filter needs: every term is evaluated for every row.
std::string transcript_where(const UsageFilter& filter, std::string_view kind) {
    std::string where = " WHERE kind = '" + std::string(kind) + "' AND source = 'transcript'";
    if (filter.since) where += " AND ts >= ?1";
    if (filter.until) where += " AND ts < ?2";
    if (!filter.project.empty()) where += " AND (project = ?3 OR cwd = ?3)";
    return where;
}

// Binds what transcript_where() asked for.
void bind_filter(Statement& stmt, const UsageFilter& filter) {
    if (filter.since) stmt.bind_int(1, *filter.since);
    if (filter.until) stmt.bind_int(2, *filter.until);
    if (!filter.project.empty()) stmt.bind_text(3, filter.project);
}

int64_t to_db(uint64_t v) { return std::bit_cast<int64_t>(v); }
uint64_t from_db(int64_t v) { return std::bit_cast<uint64_t>(v); }

// attrs is '{}' for nearly every call; only then is it worth a JSON lookup.
int64_t attr_int(std::string_view attrs, std::string_view key) {
    const std::string needle = "\"" + std::string(key) + "\":";
    const size_t at = attrs.find(needle);
    if (at == std::string_view::npos) return 0;
    int64_t v = 0;
    for (size_t i = at + needle.size(); i < attrs.size() && attrs[i] >= '0' && attrs[i] <= '9';
         ++i) {
        v = v * 10 + (attrs[i] - '0');
    }
    return v;
}

constexpr int64_t kRowsPerScanThread = 20000;
constexpr int kBusyTimeoutMs = 10'000;
// Reads go through a mapping of the file rather than copies into the page cache.
constexpr const char* kMmapPragma = "PRAGMA mmap_size=1073741824;";

// Events per source and minute of arrival (source_ingest_minutes, migration 0004):
// two hours are kept, so that "the last hour" is a sum over at most 61 rows.
constexpr TimestampUs kMinuteUs = 60LL * 1000 * 1000;
constexpr int64_t kIngestMinutesKept = 120;
constexpr size_t kSourceCount = static_cast<size_t>(Source::git) + 1;

constexpr const char* kUpsertSourceStats = R"sql(
INSERT INTO source_stats (source, events_total, last_event_ts, last_ingest_ts)
VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (source) DO UPDATE SET
    events_total = events_total + excluded.events_total,
    last_event_ts = max(last_event_ts, excluded.last_event_ts),
    last_ingest_ts = max(last_ingest_ts, excluded.last_ingest_ts)
)sql";

constexpr const char* kUpsertSourceMinute = R"sql(
INSERT INTO source_ingest_minutes (source, minute, events) VALUES (?1, ?2, ?3)
ON CONFLICT (source, minute) DO UPDATE SET events = events + excluded.events
)sql";

// Stores made before migration 0004 and opened read-only (never migrated) have no
// counters: they are scanned.
constexpr const char* kSourceActivityScan =
    "SELECT source, SUM(ingest_ts >= ?1), COUNT(*), MAX(ingest_ts), MAX(ts) "
    "FROM events GROUP BY source ORDER BY source";

// What one batch added for one source, folded into the counters at its end: a few
// upserts per batch instead of one per event.
struct SourceTally {
    uint64_t events = 0;
    TimestampUs last_event_ts = std::numeric_limits<TimestampUs>::min();
    TimestampUs last_ingest_ts = std::numeric_limits<TimestampUs>::min();
    std::vector<std::pair<int64_t, uint64_t>> minutes;  // (ingest minute, events)

    void add(const Event& e) {
        ++events;
        last_event_ts = std::max(last_event_ts, e.ts);
        last_ingest_ts = std::max(last_ingest_ts, e.ingest_ts);
        const int64_t minute = e.ingest_ts / kMinuteUs;
        // A batch arrives within a minute or two: the last entry nearly always matches.
        for (size_t i = minutes.size(); i-- > 0;) {
            if (minutes[i].first == minute) {
                ++minutes[i].second;
                return;
            }
        }
        minutes.emplace_back(minute, 1);
    }
};

struct SeqRange {
    int64_t begin;
    int64_t end;  // exclusive
};

// Reads usage rows through `db`, optionally only those with seq in `range`.
Status scan_usage_on(sqlite3* db, const UsageFilter& filter, std::optional<SeqRange> range,
                     const std::function<void(const UsageRow&)>& visit) {
    const bool whole_history = !filter.since && !filter.until;
    std::string sql = usage_select(filter);
    // A whole-history scan reads the table in order ("+kind" keeps the planner off
    // the kind index; a seq range then walks the rowid directly).
    if (whole_history && !range) sql += "NOT INDEXED";
    std::string where = transcript_where(filter, "api_request");
    if (range) {
        where.replace(where.find("kind ="), 6, "+kind =");
        where += " AND seq >= ?4 AND seq < ?5";
    }
    auto stmt = Statement::prepare(db, sql + where);
    if (!stmt) return stmt.error();
    bind_filter(*stmt, filter);
    if (range) {
        stmt->bind_int(4, range->begin);
        stmt->bind_int(5, range->end);
    }
    int rc = 0;
    UsageRow row;
    while ((rc = stmt->step()) == SQLITE_ROW) {
        row.ts = stmt->column_int(0);
        row.session_id = stmt->column_text(1);
        row.agent_id = stmt->column_text(2);
        row.project = stmt->column_text(3);
        row.cwd = stmt->column_text(4);
        row.model = stmt->column_text(5);
        row.tokens.input = stmt->column_int(6);
        row.tokens.output = stmt->column_int(7);
        row.tokens.cache_write_5m = stmt->column_int(8);
        row.tokens.cache_write_1h = stmt->column_int(9);
        row.tokens.cache_read = stmt->column_int(10);
        row.is_sidechain = stmt->column_int(11) != 0;
        row.reported_cost_usd.reset();
        if (!stmt->column_is_null(12) && stmt->column_text(13) == "reported") {
            row.reported_cost_usd = stmt->column_double(12);
        }
        const std::string_view attrs = stmt->column_text(14);
        row.web_search_requests = 0;
        row.us_inference_geo = false;
        if (attrs.size() > 2) {
            row.web_search_requests = attr_int(attrs, "web_search_requests");
            row.us_inference_geo = attrs.find(R"("inference_geo":"us")") != std::string_view::npos;
        }
        visit(row);
    }
    if (rc != SQLITE_DONE) return make_error("reading usage: " + sqlite::last_error(db));
    return Ok{};
}

// A read-only connection for a scan thread.
Result<sqlite::DbPtr> open_reader(const std::string& path) {
    auto db = sqlite::open_connection(path, SQLITE_OPEN_READONLY, kBusyTimeoutMs);
    if (!db) return db.error();
    const std::string pragmas = std::string(kMmapPragma) + " PRAGMA cache_size=-16384;";
    if (auto s = sqlite::exec(db->get(), pragmas.c_str()); !s) return s.error();
    return db;
}

class SqliteStore final : public Store {
public:
    SqliteStore(sqlite::DbPtr db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}

    Status init(bool read_only = false) {
        if (read_only) return init_reader();
        if (auto s = sqlite::exec(
                db_.get(),
                "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
                "PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=2048;");
            !s) {
            return s;
        }
        if (auto s = sqlite::exec(db_.get(), kMmapPragma); !s) {
            return s;
        }
        if (auto s = migrate(); !s) return s;
        auto upsert = Statement::prepare(db_.get(), upsert_event_sql());
        if (!upsert) return upsert.error();
        upsert_event_ = std::move(*upsert);
        auto checkpoint = Statement::prepare(db_.get(), kUpsertCheckpoint);
        if (!checkpoint) return checkpoint.error();
        upsert_checkpoint_ = std::move(*checkpoint);
        auto forget = Statement::prepare(
            db_.get(), "DELETE FROM import_files WHERE path = ?1 AND error <> ''");
        if (!forget) return forget.error();
        forget_failed_ = std::move(*forget);
        for (auto [statement, sql] :
             {std::pair{&upsert_source_stats_, kUpsertSourceStats},
              std::pair{&upsert_source_minute_, kUpsertSourceMinute},
              std::pair{&prune_source_minutes_,
                        "DELETE FROM source_ingest_minutes WHERE minute < ?1"}}) {
            auto prepared = Statement::prepare(db_.get(), sql);
            if (!prepared) return prepared.error();
            *statement = std::move(*prepared);
        }
        fused_ = std::make_unique<sqlite::FusedIndexTables>(db_.get());
        return Ok{};
    }

    // A query-only connection: no schema changes, no locks taken at open.
    Status init_reader() {
        const std::string pragmas = std::string(kMmapPragma) + " PRAGMA cache_size=-16384;";
        if (auto s = sqlite::exec(db_.get(), pragmas.c_str()); !s) return s;
        fused_ = std::make_unique<sqlite::FusedIndexTables>(db_.get());
        read_only_ = true;
        return Ok{};
    }

    [[nodiscard]] std::string describe() const override { return "sqlite:" + path_; }

    Status set_synchronous_full() { return sqlite::exec(db_.get(), "PRAGMA synchronous=FULL"); }

    Status write(ImportBatch& batch) override {
        if (!checkpointer_) {
            // A bulk writer: checkpoint in the background from now on.
            (void)sqlite::exec(db_.get(), "PRAGMA wal_autocheckpoint=0");
            checkpointer_ = std::make_unique<sqlite::WalCheckpointer>(path_);
        }
        if (!in_transaction_) {
            if (auto s = sqlite::exec(db_.get(), "BEGIN IMMEDIATE"); !s) return s;
            in_transaction_ = true;
        }
        auto status = write_rows(batch);
        if (!status) {
            (void)sqlite::exec(db_.get(), "ROLLBACK");
            in_transaction_ = false;
        }
        return status;
    }

    Status commit() override {
        if (!in_transaction_) return Ok{};
        in_transaction_ = false;
        auto status = sqlite::exec(db_.get(), "COMMIT");
        if (!status) {
            (void)sqlite::exec(db_.get(), "ROLLBACK");
            return status;
        }
        if (checkpointer_) checkpointer_->poke();
        return status;
    }

    Status write_events(std::span<const Event> events) override {
        if (in_transaction_) return make_error("write_events during an open import transaction");
        if (auto s = sqlite::exec(db_.get(), "BEGIN IMMEDIATE"); !s) return s;
        ImportBatch batch;
        batch.events.assign(events.begin(), events.end());
        auto status = write_rows(batch);
        if (status) {
            status = sqlite::exec(db_.get(), "COMMIT");
        }
        if (!status) (void)sqlite::exec(db_.get(), "ROLLBACK");
        return status;
    }

    // "Since" is counted in whole minutes: the minute `since` falls in is included.
    Result<std::vector<SourceActivity>> source_activity(TimestampUs since) override {
        const bool counted = has_table("source_stats");
        auto stmt = Statement::prepare(db_.get(),
                                       counted ? sqlite::kSourceActivitySql : kSourceActivityScan);
        if (!stmt) return stmt.error();
        if (counted) {
            stmt->bind_int(1, since / kMinuteUs);
        } else {
            stmt->bind_int(1, since);
        }
        std::vector<SourceActivity> out;
        int rc = 0;
        while ((rc = stmt->step()) == SQLITE_ROW) {
            SourceActivity a;
            a.source = std::string(stmt->column_text(0));
            a.events_since = from_db(stmt->column_int(1));
            a.events_total = from_db(stmt->column_int(2));
            a.last_ingest_ts = stmt->column_int(3);
            a.last_event_ts = stmt->column_int(4);
            out.push_back(std::move(a));
        }
        if (rc != SQLITE_DONE) return sqlite::error_from(db_.get(), "reading activity");
        return out;
    }

    Result<ActiveSessions> active_sessions(TimestampUs since, size_t limit) override {
        auto stmt = Statement::prepare(db_.get(), sqlite::active_sessions_sql());
        if (!stmt) return stmt.error();
        stmt->bind_int(1, since);
        ActiveSessions out;
        int rc = 0;
        while ((rc = stmt->step()) == SQLITE_ROW) {
            if (out.session_ids.size() < limit) out.session_ids.emplace_back(stmt->column_text(0));
            ++out.count;
        }
        if (rc != SQLITE_DONE) return sqlite::error_from(db_.get(), "reading active sessions");
        return out;
    }

    Status scan_metric_points(const MetricFilter& filter,
                              const std::function<void(const MetricPoint&)>& visit) override {
        std::string sql =
            "SELECT ts, json_extract(attrs, '$.start_ts'), json_extract(attrs, '$.metric'), "
            "json_extract(attrs, '$.series'), json_extract(attrs, '$.temporality'), session_id, "
            "model, json_extract(attrs, '$.type'), json_extract(attrs, '$.value') "
            "FROM events WHERE kind = 'metric' AND source = 'otel'";
        if (filter.until) sql += " AND ts < ?1";
        if (!filter.session_id.empty()) sql += " AND session_id = ?2";
        sql += " ORDER BY ts, rowid";
        auto stmt = Statement::prepare(db_.get(), sql.c_str());
        if (!stmt) return stmt.error();
        if (filter.until) stmt->bind_int(1, *filter.until);
        if (!filter.session_id.empty()) stmt->bind_text(2, filter.session_id);
        int rc = 0;
        while ((rc = stmt->step()) == SQLITE_ROW) {
            MetricPoint p;
            p.ts = stmt->column_int(0);
            p.start_ts = stmt->column_int(1);
            p.metric = stmt->column_text(2);
            p.series = stmt->column_text(3);
            p.temporality = stmt->column_text(4);
            p.session_id = stmt->column_text(5);
            p.model = stmt->column_text(6);
            p.type = stmt->column_text(7);
            p.value = stmt->column_double(8);
            visit(p);
        }
        if (rc != SQLITE_DONE) return sqlite::error_from(db_.get(), "reading metric points");
        return Ok{};
    }

    ~SqliteStore() override {
        // Anything written but not committed is dropped: the next import redoes it.
        if (in_transaction_) (void)sqlite::exec(db_.get(), "ROLLBACK");
    }

    Result<std::vector<FileCheckpoint>> load_checkpoints() override {
        auto stmt = Statement::prepare(
            db_.get(),
            "SELECT path, device, inode, size, mtime_ns, byte_offset, head_hash, head_length, "
            "lines, malformed_lines, oversized_lines, incomplete_lines, decoder_version, error "
            "FROM import_files");
        if (!stmt) return stmt.error();
        std::vector<FileCheckpoint> out;
        int rc = 0;
        while ((rc = stmt->step()) == SQLITE_ROW) {
            FileCheckpoint cp;
            cp.path = std::string(stmt->column_text(0));
            cp.device = from_db(stmt->column_int(1));
            cp.inode = from_db(stmt->column_int(2));
            cp.size = from_db(stmt->column_int(3));
            cp.mtime_ns = stmt->column_int(4);
            cp.offset = from_db(stmt->column_int(5));
            cp.head_hash = from_db(stmt->column_int(6));
            cp.head_length = static_cast<uint32_t>(stmt->column_int(7));
            cp.lines = from_db(stmt->column_int(8));
            cp.malformed_lines = from_db(stmt->column_int(9));
            cp.oversized_lines = from_db(stmt->column_int(10));
            cp.incomplete_lines = from_db(stmt->column_int(11));
            cp.decoder_version = static_cast<int>(stmt->column_int(12));
            cp.error = std::string(stmt->column_text(13));
            out.push_back(std::move(cp));
        }
        if (rc != SQLITE_DONE)
            return make_error("reading checkpoints: " + sqlite::last_error(db_.get()));
        return out;
    }

    Status scan_usage(const UsageFilter& filter,
                      const std::function<void(const UsageRow&)>& visit) override {
        return scan_usage_on(db_.get(), filter, std::nullopt, visit);
    }

    Status scan_usage_parallel(const UsageFilter& filter, size_t max_parts,
                               const std::function<void(size_t)>& prepare,
                               const std::function<void(size_t, const UsageRow&)>& visit) override {
        // Slices are ranges of seq (storage order); small stores are not worth a thread.
        auto bounds = Statement::prepare(db_.get(), "SELECT min(seq), max(seq) FROM events");
        if (!bounds) return bounds.error();
        if (bounds->step() != SQLITE_ROW) return make_error(sqlite::last_error(db_.get()));
        const int64_t first = bounds->column_int(0);
        const int64_t last = bounds->column_int(1);
        const auto parts = static_cast<int64_t>(std::max<size_t>(max_parts, 1));
        if (parts == 1 || last - first < kRowsPerScanThread * parts) {
            return UsageReader::scan_usage_parallel(filter, 1, prepare, visit);
        }
        prepare(static_cast<size_t>(parts));
        const int64_t step = (last - first) / parts + 1;
        std::vector<Status> results(static_cast<size_t>(parts), Ok{});
        std::vector<std::thread> threads;
        threads.reserve(static_cast<size_t>(parts - 1));
        for (int64_t p = 1; p < parts; ++p) {
            threads.emplace_back([&, p] {
                const auto part = static_cast<size_t>(p);
                auto reader = open_reader(path_);
                if (!reader) {
                    results[part] = reader.error();
                    return;
                }
                const SeqRange range{first + p * step, first + (p + 1) * step};
                results[part] = scan_usage_on(reader->get(), filter, range,
                                              [&](const UsageRow& row) { visit(part, row); });
            });
        }
        results[0] = scan_usage_on(db_.get(), filter, SeqRange{first, first + step},
                                   [&](const UsageRow& row) { visit(0, row); });
        for (auto& t : threads) t.join();
        for (const Status& r : results) {
            if (!r.ok()) return r;
        }
        return Ok{};
    }

    Status scan_sessions(const UsageFilter& filter,
                         const std::function<void(const SessionMarker&)>& visit) override {
        auto stmt = Statement::prepare(db_.get(), "SELECT ts, session_id, project FROM events" +
                                                      transcript_where(filter, "session_start"));
        if (!stmt) return stmt.error();
        bind_filter(*stmt, filter);
        int rc = 0;
        while ((rc = stmt->step()) == SQLITE_ROW) {
            SessionMarker marker;
            marker.ts = stmt->column_int(0);
            marker.session_id = stmt->column_text(1);
            marker.project = stmt->column_text(2);
            visit(marker);
        }
        if (rc != SQLITE_DONE) {
            return make_error("reading sessions: " + sqlite::last_error(db_.get()));
        }
        return Ok{};
    }

    Result<ImportHealth> import_health() override {
        auto stmt = Statement::prepare(
            db_.get(),
            "SELECT count(*), coalesce(sum(malformed_lines),0), coalesce(sum(oversized_lines),0), "
            "coalesce(sum(incomplete_lines),0), coalesce(sum(error <> ''),0) FROM import_files");
        if (!stmt) return stmt.error();
        if (stmt->step() != SQLITE_ROW) return make_error(sqlite::last_error(db_.get()));
        ImportHealth h;
        h.files = from_db(stmt->column_int(0));
        h.malformed_lines = from_db(stmt->column_int(1));
        h.oversized_lines = from_db(stmt->column_int(2));
        h.incomplete_lines = from_db(stmt->column_int(3));
        h.files_unreadable = from_db(stmt->column_int(4));
        return h;
    }

    Result<std::vector<StaleSession>> stale_sessions(size_t limit) override {
        return fused_->stale_sessions(limit);
    }
    Status put_fused_session(const FusedSession& fused, int64_t generation) override {
        return fused_->put_fused_session(fused, generation);
    }
    Status ensure_fusion_version(int version) override {
        return fused_->ensure_fusion_version(version);
    }
    Result<SessionPage> list_sessions(const SessionListQuery& query) override {
        return fused_->list_sessions(query);
    }
    Result<uint64_t> count_sessions(const SessionListQuery& query) override {
        return fused_->count_sessions(query);
    }
    Result<ToolFailurePage> list_tool_failures(const ToolFailureQuery& query) override {
        return fused_->list_tool_failures(query);
    }
    Result<std::optional<FusedSessionRow>> find_session(std::string_view session_id) override {
        return fused_->find_session(session_id);
    }
    Result<std::vector<std::string>> session_ids_with_prefix(std::string_view prefix,
                                                             size_t limit) override {
        return fused_->session_ids_with_prefix(prefix, limit);
    }
    Status scan_fused_usage(const AnalyticsFilter& filter,
                            const std::function<void(const FusedUsageRow&)>& visit) override {
        return fused_->scan_fused_usage(filter, visit);
    }
    Status scan_fused_calls(const AnalyticsFilter& filter,
                            const std::function<void(const FusedCallRow&)>& visit) override {
        return fused_->scan_fused_calls(filter, visit);
    }
    Status scan_fused_tools(const AnalyticsFilter& filter,
                            const std::function<void(const FusedToolRow&)>& visit) override {
        return fused_->scan_fused_tools(filter, visit);
    }

    Status scan_session_events(std::string_view session_id,
                               const std::function<void(Event&&)>& visit) override {
        return event_reads_.scan_session_events(session_id, visit);
    }
    Status scan_events_after(int64_t after_seq, const EventFeedFilter& filter, size_t limit,
                             const std::function<void(int64_t, const Event&)>& visit) override {
        return event_reads_.scan_events_after(after_seq, filter, limit, visit);
    }
    Result<int64_t> last_event_seq() override { return event_reads_.last_event_seq(); }
    Result<int64_t> seq_before_last(int64_t up_to_seq, const EventFeedFilter& filter,
                                    size_t count) override {
        return event_reads_.seq_before_last(up_to_seq, filter, count);
    }

private:
    bool has_table(const char* name) {
        auto stmt = Statement::prepare(
            db_.get(), "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
        if (!stmt) return false;
        stmt->bind_text_always(1, name);
        return stmt->step() == SQLITE_ROW;
    }

    Status migrate() {
        if (auto s = sqlite::exec(db_.get(),
                                  "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                  "name TEXT PRIMARY KEY NOT NULL, applied_at INTEGER NOT NULL)");
            !s) {
            return s;
        }
        for (const Migration& m : sqlite_migrations()) {
            if (auto s = sqlite::exec(db_.get(), "BEGIN IMMEDIATE"); !s) return s;
            auto check =
                Statement::prepare(db_.get(), "SELECT 1 FROM schema_migrations WHERE name = ?1");
            if (!check) return check.error();
            check->bind_text(1, m.name);
            const bool applied = check->step() == SQLITE_ROW;
            if (!applied) {
                if (auto s = sqlite::exec(db_.get(), m.sql); !s) {
                    (void)sqlite::exec(db_.get(), "ROLLBACK");
                    return make_error(std::string("migration ") + m.name + ": " +
                                      s.error().message);
                }
                auto record = Statement::prepare(
                    db_.get(), "INSERT INTO schema_migrations (name, applied_at) VALUES (?1, ?2)");
                if (!record) return record.error();
                record->bind_text(1, m.name);
                record->bind_int(2, now_us());
                if (record->step() != SQLITE_DONE) {
                    (void)sqlite::exec(db_.get(), "ROLLBACK");
                    return make_error("recording migration: " + sqlite::last_error(db_.get()));
                }
            }
            if (auto s = sqlite::exec(db_.get(), "COMMIT"); !s) return s;
        }
        return Ok{};
    }

    // Folds a batch's new rows into source_stats and source_ingest_minutes (same
    // transaction), and drops minutes no report reads any more.
    Status count_added(const std::array<SourceTally, kSourceCount>& added) {
        const int64_t now_minute = now_us() / kMinuteUs;
        const int64_t oldest_kept = now_minute - kIngestMinutesKept;
        for (size_t i = 0; i < added.size(); ++i) {
            const SourceTally& tally = added[i];
            if (tally.events == 0) continue;
            const std::string_view source = to_string(static_cast<Source>(i));
            Statement& stats = upsert_source_stats_;
            stats.reset();
            stats.bind_text_always(1, source);
            stats.bind_int(2, to_db(tally.events));
            stats.bind_int(3, tally.last_event_ts);
            stats.bind_int(4, tally.last_ingest_ts);
            if (stats.step() != SQLITE_DONE) {
                return sqlite::error_from(db_.get(), "counting events per source");
            }
            for (const auto& [minute, events] : tally.minutes) {
                if (minute < oldest_kept) continue;  // outside every report already
                Statement& per_minute = upsert_source_minute_;
                per_minute.reset();
                per_minute.bind_text_always(1, source);
                per_minute.bind_int(2, minute);
                per_minute.bind_int(3, to_db(events));
                if (per_minute.step() != SQLITE_DONE) {
                    return sqlite::error_from(db_.get(), "counting events per minute");
                }
            }
        }
        if (now_minute != pruned_at_minute_) {
            prune_source_minutes_.reset();
            prune_source_minutes_.bind_int(1, oldest_kept);
            if (prune_source_minutes_.step() != SQLITE_DONE) {
                return sqlite::error_from(db_.get(), "pruning events per minute");
            }
            pruned_at_minute_ = now_minute;
        }
        return Ok{};
    }

    Status write_rows(ImportBatch& batch) {
        if (read_only_) return make_error(path_ + " is open read-only");
        Statement& st = upsert_event_;
        std::array<SourceTally, kSourceCount> added;
        for (const Event& e : batch.events) {
            if (auto valid = validate(e); !valid) {
                return make_error("invalid event from " + std::string(to_string(e.source)) + ": " +
                                  valid.error().message);
            }
            st.reset();
            st.bind_blob(1, e.event_id.bytes.data(), static_cast<int>(e.event_id.bytes.size()));
            st.bind_text(2, to_string(e.source));
            st.bind_text(3, to_string(e.kind));
            st.bind_int(4, e.ts);
            st.bind_int(5, e.ingest_ts);
            st.bind_text(6, e.session_id);
            st.bind_text(7, e.agent_id);
            st.bind_text(8, e.prompt_id);
            st.bind_text(9, e.message_id);
            st.bind_text(10, e.request_id);
            st.bind_text(11, e.tool_use_id);
            st.bind_text(12, e.parent_uuid);
            st.bind_text(13, e.user);
            st.bind_text(14, e.host);
            st.bind_text(15, e.project);
            st.bind_text(16, e.cwd);
            st.bind_text(17, e.git_branch);
            st.bind_text(18, e.app_version);
            st.bind_text(19, e.model);
            st.bind_int(20, e.input_tokens);
            st.bind_int(21, e.output_tokens);
            st.bind_int(22, e.cache_write_5m_tokens);
            st.bind_int(23, e.cache_write_1h_tokens);
            st.bind_int(24, e.cache_read_tokens);
            if (e.cost_usd) st.bind_double(25, *e.cost_usd);
            if (e.cost_source != CostSource::none) st.bind_text(26, to_string(e.cost_source));
            st.bind_text(27, e.tool_name);
            if (e.duration_ms) st.bind_int(28, *e.duration_ms);
            if (e.success) st.bind_int(29, *e.success ? 1 : 0);
            st.bind_text(30, e.error);
            st.bind_int(31, e.is_sidechain ? 1 : 0);
            st.bind_int(32, e.tier);
            st.bind_text_always(33, e.attrs);
            // Only an insert sets the rowid (seq >= 1); a second copy that is merged
            // (the upsert's UPDATE) or ignored leaves it at 0.
            sqlite3_set_last_insert_rowid(db_.get(), 0);
            if (st.step() != SQLITE_DONE) {
                return sqlite::error_from(db_.get(), "storing event");
            }
            // A new row (not a second copy): counted, and its content becomes searchable.
            if (const int64_t rowid = sqlite3_last_insert_rowid(db_.get()); rowid != 0) {
                added[static_cast<size_t>(e.source)].add(e);
                if (e.tier >= 2) {
                    if (auto s = fused_->index_text(e, rowid); !s) return s;
                }
            }
        }
        if (auto s = count_added(added); !s) return s;
        if (auto s = fused_->mark_stale(batch.events); !s) return s;
        for (const std::string& path : batch.forgotten) {
            forget_failed_.reset();
            forget_failed_.bind_text_always(1, path);
            if (forget_failed_.step() != SQLITE_DONE) {
                return make_error("forgetting " + path + ": " + sqlite::last_error(db_.get()));
            }
        }
        Statement& cp = upsert_checkpoint_;
        const TimestampUs now = now_us();
        for (const FileCheckpoint& c : batch.checkpoints) {
            cp.reset();
            cp.bind_text_always(1, c.path);
            cp.bind_int(2, to_db(c.device));
            cp.bind_int(3, to_db(c.inode));
            cp.bind_int(4, to_db(c.size));
            cp.bind_int(5, c.mtime_ns);
            cp.bind_int(6, to_db(c.offset));
            cp.bind_int(7, to_db(c.head_hash));
            cp.bind_int(8, c.head_length);
            cp.bind_int(9, to_db(c.lines));
            cp.bind_int(10, to_db(c.malformed_lines));
            cp.bind_int(11, to_db(c.oversized_lines));
            cp.bind_int(12, to_db(c.incomplete_lines));
            cp.bind_int(13, c.decoder_version);
            cp.bind_text_always(14, c.error);
            cp.bind_int(15, now);
            if (cp.step() != SQLITE_DONE) {
                return sqlite::error_from(db_.get(), "storing checkpoint");
            }
        }
        return Ok{};
    }

    sqlite::DbPtr db_;
    std::string path_;
    Statement upsert_event_;
    Statement upsert_checkpoint_;
    Statement forget_failed_;
    Statement upsert_source_stats_;
    Statement upsert_source_minute_;
    Statement prune_source_minutes_;
    int64_t pruned_at_minute_ = 0;  // source_ingest_minutes was last pruned in this minute
    std::unique_ptr<sqlite::FusedIndexTables> fused_;
    sqlite::EventReads event_reads_{db_.get()};
    bool in_transaction_ = false;
    bool read_only_ = false;
    // Declared last: stopped before the connection above closes.
    std::unique_ptr<sqlite::WalCheckpointer> checkpointer_;
};

}  // namespace

namespace sqlite {

const char* const kSourceActivitySql =
    "SELECT s.source, (SELECT coalesce(sum(m.events), 0) FROM source_ingest_minutes m "
    "WHERE m.source = s.source AND m.minute >= ?1), s.events_total, s.last_ingest_ts, "
    "s.last_event_ts FROM source_stats s ORDER BY s.source";

std::string active_sessions_sql() {
    // Every kind named, so that the (kind, ts) index serves the time range: one short
    // index range per kind (the events of the last minutes) instead of a scan of the
    // table. INDEXED BY keeps it so whatever statistics the planner may get later.
    std::string kinds;
    for (int k = 0; k <= static_cast<int>(EventKind::api_error); ++k) {
        kinds += std::string(kinds.empty() ? "'" : ", '") +
                 std::string(to_string(static_cast<EventKind>(k))) + "'";
    }
    // A session that ended and then resumed (SessionStart again, or a new prompt) is
    // live again; one whose end came after its last start or prompt is not.
    return "SELECT session_id, MAX(ts) AS last FROM events INDEXED BY events_kind_ts "
           "WHERE kind IN (" +
           kinds +
           ") AND ts >= ?1 AND session_id IS NOT NULL AND session_id <> '' "
           "GROUP BY session_id HAVING coalesce(MAX(CASE WHEN kind = 'session_end' THEN ts END) "
           ">= MAX(CASE WHEN kind IN ('session_start', 'user_prompt') THEN ts END), "
           "MAX(kind = 'session_end'), 0) = 0 ORDER BY last DESC, session_id";
}

}  // namespace sqlite

// Process-wide settings, applied once before the first connection: no memory
// statistics (they take a global mutex on every allocation SQLite makes).
void configure_sqlite_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        (void)sqlite3_initialize();
    });
}

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path) {
    return open_sqlite_store(path, SqliteStoreOptions{});
}

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const SqliteStoreOptions& options) {
    configure_sqlite_once();
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(parent, ec);
        if (ec) return make_error("cannot create " + parent.string() + ": " + ec.message());
    }
    const int flags =
        options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    auto db = sqlite::open_connection(path, flags, options.busy_timeout_ms);
    if (!db) return db.error();
    auto store = std::make_unique<SqliteStore>(std::move(*db), path);
    if (auto s = store->init(options.read_only); !s)
        return Error{path + ": " + s.error().message, s.error().retryable};
    if (options.durable_commits) {
        if (auto s = store->set_synchronous_full(); !s)
            return Error{path + ": " + s.error().message, s.error().retryable};
    }
    return std::unique_ptr<Store>(std::move(store));
}

}  // namespace agent_trace
