// The importer inside `serve`, against a real SQLite store and a real Claude Code
// transcript (the subagent capture): a request imports the session and its
// subagents, repeats are incremental, missing paths are ignored.
#include "server/session_importer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "../support/store_support.hpp"
#include "../support/test_support.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace agent_trace::server {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing_support::TempDir;

constexpr const char* kSession = "a250a2fb-4004-47c9-9810-5d6d31d5c610";

fs::path copy_subagent_capture(const fs::path& into) {
    const fs::path from = fs::path(AGENT_TRACE_SOURCE_DIR) /
                          "tests/fixtures/captures/subagent/transcripts/"
                          "-home-user-agent-trace-e2e-repo";
    fs::path to = into / "projects" / "-home-user-agent-trace-e2e-repo";
    fs::create_directories(to);
    fs::copy(from, to, fs::copy_options::recursive);
    return to;
}

bool wait_for(const std::function<bool()>& done) {
    for (int i = 0; i < 400; ++i) {  // 20 s at most
        if (done()) return true;
        std::this_thread::sleep_for(50ms);
    }
    return done();
}

TEST(SessionImporter, ImportsTheSessionAndItsSubagentsWhenAsked) {
    TempDir dir;
    const fs::path project = copy_subagent_capture(dir.path());
    const std::string db = (dir.path() / "agent-trace.db").string();
    SessionImporterOptions options;
    options.database_path = db;
    options.follow_ups = {100ms};
    SessionImporter importer(options);
    importer.start();
    const fs::path transcript = project / (std::string(kSession) + ".jsonl");
    importer.request({transcript.string(), (project / kSession / "subagents").string(),
                      (dir.path() / "no-such-file.jsonl").string()});
    ASSERT_TRUE(wait_for([&] { return importer.stats().imports >= 2; }));
    const uint64_t written = importer.stats().events_written;
    // Asked again (the next Stop of the session): incremental, nothing new to write.
    importer.request({transcript.string()});
    ASSERT_TRUE(wait_for([&] { return importer.stats().imports >= 4; }));
    importer.stop();
    const SessionImporterStats stats = importer.stats();
    EXPECT_EQ(stats.events_written, written);
    EXPECT_EQ(stats.errors, 0U) << stats.last_error;
    EXPECT_EQ(stats.sessions, 1U);
    EXPECT_TRUE(stats.history_done);

    auto store = open_sqlite_store(db);
    ASSERT_TRUE(store.ok());
    const auto rows = testing_support::scan_rows(**store);
    ASSERT_FALSE(rows.empty());
    bool main = false;
    bool sidechain = false;
    for (const auto& r : rows) {
        EXPECT_EQ(r.session, kSession);
        (r.sidechain ? sidechain : main) = true;
    }
    EXPECT_TRUE(main) << "the session's own calls";
    EXPECT_TRUE(sidechain) << "the subagent's calls, from <session>/subagents/";
    EXPECT_GE(stats.events_written, rows.size());
}

TEST(SessionImporter, ImportsTheHistoryOnceAtStart) {
    TempDir dir;
    copy_subagent_capture(dir.path());
    SessionImporterOptions options;
    options.database_path = (dir.path() / "agent-trace.db").string();
    options.history_roots = {(dir.path() / "projects").string()};
    SessionImporter importer(options);
    importer.start();
    ASSERT_TRUE(wait_for([&] { return importer.stats().history_done; }));
    importer.stop();
    EXPECT_EQ(importer.stats().imports, 1U);
    EXPECT_GT(importer.stats().events_written, 0U);
    EXPECT_EQ(importer.stats().errors, 0U) << importer.stats().last_error;
}

TEST(SessionImporter, StopsPromptlyWithFollowUpsPending) {
    TempDir dir;
    SessionImporterOptions options;
    options.database_path = (dir.path() / "agent-trace.db").string();
    options.follow_ups = {std::chrono::milliseconds(60'000)};
    SessionImporter importer(options);
    importer.start();
    importer.request({(dir.path() / "later.jsonl").string()});
    const auto started = std::chrono::steady_clock::now();
    importer.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

}  // namespace
}  // namespace agent_trace::server
