#pragma once
// RAII ownership of SQLite connections and statements.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace agent_trace::sqlite {

struct CloseDb {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStmt {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, CloseDb>;

class Statement {
public:
    Statement() = default;
    static Result<Statement> prepare(sqlite3* db, std::string_view sql);

    void bind_text(int index, std::string_view text);  // empty binds NULL
    void bind_text_always(int index, std::string_view text);
    void bind_int(int index, int64_t value);
    void bind_double(int index, double value);
    void bind_blob(int index, const void* data, int size);
    void bind_null(int index);
    // SQLITE_ROW, SQLITE_DONE or an error code.
    int step();
    void reset();
    [[nodiscard]] sqlite3_stmt* get() const { return stmt_.get(); }

    [[nodiscard]] int64_t column_int(int i) const { return sqlite3_column_int64(stmt_.get(), i); }
    [[nodiscard]] double column_double(int i) const {
        return sqlite3_column_double(stmt_.get(), i);
    }
    [[nodiscard]] bool column_is_null(int i) const {
        return sqlite3_column_type(stmt_.get(), i) == SQLITE_NULL;
    }
    [[nodiscard]] std::string_view column_text(int i) const;

private:
    std::unique_ptr<sqlite3_stmt, FinalizeStmt> stmt_;
};

// Opens a connection (SQLITE_OPEN_* `flags`; no mutex: one thread at a time)
// that waits up to `busy_timeout_ms` for locks; the error names the file.
Result<DbPtr> open_connection(const std::string& path, int flags, int busy_timeout_ms);

Status exec(sqlite3* db, const char* sql);
std::string last_error(sqlite3* db);
// An Error for the connection's last failure, retryable unless it is about the
// row itself (constraint, type mismatch, too big).
Error error_from(sqlite3* db, const std::string& context);
bool is_retryable_code(int code);

}  // namespace agent_trace::sqlite
