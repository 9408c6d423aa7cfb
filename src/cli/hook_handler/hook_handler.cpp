// `agent-trace hook-handler`: Claude Code waits for this on every tool call, so it
// does the least that keeps an event: read stdin, reduce and redact, one POST over
// loopback with a short deadline, else one append to the spool. It never writes to
// stdout (Claude Code would show it to the model) and always exits 0 (anything else
// puts an error notice into the user's transcript).
#include "cli/hook_handler/hook_handler.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <string>
#include <string_view>

#include "cli/hook_handler/handler_options.hpp"
#include "cli/hook_handler/hook_record.hpp"
#include "cli/hook_handler/loopback_http.hpp"
#include "core/ids.hpp"
#include "pipeline/spool/spool.hpp"

namespace agent_trace::cli {
namespace {

constexpr size_t kFirstRead = size_t{64} << 10;

void write_fd(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text.remove_prefix(static_cast<size_t>(n));
    }
}

// One short line on stderr, which Claude Code keeps in its debug log.
void report(std::string_view problem) {
    std::string line = "agent-trace hook-handler: ";
    line.append(problem.substr(0, 300));
    line.push_back('\n');
    write_fd(STDERR_FILENO, line);
}

// All of stdin, however large. A read error keeps what arrived before it.
std::string read_stdin() {
    std::string data;
    struct stat st {};
    size_t capacity = kFirstRead;
    if (::fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        capacity = static_cast<size_t>(st.st_size) + 1;  // one read, and one more for EOF
    }
    data.resize(capacity);
    size_t used = 0;
    for (;;) {
        if (used == data.size()) data.resize(data.size() * 2);
        const ssize_t n = ::read(STDIN_FILENO, data.data() + used, data.size() - used);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        used += static_cast<size_t>(n);
    }
    data.resize(used);
    return data;
}

int64_t wall_clock_us() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

// 2xx: stored. 4xx: the server read it and said no (it counts the rejection), except
// 408 and 429, which mean "later". Anything else may succeed later: spool it.
bool delivered(int status) {
    if (status >= 200 && status < 300) return true;
    return status >= 400 && status < 500 && status != 408 && status != 429;
}

}  // namespace

int run_hook_handler(int argc, char** argv) {
    // A closed stderr must not kill us with SIGPIPE; sockets use MSG_NOSIGNAL.
    ::signal(SIGPIPE, SIG_IGN);
    const HookHandlerOptions options = parse_hook_handler_options(argc, argv);
    if (options.help) {
        write_fd(STDOUT_FILENO, kHookHandlerUsage);
        return 0;
    }

    const std::string input = read_stdin();
    HookCapture capture;
    capture.event_id = mint_uuid_v7();
    capture.captured_at_us = wall_clock_us();
    capture.tier = options.tier;
    capture.event = options.event;
    const HookRecord record = build_hook_record(input, capture);

    std::string problem = options.problem;
    auto url = parse_loopback_url(options.server);
    if (url) {
        auto response = http_request(*url, "POST", "/v1/hooks", record.body, "application/json",
                                     std::chrono::milliseconds(options.timeout_ms));
        if (response && delivered(response->status)) {
            if (!problem.empty()) report(problem);
            return 0;
        }
    } else if (problem.empty()) {
        problem = url.error().message;
    }

    const std::string spool_dir = options.data_dir + "/spool";
    if (auto spooled = spool_append(spool_dir, record.spool_line()); !spooled) {
        problem = "event lost: cannot spool it: " + spooled.error().message;
    }
    if (!problem.empty()) report(problem);
    return 0;
}

}  // namespace agent_trace::cli
