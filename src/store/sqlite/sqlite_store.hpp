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

}  // namespace agent_trace
