#include "store/sqlite/fused_index_sqlite.hpp"

#include <algorithm>
#include <functional>
#include <string_view>
#include <unordered_set>
#include <variant>

namespace agent_trace::sqlite {
namespace {

// A session only OTEL's start-up records know (sources = 2: kSourceOtel alone), which
// the list hides unless asked. The same text as the predicate of migration 0003's
// partial index fused_sessions_startup_only, so that SQLite can use that index.
constexpr std::string_view kStartupOnly =
    "sources = 2 AND prompts = 0 AND model_calls = 0 AND tool_calls = 0";

constexpr const char* kSessionColumns =
    "session_id, project, cwd, user, host, git_branch, app_version, primary_model, models, "
    "title, first_ts, last_ts, events, prompts, model_calls, tool_calls, tool_errors, "
    "api_errors, subagents, compactions, permission_denials, input_tokens, output_tokens, "
    "cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, cost_usd, "
    "reported_cost_usd, computed_cost_usd, reported_calls, computed_calls, unpriced_calls, "
    "sources, tools_linked_to_prompt, tools_linked_to_call";

FusedSessionRow read_session_row(const Statement& s) {
    FusedSessionRow r;
    int i = 0;
    auto text = [&] { return std::string(s.column_text(i++)); };
    auto integer = [&] { return s.column_int(i++); };
    r.session_id = text();
    r.project = text();
    r.cwd = text();
    r.user = text();
    r.host = text();
    r.git_branch = text();
    r.app_version = text();
    r.primary_model = text();
    r.models = text();
    r.title = text();
    r.first_ts = integer();
    r.last_ts = integer();
    r.events = integer();
    r.prompts = integer();
    r.model_calls = integer();
    r.tool_calls = integer();
    r.tool_errors = integer();
    r.api_errors = integer();
    r.subagents = integer();
    r.compactions = integer();
    r.permission_denials = integer();
    r.tokens.input = integer();
    r.tokens.output = integer();
    r.tokens.cache_write_5m = integer();
    r.tokens.cache_write_1h = integer();
    r.tokens.cache_read = integer();
    r.cost_usd = s.column_double(i++);
    r.reported_cost_usd = s.column_double(i++);
    r.computed_cost_usd = s.column_double(i++);
    r.reported_calls = integer();
    r.computed_calls = integer();
    r.unpriced_calls = integer();
    r.sources = static_cast<uint8_t>(integer());
    r.tools_linked_to_prompt = integer();
    r.tools_linked_to_call = integer();
    return r;
}

void bind_tokens(Statement& s, int first, const TokenCounts& t) {
    s.bind_int(first, t.input);
    s.bind_int(first + 1, t.output);
    s.bind_int(first + 2, t.cache_write_5m);
    s.bind_int(first + 3, t.cache_write_1h);
    s.bind_int(first + 4, t.cache_read);
}

TokenCounts read_tokens(const Statement& s, int first) {
    return {s.column_int(first), s.column_int(first + 1), s.column_int(first + 2),
            s.column_int(first + 3), s.column_int(first + 4)};
}

Status step_done(sqlite3* db, Statement& s, const char* what) {
    if (s.step() != SQLITE_DONE) return error_from(db, what);
    return Ok{};
}

std::string_view sort_column(SessionSort sort) {
    switch (sort) {
        case SessionSort::last_activity:
            return "last_ts";
        case SessionSort::first_activity:
            return "first_ts";
        case SessionSort::cost:
            return "cost_usd";
        case SessionSort::tokens:
            return "total_tokens";
        case SessionSort::calls:
            return "model_calls";
        case SessionSort::duration:
            return "duration_us";
    }
    return "last_ts";
}

double sort_value(const FusedSessionRow& r, SessionSort sort) {
    switch (sort) {
        case SessionSort::last_activity:
            return static_cast<double>(r.last_ts);
        case SessionSort::first_activity:
            return static_cast<double>(r.first_ts);
        case SessionSort::cost:
            return r.cost_usd;
        case SessionSort::tokens:
            return static_cast<double>(r.tokens.total());
        case SessionSort::calls:
            return static_cast<double>(r.model_calls);
        case SessionSort::duration:
            return static_cast<double>(r.last_ts - r.first_ts);
    }
    return 0;
}

// LIKE pattern matching `text` anywhere, with LIKE's wildcards taken literally.
std::string like_anywhere(std::string_view text) {
    std::string out = "%";
    for (char c : text) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += c;
    }
    out += '%';
    return out;
}

// One FTS5 phrase: user text never becomes query syntax.
std::string fts_phrase(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

// WHERE clause and binds shared by the analytics scans (numbered from ?1).
struct AnalyticsWhere {
    std::string sql;
    std::vector<std::variant<int64_t, std::string>> binds;
};

// Appends " AND <clause>" with its ?N (every occurrence) bound to `v`.
void add_clause(AnalyticsWhere& w, std::string clause, std::variant<int64_t, std::string> v) {
    w.binds.push_back(std::move(v));
    const std::string n = "?" + std::to_string(w.binds.size());
    size_t at = 0;
    while ((at = clause.find("?N", at)) != std::string::npos) clause.replace(at, 2, n);
    w.sql += " AND " + clause;
}

AnalyticsWhere analytics_where(const AnalyticsFilter& f, std::string_view ts_column) {
    AnalyticsWhere w;
    w.sql = " WHERE 1 = 1";
    auto add = [&w](std::string clause, std::variant<int64_t, std::string> v) {
        add_clause(w, std::move(clause), std::move(v));
    };
    if (f.since) add(std::string(ts_column) + " >= ?N", *f.since);
    if (f.until) add(std::string(ts_column) + " < ?N", *f.until);
    if (!f.project.empty()) add("project = ?N", f.project);
    if (!f.user.empty()) add("user = ?N", f.user);
    if (!f.model.empty()) add("model = ?N", f.model);
    if (!f.session_id.empty()) add("session_id = ?N", f.session_id);
    return w;
}

void bind_all(Statement& s, const std::vector<std::variant<int64_t, std::string>>& binds) {
    for (size_t i = 0; i < binds.size(); ++i) {
        const int n = static_cast<int>(i + 1);
        if (const auto* v = std::get_if<int64_t>(&binds[i])) {
            s.bind_int(n, *v);
        } else {
            s.bind_text_always(n, std::get<std::string>(binds[i]));
        }
    }
}

}  // namespace

Status FusedIndexTables::mark_stale(std::span<const Event> events) {
    if (mark_stale_.get() == nullptr) {
        auto s = Statement::prepare(
            db_,
            "INSERT INTO fused_stale (session_id, generation) VALUES (?1, 1) "
            "ON CONFLICT (session_id) DO UPDATE SET generation = generation + 1");
        if (!s) return s.error();
        mark_stale_ = std::move(*s);
    }
    // A batch holds one or a few sessions: one statement per distinct session.
    std::unordered_set<std::string_view> done;
    for (const Event& e : events) {
        if (e.session_id.empty() || !done.insert(e.session_id).second) continue;
        mark_stale_.reset();
        mark_stale_.bind_text_always(1, e.session_id);
        if (auto s = step_done(db_, mark_stale_, "marking a session stale"); !s) return s;
    }
    return Ok{};
}

Status FusedIndexTables::index_text(const Event& event, int64_t seq) {
    if (event.tier < 2 || event.session_id.empty()) return Ok{};
    if (index_text_.get() == nullptr) {
        auto s = Statement::prepare(
            db_,
            "INSERT OR REPLACE INTO event_text (rowid, body, session_id) "
            "SELECT ?1, coalesce((SELECT group_concat(value, ' ') FROM json_tree(?2) "
            "WHERE type = 'text'), '') || ' ' || ?3, ?4");
        if (!s) return s.error();
        index_text_ = std::move(*s);
    }
    index_text_.reset();
    index_text_.bind_int(1, seq);
    index_text_.bind_text_always(2, event.attrs);
    index_text_.bind_text_always(3, event.error);
    index_text_.bind_text_always(4, event.session_id);
    return step_done(db_, index_text_, "indexing event text");
}

Result<std::vector<StaleSession>> FusedIndexTables::stale_sessions(size_t limit) {
    auto s = Statement::prepare(db_, "SELECT session_id, generation FROM fused_stale LIMIT ?1");
    if (!s) return s.error();
    s->bind_int(1, static_cast<int64_t>(limit));
    std::vector<StaleSession> out;
    int rc = 0;
    while ((rc = s->step()) == SQLITE_ROW) {
        out.push_back({std::string(s->column_text(0)), s->column_int(1)});
    }
    if (rc != SQLITE_DONE) return error_from(db_, "reading stale sessions");
    return out;
}

Status FusedIndexTables::replace_rows(const FusedSession& fused) {
    const FusedSessionRow& r = fused.session;
    for (const char* table : {"fused_sessions", "fused_usage", "fused_calls", "fused_tools"}) {
        auto del =
            Statement::prepare(db_, std::string("DELETE FROM ") + table + " WHERE session_id = ?1");
        if (!del) return del.error();
        del->bind_text_always(1, r.session_id);
        if (auto s = step_done(db_, *del, "clearing fused rows"); !s) return s;
    }
    if (r.events == 0) return Ok{};  // a session with no events left has no rows
    auto ins = Statement::prepare(
        db_, std::string("INSERT INTO fused_sessions (") + kSessionColumns +
                 ", duration_us, has_errors, total_tokens) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                 "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, "
                 "?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38)");
    if (!ins) return ins.error();
    Statement& s = *ins;
    int i = 1;
    for (const std::string* t : {&r.session_id, &r.project, &r.cwd, &r.user, &r.host, &r.git_branch,
                                 &r.app_version, &r.primary_model, &r.models, &r.title}) {
        s.bind_text_always(i++, *t);
    }
    for (int64_t v :
         {r.first_ts, r.last_ts, r.events, r.prompts, r.model_calls, r.tool_calls, r.tool_errors,
          r.api_errors, r.subagents, r.compactions, r.permission_denials}) {
        s.bind_int(i++, v);
    }
    bind_tokens(s, i, r.tokens);
    i += 5;
    s.bind_double(i++, r.cost_usd);
    s.bind_double(i++, r.reported_cost_usd);
    s.bind_double(i++, r.computed_cost_usd);
    for (int64_t v :
         {r.reported_calls, r.computed_calls, r.unpriced_calls, static_cast<int64_t>(r.sources),
          r.tools_linked_to_prompt, r.tools_linked_to_call, r.last_ts - r.first_ts,
          static_cast<int64_t>(r.has_errors() ? 1 : 0), r.tokens.total()}) {
        s.bind_int(i++, v);
    }
    if (auto st = step_done(db_, s, "storing a fused session"); !st) return st;

    auto usage = Statement::prepare(
        db_,
        "INSERT INTO fused_usage (session_id, bucket_ts, model, project, user, calls, "
        "input_tokens, output_tokens, cache_write_5m_tokens, cache_write_1h_tokens, "
        "cache_read_tokens, cost_usd, reported_cost_usd, computed_cost_usd, unpriced_calls) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    if (!usage) return usage.error();
    for (const FusedUsageRow& u : fused.usage) {
        usage->reset();
        usage->bind_text_always(1, r.session_id);
        usage->bind_int(2, u.bucket_ts);
        usage->bind_text_always(3, u.model);
        usage->bind_text_always(4, u.project);
        usage->bind_text_always(5, u.user);
        usage->bind_int(6, u.calls);
        bind_tokens(*usage, 7, u.tokens);
        usage->bind_double(12, u.cost_usd);
        usage->bind_double(13, u.reported_cost_usd);
        usage->bind_double(14, u.computed_cost_usd);
        usage->bind_int(15, u.unpriced_calls);
        if (auto st = step_done(db_, *usage, "storing fused usage"); !st) return st;
    }

    auto calls = Statement::prepare(
        db_,
        "INSERT INTO fused_calls (session_id, agent_id, ts, model, project, user, duration_ms, "
        "input_tokens, output_tokens, cache_write_5m_tokens, cache_write_1h_tokens, "
        "cache_read_tokens, cost_usd, priced) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    if (!calls) return calls.error();
    for (const FusedCallRow& c : fused.calls) {
        calls->reset();
        calls->bind_text_always(1, r.session_id);
        calls->bind_text_always(2, c.agent_id);
        calls->bind_int(3, c.ts);
        calls->bind_text_always(4, c.model);
        calls->bind_text_always(5, c.project);
        calls->bind_text_always(6, c.user);
        if (c.duration_ms) {
            calls->bind_int(7, *c.duration_ms);
        } else {
            calls->bind_null(7);
        }
        bind_tokens(*calls, 8, c.tokens);
        calls->bind_double(13, c.cost_usd);
        calls->bind_int(14, c.priced ? 1 : 0);
        if (auto st = step_done(db_, *calls, "storing fused calls"); !st) return st;
    }

    auto tools = Statement::prepare(
        db_,
        "INSERT INTO fused_tools (session_id, agent_id, tool_use_id, tool_name, project, user, "
        "ts, duration_ms, result, cost_usd) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!tools) return tools.error();
    for (const FusedToolRow& t : fused.tools) {
        tools->reset();
        tools->bind_text_always(1, r.session_id);
        tools->bind_text_always(2, t.agent_id);
        tools->bind_text_always(3, t.tool_use_id);
        tools->bind_text_always(4, t.tool_name);
        tools->bind_text_always(5, t.project);
        tools->bind_text_always(6, t.user);
        tools->bind_int(7, t.ts);
        if (t.duration_ms) {
            tools->bind_int(8, *t.duration_ms);
        } else {
            tools->bind_null(8);
        }
        tools->bind_text_always(9, t.result);
        tools->bind_double(10, t.cost_usd);
        if (auto st = step_done(db_, *tools, "storing fused tools"); !st) return st;
    }
    return Ok{};
}

Status FusedIndexTables::put_fused_session(const FusedSession& fused, int64_t generation) {
    if (auto s = exec(db_, "BEGIN IMMEDIATE"); !s) return s;
    Status status = replace_rows(fused);
    if (status) {
        auto clear = Statement::prepare(
            db_, "DELETE FROM fused_stale WHERE session_id = ?1 AND generation = ?2");
        if (!clear) {
            status = clear.error();
        } else {
            clear->bind_text_always(1, fused.session.session_id);
            clear->bind_int(2, generation);
            status = step_done(db_, *clear, "clearing the stale mark");
        }
    }
    if (status) status = exec(db_, "COMMIT");
    if (!status) (void)exec(db_, "ROLLBACK");
    return status;
}

Status FusedIndexTables::ensure_fusion_version(int version) {
    auto read =
        Statement::prepare(db_, "SELECT value FROM fused_meta WHERE key = 'fusion_version'");
    if (!read) return read.error();
    const std::string want = std::to_string(version);
    if (read->step() == SQLITE_ROW && read->column_text(0) == want) return Ok{};
    read = Statement{};
    if (auto s = exec(db_, "BEGIN IMMEDIATE"); !s) return s;
    Status status = exec(db_,
                         "INSERT INTO fused_stale (session_id, generation) "
                         "SELECT DISTINCT session_id, 1 FROM events WHERE session_id IS NOT NULL "
                         "ON CONFLICT (session_id) DO UPDATE SET generation = generation + 1");
    if (status) {
        auto write = Statement::prepare(
            db_, "INSERT OR REPLACE INTO fused_meta (key, value) VALUES ('fusion_version', ?1)");
        if (!write) {
            status = write.error();
        } else {
            write->bind_text_always(1, want);
            status = step_done(db_, *write, "recording the fusion version");
        }
    }
    if (status) status = exec(db_, "COMMIT");
    if (!status) (void)exec(db_, "ROLLBACK");
    return status;
}

namespace {

// The list's filters as a WHERE clause (parameters ?1 to ?8) and what they bind;
// the texts live here because binds do not copy.
struct SessionFilterSql {
    explicit SessionFilterSql(const SessionListQuery& q)
        : quoted_model("\"" + q.model + "\""),
          like_pattern(like_anywhere(q.text)),
          fts_query(fts_phrase(q.text)) {
        // Each filter names its own parameter number so the binds stay simple.
        where = " WHERE 1 = 1";
        if (!q.project.empty()) where += " AND (project = ?1 OR cwd = ?1)";
        if (!q.user.empty()) where += " AND user = ?2";
        if (!q.model.empty()) where += " AND instr(models, ?3) > 0";
        if (q.since) where += " AND last_ts >= ?4";
        if (q.until) where += " AND first_ts < ?5";
        if (q.has_errors) where += " AND has_errors = ?6";
        if (!q.include_startup_only) {
            where += " AND NOT (" + std::string(kStartupOnly) + ")";
        }
        if (!q.text.empty()) {
            where +=
                " AND (session_id LIKE ?7 ESCAPE '\\' OR project LIKE ?7 ESCAPE '\\' OR cwd LIKE "
                "?7 ESCAPE '\\' OR git_branch LIKE ?7 ESCAPE '\\' OR title LIKE ?7 ESCAPE '\\' OR "
                "primary_model LIKE ?7 ESCAPE '\\' OR session_id IN (SELECT session_id FROM "
                "event_text WHERE event_text MATCH ?8))";
        }
    }

    void bind(Statement& s, const SessionListQuery& q) const {
        if (!q.project.empty()) s.bind_text_always(1, q.project);
        if (!q.user.empty()) s.bind_text_always(2, q.user);
        if (!q.model.empty()) s.bind_text_always(3, quoted_model);
        if (q.since) s.bind_int(4, *q.since);
        if (q.until) s.bind_int(5, *q.until);
        if (q.has_errors) s.bind_int(6, *q.has_errors ? 1 : 0);
        if (!q.text.empty()) {
            s.bind_text_always(7, like_pattern);
            s.bind_text_always(8, fts_query);
        }
    }

    std::string where;
    std::string quoted_model;
    std::string like_pattern;
    std::string fts_query;
};

}  // namespace

Result<SessionPage> FusedIndexTables::list_sessions(const SessionListQuery& q) {
    const std::string column(sort_column(q.sort));
    const SessionFilterSql filter(q);
    std::string sql =
        std::string("SELECT ") + kSessionColumns + " FROM fused_sessions" + filter.where;
    const char* cmp = q.descending ? "<" : ">";
    if (q.after) {
        sql += " AND (" + column + " " + cmp + " ?9 OR (" + column + " = ?9 AND session_id " + cmp +
               " ?10))";
    }
    const char* dir = q.descending ? " DESC" : " ASC";
    sql += " ORDER BY " + column + dir + ", session_id" + dir + " LIMIT ?11";
    auto s = Statement::prepare(db_, sql);
    if (!s) return s.error();
    filter.bind(*s, q);
    if (q.after) {
        // Integer sort columns compare exactly against an integer bind.
        if (q.sort == SessionSort::cost) {
            s->bind_double(9, q.after->value);
        } else {
            s->bind_int(9, static_cast<int64_t>(q.after->value));
        }
        s->bind_text_always(10, q.after->session_id);
    }
    const size_t limit = std::max<size_t>(q.limit, 1);
    s->bind_int(11, static_cast<int64_t>(limit + 1));
    SessionPage page;
    int rc = 0;
    while ((rc = s->step()) == SQLITE_ROW) page.rows.push_back(read_session_row(*s));
    if (rc != SQLITE_DONE) return error_from(db_, "listing sessions");
    if (page.rows.size() > limit) {
        page.rows.pop_back();
        const FusedSessionRow& last = page.rows.back();
        page.next = SessionCursor{sort_value(last, q.sort), last.session_id};
    }
    return page;
}

Result<uint64_t> FusedIndexTables::count_sessions(const SessionListQuery& q) {
    const bool unfiltered = q.project.empty() && q.user.empty() && q.model.empty() &&
                            q.text.empty() && !q.since && !q.until && !q.has_errors;
    if (unfiltered) {
        // The list's default: a plain count is a walk of the b-tree's pages, not its
        // rows, and the start-up-only sessions it hides have a partial index of their
        // own (migration 0003); the filtered count below reads every row.
        auto s = Statement::prepare(
            db_, q.include_startup_only
                     ? std::string("SELECT count(*) FROM fused_sessions")
                     : "SELECT (SELECT count(*) FROM fused_sessions) - (SELECT count(*) FROM "
                       "fused_sessions INDEXED BY fused_sessions_startup_only WHERE " +
                           std::string(kStartupOnly) + ")");
        if (!s) return s.error();
        if (s->step() != SQLITE_ROW) return error_from(db_, "counting sessions");
        return static_cast<uint64_t>(s->column_int(0));
    }
    const SessionFilterSql filter(q);
    auto s = Statement::prepare(db_, "SELECT count(*) FROM fused_sessions" + filter.where);
    if (!s) return s.error();
    filter.bind(*s, q);
    if (s->step() != SQLITE_ROW) return error_from(db_, "counting sessions");
    return static_cast<uint64_t>(s->column_int(0));
}

Result<std::optional<FusedSessionRow>> FusedIndexTables::find_session(std::string_view id) {
    auto s = Statement::prepare(db_, std::string("SELECT ") + kSessionColumns +
                                         " FROM fused_sessions WHERE session_id = ?1");
    if (!s) return s.error();
    s->bind_text_always(1, id);
    const int rc = s->step();
    if (rc == SQLITE_ROW) return std::optional<FusedSessionRow>(read_session_row(*s));
    if (rc != SQLITE_DONE) return error_from(db_, "reading a fused session");
    return std::optional<FusedSessionRow>();
}

Result<std::vector<std::string>> FusedIndexTables::session_ids_with_prefix(std::string_view prefix,
                                                                           size_t limit) {
    // A range on the (session_id, ts) index: every id that sorts after the prefix
    // and before the prefix followed by the highest character.
    auto s = Statement::prepare(
        db_,
        "SELECT DISTINCT session_id FROM events WHERE session_id >= ?1 AND session_id < ?2 "
        "ORDER BY session_id LIMIT ?3");
    if (!s) return s.error();
    const std::string upper = std::string(prefix) + "\xF4\x8F\xBF\xBF";  // bound, not copied
    s->bind_text_always(1, prefix);
    s->bind_text_always(2, upper);
    s->bind_int(3, static_cast<int64_t>(limit));
    std::vector<std::string> out;
    int rc = 0;
    while ((rc = s->step()) == SQLITE_ROW) out.emplace_back(s->column_text(0));
    if (rc != SQLITE_DONE) return error_from(db_, "looking up session ids");
    return out;
}

Status FusedIndexTables::scan_fused_usage(const AnalyticsFilter& filter,
                                          const std::function<void(const FusedUsageRow&)>& visit) {
    const AnalyticsWhere w = analytics_where(filter, "bucket_ts");
    auto s = Statement::prepare(
        db_,
        "SELECT session_id, bucket_ts, model, project, user, calls, input_tokens, output_tokens, "
        "cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, cost_usd, "
        "reported_cost_usd, computed_cost_usd, unpriced_calls FROM fused_usage" +
            w.sql);  // no ORDER BY: totals need none, and a plain scan is 3x faster
    if (!s) return s.error();
    bind_all(*s, w.binds);
    int rc = 0;
    FusedUsageRow row;
    while ((rc = s->step()) == SQLITE_ROW) {
        row.session_id.assign(s->column_text(0));
        row.bucket_ts = s->column_int(1);
        row.model.assign(s->column_text(2));
        row.project.assign(s->column_text(3));
        row.user.assign(s->column_text(4));
        row.calls = s->column_int(5);
        row.tokens = read_tokens(*s, 6);
        row.cost_usd = s->column_double(11);
        row.reported_cost_usd = s->column_double(12);
        row.computed_cost_usd = s->column_double(13);
        row.unpriced_calls = s->column_int(14);
        visit(row);
    }
    if (rc != SQLITE_DONE) return error_from(db_, "reading fused usage");
    return Ok{};
}

Result<ToolFailurePage> FusedIndexTables::list_tool_failures(const ToolFailureQuery& q) {
    AnalyticsFilter filter = q.filter;
    filter.model.clear();  // tool rows have no model column
    AnalyticsWhere w = analytics_where(filter, "ts");
    // Spelled exactly as the partial index fused_tools_failures (migration 0003)
    // is, so the planner may use it: failures only, already in time order.
    w.sql += " AND result IN ('error', 'denied')";
    if (!q.result.empty()) add_clause(w, "result = ?N", q.result);
    if (!q.tool_name.empty()) add_clause(w, "tool_name = ?N", q.tool_name);
    if (q.after) {
        add_clause(w, "ts <= ?N", q.after->ts);
        const std::string ts_n = "?" + std::to_string(w.binds.size());
        add_clause(w, "(ts < " + ts_n + " OR rowid < ?N)", q.after->row);
    }
    const size_t limit = std::max<size_t>(q.limit, 1);
    auto s = Statement::prepare(
        db_,
        "SELECT rowid, session_id, agent_id, tool_use_id, tool_name, "
        "project, user, ts, duration_ms, result, cost_usd FROM fused_tools" +
            w.sql + " ORDER BY ts DESC, rowid DESC LIMIT " + std::to_string(limit + 1));
    if (!s) return s.error();
    bind_all(*s, w.binds);
    ToolFailurePage page;
    int64_t last_row = 0;
    int rc = 0;
    while ((rc = s->step()) == SQLITE_ROW) {
        if (page.rows.size() == limit) {
            const FusedToolRow& last = page.rows.back();
            page.next = ToolFailureCursor{last.ts, last_row};
            break;
        }
        last_row = s->column_int(0);
        FusedToolRow row;
        row.session_id.assign(s->column_text(1));
        row.agent_id.assign(s->column_text(2));
        row.tool_use_id.assign(s->column_text(3));
        row.tool_name.assign(s->column_text(4));
        row.project.assign(s->column_text(5));
        row.user.assign(s->column_text(6));
        row.ts = s->column_int(7);
        if (!s->column_is_null(8)) row.duration_ms = s->column_int(8);
        row.result.assign(s->column_text(9));
        row.cost_usd = s->column_double(10);
        page.rows.push_back(std::move(row));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return error_from(db_, "listing tool failures");
    return page;
}

Status FusedIndexTables::scan_fused_calls(const AnalyticsFilter& filter,
                                          const std::function<void(const FusedCallRow&)>& visit) {
    const AnalyticsWhere w = analytics_where(filter, "ts");
    auto s = Statement::prepare(
        db_,
        "SELECT session_id, agent_id, ts, model, project, user, duration_ms, input_tokens, "
        "output_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, "
        "cost_usd, priced FROM fused_calls" +
            w.sql);  // no ORDER BY: walking the ts index costs 14x a plain scan (1M events)
    if (!s) return s.error();
    bind_all(*s, w.binds);
    int rc = 0;
    FusedCallRow row;
    while ((rc = s->step()) == SQLITE_ROW) {
        row.session_id.assign(s->column_text(0));
        row.agent_id.assign(s->column_text(1));
        row.ts = s->column_int(2);
        row.model.assign(s->column_text(3));
        row.project.assign(s->column_text(4));
        row.user.assign(s->column_text(5));
        row.duration_ms.reset();
        if (!s->column_is_null(6)) row.duration_ms = s->column_int(6);
        row.tokens = read_tokens(*s, 7);
        row.cost_usd = s->column_double(12);
        row.priced = s->column_int(13) != 0;
        visit(row);
    }
    if (rc != SQLITE_DONE) return error_from(db_, "reading fused calls");
    return Ok{};
}

Status FusedIndexTables::scan_fused_tools(const AnalyticsFilter& filter,
                                          const std::function<void(const FusedToolRow&)>& visit) {
    AnalyticsFilter tools_filter = filter;
    tools_filter.model.clear();  // tool rows have no model column
    const AnalyticsWhere w = analytics_where(tools_filter, "ts");
    auto s = Statement::prepare(db_,
                                "SELECT session_id, agent_id, tool_use_id, tool_name, project, "
                                "user, ts, duration_ms, result, cost_usd FROM fused_tools" +
                                    w.sql);  // no ORDER BY, as above
    if (!s) return s.error();
    bind_all(*s, w.binds);
    int rc = 0;
    FusedToolRow row;
    while ((rc = s->step()) == SQLITE_ROW) {
        row.session_id.assign(s->column_text(0));
        row.agent_id.assign(s->column_text(1));
        row.tool_use_id.assign(s->column_text(2));
        row.tool_name.assign(s->column_text(3));
        row.project.assign(s->column_text(4));
        row.user.assign(s->column_text(5));
        row.ts = s->column_int(6);
        row.duration_ms.reset();
        if (!s->column_is_null(7)) row.duration_ms = s->column_int(7);
        row.result.assign(s->column_text(8));
        row.cost_usd = s->column_double(9);
        visit(row);
    }
    if (rc != SQLITE_DONE) return error_from(db_, "reading fused tools");
    return Ok{};
}

}  // namespace agent_trace::sqlite
