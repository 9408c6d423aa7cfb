// The real `agent-trace init` and `agent-trace status` binaries, with HOME,
// CLAUDE_CONFIG_DIR and the agent-trace directories pointed at a temp dir, and
// a server URL on which nothing listens (a bound, never listening socket).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../support/run_binary.hpp"
#include "../support/store_support.hpp"
#include "../support/test_support.hpp"

namespace agent_trace {
namespace {

using testing_support::TempDir;
using testing_support::write_file;

using testing_support::RunResult;

std::string read(const std::filesystem::path& path) {
    return testing_support::read_file_text(path);
}

// A port on 127.0.0.1 that refuses connections for as long as this object lives.
class RefusingPort {
public:
    RefusingPort() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        socklen_t len = sizeof addr;
        EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
        port_ = ntohs(addr.sin_port);
    }
    ~RefusingPort() { ::close(fd_); }
    RefusingPort(const RefusingPort&) = delete;
    RefusingPort& operator=(const RefusingPort&) = delete;
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    int fd_ = -1;
    int port_ = 0;
};

class InitStatusCli : public ::testing::Test {
protected:
    TempDir dir;
    std::filesystem::path home = dir.path() / "home";
    std::filesystem::path claude_dir = dir.path() / "claude";
    std::filesystem::path settings = claude_dir / "settings.json";
    std::filesystem::path config = dir.path() / "config";
    std::filesystem::path data = dir.path() / "data";
    std::filesystem::path project = dir.path() / "project";
    RefusingPort refusing;

    void SetUp() override {
        std::filesystem::create_directories(home);
        std::filesystem::create_directories(project);
    }

    // Runs the front binary (which execs the engine) in `project`, stdin empty.
    [[nodiscard]] RunResult run(const std::vector<std::string>& args) const {
        std::vector<std::string> argv = {AGENT_TRACE_BINARY};
        argv.insert(argv.end(), args.begin(), args.end());
        return testing_support::run_binary(argv,
                                           {
                                               "PATH=/usr/bin:/bin",
                                               "TZ=UTC",
                                               "HOME=" + home.string(),
                                               "CLAUDE_CONFIG_DIR=" + claude_dir.string(),
                                               "AGENT_TRACE_CONFIG_DIR=" + config.string(),
                                               "AGENT_TRACE_DATA_DIR=" + data.string(),
                                           },
                                           dir.path(), project);
    }

