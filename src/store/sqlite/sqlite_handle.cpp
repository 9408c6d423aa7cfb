#include "store/sqlite/sqlite_handle.hpp"

namespace agent_trace::sqlite {

Result<Statement> Statement::prepare(sqlite3* db, std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) {
        return make_error("sqlite prepare failed: " + last_error(db));
    }
    Statement statement;
    statement.stmt_.reset(raw);
    return statement;
}

void Statement::bind_text(int index, std::string_view text) {
    if (text.empty()) {
        sqlite3_bind_null(stmt_.get(), index);
        return;
    }
    bind_text_always(index, text);
}

void Statement::bind_text_always(int index, std::string_view text) {
    sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                      SQLITE_STATIC);
}

void Statement::bind_int(int index, int64_t value) {
    sqlite3_bind_int64(stmt_.get(), index, value);
}

void Statement::bind_double(int index, double value) {
    sqlite3_bind_double(stmt_.get(), index, value);
}

void Statement::bind_blob(int index, const void* data, int size) {
    sqlite3_bind_blob(stmt_.get(), index, data, size, SQLITE_STATIC);
}

void Statement::bind_null(int index) { sqlite3_bind_null(stmt_.get(), index); }

int Statement::step() { return sqlite3_step(stmt_.get()); }

void Statement::reset() {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
}

std::string_view Statement::column_text(int i) const {
    const auto* text = sqlite3_column_text(stmt_.get(), i);
    if (text == nullptr) return {};
    return {reinterpret_cast<const char*>(text),
            static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), i))};
}

Result<DbPtr> open_connection(const std::string& path, int flags, int busy_timeout_ms) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    DbPtr db(raw);
    if (rc != SQLITE_OK) {
        return make_error("cannot open " + path + ": " +
                          (raw != nullptr ? last_error(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_busy_timeout(db.get(), busy_timeout_ms);
    return db;
}

Status exec(sqlite3* db, const char* sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string text = message != nullptr ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        return Error{"sqlite: " + text, is_retryable_code(rc)};
    }
    return Ok{};
}

std::string last_error(sqlite3* db) { return sqlite3_errmsg(db); }

bool is_retryable_code(int code) {
    // Errors tied to one row's content are permanent (the writer dead-letters that
    // event); every other failure is the store's state (busy, locked, read-only, full,
    // I/O, even corrupt or missing schema) and must not send whole batches to the DLQ.
    switch (code & 0xff) {
        case SQLITE_OK:
        case SQLITE_CONSTRAINT:
        case SQLITE_MISMATCH:
        case SQLITE_TOOBIG:
        case SQLITE_RANGE:
            return false;
        default:
            return true;
    }
}

Error error_from(sqlite3* db, const std::string& context) {
    return Error{context + ": " + last_error(db), is_retryable_code(sqlite3_extended_errcode(db))};
}

}  // namespace agent_trace::sqlite
