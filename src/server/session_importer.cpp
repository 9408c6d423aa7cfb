#include "server/session_importer.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "ingest/transcript/importer.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace agent_trace::server {

SessionImporter::SessionImporter(SessionImporterOptions options) : options_(std::move(options)) {}

SessionImporter::~SessionImporter() { stop(); }

void SessionImporter::start() {
    thread_ = std::thread([this] { run(); });
}

void SessionImporter::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void SessionImporter::request(const std::vector<std::string>& paths) {
    const auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        for (const std::string& path : paths) {
            ++stats_.files_requested;
            due_.emplace(now, path);
            for (const auto delay : options_.follow_ups) due_.emplace(now + delay, path);
        }
    }
    wake_.notify_all();
}

SessionImporterStats SessionImporter::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

void SessionImporter::run() {
    if (!options_.history_roots.empty()) import_paths(options_.history_roots, 0);
    {
        std::lock_guard lock(mutex_);
        stats_.history_done = true;
    }
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (due_.empty()) {
            wake_.wait(lock);
            continue;
        }
        const auto next = due_.begin()->first;
        if (next > std::chrono::steady_clock::now()) {
            wake_.wait_until(lock, next);
            continue;
        }
        std::set<std::string> batch;
        const auto now = std::chrono::steady_clock::now();
        while (!due_.empty() && due_.begin()->first <= now) {
            batch.insert(due_.begin()->second);
            due_.erase(due_.begin());
        }
        lock.unlock();
        import_paths({batch.begin(), batch.end()}, 1);
        lock.lock();
    }
}

void SessionImporter::import_paths(const std::vector<std::string>& paths, unsigned threads) {
    transcript::ImportOptions options;
    for (const std::string& path : paths) {
        std::error_code ec;
        if (std::filesystem::exists(path, ec)) options.roots.push_back(path);
    }
    if (options.roots.empty()) return;
    {
        std::lock_guard lock(mutex_);
        for (const std::string& root : options.roots) {
            if (root.ends_with(".jsonl") && sessions_seen_.insert(root).second) ++stats_.sessions;
        }
    }
    options.threads = threads;
    options.max_problems = 0;
    std::string error;
    uint64_t written = 0;
    if (!store_) {
        auto opened = open_sqlite_store(options_.database_path);
        if (opened) {
            store_ = std::move(*opened);
        } else {
            error = opened.error().message;
        }
    }
    if (store_) {
        auto summary = transcript::import_transcripts(options, *store_, *store_);
        if (!summary) {
            error = summary.error().message;
            store_.reset();  // drops what the failed import left uncommitted; reopened next time
        } else {
            written = summary->events_written;
            if (!summary->errors.empty()) error = summary->errors.front();
        }
    }
    std::lock_guard lock(mutex_);
    ++stats_.imports;
    stats_.events_written += written;
    stats_.last_import_at = now_us();
    if (!error.empty()) {
        ++stats_.errors;
        stats_.last_error = error;
    }
}

}  // namespace agent_trace::server
