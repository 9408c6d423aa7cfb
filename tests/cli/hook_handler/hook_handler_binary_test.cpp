// The real `agent-trace hook-handler` binary, run the way Claude Code runs it: the
// payload on a stdin pipe, a bare environment, flags and the event name on the
// command line.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../../support/hook_captures.hpp"
#include "../../support/loopback_server.hpp"
#include "../../support/test_support.hpp"
#include "ingest/hooks/hook_decoder.hpp"
#include "pipeline/spool/spool.hpp"

namespace agent_trace::cli {
namespace {

using testing_support::LoopbackServer;
using testing_support::refused_port;
using testing_support::TempDir;

struct HandlerRun {
    int exit_code = -1;
    std::string out;
    std::string err;
};

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Runs the binary with `input` on a pipe (written by a thread, as Claude Code does),
// stdout and stderr to files.
HandlerRun run_handler(const TempDir& tmp, const std::vector<std::string>& args,
                       const std::string& input) {
    std::vector<std::string> argv_text{AGENT_TRACE_BINARY, "hook-handler"};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(argv_text.size() + 1);
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string home = "HOME=" + tmp.path().string();
    std::string path_env = "PATH=/usr/bin:/bin";
    std::vector<char*> envp{home.data(), path_env.data(), nullptr};

    int pipe_fds[2];
    EXPECT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    const std::string out_path = tmp.file("stdout").string();
    const std::string err_path = tmp.file("stderr").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], STDIN_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[0]);
    EXPECT_EQ(rc, 0) << "cannot run " << AGENT_TRACE_BINARY;
    std::thread writer([&] {
        std::string_view rest = input;
        while (!rest.empty()) {
            const ssize_t n = ::write(pipe_fds[1], rest.data(), rest.size());
            if (n <= 0) break;
            rest.remove_prefix(static_cast<size_t>(n));
        }
        ::close(pipe_fds[1]);
    });
    HandlerRun run;
    int status = 0;
    if (rc == 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status)) {
        run.exit_code = WEXITSTATUS(status);
    }
    writer.join();
    run.out = read_file(out_path);
    run.err = read_file(err_path);
    return run;
}

std::vector<std::string> spooled_lines(const std::filesystem::path& data_dir) {
    std::vector<std::string> lines;
    std::ifstream in(data_dir / "spool/hooks.spool");
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

std::string refused_url() { return "http://127.0.0.1:" + std::to_string(refused_port()); }

hooks::HookDecodeOptions decode_options(uint8_t max_tier) {
    hooks::HookDecodeOptions options;
    options.max_tier = max_tier;
    options.now = testing_support::at("2026-11-25T20:00:00Z");
    return options;
}

std::string payload_of(std::string_view scenario, std::string_view event) {
    for (const auto& hook : testing_support::captured_hooks()) {
        if (hook.scenario == scenario && hook.event == event) return hook.payload;
    }
    ADD_FAILURE() << "no " << event << " in " << scenario;
    return "{}";
}

TEST(HookHandlerBinary, ServerDownSpoolsARecordThatDecodes) {
    TempDir tmp;
    const std::string payload = payload_of("basic", "PostToolUse");
    const HandlerRun run = run_handler(tmp,
                                       {"--tier", "1", "--server", refused_url(), "--data-dir",
                                        tmp.file("data").string(), "PostToolUse"},
                                       payload);
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(run.err, "");
    const auto lines = spooled_lines(tmp.file("data"));
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].find("ls -la"), std::string::npos);  // tier 1: no command
    EXPECT_EQ(lines[0].find("README.md"), std::string::npos);

    auto decoded = hooks::decode_hook_body(lines[0], decode_options(3));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    ASSERT_EQ(decoded->size(), 1u);
    const auto& event = (*decoded)[0];
    ASSERT_TRUE(event.ok()) << event.error().message;
    EXPECT_EQ(event->kind, EventKind::tool_end);
    EXPECT_EQ(event->tier, 1);
    EXPECT_EQ(event->tool_name, "Bash");
    EXPECT_EQ(event->success, std::optional<bool>(true));
    EXPECT_NE(event->ts, decode_options(3).now);  // the capture time from the envelope
    EXPECT_NE(event->attrs.find(R"("hook_event_name":"PostToolUse")"), std::string::npos)
        << event->attrs;
}

