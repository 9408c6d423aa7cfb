#pragma once
// The live event stream (GET /api/v1/stream): one thread, with its own store
// connection, reads what was stored after the last event it saw and fans it out
// to every subscriber whose filter matches, as Server-Sent Events
// (`id: <store seq>`, `event: <kind>`, `data: <event JSON>`).
//
// It never waits for a client: each subscriber's bytes queue in its connection,
// and one whose queue passes the bound is cut off (and counted); it can come back
// with Last-Event-ID and get what it missed. The writer only sets a flag here.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "server/http_server.hpp"
#include "store/event_reader.hpp"

namespace agent_trace::server {

struct StreamHubOptions {
    std::chrono::milliseconds heartbeat{15'000};
    // Also looks for new events this often while anyone listens: other connections
    // (the transcript importer, an `import` process) write without telling the hub.
    std::chrono::milliseconds poll{250};
    // Bytes a subscriber may still have queued (not yet taken by its socket) when the
    // next batch of events is fanned out; past that it is cut off.
    size_t client_queue_bytes = 4u << 20;
    // Events replayed to a subscriber that resumes (Last-Event-ID); past that it goes live.
    // A tail is replayed the same way (never cut below its own length).
    size_t replay_limit = 10'000;
    size_t read_batch = 1'000;  // events read from the store at a time
};

struct StreamHubStats {
    uint64_t clients = 0;        // connected now
    uint64_t clients_total = 0;  // ever connected
    uint64_t events_sent = 0;    // event messages queued to clients (one per client)
    uint64_t dropped_slow = 0;   // clients cut off for not reading
    uint64_t replayed = 0;       // of events_sent, sent as a replay
    uint64_t read_errors = 0;
    std::string last_error;
};

struct StreamSubscription {
    EventFeedFilter filter;
    std::optional<int64_t> resume_after;  // Last-Event-ID
    // Without a resume point: start with the last `tail` stored events that match
    // the filter (replayed, oldest first), then go live.
    size_t tail = 0;
};

class StreamHub {
public:
    StreamHub(std::unique_ptr<EventReader> reader, StreamHubOptions options);
    ~StreamHub();  // stops; open streams are closed
    StreamHub(const StreamHub&) = delete;
    StreamHub& operator=(const StreamHub&) = delete;

    // Reads where the store ends (live streams start there) and starts the thread.
    Status start();
    void stop();
    // Something was stored: read it now. Cheap; any thread.
    void notify();
    // Adds a client; the hub thread replays (when asked) and then streams live.
    void subscribe(StreamSubscription subscription, std::shared_ptr<StreamWriter> writer);
    [[nodiscard]] StreamHubStats stats() const;

private:
    struct Subscriber;
    void run();
    void add(StreamSubscription subscription, std::shared_ptr<StreamWriter> writer);
    bool replay_some(Subscriber& subscriber);
    bool fan_out_new();
    void send_heartbeats();
    void prune();
    bool push(Subscriber& subscriber, std::string bytes);
    bool cut_off_if_behind(Subscriber& subscriber);
    void note_error(const Error& error);
    void publish_client_count();

    std::unique_ptr<EventReader> reader_;  // hub thread only (after start)
    StreamHubOptions options_;
    int64_t last_seq_ = 0;                                  // hub thread
    std::vector<std::unique_ptr<Subscriber>> subscribers_;  // hub thread

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool notified_ = false;
    std::vector<std::pair<StreamSubscription, std::shared_ptr<StreamWriter>>> joining_;
    std::string last_error_;
    uint64_t clients_ = 0;
    std::atomic<uint64_t> clients_total_{0};
    std::atomic<uint64_t> events_sent_{0};
    std::atomic<uint64_t> dropped_slow_{0};
    std::atomic<uint64_t> replayed_{0};
    std::atomic<uint64_t> read_errors_{0};
    std::thread thread_;
};

}  // namespace agent_trace::server
