#include "server/stream_hub.hpp"

#include <algorithm>
#include <utility>

#include "server/event_json.hpp"

namespace agent_trace::server {
namespace {

using Clock = std::chrono::steady_clock;

// How soon the hub looks again at a subscriber whose replay waits for its socket.
constexpr std::chrono::milliseconds kReplayRecheck{20};
// Batches fanned out in one pass before the hub turns to heartbeats and new clients.
constexpr size_t kBatchesPerPass = 16;

bool matches(const EventFeedFilter& filter, const Event& e) {
    if (!filter.session_id.empty() && e.session_id != filter.session_id) return false;
    if (!filter.project.empty() && e.project != filter.project && e.cwd != filter.project) {
        return false;
    }
    if (!filter.kinds.empty() &&
        std::find(filter.kinds.begin(), filter.kinds.end(), e.kind) == filter.kinds.end()) {
        return false;
    }
    return true;
}

std::string sse_message(int64_t seq, const Event& e) {
    std::string out = "id: " + std::to_string(seq) + "\nevent: ";
    out += to_string(e.kind);
    out += "\ndata: ";
    out += event_json(e);  // one line: JSON strings escape their newlines
    out += "\n\n";
    return out;
}

}  // namespace

struct StreamHub::Subscriber {
    EventFeedFilter filter;
    std::shared_ptr<StreamWriter> writer;
    int64_t cursor = 0;  // the last seq this subscriber has been given (or skipped)
    bool replaying = false;
    size_t replay_left = 0;
    bool gone = false;
};

StreamHub::StreamHub(std::unique_ptr<EventReader> reader, StreamHubOptions options)
    : reader_(std::move(reader)), options_(options) {
    options_.read_batch = std::max<size_t>(options_.read_batch, 1);
}

StreamHub::~StreamHub() { stop(); }

Status StreamHub::start() {
    auto last = reader_->last_event_seq();
    if (!last) return last.error();
    last_seq_ = *last;
    thread_ = std::thread([this] { run(); });
    return Ok{};
}

void StreamHub::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mutex_);
    for (auto& [subscription, writer] : joining_) writer->close();
    joining_.clear();
}

void StreamHub::notify() {
    {
        std::lock_guard lock(mutex_);
        notified_ = true;
    }
    wake_.notify_one();
}

void StreamHub::subscribe(StreamSubscription subscription, std::shared_ptr<StreamWriter> writer) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            writer->close();
            return;
        }
        joining_.emplace_back(std::move(subscription), std::move(writer));
    }
    wake_.notify_one();
}

