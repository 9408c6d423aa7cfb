#pragma once
// Drains the durable queue into an EventSink in batches. While the sink fails
// with a retryable error the batch is retried with exponential backoff and
// jitter (nothing is acknowledged, so nothing is lost); an event that fails for
// any other reason is isolated and moved to the DLQ with the reason.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "core/event.hpp"
#include "pipeline/dlq/dead_letter_queue.hpp"
#include "pipeline/event_sink.hpp"
#include "pipeline/queue/durable_queue.hpp"

namespace agent_trace {

struct StoreWriterOptions {
    size_t batch_records = 4096;
    size_t batch_bytes = 8u << 20;
    std::chrono::milliseconds read_wait{50};
    // After a batch well below batch_records, wait this long before reading again so
    // the next store transaction takes many events: under a stream of single events
    // this turns one commit (and its fsync) per event into one per few milliseconds.
    std::chrono::milliseconds batch_linger{5};
    std::chrono::milliseconds backoff_initial{20};
    std::chrono::milliseconds backoff_max{2000};
    // Called from the writer thread after each stored batch (session import
    // triggers, live streams). Keep it short.
    std::function<void(std::span<const Event>)> on_stored;
};

struct StoreWriterStats {
    uint64_t stored_events = 0;  // written to the sink (second copies included)
    uint64_t batches = 0;
    uint64_t retries = 0;  // sink attempts that failed with a retryable error
    uint64_t dead_lettered = 0;
    bool store_unavailable = false;  // the last attempt failed and is being retried
    std::string last_error;
    TimestampUs last_error_at = 0;
};

class StoreWriter {
public:
    StoreWriter(DurableQueue& queue, EventSink& sink, DeadLetterQueue& dlq,
                StoreWriterOptions options);
    ~StoreWriter();  // stops and joins
    StoreWriter(const StoreWriter&) = delete;
    StoreWriter& operator=(const StoreWriter&) = delete;

    void start();
    // Stops after the batch in hand; what is not acknowledged stays in the queue.
    void stop();
    // Blocks until everything appended before the call is stored (or timeout). Tests and shutdown.
    bool drain(std::chrono::milliseconds timeout);
    [[nodiscard]] StoreWriterStats stats() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace agent_trace
