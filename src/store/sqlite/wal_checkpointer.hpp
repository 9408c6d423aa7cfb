#pragma once
// Copies committed WAL frames into the database file from a thread of its own,
// so a long import overlaps that I/O (and its fsyncs) with CPU work instead of
// paying it all when the last connection closes.
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite/sqlite_handle.hpp"

namespace agent_trace::sqlite {

class WalCheckpointer {
public:
    // Opens its own connection to `path`; does nothing if that fails (the
    // writer's close-time checkpoint still happens).
    explicit WalCheckpointer(const std::string& path);
    ~WalCheckpointer();
    WalCheckpointer(const WalCheckpointer&) = delete;
    WalCheckpointer& operator=(const WalCheckpointer&) = delete;

    // Asks for a checkpoint soon (after a commit).
    void poke();

private:
    void run();

    DbPtr db_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool poked_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace agent_trace::sqlite
