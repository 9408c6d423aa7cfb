#pragma once
// Imports transcripts from inside `serve`: the whole history once at start, then
// the files of a session whenever its hooks say a turn or the session ended, so a
// session is complete without a manual `import`. Claude Code writes transcripts
// asynchronously, so each request is repeated after short delays; imports are
// incremental (checkpoints), which makes the repeats cheap.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/time.hpp"
#include "store/store.hpp"

namespace agent_trace::server {

struct SessionImporterOptions {
    std::string database_path;
    std::vector<std::string> history_roots;  // imported once at start; empty: none
    std::vector<std::chrono::milliseconds> follow_ups{std::chrono::milliseconds(1500),
                                                      std::chrono::milliseconds(8000)};
};

struct SessionImporterStats {
    uint64_t imports = 0;  // import runs
    uint64_t files_requested = 0;
    uint64_t sessions = 0;  // distinct session transcripts asked for
    uint64_t events_written = 0;
    uint64_t errors = 0;
    bool history_done = false;
    TimestampUs last_import_at = 0;
    std::string last_error;
};

class SessionImporter {
public:
    explicit SessionImporter(SessionImporterOptions options);
    ~SessionImporter();
    SessionImporter(const SessionImporter&) = delete;
    SessionImporter& operator=(const SessionImporter&) = delete;

    void start();
    void stop();
    // Import `paths` (transcript files or directories) now and again at each follow-up.
    void request(const std::vector<std::string>& paths);
    [[nodiscard]] SessionImporterStats stats() const;

private:
    void run();
    void import_paths(const std::vector<std::string>& paths, unsigned threads);

    SessionImporterOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::multimap<std::chrono::steady_clock::time_point, std::string> due_;
    bool stopping_ = false;
    SessionImporterStats stats_;
    std::set<std::string> sessions_seen_;
    // The importer thread's own connection, kept open between imports (every Stop of
    // every session asks for one); reopened after a failed import.
    std::unique_ptr<Store> store_;
    std::thread thread_;
};

}  // namespace agent_trace::server