TEST(HookHandlerBinary, TierThreeKeepsContentInTheSpool) {
    TempDir tmp;
    const HandlerRun run = run_handler(
        tmp, {"--tier=3", "--server=" + refused_url(), "--data-dir=" + tmp.file("data").string()},
        payload_of("basic", "PostToolUse"));
    EXPECT_EQ(run.exit_code, 0);
    const auto lines = spooled_lines(tmp.file("data"));
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("ls -la"), std::string::npos);
    EXPECT_NE(lines[0].find(R"("tier":3)"), std::string::npos);
}

TEST(HookHandlerBinary, ServerUpReceivesTheEnvelope) {
    TempDir tmp;
    LoopbackServer server(200, R"({"accepted":1})");
    const HandlerRun run = run_handler(
        tmp,
        {"--server", server.url(), "--data-dir", tmp.file("data").string(), "UserPromptSubmit"},
        payload_of("basic", "UserPromptSubmit"));
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(run.err, "");
    const auto requests = server.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_TRUE(requests[0].head.starts_with("POST /v1/hooks "));
    EXPECT_EQ(requests[0].body.find("List the files"), std::string::npos);  // the prompt
    EXPECT_NE(requests[0].body.find(R"("prompt_length":)"), std::string::npos);
    auto decoded = hooks::decode_hook_body(requests[0].body, decode_options(1));
    ASSERT_TRUE(decoded.ok());
    ASSERT_TRUE((*decoded)[0].ok()) << (*decoded)[0].error().message;
    EXPECT_EQ((*decoded)[0]->kind, EventKind::user_prompt);
    EXPECT_FALSE(std::filesystem::exists(tmp.file("data/spool/hooks.spool")));
}

TEST(HookHandlerBinary, ARejectionIsFinalAServerErrorIsSpooled) {
    TempDir tmp;
    const std::string payload = payload_of("basic", "Stop");
    {
        LoopbackServer server(422, R"({"error":"no"})");
        const HandlerRun run = run_handler(
            tmp, {"--server", server.url(), "--data-dir", tmp.file("data").string()}, payload);
        EXPECT_EQ(run.exit_code, 0);
        EXPECT_EQ(server.requests().size(), 1u);
        EXPECT_TRUE(spooled_lines(tmp.file("data")).empty());
    }
    {
        LoopbackServer server(503, R"({"error":"queue unavailable"})");
        const HandlerRun run = run_handler(
            tmp, {"--server", server.url(), "--data-dir", tmp.file("data").string()}, payload);
        EXPECT_EQ(run.exit_code, 0);
        EXPECT_EQ(run.out, "");
        ASSERT_EQ(spooled_lines(tmp.file("data")).size(), 1u);
        EXPECT_EQ(spooled_lines(tmp.file("data"))[0], server.requests().at(0).body);
    }
}

TEST(HookHandlerBinary, ASilentServerTimesOutAndTheEventIsSpooled) {
    TempDir tmp;
    LoopbackServer server(200, "{}", LoopbackServer::Mode::silent);
    const HandlerRun run = run_handler(
        tmp,
        {"--server", server.url(), "--timeout-ms", "200", "--data-dir", tmp.file("data").string()},
        payload_of("basic", "SessionEnd"));
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(spooled_lines(tmp.file("data")).size(), 1u);
}

TEST(HookHandlerBinary, GarbageIsPostedRawButNeverSpooled) {
    TempDir tmp;
    const std::string garbage = "not json at all, AKIAIOSFODNN7EXAMPLE\n\xff\xfe";
    {
        LoopbackServer server(400, R"({"error":"the body is not JSON"})");
        const HandlerRun run = run_handler(
            tmp, {"--server", server.url(), "--data-dir", tmp.file("data").string()}, garbage);
        EXPECT_EQ(run.exit_code, 0);
        EXPECT_EQ(run.out, "");
        ASSERT_EQ(server.requests().size(), 1u);
        EXPECT_EQ(server.requests()[0].body, garbage);
    }
    const HandlerRun run = run_handler(
        tmp, {"--server", refused_url(), "--data-dir", tmp.file("data").string(), "Notification"},
        garbage);
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(run.out, "");
    const auto lines = spooled_lines(tmp.file("data"));
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].find("AKIA"), std::string::npos);  // the input stays off the disk
    auto decoded = hooks::decode_hook_body(lines[0], decode_options(1));
    ASSERT_TRUE(decoded.ok());
    ASSERT_FALSE((*decoded)[0].ok());
    EXPECT_NE((*decoded)[0].error().message.find("invalid_payload_bytes"), std::string::npos)
        << (*decoded)[0].error().message;
}

