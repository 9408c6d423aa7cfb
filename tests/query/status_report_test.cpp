// The status report `agent-trace status --json` prints and serve answers at
// GET /api/v1/status, built from a server health document handed in, a real
// SQLite store, a data directory and Claude Code settings in a temp dir.
#include "query/status_report.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../api/api_test_support.hpp"
#include "../support/store_support.hpp"
#include "../support/test_support.hpp"
#include "core/ids.hpp"
#include "ingest/hooks/claude_settings.hpp"

namespace agent_trace {
namespace {

using testing_support::commit_batch;
using testing_support::open_store;
using testing_support::ScopedEnv;
using testing_support::TempDir;
using testing_support::write_file;

constexpr TimestampUs kSecond = 1'000'000;

std::string text(simdjson::dom::element e) { return std::string(std::string_view(e)); }

Event hook_event(const std::string& session, EventKind kind, TimestampUs ts,
                 const std::string& key) {
    Event e;
    e.event_id = hash_event_id({"status-report", session, key});
    e.source = Source::hook;
    e.kind = kind;
    e.ts = ts;
    e.ingest_ts = ts;
    e.session_id = session;
    return e;
}

class StatusReportTest : public ::testing::Test {
protected:
    void SetUp() override {
        data_ = dir_.path() / "data";
        std::filesystem::create_directories(data_);
        db_ = (data_ / "agent-trace.db").string();
        now_ = now_us();
        auto store = open_store(db_);
        ASSERT_NE(store, nullptr);
        ASSERT_TRUE(
            commit_batch(*store,
                         {hook_event("live-1", EventKind::user_prompt, now_ - 90 * kSecond, "p"),
                          hook_event("live-2", EventKind::user_prompt, now_ - 30 * kSecond, "p"),
                          hook_event("done", EventKind::user_prompt, now_ - 60 * kSecond, "p"),
                          hook_event("done", EventKind::session_end, now_ - 20 * kSecond, "e"),
                          hook_event("old", EventKind::user_prompt, now_ - 7200 * kSecond, "p")})
                .ok());
    }

    StatusInputs inputs(const std::string& health) {
        StatusInputs in;
        in.now = now_;
        in.server = in_process_probe("http://127.0.0.1:8317", health);
        in.data_dir = data_.string();
        in.database_path = db_;
        in.read_only_store = true;
        return in;
    }

    simdjson::dom::element json(const StatusReport& report) {
        json_text_ = status_report_json(report, now_);
        auto parsed = parser_.parse(json_text_);
        EXPECT_FALSE(parsed.error()) << json_text_;
        return parsed.value_unsafe();
    }

    // Claude Code's user settings wired the way `init` wires them.
    void wire_claude_code() {
        SettingsJson settings = SettingsJson::object();
        WiringRecord record;
        WireRequest request;
        request.command = hook_handler_command(
            std::filesystem::canonical(AGENT_TRACE_BINARY).string(), std::nullopt, std::nullopt);
        request.events = events_to_register();
        request.env = telemetry_env(1, "http://127.0.0.1:8317");
        ASSERT_TRUE(merge_wiring(settings, record, request).ok());
        write_file(claude_ / "settings.json", serialize_settings(settings));
    }

    TempDir dir_;
    std::filesystem::path data_;
    std::filesystem::path claude_ = dir_.path() / "claude";
    ScopedEnv claude_env_{"CLAUDE_CONFIG_DIR", (dir_.path() / "claude").string()};
    std::string db_;
    TimestampUs now_ = 0;
    simdjson::dom::parser parser_;
    std::string json_text_;
};

TEST_F(StatusReportTest, UnwiredClaudeCodeIsAProblemWithItsFix) {
    const StatusReport report = collect_status(inputs(R"({"status":"ok"})"));
    EXPECT_FALSE(report.healthy());
    bool saw = false;
    for (const StatusProblem& p : report.problems) {
        saw = saw || (p.problem.find("no Claude Code hooks") != std::string::npos &&
                      p.fix == "agent-trace init");
    }
    EXPECT_TRUE(saw);
    auto doc = json(report);
    EXPECT_FALSE(bool(doc["healthy"]));
    EXPECT_GE(doc["problems"].get_array().size(), 1u);
}

TEST_F(StatusReportTest, ReportsTheStoreLiveSessionsSpoolDlqAndWiring) {
    wire_claude_code();
    const StatusReport report = collect_status(
        inputs(R"({"status":"ok","version":"0.1.0","store":{"available":true,"path":")" + db_ +
               R"("},"listen":{"hooks":"127.0.0.1:8317","dashboard":"127.0.0.1:3100"}})"));
    EXPECT_TRUE(report.healthy()) << json_text_;
    for (const StatusProblem& p : report.problems) ADD_FAILURE() << p.problem;
    auto doc = json(report);
    EXPECT_TRUE(bool(doc["healthy"]));
    EXPECT_TRUE(bool(doc["server"]["reachable"]));
    EXPECT_EQ(text(doc["server"]["url"]), "http://127.0.0.1:8317");
    EXPECT_EQ(text(doc["server"]["health"]["listen"]["dashboard"]), "127.0.0.1:3100");
    EXPECT_EQ(text(doc["data_dir"]), data_.string());
    EXPECT_TRUE(bool(doc["store"]["exists"]));
    EXPECT_GT(int64_t(doc["store"]["bytes"]), 0);
    ASSERT_EQ(doc["store"]["sources"].get_array().size(), 1u);
    auto hooks = doc["store"]["sources"].at(0);
    EXPECT_EQ(text(hooks["source"]), "hook");
    EXPECT_EQ(int64_t(hooks["events_total"]), 5);
    EXPECT_EQ(int64_t(hooks["events_last_hour"]), 4);
    EXPECT_EQ(int64_t(doc["active_sessions"]["count"]), 2);
    EXPECT_EQ(int64_t(doc["active_sessions"]["window_s"]), 300);
    std::vector<std::string> ids;
    for (auto id : doc["active_sessions"]["session_ids"].get_array()) ids.push_back(text(id));
    EXPECT_EQ(ids, (std::vector<std::string>{"live-2", "live-1"}));
    EXPECT_EQ(int64_t(doc["spool"]["pending_records"]), 0);
    EXPECT_EQ(int64_t(doc["dlq"]["count"]), 0);
    // No project directory: the user settings only.
    ASSERT_EQ(doc["claude_code"].get_array().size(), 1u);
    auto user = doc["claude_code"].at(0);
    EXPECT_EQ(text(user["scope"]), "user");
    EXPECT_TRUE(bool(user["exists"]));
    EXPECT_EQ(int64_t(user["hook_events_wired"]), int64_t(user["hook_events_known"]));
    EXPECT_EQ(text(user["telemetry"]["CLAUDE_CODE_ENABLE_TELEMETRY"]), "1");
    EXPECT_FALSE(text(doc["checked_at"]).empty());
}

