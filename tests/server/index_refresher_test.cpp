// serve keeps the fused index current by itself: the real ServeApp imports a
// captured transcript at start and fuses it; a hook event for a new session,
// once stored, gets that session fused too. Read back through /healthz and the
// fused index in the SQLite file.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "../support/test_support.hpp"
#include "cli/hook_handler/loopback_http.hpp"
#include "server/serve_app.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace agent_trace::server {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kCapturedSession = "90eb1b36-d9c1-4907-8f64-8aa363e92f2f";

rapidjson::Document health(const ServeApp& app) {
    rapidjson::Document doc;
    doc.Parse(app.health_json().c_str());
    EXPECT_FALSE(doc.HasParseError());
    return doc;
}

bool fused(const fs::path& database, const std::string& session_id) {
    auto store = open_sqlite_store(database.string());
    if (!store) return false;
    auto row = (*store)->find_session(session_id);
    return row.ok() && row->has_value();
}

template <class Predicate>
bool eventually(Predicate predicate) {
    for (int i = 0; i < 1000; ++i) {
        if (predicate()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return predicate();
}

TEST(ServeIndex, HistoryAndNewHookEventsEndUpFused) {
    testing_support::TempDir dir;
    const fs::path roots = dir.file("transcripts");
    fs::copy(fs::path(AGENT_TRACE_SOURCE_DIR) / "tests/fixtures/captures/basic/transcripts", roots,
             fs::copy_options::recursive);
    ServeOptions options;
    options.data_dir = dir.file("data").string();
    options.hooks_port = 0;
    options.otlp_grpc = false;
    options.api = false;
    options.history_roots = {roots.string()};
    options.queue_sync = QueueSync::none;
    auto app = ServeApp::start(options);
    ASSERT_TRUE(app.ok()) << app.error().message;
    const fs::path database = dir.file("data") / "agent-trace.db";

    EXPECT_TRUE(eventually([&] { return fused(database, kCapturedSession); }));
    EXPECT_TRUE(eventually([&] { return health(**app)["index"]["stale"].GetUint64() == 0; }));
    EXPECT_GE(health(**app)["index"]["fused"].GetUint64(), 1u);

    auto url = cli::parse_loopback_url("http://127.0.0.1:" + std::to_string((*app)->hooks_port()));
    ASSERT_TRUE(url.ok());
    const auto posted = cli::http_request(
        *url, "POST", "/v1/hooks",
        R"({"session_id":"fresh-session","hook_event_name":"PreToolUse","tool_name":"Bash",)"
        R"("tool_use_id":"toolu_1","cwd":"/work/fresh","transcript_path":"/nonexistent/f.jsonl"})",
        "application/json", 10'000ms);
    ASSERT_TRUE(posted.ok());
    ASSERT_EQ(posted->status, 200);
    EXPECT_TRUE(eventually([&] { return fused(database, "fresh-session"); }));
    EXPECT_EQ(health(**app)["index"]["errors"].GetUint64(), 0u);
}

}  // namespace
}  // namespace agent_trace::server
