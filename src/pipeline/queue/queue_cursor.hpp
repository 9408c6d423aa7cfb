#pragma once
// The consumer's position: the highest lsn it has stored. Kept in <queue>/cursor
// as "ATQCURSR", u64 lsn, u32 reserved, u32 XXH32 of the 20 bytes before it,
// replaced atomically (temporary file + rename).
#include <cstdint>
#include <string>

#include "core/result.hpp"

namespace agent_trace::queue_format {

struct CursorLoad {
    uint64_t acknowledged_lsn = 0;
    // The file existed but was damaged: reading restarts from the oldest segment,
    // which at worst stores some events a second time (the store ignores them).
    bool damaged = false;
};

Result<CursorLoad> load_cursor(const std::string& path);
Status save_cursor(const std::string& path, uint64_t acknowledged_lsn, bool durable);

}  // namespace agent_trace::queue_format
