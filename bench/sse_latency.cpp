// Driver of bench/sse_latency.sh: hook POST -> live stream latency of a running
// `agent-trace serve`. One Server-Sent Events client on /api/v1/stream (filtered to
// this run's session); hook events POSTed to /v1/hooks at a fixed rate, one per
// request, from several keep-alive connections on an open-loop schedule (a late
// answer does not slow the schedule down). Latency per event: from the moment its
// POST is written to the moment the stream delivers it.
//
//   sse_latency HOOKS_PORT API_PORT [--rate N] [--seconds S] [--connections C]
//
// Prints one line: sent received p50_ms p95_ms p99_ms max_ms post_p99_ms achieved_rate
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    int hooks_port = 0;
    int api_port = 0;
    double rate = 1000;
    double seconds = 10;
    int connections = 16;
};

int connect_loopback(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    const int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

bool send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

// Reads one HTTP response (Content-Length framed); its status, or -1.
int read_response(int fd, std::string& buffer) {
    for (;;) {
        const size_t head_end = buffer.find("\r\n\r\n");
        if (head_end != std::string::npos) {
            size_t length = 0;
            const size_t at = buffer.find("Content-Length: ");
            if (at != std::string::npos && at < head_end)
                length = std::strtoul(&buffer[at + 16], nullptr, 10);
            if (buffer.size() >= head_end + 4 + length) {
                const int status = buffer.size() > 12 ? std::atoi(buffer.c_str() + 9) : -1;
                buffer.erase(0, head_end + 4 + length);
                return status;
            }
        }
        char chunk[4096];
        const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return -1;
        buffer.append(chunk, static_cast<size_t>(n));
    }
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const size_t index = std::min(
        values.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(values.size())));
    return values[index];
}

