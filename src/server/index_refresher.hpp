#pragma once
// Keeps the fused index current inside `serve`: a thread with its own store
// connection runs SessionIndexer passes once at start (a history import or a new
// schema leaves sessions stale) and shortly after each stored batch (debounced,
// so a burst of hook events costs one pass), until nothing is stale. Transcript
// imports write through other connections, so it also looks now and then.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/pricing.hpp"
#include "core/result.hpp"
#include "query/session_indexer.hpp"
#include "server/serve_metrics.hpp"
#include "store/store.hpp"

namespace agent_trace::server {

struct IndexRefresherOptions {
    std::string database_path;
    const PricingTable* pricing = nullptr;  // must outlive the refresher
    std::chrono::milliseconds debounce{100};
    std::chrono::milliseconds idle_poll{2000};
    std::chrono::milliseconds retry_after_error{1000};
    size_t sessions_per_pass = 256;
    size_t stale_count_cap = 10'000;  // /healthz counts stale sessions up to this many
};

struct IndexRefresherStats {
    IndexStatus status;
    std::string last_error;
};

class IndexRefresher {
public:
    explicit IndexRefresher(IndexRefresherOptions options);
    ~IndexRefresher();  // stops and joins
    IndexRefresher(const IndexRefresher&) = delete;
    IndexRefresher& operator=(const IndexRefresher&) = delete;

    void start();
    void stop();  // after the pass in hand
    // Events were stored: refresh soon. Cheap; any thread.
    void notify();
    [[nodiscard]] IndexRefresherStats stats() const;

private:
    void run();
    void refresh_until_current();

    IndexRefresherOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool notified_ = true;  // the pass at start
    IndexRefresherStats stats_;
    // The thread's own (opened on first use, reopened after a failure).
    std::unique_ptr<Store> store_;
    std::unique_ptr<SessionIndexer> indexer_;
    std::thread thread_;
};

}  // namespace agent_trace::server