TEST(HookHandlerBinary, EmptyStdinIsReportedNotLost) {
    TempDir tmp;
    const HandlerRun run =
        run_handler(tmp, {"--server", refused_url(), "--data-dir", tmp.file("data").string()}, "");
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(spooled_lines(tmp.file("data")).size(), 1u);
}

TEST(HookHandlerBinary, HugeStdin) {
    TempDir tmp;
    std::string content;
    while (content.size() < 5'000'000) content += "print('hello world')\\n";
    const std::string payload =
        R"({"session_id":"5e1f0c3a-1111-4222-8333-944455556666","transcript_path":"/h/.claude/projects/-r/x.jsonl",)"
        R"("cwd":"/r","hook_event_name":"PostToolUse","tool_name":"Write","tool_input":{"file_path":"/r/big.py",)"
        R"("content":")" +
        content + R"("},"tool_response":{"type":"create","filePath":"/r/big.py","content":")" +
        content + R"(","structuredPatch":[]},"tool_use_id":"toolu_big","duration_ms":12})";
    const HandlerRun run = run_handler(
        tmp, {"--server", refused_url(), "--data-dir", tmp.file("data").string(), "PostToolUse"},
        payload);
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(run.out, "");
    const auto lines = spooled_lines(tmp.file("data"));
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_LT(lines[0].size(), 2000u);
    auto decoded = hooks::decode_hook_body(lines[0], decode_options(1));
    ASSERT_TRUE(decoded.ok());
    ASSERT_TRUE((*decoded)[0].ok()) << (*decoded)[0].error().message;
    EXPECT_NE((*decoded)[0]->attrs.find(R"("lines_added":)"), std::string::npos);
}

TEST(HookHandlerBinary, ManyHandlersAtOnceSpoolEveryEvent) {
    TempDir tmp;
    const std::string payload = payload_of("tool-failure", "PostToolUseFailure");
    const std::string url = refused_url();
    constexpr int kHandlers = 24;
    std::vector<std::thread> threads;
    threads.reserve(kHandlers);
    std::vector<int> codes(kHandlers, -1);
    std::vector<std::unique_ptr<TempDir>> scratch;
    scratch.reserve(kHandlers);
    for (int i = 0; i < kHandlers; ++i) scratch.push_back(std::make_unique<TempDir>());
    for (int i = 0; i < kHandlers; ++i) {
        threads.emplace_back([&, i] {
            codes[i] =
                run_handler(*scratch[i], {"--server", url, "--data-dir", tmp.file("data").string()},
                            payload)
                    .exit_code;
        });
    }
    for (auto& t : threads) t.join();
    for (const int code : codes) EXPECT_EQ(code, 0);
    const auto lines = spooled_lines(tmp.file("data"));
    ASSERT_EQ(lines.size(), static_cast<size_t>(kHandlers));
    std::set<std::string> ids;
    for (const auto& line : lines) {
        auto decoded = hooks::decode_hook_body(line, decode_options(1));
        ASSERT_TRUE(decoded.ok());
        ASSERT_TRUE((*decoded)[0].ok());
        EXPECT_EQ((*decoded)[0]->error, "exit_code:3");
        ids.insert((*decoded)[0]->event_id.hex());
    }
    EXPECT_EQ(ids.size(), lines.size());  // one fresh UUIDv7 per capture
}

TEST(HookHandlerBinary, HelpGoesToStdout) {
    TempDir tmp;
    const HandlerRun run = run_handler(tmp, {"--help"}, "");
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_NE(run.out.find("Usage: agent-trace hook-handler"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(tmp.file(".local/share/agent-trace/spool")));
}

TEST(HookHandlerBinary, ProblemsAreOneLineOnStderrAndExitZero) {
    TempDir tmp;
    testing_support::write_file(tmp.file("data"), "a file where the data directory should be");
    const HandlerRun run = run_handler(tmp,
                                       {"--bogus", "--tier", "7", "--server", refused_url(),
                                        "--data-dir", tmp.file("data").string()},
                                       payload_of("basic", "Stop"));
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_NE(run.err.find("cannot spool"), std::string::npos) << run.err;
}

TEST(HookHandlerBinary, DefaultDataDirFollowsHome) {
    TempDir tmp;
    const HandlerRun run =
        run_handler(tmp, {"--server", refused_url()}, payload_of("basic", "Stop"));
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(spooled_lines(tmp.file(".local/share/agent-trace")).size(), 1u);
}

}  // namespace
}  // namespace agent_trace::cli
