#pragma once
// The statements behind ActivityReader (status, GET /api/v1/status), exposed so that
// tests can check the plans SQLite picks for them: neither may read the whole events
// table on a large store.
#include <string>

namespace agent_trace::sqlite {

// Events per source from the counters the writer keeps (migration 0004); ?1 is the
// first minute (ingest_ts / 60 s) counted as recent.
extern const char* const kSourceActivitySql;

// Sessions with an event at or after ?1 and no end since they last started or were
// prompted, most recent first: the (kind, ts) index serves the time range.
std::string active_sessions_sql();

}  // namespace agent_trace::sqlite
