#pragma once
// The durable queue between the sources and the store writer (DESIGN.md §2):
// segmented append-only files, one checksum per record, group commit.
// A source acknowledges an event only once it is appended (and, in the default
// sync mode, fdatasync'ed); a crash loses no acknowledged record, and recovery
// drops only a torn tail and the records damage hit (docs/operations.md).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace agent_trace {

enum class QueueSync {
    every_commit,  // durable() completes after the fdatasync covering the record (group commit)
    interval,      // durable() completes after write(); fdatasync every sync_interval
    none,          // no fdatasync (tests, benchmarks of the rest of the path)
};

struct QueueOptions {
    std::string dir;                       // created if missing
    uint64_t segment_bytes = 64ull << 20;  // roll to a new segment past this
    QueueSync sync = QueueSync::every_commit;
    // every_commit: extra wait to gather a group; interval: the period (0 means 100 ms).
    std::chrono::milliseconds sync_interval{0};
    uint64_t max_depth_bytes = 4ull << 30;  // append fails (retryable) beyond this
};

struct QueueRecord {
    uint64_t lsn = 0;  // 1, 2, 3 ... in append order, never reused
    std::string payload;
};

struct QueueStats {
    uint64_t depth_records = 0;  // appended, not yet acknowledged by the consumer
    uint64_t depth_bytes = 0;
    uint64_t segments = 0;
    uint64_t appended_total = 0;  // since open
    uint64_t syncs_total = 0;
    uint64_t last_lsn = 0;
    uint64_t acknowledged_lsn = 0;
    // Found by recovery at open: bytes of a torn tail cut off, records whose
    // checksum failed (dropped; the good records around them kept).
    uint64_t recovered_records = 0;
    uint64_t torn_tail_bytes = 0;
    uint64_t corrupt_records = 0;
};

class DurableQueue {
public:
    virtual ~DurableQueue() = default;

    // Thread-safe. Appends all payloads (one write); returns the lsn of the last.
    virtual Result<uint64_t> append(std::span<const std::string_view> payloads) = 0;

    // Calls `done` once every record up to `lsn` is as durable as the sync mode
    // promises (immediately when it already is), from an internal thread: keep it short.
    virtual void when_durable(uint64_t lsn, std::function<void(Status)> done) = 0;

    // Single consumer. Returns the next records after the last one returned
    // (at most max_records / about max_bytes), waiting up to `wait` for one to arrive.
    // After reopening, reading resumes after the acknowledged lsn.
    virtual Result<std::vector<QueueRecord>> read(size_t max_records, size_t max_bytes,
                                                  std::chrono::milliseconds wait) = 0;

    // The consumer has stored everything up to `lsn`: persist the cursor and delete
    // segments wholly below it. Records up to lsn are never returned again.
    virtual Status acknowledge(uint64_t lsn) = 0;

    // Makes a blocked read() return early (shutdown).
    virtual void wake_reader() = 0;

    [[nodiscard]] virtual QueueStats stats() const = 0;
};

// Opens (creating) the queue in options.dir and recovers what is there.
Result<std::unique_ptr<DurableQueue>> open_durable_queue(const QueueOptions& options);

// What every ingress does with a decoded batch: append it, then call `done` once it is
// as durable as the sync mode promises, or with why not ("queue unavailable: ..." when
// the append failed, from this thread; "queue sync failed: ..." from the sync thread).
void append_durably(DurableQueue& queue, std::span<const std::string_view> records,
                    std::function<void(Status)> done);

}  // namespace agent_trace
