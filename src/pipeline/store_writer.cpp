#include "pipeline/store_writer.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "core/hex.hpp"
#include "core/ids.hpp"
#include "pipeline/event_codec.hpp"

namespace agent_trace {
namespace {}  // namespace

struct StoreWriter::State {
    State(DurableQueue& q, EventSink& s, DeadLetterQueue& d, StoreWriterOptions o)
        : queue(q), sink(s), dlq(d), options(std::move(o)), rng(std::random_device{}()) {}

    DurableQueue& queue;
    EventSink& sink;
    DeadLetterQueue& dlq;
    const StoreWriterOptions options;

    mutable std::mutex mu;
    std::condition_variable wake;      // stop() ends a backoff early
    std::condition_variable progress;  // drain() waits on handled_lsn
    bool stopping = false;
    StoreWriterStats stats;
    uint64_t handled_lsn = 0;  // every record up to here is stored or dead-lettered
    std::thread thread;

    // Writer thread only.
    std::mt19937_64 rng;
    // A batch read but not stored when stop() came: the next start() resumes with
    // it, because the queue will not hand those records out again until reopened.
    std::vector<QueueRecord> pending;

    void run() {
        for (;;) {
            if (stopped()) return;
            if (pending.empty()) {
                auto records =
                    queue.read(options.batch_records, options.batch_bytes, options.read_wait);
                if (!records) {
                    note_error(records.error());
                    if (!back_off(0)) return;
                    continue;
                }
                if (records->empty()) continue;
                pending = std::move(*records);
            }
            if (!process(pending)) return;
            const bool small = pending.size() < options.batch_records / 2;
            pending.clear();
            if (small && options.batch_linger.count() > 0) {
                std::unique_lock lock(mu);
                wake.wait_for(lock, options.batch_linger, [this] { return stopping; });
            }
        }
    }

    bool stopped() const {
        const std::lock_guard lock(mu);
        return stopping;
    }

    // Stores or dead-letters every record, then acknowledges them. False when
    // stop() interrupted it (nothing acknowledged then).
    bool process(const std::vector<QueueRecord>& records) {
        std::vector<Event> events;
        events.reserve(records.size());
        for (const QueueRecord& r : records) {
            auto event = decode_event(r.payload);
            if (event) {
                events.push_back(std::move(*event));
                continue;
            }
            DeadLetter entry;
            entry.reason = "undecodable queue record (lsn " + std::to_string(r.lsn) +
                           "): " + event.error().message;
            entry.raw_hex = to_hex(r.payload);
            if (!dead_letter(std::move(entry))) return false;
        }
        std::vector<Event> stored;
        stored.reserve(events.size());
        if (!events.empty() && !store(events, stored)) return false;
        if (!stored.empty() && options.on_stored) {
            try {
                options.on_stored(stored);
            } catch (const std::exception& e) {
                note_error(make_error(std::string("on_stored: ") + e.what()));
            }
        }
        const uint64_t last = records.back().lsn;
        // A cursor that cannot be saved costs a replay after a restart (the store
        // ignores second copies), not an event: carry on.
        if (auto s = queue.acknowledge(last); !s) note_error(s.error());
        {
            const std::lock_guard lock(mu);
            ++stats.batches;
            stats.stored_events += stored.size();
            handled_lsn = std::max(handled_lsn, last);
        }
        progress.notify_all();
        return true;
    }

    // Writes `events`; on a permanent failure splits the batch until the events
    // that fail alone are found and dead-lettered. False when stopped.
    bool store(std::span<const Event> events, std::vector<Event>& stored) {
        for (unsigned attempt = 0;; ++attempt) {
            Status status = sink.write_events(events);
            if (status) {
                set_available();
                stored.insert(stored.end(), events.begin(), events.end());
                return true;
            }
            if (status.error().retryable) {
                note_retry(status.error());
                if (!back_off(attempt)) return false;
                continue;
            }
            set_available();  // the store answered; it refuses these events
            if (events.size() == 1) {
                DeadLetter entry;
                entry.reason = status.error().message;
                entry.event_json = event_to_json(events.front());
                return dead_letter(std::move(entry));
            }
            const size_t half = events.size() / 2;
            return store(events.first(half), stored) && store(events.subspan(half), stored);
        }
    }

    bool dead_letter(DeadLetter entry) {
        entry.id = mint_uuid_v7().hex();
        entry.failed_at = now_us();
        entry.origin = "writer";
        for (unsigned attempt = 0;; ++attempt) {
            Status status = dlq.put(entry);
            if (status) break;
            note_error(status.error());
            if (!back_off(attempt)) return false;
        }
        const std::lock_guard lock(mu);
        ++stats.dead_lettered;
        return true;
    }

    void set_available() {
        const std::lock_guard lock(mu);
        stats.store_unavailable = false;
    }

    void note_retry(const Error& error) {
        const std::lock_guard lock(mu);
        ++stats.retries;
        stats.store_unavailable = true;
        stats.last_error = error.message;
        stats.last_error_at = now_us();
    }

    void note_error(const Error& error) {
        const std::lock_guard lock(mu);
        stats.last_error = error.message;
        stats.last_error_at = now_us();
    }

    // Exponential backoff with full jitter: a random wait up to initial * 2^attempt,
    // capped. False when stop() came meanwhile.
    bool back_off(unsigned attempt) {
        const auto initial = std::max<int64_t>(options.backoff_initial.count(), 1);
        const auto cap = std::max<int64_t>(options.backoff_max.count(), initial);
        int64_t ceiling = initial;
        for (unsigned i = 0; i < attempt && ceiling < cap; ++i) ceiling *= 2;
        ceiling = std::min(ceiling, cap);
        const std::chrono::milliseconds wait(
            std::uniform_int_distribution<int64_t>(0, ceiling)(rng));
        std::unique_lock lock(mu);
        return !wake.wait_for(lock, wait, [this] { return stopping; });
    }
};

StoreWriter::StoreWriter(DurableQueue& queue, EventSink& sink, DeadLetterQueue& dlq,
                         StoreWriterOptions options)
    : state_(std::make_unique<State>(queue, sink, dlq, std::move(options))) {
    state_->handled_lsn = queue.stats().acknowledged_lsn;
}

StoreWriter::~StoreWriter() { stop(); }

void StoreWriter::start() {
    if (state_->thread.joinable()) return;
    {
        const std::lock_guard lock(state_->mu);
        state_->stopping = false;
    }
    state_->thread = std::thread([state = state_.get()] { state->run(); });
}

void StoreWriter::stop() {
    {
        const std::lock_guard lock(state_->mu);
        state_->stopping = true;
    }
    state_->wake.notify_all();
    state_->queue.wake_reader();
    if (state_->thread.joinable()) state_->thread.join();
}

bool StoreWriter::drain(std::chrono::milliseconds timeout) {
    const uint64_t target = state_->queue.stats().last_lsn;
    std::unique_lock lock(state_->mu);
    return state_->progress.wait_for(lock, timeout, [&] { return state_->handled_lsn >= target; });
}

StoreWriterStats StoreWriter::stats() const {
    const std::lock_guard lock(state_->mu);
    return state_->stats;
}

}  // namespace agent_trace
