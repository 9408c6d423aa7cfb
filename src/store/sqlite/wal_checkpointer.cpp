#include "store/sqlite/wal_checkpointer.hpp"

namespace agent_trace::sqlite {

WalCheckpointer::WalCheckpointer(const std::string& path) {
    auto db = open_connection(path, SQLITE_OPEN_READWRITE, 1000);
    if (!db) return;
    db_ = std::move(*db);
    // A connection learns the file is in WAL mode only once it has read it.
    if (!exec(db_.get(), "PRAGMA journal_mode").ok()) {
        db_.reset();
        return;
    }
    thread_ = std::thread([this] { run(); });
}

WalCheckpointer::~WalCheckpointer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void WalCheckpointer::poke() {
    {
        std::lock_guard lock(mutex_);
        poked_ = true;
    }
    wake_.notify_all();
}

void WalCheckpointer::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return poked_ || stopping_; });
        if (stopping_) return;
        poked_ = false;
        lock.unlock();
        // PASSIVE never blocks the writer; frames it cannot copy yet wait for the next poke.
        (void)sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                        nullptr);
        lock.lock();
    }
}

}  // namespace agent_trace::sqlite
