#include "store/sqlite/event_reads.hpp"

#include <algorithm>
#include <cstring>
#include <functional>

namespace agent_trace::sqlite {
namespace {

// seq, then every column in the order of the store's INSERT (?1 .. ?33).
constexpr const char* kEventColumns =
    "SELECT seq, event_id, source, kind, ts, ingest_ts, session_id, agent_id, prompt_id, "
    "message_id, request_id, tool_use_id, parent_uuid, user, host, project, cwd, git_branch, "
    "app_version, model, input_tokens, output_tokens, cache_write_5m_tokens, "
    "cache_write_1h_tokens, cache_read_tokens, cost_usd, cost_source, tool_name, duration_ms, "
    "success, error, is_sidechain, tier, attrs FROM events ";

// How far back from the newest event ?tail=N walks the table row by row before it
// turns to the kind index (a few milliseconds of reading).
constexpr int64_t kTailRecentRows = 50'000;
constexpr size_t kFirstKindParam = 10;

enum class KindTerm : uint8_t { indexed, not_indexed };

// The feed filter as SQL terms: ?2 session, ?3 project, ?10.. the kinds.
std::string feed_terms(const EventFeedFilter& filter, KindTerm kind_term) {
    std::string sql;
    if (!filter.session_id.empty()) sql += " AND session_id = ?2";
    if (!filter.project.empty()) sql += " AND (project = ?3 OR cwd = ?3)";
    if (!filter.kinds.empty()) {
        sql += kind_term == KindTerm::indexed ? " AND kind IN (" : " AND +kind IN (";
        for (size_t i = 0; i < filter.kinds.size(); ++i) {
            sql += i == 0 ? "?" : ", ?";
            sql += std::to_string(kFirstKindParam + i);
        }
        sql += ")";
    }
    return sql;
}

void bind_feed_terms(Statement& stmt, const EventFeedFilter& filter) {
    if (!filter.session_id.empty()) stmt.bind_text_always(2, filter.session_id);
    if (!filter.project.empty()) stmt.bind_text_always(3, filter.project);
    for (size_t i = 0; i < filter.kinds.size(); ++i) {
        stmt.bind_text_always(static_cast<int>(kFirstKindParam + i), to_string(filter.kinds[i]));
    }
}

std::string text(const Statement& stmt, int column) {
    return std::string(stmt.column_text(column));
}

// The row the statement is on, as the canonical event it was stored from.
Status read_event(const Statement& stmt, Event& e) {
    const int64_t seq = stmt.column_int(0);
    auto row_error = [seq](const std::string& what) {
        return make_error("event seq " + std::to_string(seq) + ": " + what);
    };
    const void* id = sqlite3_column_blob(stmt.get(), 1);
    if (id == nullptr || sqlite3_column_bytes(stmt.get(), 1) != 16) {
        return row_error("event_id is not 16 bytes");
    }
    std::memcpy(e.event_id.bytes.data(), id, 16);
    const auto source = parse_source(stmt.column_text(2));
    if (!source) return row_error("unknown source '" + text(stmt, 2) + "'");
    e.source = *source;
    const auto kind = parse_event_kind(stmt.column_text(3));
    if (!kind) return row_error("unknown kind '" + text(stmt, 3) + "'");
    e.kind = *kind;
    e.ts = stmt.column_int(4);
    e.ingest_ts = stmt.column_int(5);
    e.session_id = text(stmt, 6);
    e.agent_id = text(stmt, 7);
    e.prompt_id = text(stmt, 8);
    e.message_id = text(stmt, 9);
    e.request_id = text(stmt, 10);
    e.tool_use_id = text(stmt, 11);
    e.parent_uuid = text(stmt, 12);
    e.user = text(stmt, 13);
    e.host = text(stmt, 14);
    e.project = text(stmt, 15);
    e.cwd = text(stmt, 16);
    e.git_branch = text(stmt, 17);
    e.app_version = text(stmt, 18);
    e.model = text(stmt, 19);
    e.input_tokens = stmt.column_int(20);
    e.output_tokens = stmt.column_int(21);
    e.cache_write_5m_tokens = stmt.column_int(22);
    e.cache_write_1h_tokens = stmt.column_int(23);
    e.cache_read_tokens = stmt.column_int(24);
    e.cost_usd.reset();
    if (!stmt.column_is_null(25)) e.cost_usd = stmt.column_double(25);
    e.cost_source = CostSource::none;
    if (!stmt.column_is_null(26)) {
        const auto cost_source = parse_cost_source(stmt.column_text(26));
        if (!cost_source) return row_error("unknown cost_source '" + text(stmt, 26) + "'");
        e.cost_source = *cost_source;
    }
    e.tool_name = text(stmt, 27);
    e.duration_ms.reset();
    if (!stmt.column_is_null(28)) e.duration_ms = stmt.column_int(28);
    e.success.reset();
    if (!stmt.column_is_null(29)) e.success = stmt.column_int(29) != 0;
    e.error = text(stmt, 30);
    e.is_sidechain = stmt.column_int(31) != 0;
    e.tier = static_cast<uint8_t>(stmt.column_int(32));
    e.attrs = text(stmt, 33);
    return Ok{};
}

}  // namespace

Status EventReads::scan_session_events(std::string_view session_id,
                                       const std::function<void(Event&&)>& visit) {
    if (session_events_.get() == nullptr) {
        // Served by events_session_ts (session_id, ts): its entries end in the rowid.
        auto stmt = Statement::prepare(
            db_, std::string(kEventColumns) + "WHERE session_id = ?1 ORDER BY ts, seq");
        if (!stmt) return stmt.error();
        session_events_ = std::move(*stmt);
    }
    Statement& stmt = session_events_;
    stmt.reset();
    stmt.bind_text_always(1, session_id);
    Event event;
    int rc = 0;
    while ((rc = stmt.step()) == SQLITE_ROW) {
        if (auto s = read_event(stmt, event); !s) {
            stmt.reset();
            return s;
        }
        visit(std::move(event));  // read_event assigns every field of the next row
    }
    stmt.reset();
    if (rc != SQLITE_DONE) return error_from(db_, "reading the events of a session");
    return Ok{};
}

Status EventReads::scan_events_after(int64_t after_seq, const EventFeedFilter& filter, size_t limit,
                                     const std::function<void(int64_t, const Event&)>& visit) {
    if (limit == 0) return Ok{};
    // "+kind": walk the rowid from after_seq rather than every row of the kind.
    const std::string sql = std::string(kEventColumns) + "WHERE seq > ?1" +
                            feed_terms(filter, KindTerm::not_indexed) + " ORDER BY seq LIMIT ?4";
    auto stmt = Statement::prepare(db_, sql);
    if (!stmt) return stmt.error();
    stmt->bind_int(1, after_seq);
    bind_feed_terms(*stmt, filter);
    stmt->bind_int(4, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
    Event event;
    int rc = 0;
    while ((rc = stmt->step()) == SQLITE_ROW) {
        if (auto s = read_event(*stmt, event); !s) return s;
        visit(stmt->column_int(0), event);
    }
    if (rc != SQLITE_DONE) return error_from(db_, "reading events");
    return Ok{};
}

Result<int64_t> EventReads::seq_before_last(int64_t up_to_seq, const EventFeedFilter& filter,
                                            size_t count) {
    if (count == 0 || up_to_seq <= 0) return up_to_seq;
    // The seqs read, newest first: ?1 the newest, ?4 the oldest (exclusive), ?5 how many.
    auto newest = [&](std::string_view index, KindTerm kind_term, int64_t upto, int64_t above,
                      size_t limit, const std::function<void(int64_t)>& visit) -> Status {
        std::string sql = "SELECT seq FROM events ";
        sql += index;
        sql += " WHERE seq <= ?1 AND seq > ?4" + feed_terms(filter, kind_term) +
               " ORDER BY seq DESC LIMIT ?5";
        auto stmt = Statement::prepare(db_, sql);
        if (!stmt) return stmt.error();
        stmt->bind_int(1, upto);
        bind_feed_terms(*stmt, filter);
        stmt->bind_int(4, above);
        stmt->bind_int(5, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
        int rc = 0;
        while ((rc = stmt->step()) == SQLITE_ROW) visit(stmt->column_int(0));
        if (rc != SQLITE_DONE) return error_from(db_, "reading the newest events");
        return Ok{};
    };
    size_t found = 0;
    int64_t first = 0;
    auto note = [&](int64_t seq) {
        ++found;
        first = seq;
    };
    if (!filter.session_id.empty()) {
        // One session's events, all of them from its index, sorted.
        if (auto s = newest("INDEXED BY events_session_ts", KindTerm::not_indexed, up_to_seq, 0,
                            count, note);
            !s) {
            return s.error();
        }
        return found == count ? first - 1 : 0;
    }
    // The newest rows first, walked back through the rowid: most filters find their
    // events there at once. A rarer kind is then found through the (kind, ts) index
    // rather than by reading the rest of the table.
    const int64_t recent_floor = std::max<int64_t>(up_to_seq - kTailRecentRows, 0);
    if (auto s = newest("", KindTerm::not_indexed, up_to_seq, recent_floor, count, note); !s) {
        return s.error();
    }
    if (found < count && recent_floor > 0) {
        if (auto s = newest("", KindTerm::indexed, recent_floor, 0, count - found, note); !s) {
            return s.error();
        }
    }
    return found == count ? first - 1 : 0;
}

Result<int64_t> EventReads::last_event_seq() {
    if (last_seq_.get() == nullptr) {
        auto stmt = Statement::prepare(db_, "SELECT coalesce(max(seq), 0) FROM events");
        if (!stmt) return stmt.error();
        last_seq_ = std::move(*stmt);
    }
    last_seq_.reset();
    const int rc = last_seq_.step();
    if (rc != SQLITE_ROW) {
        last_seq_.reset();
        return error_from(db_, "reading the last event sequence");
    }
    const int64_t seq = last_seq_.column_int(0);
    last_seq_.reset();
    return seq;
}

}  // namespace agent_trace::sqlite

namespace agent_trace {
namespace {

// Owns the connection the reads go through.
class SqliteEventReader final : public EventReader {
public:
    explicit SqliteEventReader(sqlite::DbPtr db) : db_(std::move(db)), reads_(db_.get()) {}

    Status scan_session_events(std::string_view session_id,
                               const std::function<void(Event&&)>& visit) override {
        return reads_.scan_session_events(session_id, visit);
    }
    Status scan_events_after(int64_t after_seq, const EventFeedFilter& filter, size_t limit,
                             const std::function<void(int64_t, const Event&)>& visit) override {
        return reads_.scan_events_after(after_seq, filter, limit, visit);
    }
    Result<int64_t> last_event_seq() override { return reads_.last_event_seq(); }
    Result<int64_t> seq_before_last(int64_t up_to_seq, const EventFeedFilter& filter,
                                    size_t count) override {
        return reads_.seq_before_last(up_to_seq, filter, count);
    }

private:
    sqlite::DbPtr db_;
    sqlite::EventReads reads_;  // after db_: finalized before the connection closes
};

}  // namespace

Result<std::unique_ptr<EventReader>> open_sqlite_event_reader(const std::string& path) {
    auto db = sqlite::open_connection(path, SQLITE_OPEN_READONLY, 10'000);
    if (!db) return db.error();
    if (auto s = sqlite::exec(db->get(), "PRAGMA mmap_size=268435456; PRAGMA cache_size=-8192;");
        !s) {
        return s.error();
    }
    return std::unique_ptr<EventReader>(std::make_unique<SqliteEventReader>(std::move(*db)));
}

}  // namespace agent_trace
