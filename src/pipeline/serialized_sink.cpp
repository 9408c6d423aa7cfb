#include "pipeline/serialized_sink.hpp"

#include <iterator>
#include <utility>

namespace agent_trace {

void SerializedSink::write(std::vector<Event>&& events, FileCheckpoint&& checkpoint) {
    bool must_write = false;
    {
        std::lock_guard lock(queue_mutex_);
        queued_events_ += events.size();
        queue_.events.insert(queue_.events.end(), std::make_move_iterator(events.begin()),
                             std::make_move_iterator(events.end()));
        queue_.checkpoints.push_back(std::move(checkpoint));
        must_write = queued_events_ >= policy_.max_queued_events;
    }
    std::unique_lock writer(writer_mutex_, std::defer_lock);
    if (must_write) {
        writer.lock();
    } else if (!writer.try_lock()) {
        return;  // the current writer, or the final drain, picks it up
    }
    drain();
}

void SerializedSink::forget(std::vector<std::string>&& paths) {
    if (paths.empty()) return;
    std::lock_guard lock(queue_mutex_);
    queue_.forgotten.insert(queue_.forgotten.end(), std::make_move_iterator(paths.begin()),
                            std::make_move_iterator(paths.end()));
}

Status SerializedSink::finish() {
    std::lock_guard writer(writer_mutex_);
    drain();
    if (failure_.ok() && uncommitted_ > 0) record(sink_.commit());
    uncommitted_ = 0;
    return failure_;
}

void SerializedSink::drain() {
    for (;;) {
        batch_.events.clear();
        batch_.checkpoints.clear();
        batch_.forgotten.clear();
        {
            std::lock_guard lock(queue_mutex_);
            if (queue_.checkpoints.empty() && queue_.forgotten.empty()) return;
            std::swap(batch_, queue_);
            queued_events_ = 0;
        }
        if (!failure_.ok()) continue;
        events_written_ += batch_.events.size();
        uncommitted_ += batch_.events.size() + batch_.checkpoints.size() + batch_.forgotten.size();
        record(sink_.write(batch_));
        const auto now = std::chrono::steady_clock::now();
        if (failure_.ok() &&
            (uncommitted_ >= policy_.max_uncommitted || now - last_commit_ >= policy_.max_age)) {
            record(sink_.commit());
            uncommitted_ = 0;
            last_commit_ = now;
        }
    }
}

void SerializedSink::record(const Status& status) {
    if (!status.ok() && failure_.ok()) {
        failure_ = status;
        aborted_ = true;
    }
}

}  // namespace agent_trace
