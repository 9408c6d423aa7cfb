#include "server/index_refresher.hpp"

#include "query/session_indexer.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace agent_trace::server {

IndexRefresher::IndexRefresher(IndexRefresherOptions options) : options_(std::move(options)) {}

IndexRefresher::~IndexRefresher() { stop(); }

void IndexRefresher::start() {
    thread_ = std::thread([this] { run(); });
}

void IndexRefresher::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void IndexRefresher::notify() {
    {
        std::lock_guard lock(mutex_);
        notified_ = true;
    }
    wake_.notify_one();
}

IndexRefresherStats IndexRefresher::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

void IndexRefresher::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, options_.idle_poll, [this] { return stopping_ || notified_; });
        if (stopping_) break;
        // Let a burst of batches settle into one pass.
        if (notified_) {
            wake_.wait_for(lock, options_.debounce, [this] { return stopping_; });
            if (stopping_) break;
        }
        notified_ = false;
        lock.unlock();
        refresh_until_current();
        lock.lock();
    }
}

void IndexRefresher::refresh_until_current() {
    auto failed = [this](const std::string& message) {
        // A fresh connection next time, after a pause.
        indexer_.reset();
        store_.reset();
        std::unique_lock lock(mutex_);
        ++stats_.status.errors;
        stats_.last_error = message;
        notified_ = true;
        wake_.wait_for(lock, options_.retry_after_error, [this] { return stopping_; });
    };
    if (!store_) {
        // Its own connection: fusion reads whole sessions and writes the index without
        // ever holding the writer's connection.
        auto store = open_sqlite_store(options_.database_path);
        if (!store) return failed(store.error().message);
        store_ = std::move(*store);
        const PricingTable& pricing =
            options_.pricing != nullptr ? *options_.pricing : PricingTable::builtin();
        indexer_ = std::make_unique<SessionIndexer>(*store_, *store_, pricing);
    }
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
        }
        auto pass = indexer_->refresh(options_.sessions_per_pass);
        if (!pass) return failed(pass.error().message);
        uint64_t stale = 0;
        if (pass->remaining > 0) {
            auto left = store_->stale_sessions(options_.stale_count_cap);
            stale = left ? left->size() : pass->remaining;
        }
        std::lock_guard lock(mutex_);
        ++stats_.status.passes;
        stats_.status.fused_sessions += pass->fused;
        stats_.status.stale_sessions = stale;
        if (pass->remaining == 0) return;
    }
}

}  // namespace agent_trace::server
