#pragma once
// The hook spool: where hook-handler leaves the requests it could not deliver (server
// down, slow or failing), for `serve` to feed through the normal ingest path later.
//
// <spool_dir>/hooks.spool holds one record per line: the exact JSON body the handler
// would have POSTed. Many handlers append at once (Claude Code runs hooks in
// parallel); each append is one write() under an exclusive flock, made durable with
// fdatasync before the handler exits. The drainer renames the file away before
// reading it, so appends never race with reads; see spool.cpp for the protocol.
//
// Edge code: libc and libstdc++ only.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace agent_trace {

// "<spool_dir>/hooks.spool"
std::string spool_file_path(const std::string& spool_dir);

// How far an append goes before it returns.
enum class SpoolSync {
    // The record is in the page cache (it survives the agent, the handler and the
    // server being killed) and write-back has been started without waiting for it:
    // only a kernel crash or power cut in the next moments can lose it. The default,
    // because Claude Code waits for the hook and an fdatasync on a busy disk costs
    // milliseconds.
    writeback,
    full,  // fdatasync before returning
};

// Appends one record (non-empty, no '\n'). Creates the directory (mode 0700) and
// the file (0600) when missing.
Status spool_append(const std::string& spool_dir, std::string_view record,
                    SpoolSync sync = SpoolSync::full);

struct SpoolDrainResult {
    uint64_t delivered = 0;  // records handed to `deliver` that it accepted
    uint64_t malformed = 0;  // torn or garbled lines, dropped (counted, never delivered)
};

// Hands every spooled record (without its '\n') to `deliver`, oldest file first,
// including files a crashed drainer left behind. `deliver` returns an error only when
// the record may be accepted later (the caller dead-letters records it can never
// accept and returns Ok). On the first error draining stops: the records handled so
// far are gone from the spool, the rest stay for the next call, and the error is
// returned. Records are handed at least once; a crash mid-drain can hand the same
// record again (ingest is idempotent on event_id).
Result<SpoolDrainResult> spool_drain(const std::string& spool_dir,
                                     const std::function<Status(std::string_view)>& deliver);

struct SpoolStats {
    uint64_t pending_records = 0;  // lines waiting, in every spool file
    uint64_t pending_bytes = 0;
    uint64_t files = 0;  // hooks.spool plus draining files left by a drainer
};

// Counts what is waiting (a missing directory is an empty spool). Reads the files
// (a newline count), so its cost grows with the backlog: ~1 ms per 10 MB.
Result<SpoolStats> spool_stats(const std::string& spool_dir);

}  // namespace agent_trace
