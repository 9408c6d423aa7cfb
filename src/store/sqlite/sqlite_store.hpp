#pragma once
// The embedded store: one SQLite file in WAL mode.
#include <memory>
#include <string>

#include "core/result.hpp"
#include "store/store.hpp"

namespace agent_trace {

// Opens (creating the file, its directory and the schema as needed) and
// migrates the database at `path`.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path);

struct SqliteStoreOptions {
    // How long a write waits for another connection's lock before failing with a
    // retryable error. Live writers keep it short so an outage shows up as retries.
    int busy_timeout_ms = 10'000;
    // synchronous=FULL: a commit survives a power cut, not only a crash. The live
    // writer needs it because the durable queue forgets what the store has committed.
    bool durable_commits = false;
    // Queries only (the API's connections): the file must exist and be migrated;
    // opening takes no lock and writes fail.
    bool read_only = false;
};
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const SqliteStoreOptions& options);

}  // namespace agent_trace
