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
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/hook_handler/handler_options.hpp"
#include "cli/hook_handler/hook_record.hpp"
#include "cli/hook_handler/loopback_http.hpp"
#include "core/ids.hpp"
#include "pipeline/spool/spool.hpp"

namespace agent_trace::cli {
namespace {

constexpr size_t kFirstChunk = size_t{64} << 10;
constexpr size_t kChunk = size_t{1} << 20;

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

// Reads into `buffer` until it is full or stdin ends; returns the bytes read.
size_t read_into(char* buffer, size_t size) {
    size_t used = 0;
    while (used < size) {
        const ssize_t n = ::read(STDIN_FILENO, buffer + used, size - used);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // end of input; a read error keeps what arrived before it
        used += static_cast<size_t>(n);
    }
    return used;
}

std::string read_stdin_chunks() {
    std::string first(kFirstChunk, '\0');
    first.resize(read_into(first.data(), first.size()));
    if (first.size() < kFirstChunk) return first;
    std::vector<std::unique_ptr<char[]>> chunks;
    size_t total = first.size();
    size_t last = kChunk;
    while (last == kChunk) {
        chunks.push_back(std::make_unique_for_overwrite<char[]>(kChunk));
        last = read_into(chunks.back().get(), kChunk);
        total += last;
    }
    std::string data;
    data.reserve(total);
    data.append(first);
    for (size_t i = 0; i < chunks.size(); ++i) {
        data.append(chunks[i].get(), i + 1 < chunks.size() ? kChunk : last);
    }
    return data;
}

// All of stdin, however large. A payload of a few KB (the usual) takes one buffer;
// a larger one is read into 1 MiB chunks joined once at the end, so every byte is
// copied once (a doubling buffer would copy and zero-fill megabytes more).
std::string read_stdin() {
    struct stat st {};
    if (::fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        std::string data(static_cast<size_t>(st.st_size), '\0');
        data.resize(read_into(data.data(), data.size()));
        if (data.size() < static_cast<size_t>(st.st_size)) return data;
        // The file may have grown since fstat: fall through to chunks for the rest.
        std::string rest = read_stdin_chunks();
        return rest.empty() ? data : data + rest;
    }
    return read_stdin_chunks();
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
    const SpoolSync sync = options.spool_fsync ? SpoolSync::full : SpoolSync::writeback;
    if (auto spooled = spool_append(spool_dir, record.spool_line(), sync); !spooled) {
        problem = "event lost: cannot spool it: " + spooled.error().message;
    }
    if (!problem.empty()) report(problem);
    return 0;
}

}  // namespace agent_trace::cli