TEST_F(StatusReportTest, ProjectAndLocalSettingsAreReadFromTheProjectDirectory) {
    StatusInputs in = inputs(R"({"status":"ok"})");
    in.project_dir = dir_.path() / "project";
    write_file(in.project_dir / ".claude" / "settings.local.json", "{ not json");
    const StatusReport report = collect_status(in);
    ASSERT_EQ(report.scopes.size(), 3u);
    EXPECT_EQ(report.scopes[2].scope, SettingsScope::local);
    EXPECT_TRUE(report.scopes[2].exists);
    EXPECT_FALSE(report.scopes[2].error.empty());
    bool saw = false;
    for (const StatusProblem& p : report.problems) {
        saw = saw || p.problem.find("local settings cannot be used") != std::string::npos;
    }
    EXPECT_TRUE(saw);
}

TEST_F(StatusReportTest, AStoreTheServerCannotWriteIsAProblem) {
    wire_claude_code();
    const StatusReport report = collect_status(inputs(
        R"({"status":"degraded","store":{"available":false},"writer":{"last_error":"disk full"}})"));
    EXPECT_FALSE(report.healthy());
    ASSERT_FALSE(report.problems.empty());
    EXPECT_NE(report.problems[0].problem.find("disk full"), std::string::npos);
}

TEST_F(StatusReportTest, NoStoreYetIsNotAnError) {
    StatusInputs in = inputs(R"({"status":"ok"})");
    in.database_path = (dir_.path() / "elsewhere" / "agent-trace.db").string();
    const StatusReport report = collect_status(in);
    EXPECT_FALSE(report.store.exists);
    EXPECT_TRUE(report.store.error.empty());
    EXPECT_FALSE(std::filesystem::exists(in.database_path));  // never created
    auto doc = json(report);
    EXPECT_EQ(int64_t(doc["active_sessions"]["count"]), 0);
}

TEST(ServerProbe, ReadsTheHealthDocumentTolerantly) {
    const ServerProbe probe =
        in_process_probe("http://127.0.0.1:8317",
                         R"({"status":"ok","pid":42,"uptime_s":1.5,"store":{"available":true}})");
    EXPECT_TRUE(probe.healthy_answer());
    EXPECT_EQ(probe.text("/status"), "ok");
    EXPECT_EQ(probe.integer("/pid"), 42);
    EXPECT_EQ(probe.integer("/uptime_s"), 1);
    EXPECT_EQ(probe.flag("/store/available"), true);
    EXPECT_FALSE(probe.text("/pid").has_value());
    EXPECT_FALSE(probe.integer("/missing/deeper").has_value());
    EXPECT_FALSE(probe.flag("not a pointer").has_value());
    const ServerProbe broken = in_process_probe("http://127.0.0.1:8317", "[1,2]");
    EXPECT_FALSE(broken.healthy_answer());
    EXPECT_FALSE(broken.error.empty());
}

TEST(StatusRoute, TheRouterAnswersWithTheReport) {
    api::testing::ApiOverStore api;
    auto doc = api.get_json("/api/v1/status");
    for (const char* key : {"healthy", "server", "data_dir", "store", "active_sessions", "spool",
                            "dlq", "claude_code", "problems", "warnings", "checked_at"}) {
        EXPECT_FALSE(doc[key].error()) << key;
    }
    EXPECT_EQ(int64_t(doc["store"]["sources"].get_array().size()), 3);  // hook, otel, transcript
    const auto unknown = api.get("/api/v1/status?verbose=1");
    EXPECT_EQ(unknown.status, 400);
}

TEST(StatusRoute, WithoutAStatusSourceTheRouteIsNotServed) {
    TempDir dir;
    const std::string db = dir.file("store.db").string();
    api::testing::build_store(db, {});
    api::ApiOptions options;
    options.db_path = db;
    auto router = api::make_api_router(options);
    ASSERT_TRUE(router.ok());
    server::HttpRequest request;
    request.method = "GET";
    request.target = "/api/v1/status";
    EXPECT_EQ((*router)->handle(request).status, 404);
}

}  // namespace
}  // namespace agent_trace
