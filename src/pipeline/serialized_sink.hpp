#pragma once
// Lets many worker threads feed one ImportSink without a writer thread: a
// worker queues its batch and, if the sink is free, writes everything queued
// so far while the others keep working. Nobody waits for the sink unless the
// queue is full. Commits are grouped by size and time.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "pipeline/import_sink.hpp"

namespace agent_trace {

class SerializedSink {
public:
    struct CommitPolicy {
        size_t max_uncommitted;             // rows written before a commit is forced
        std::chrono::milliseconds max_age;  // time after which written rows are committed
        size_t max_queued_events = 16384;   // bounds memory held for the sink
    };

    SerializedSink(ImportSink& sink, CommitPolicy policy) : sink_(sink), policy_(policy) {}

    // Queues events and the checkpoint they complete (they are written together).
    void write(std::vector<Event>&& events, FileCheckpoint&& checkpoint);
    // Queues paths whose recorded failure is obsolete.
    void forget(std::vector<std::string>&& paths);
    // Writes what is queued and commits; the first failure, if any.
    Status finish();

    // True once a write or commit failed: workers should stop.
    [[nodiscard]] bool aborted() const { return aborted_.load(std::memory_order_relaxed); }
    [[nodiscard]] uint64_t events_written() const { return events_written_; }

private:
    void drain();  // with writer_mutex_ held
    void record(const Status& status);

    ImportSink& sink_;
    CommitPolicy policy_;
    std::mutex queue_mutex_;   // guards queue_ and queued_events_
    std::mutex writer_mutex_;  // one writer at a time; guards the rest
    ImportBatch queue_;
    size_t queued_events_ = 0;
    ImportBatch batch_;
    Status failure_ = Ok{};
    std::atomic<bool> aborted_{false};
    size_t uncommitted_ = 0;
    uint64_t events_written_ = 0;
    std::chrono::steady_clock::time_point last_commit_ = std::chrono::steady_clock::now();
};

}  // namespace agent_trace
