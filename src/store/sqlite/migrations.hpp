#pragma once
#include <vector>

namespace agent_trace {

// One versioned schema step; applied in file-name order, each exactly once.
struct Migration {
    const char* name;
    const char* sql;
};

const std::vector<Migration>& sqlite_migrations();

}  // namespace agent_trace