StreamHubStats StreamHub::stats() const {
    StreamHubStats out;
    out.clients_total = clients_total_.load(std::memory_order_relaxed);
    out.events_sent = events_sent_.load(std::memory_order_relaxed);
    out.dropped_slow = dropped_slow_.load(std::memory_order_relaxed);
    out.replayed = replayed_.load(std::memory_order_relaxed);
    out.read_errors = read_errors_.load(std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    out.clients = clients_;
    out.last_error = last_error_;
    return out;
}

void StreamHub::note_error(const Error& error) {
    read_errors_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    last_error_ = error.message;
}

void StreamHub::publish_client_count() {
    std::lock_guard lock(mutex_);
    clients_ = subscribers_.size();
}

void StreamHub::run() {
    Clock::time_point next_heartbeat = Clock::now() + options_.heartbeat;
    Clock::time_point next_poll = Clock::now() + options_.poll;
    bool backlog = false;
    std::unique_lock lock(mutex_);
    for (;;) {
        const bool replaying = std::any_of(subscribers_.begin(), subscribers_.end(),
                                           [](const auto& s) { return s->replaying; });
        Clock::time_point deadline = next_heartbeat;
        if (!subscribers_.empty()) deadline = std::min(deadline, next_poll);
        if (replaying) deadline = std::min(deadline, Clock::now() + kReplayRecheck);
        if (!backlog) {
            wake_.wait_until(lock, deadline,
                             [this] { return stopping_ || notified_ || !joining_.empty(); });
        }
        if (stopping_) break;
        const bool notified = std::exchange(notified_, false);
        auto joining = std::move(joining_);
        joining_.clear();
        lock.unlock();

        for (auto& [subscription, writer] : joining) {
            add(std::move(subscription), std::move(writer));
        }
        const Clock::time_point now = Clock::now();
        if (notified || backlog || now >= next_poll) {
            backlog = fan_out_new();
            next_poll = now + options_.poll;
        }
        for (auto& subscriber : subscribers_) {
            if (subscriber->replaying) replay_some(*subscriber);
        }
        if (now >= next_heartbeat) {
            send_heartbeats();
            next_heartbeat = now + options_.heartbeat;
        }
        prune();
        publish_client_count();
        lock.lock();
    }
    lock.unlock();
    for (auto& subscriber : subscribers_) subscriber->writer->close();
    subscribers_.clear();
    publish_client_count();
}

void StreamHub::add(StreamSubscription subscription, std::shared_ptr<StreamWriter> writer) {
    if (subscribers_.empty()) {
        // Nobody listened, so nothing kept last_seq_ current (imports write without
        // notifying): a live stream starts at the store's end as it is now.
        if (auto last = reader_->last_event_seq(); last) {
            last_seq_ = std::max(last_seq_, *last);
        } else {
            note_error(last.error());
        }
    }
    auto subscriber = std::make_unique<Subscriber>();
    subscriber->filter = std::move(subscription.filter);
    subscriber->writer = std::move(writer);
    subscriber->cursor = last_seq_;
    if (subscription.resume_after && *subscription.resume_after < last_seq_) {
        subscriber->cursor = std::max<int64_t>(*subscription.resume_after, 0);
        subscriber->replaying = true;
        subscriber->replay_left = options_.replay_limit;
    } else if (!subscription.resume_after && subscription.tail > 0) {
        // A tail is a resume from just before the last N matching events: replayed
        // like one, and whatever is stored meanwhile follows without a gap.
        auto from = reader_->seq_before_last(last_seq_, subscriber->filter, subscription.tail);
        if (!from) {
            note_error(from.error());  // the stream still goes live
        } else if (*from < last_seq_) {
            subscriber->cursor = std::max<int64_t>(*from, 0);
            subscriber->replaying = true;
            subscriber->replay_left = std::max(options_.replay_limit, subscription.tail);
        }
    }
    clients_total_.fetch_add(1, std::memory_order_relaxed);
    // Something to read at once, so a client knows the stream is open.
    if (!push(*subscriber, ": connected\n\n")) return;
    if (subscriber->replaying) replay_some(*subscriber);
    subscribers_.push_back(std::move(subscriber));
}

bool StreamHub::replay_some(Subscriber& s) {
    while (s.replaying && !s.gone && s.writer->queued_bytes() < options_.client_queue_bytes / 2) {
        if (s.replay_left == 0) {
            // Bounded: the client learns where the gap is and continues live.
            push(s, ": replay limit of " + std::to_string(options_.replay_limit) +
                        " events reached; events up to id " + std::to_string(last_seq_) +
                        " were skipped\n\n");
            s.cursor = last_seq_;
            s.replaying = false;
            break;
        }
        const size_t want = std::min(options_.read_batch, s.replay_left);
        size_t read = 0;
        bool caught_up = false;
        const Status status =
            reader_->scan_events_after(s.cursor, s.filter, want, [&](int64_t seq, const Event& e) {
                ++read;
                if (caught_up || seq > last_seq_) {
                    caught_up = true;  // the live feed has it from here
                    return;
                }
                if (!push(s, sse_message(seq, e))) return;
                replayed_.fetch_add(1, std::memory_order_relaxed);
                s.cursor = seq;
                --s.replay_left;
            });
        if (!status) {
            note_error(status.error());
            return true;  // tried again on the next pass
        }
        if (caught_up || read < want) {
            s.cursor = last_seq_;
            s.replaying = false;
        }
    }
    return s.replaying;
}

bool StreamHub::fan_out_new() {
    const bool anyone_live = std::any_of(subscribers_.begin(), subscribers_.end(),
                                         [](const auto& s) { return !s->replaying && !s->gone; });
    if (!anyone_live) {
        // Replaying subscribers read up to last_seq_ on their own.
        if (auto last = reader_->last_event_seq(); last) {
            last_seq_ = std::max(last_seq_, *last);
        } else {
            note_error(last.error());
        }
        return false;
    }
    for (size_t batch = 0; batch < kBatchesPerPass; ++batch) {
        // Checked per batch, not per event: a burst is not a slow client, but one that
        // still has more than its bound queued when the next batch comes is.
        for (auto& s : subscribers_) {
            if (!s->replaying) cut_off_if_behind(*s);
        }
        size_t read = 0;
        const Status status = reader_->scan_events_after(
            last_seq_, {}, options_.read_batch, [&](int64_t seq, const Event& e) {
                ++read;
                std::string message;
                for (auto& s : subscribers_) {
                    if (s->replaying || s->gone || !matches(s->filter, e)) continue;
                    if (message.empty()) message = sse_message(seq, e);
                    push(*s, message);
                }
                last_seq_ = seq;
                for (auto& s : subscribers_) {
                    if (!s->replaying) s->cursor = seq;
                }
            });
        if (!status) {
            note_error(status.error());
            return false;
        }
        if (read < options_.read_batch) return false;
    }
    return true;  // more stored than one pass takes
}

void StreamHub::send_heartbeats() {
    for (auto& s : subscribers_) {
        if (!s->replaying && cut_off_if_behind(*s)) continue;
        push(*s, ": heartbeat\n\n");
    }
}

void StreamHub::prune() {
    std::erase_if(subscribers_, [](const auto& s) { return s->gone || s->writer->closed(); });
}

bool StreamHub::cut_off_if_behind(Subscriber& s) {
    if (s.gone || s.writer->queued_bytes() <= options_.client_queue_bytes) return false;
    // Never wait for a client: it resumes with Last-Event-ID when it comes back.
    s.writer->reset();
    s.gone = true;
    dropped_slow_.fetch_add(1, std::memory_order_relaxed);
    return true;
}

bool StreamHub::push(Subscriber& s, std::string bytes) {
    if (s.gone) return false;
    if (s.writer->closed()) {
        s.gone = true;
        return false;
    }
    // Counted before the write: the client may have it before write() returns.
    const bool is_event = bytes.front() == 'i';
    if (is_event) events_sent_.fetch_add(1, std::memory_order_relaxed);
    if (!s.writer->write(std::move(bytes))) {
        if (is_event) events_sent_.fetch_sub(1, std::memory_order_relaxed);
        s.gone = true;
        return false;
    }
    return true;
}

}  // namespace agent_trace::server