    static std::string front_path() {
        return std::filesystem::canonical(AGENT_TRACE_BINARY).lexically_normal().string();
    }
};

TEST_F(InitStatusCli, InitWiresAFreshInstallAndASecondRunChangesNothing) {
    const RunResult first = run({"init", "--server", refusing.url()});
    ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
    EXPECT_NE(first.out.find("Wired Claude Code to agent-trace (user scope)"), std::string::npos)
        << first.out;
    EXPECT_NE(first.out.find("32 hook events (32 added)"), std::string::npos) << first.out;
    EXPECT_NE(first.out.find("handler    ok"), std::string::npos) << first.out;
    EXPECT_NE(first.out.find("not running at " + refusing.url()), std::string::npos);
    EXPECT_NE(first.out.find("agent-trace serve"), std::string::npos);

    const auto json = nlohmann::json::parse(read(settings));
    const std::string command = json["hooks"]["PreToolUse"][0]["hooks"][0]["command"];
    EXPECT_EQ(command, front_path() + " hook-handler --server " + refusing.url());
    EXPECT_EQ(json["env"]["OTEL_EXPORTER_OTLP_ENDPOINT"], refusing.url());
    EXPECT_TRUE(std::filesystem::exists(config / "init-manifest.json"));

    const std::string wired = read(settings);
    const RunResult second = run({"init", "--server", refusing.url()});
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_NE(second.out.find("already wired"), std::string::npos) << second.out;
    EXPECT_EQ(read(settings), wired);
    for (const auto& entry : std::filesystem::directory_iterator(claude_dir)) {
        EXPECT_EQ(entry.path().filename(), "settings.json");  // no backup, no temp file
    }

    const RunResult removed = run({"init", "--uninstall"});
    ASSERT_EQ(removed.exit_code, 0) << removed.err;
    EXPECT_NE(removed.out.find("Removed agent-trace"), std::string::npos) << removed.out;
    EXPECT_FALSE(std::filesystem::exists(settings));
}

TEST_F(InitStatusCli, DryRunPrintsADiffAndWritesNothing) {
    const RunResult dry = run({"init", "--dry-run", "--scope", "local", "--tier", "2"});
    ASSERT_EQ(dry.exit_code, 0) << dry.err;
    const std::string local = (project / ".claude" / "settings.local.json").string();
    EXPECT_EQ(dry.out.rfind("--- /dev/null\n+++ " + local + "\n@@ -0,0 +1,", 0), 0U) << dry.out;
    EXPECT_NE(dry.out.find("+    \"OTEL_LOG_USER_PROMPTS\": \"1\""), std::string::npos);
    EXPECT_NE(dry.out.find("hook-handler --tier 2"), std::string::npos);
    EXPECT_NE(dry.out.find("(dry run: nothing was written)"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(project / ".claude"));
    EXPECT_FALSE(std::filesystem::exists(config / "init-manifest.json"));
}

TEST_F(InitStatusCli, InvalidSettingsAreLeftUntouchedAndNamed) {
    const std::string broken = "{\"model\": \"opus\",}\n";
    write_file(settings, broken);
    const RunResult r = run({"init"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(settings.string() + ":1:18: invalid JSON"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("nothing was changed"), std::string::npos);
    EXPECT_EQ(read(settings), broken);
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(claude_dir),
                            std::filesystem::directory_iterator()),
              1);
}

TEST_F(InitStatusCli, NonLoopbackServerIsRefused) {
    const RunResult r = run({"init", "--server", "http://example.com:8317"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("--server"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(settings));
}

TEST_F(InitStatusCli, StatusWithNoServerAndNoWiringListsBothProblemsAndLocalFacts) {
    write_file(data / "spool" / "hooks.spool", "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
    write_file(data / "dlq" / "0001.json", "{}");
    write_file(data / "dlq" / "0002.json", "{}");
    const RunResult r = run({"status", "--server", refusing.url()});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("Server     DOWN: nothing answers at " + refusing.url()),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("Store      none yet at " + (data / "agent-trace.db").string()),
              std::string::npos);
    EXPECT_NE(r.out.find("Spool      3 hook event(s) waiting"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("DLQ        2 dead letter(s)"), std::string::npos);
    EXPECT_NE(r.out.find("Problems (2)"), std::string::npos);
    EXPECT_NE(r.out.find("fix: start it: agent-trace serve"), std::string::npos);
    EXPECT_NE(r.out.find("fix: agent-trace init"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(data / "agent-trace.db"));  // never created by status
}

TEST_F(InitStatusCli, StatusJsonShowsTheWiringAndTheStoreActivity) {
    ASSERT_EQ(run({"init", "--server", refusing.url()}).exit_code, 0);
    {
        auto store = testing_support::open_store(data / "agent-trace.db");
        ASSERT_NE(store, nullptr);
        Event e = testing_support::api_request_event("msg_1", now_us() - 60'000'000);
        e.ingest_ts = now_us();
        e.session_id = "s1";
        e.model = "claude-sonnet-4-5";
        const Status written = testing_support::commit_batch(*store, {e});
        ASSERT_TRUE(written.ok()) << written.error().message;
    }
    const RunResult r = run({"status", "--json", "--server", refusing.url()});
    EXPECT_EQ(r.exit_code, 1) << r.err;  // the server is still down
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_FALSE(j["healthy"].get<bool>());
    EXPECT_FALSE(j["server"]["reachable"].get<bool>());
    ASSERT_EQ(j["problems"].size(), 1U) << j["problems"].dump();
    EXPECT_NE(j["problems"][0]["problem"].get<std::string>().find("server not reachable"),
              std::string::npos);
    EXPECT_EQ(j["claude_code"][0]["scope"], "user");
    EXPECT_EQ(j["claude_code"][0]["path"], settings.string());
    EXPECT_EQ(j["claude_code"][0]["hook_events_wired"], 32);
    EXPECT_EQ(j["claude_code"][0]["telemetry"]["OTEL_EXPORTER_OTLP_ENDPOINT"], refusing.url());
    EXPECT_EQ(j["claude_code"][1]["exists"], false);
    ASSERT_EQ(j["store"]["sources"].size(), 1U);
    EXPECT_EQ(j["store"]["sources"][0]["source"], "transcript");
    EXPECT_EQ(j["store"]["sources"][0]["events_last_hour"], 1);
    EXPECT_EQ(j["spool"]["pending_records"], 0);
    EXPECT_EQ(j["dlq"]["count"], 0);
}

TEST_F(InitStatusCli, StatusFlagsAHookCommandWhoseProgramIsGone) {
    write_file(settings, R"({"hooks": {"Stop": [{"hooks": [
        {"type": "command", "command": "/nonexistent/agent-trace hook-handler"}]}]}})");
    const RunResult r = run({"status", "--server", refusing.url()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find("names a program that cannot run"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("1/32 hook events"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace agent_trace