int64_t micros_since(Clock::time_point origin, Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t - origin).count();
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (argc < 3) {
        std::fprintf(
            stderr,
            "usage: sse_latency HOOKS_PORT API_PORT [--rate N] [--seconds S] [--connections C]\n");
        return 2;
    }
    o.hooks_port = std::atoi(argv[1]);
    o.api_port = std::atoi(argv[2]);
    for (int i = 3; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (flag == "--rate") o.rate = std::atof(argv[i + 1]);
        if (flag == "--seconds") o.seconds = std::atof(argv[i + 1]);
        if (flag == "--connections") o.connections = std::atoi(argv[i + 1]);
    }
    // Bounded whatever the arguments say.
    const auto total = static_cast<size_t>(std::clamp(o.rate * o.seconds, 1.0, 200'000.0));
    o.connections = std::clamp(o.connections, 1, 256);
    const uint64_t nonce = static_cast<uint64_t>(Clock::now().time_since_epoch().count());
    char session[64];
    std::snprintf(session, sizeof session, "sse-bench-%016" PRIx64, nonce);

    const Clock::time_point origin = Clock::now();
    // Microseconds since origin; 0: not yet.
    std::vector<std::atomic<int64_t>> sent_at(total);
    std::vector<std::atomic<int64_t>> received_at(total);
    std::atomic<size_t> received{0};
    std::atomic<bool> stop_reader{false};

    // The stream client: waits for the head and the hello before the senders start.
    const int sse = connect_loopback(o.api_port);
    if (sse < 0) {
        std::fprintf(stderr, "sse_latency: cannot connect to the API port %d\n", o.api_port);
        return 1;
    }
    const std::string request = std::string("GET /api/v1/stream?kind=tool_start&session_id=") +
                                session +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
    if (!send_all(sse, request)) return 1;
    std::string stream_buffer;
    for (int i = 0; i < 200 && stream_buffer.find(": connected") == std::string::npos; ++i) {
        pollfd p{sse, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        char chunk[4096];
        const ssize_t n = recv(sse, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        stream_buffer.append(chunk, static_cast<size_t>(n));
    }
    if (stream_buffer.find(" 200 ") == std::string::npos ||
        stream_buffer.find(": connected") == std::string::npos) {
        std::fprintf(stderr, "sse_latency: the stream did not open: %s\n", stream_buffer.c_str());
        return 1;
    }
    stream_buffer.erase(0, stream_buffer.find(": connected"));

    std::thread reader([&] {
        constexpr std::string_view kMarker = R"("tool_use_id":"lat-)";
        std::string buffer = stream_buffer;
        while (!stop_reader.load()) {
            size_t at = 0;
            while ((at = buffer.find(kMarker)) != std::string::npos) {
                const size_t end = buffer.find('"', at + kMarker.size());
                if (end == std::string::npos) break;  // the number is not complete yet
                const size_t index =
                    std::strtoul(buffer.c_str() + at + kMarker.size(), nullptr, 10);
                if (index < total && received_at[index].load() == 0) {
                    received_at[index].store(
                        std::max<int64_t>(micros_since(origin, Clock::now()), 1));
                    received.fetch_add(1);
                }
                buffer.erase(0, end);
            }
            if (at != std::string::npos) {
                buffer.erase(0, at);
            } else if (buffer.size() > kMarker.size()) {
                // Keep a tail that may hold the start of a marker.
                buffer.erase(0, buffer.size() - kMarker.size());
            }
            pollfd p{sse, POLLIN, 0};
            if (poll(&p, 1, 50) <= 0) continue;
            char chunk[65536];
            const ssize_t n = recv(sse, chunk, sizeof chunk, 0);
            if (n <= 0) break;
            buffer.append(chunk, static_cast<size_t>(n));
        }
    });

    std::vector<std::vector<double>> post_ms(static_cast<size_t>(o.connections));
    std::atomic<size_t> failures{0};
    const Clock::time_point start = Clock::now();
    std::vector<std::thread> senders;
    senders.reserve(static_cast<size_t>(o.connections));
    for (int c = 0; c < o.connections; ++c) {
        senders.emplace_back([&, c] {
            int fd = connect_loopback(o.hooks_port);
            std::string buffer;
            for (auto i = static_cast<size_t>(c); i < total;
                 i += static_cast<size_t>(o.connections)) {
                const auto due = start + std::chrono::microseconds(static_cast<int64_t>(
                                             static_cast<double>(i) * 1e6 / o.rate));
                std::this_thread::sleep_until(due);
                char body[512];
                const int body_len =
                    std::snprintf(body, sizeof body,
                                  "{\"session_id\":\"%s\",\"hook_event_name\":\"PreToolUse\","
                                  "\"tool_name\":\"Bash\","
                                  "\"tool_use_id\":\"lat-%zu\",\"cwd\":\"/tmp/sse-bench\","
                                  "\"transcript_path\":\"/nonexistent/sse-bench.jsonl\"}",
                                  session, i);
                const std::string message =
                    "POST /v1/hooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                    "application/json\r\n"
                    "Content-Length: " +
                    std::to_string(body_len) + "\r\n\r\n" +
                    std::string(body, static_cast<size_t>(body_len));
                if (fd < 0) fd = connect_loopback(o.hooks_port);
                const Clock::time_point before = Clock::now();
                sent_at[i].store(std::max<int64_t>(micros_since(origin, before), 1));
                if (fd < 0 || !send_all(fd, message) || read_response(fd, buffer) != 200) {
                    failures.fetch_add(1);
                    if (fd >= 0) close(fd);
                    fd = -1;
                    buffer.clear();
                    continue;
                }
                post_ms[static_cast<size_t>(c)].push_back(
                    std::chrono::duration<double, std::milli>(Clock::now() - before).count());
            }
            if (fd >= 0) close(fd);
        });
    }
    for (auto& t : senders) t.join();
    const double send_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    // Stragglers: at most 10 s more.
    for (int i = 0; i < 1000 && received.load() < total - failures.load(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop_reader.store(true);
    reader.join();
    close(sse);

    std::vector<double> latency_ms;
    for (size_t i = 0; i < total; ++i) {
        const int64_t s = sent_at[i].load();
        const int64_t r = received_at[i].load();
        if (s != 0 && r != 0) latency_ms.push_back(static_cast<double>(r - s) / 1000.0);
    }
    std::vector<double> all_post;
    for (const auto& v : post_ms) all_post.insert(all_post.end(), v.begin(), v.end());
    std::printf("%zu %zu %.3f %.3f %.3f %.3f %.3f %.1f %zu\n", total, latency_ms.size(),
                percentile(latency_ms, 50), percentile(latency_ms, 95), percentile(latency_ms, 99),
                latency_ms.empty() ? 0.0 : *std::max_element(latency_ms.begin(), latency_ms.end()),
                percentile(all_post, 99), static_cast<double>(total) / send_seconds,
                failures.load());
    return 0;
}
