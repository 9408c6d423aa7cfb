// Loopback load generator for POST /v1/hooks: N keep-alive connections, each
// sending hook events (one per request, or batches) as fast as answers come back.
// Used by bench/ingest_throughput.sh and by the durability tests, which need the
// ids of every acknowledged event (--acked-file).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct Options {
    int port = 0;
    int connections = 64;
    int batch = 1;
    double duration_s = 5;
    uint64_t max_requests = 0;  // per connection; 0: until duration
    std::string acked_file;
    uint64_t nonce = 0;
};

struct ConnectionResult {
    uint64_t requests = 0;
    uint64_t events = 0;
    uint64_t errors = 0;
    std::vector<double> latencies_ms;
    std::vector<std::string> acked_ids;
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

bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

// Reads one HTTP response; returns the status code or -1.
int read_response(int fd, std::string& buffer) {
    size_t header_end = std::string::npos;
    for (;;) {
        header_end = buffer.find("\r\n\r\n");
        if (header_end != std::string::npos) break;
        char chunk[8192];
        const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        buffer.append(chunk, static_cast<size_t>(n));
    }
    const int status = std::atoi(buffer.c_str() + 9);
    size_t length = 0;
    std::string headers = buffer.substr(0, header_end);
    for (char& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (const size_t at = headers.find("content-length:"); at != std::string::npos) {
        length = std::strtoull(headers.c_str() + at + 15, nullptr, 10);
    }
    const size_t total = header_end + 4 + length;
    while (buffer.size() < total) {
        char chunk[8192];
        const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        buffer.append(chunk, static_cast<size_t>(n));
    }
    buffer.erase(0, total);
    return status;
}

std::string event_id(uint64_t nonce, uint64_t connection, uint64_t seq) {
    char id[33];
    std::snprintf(id, sizeof id, "%016" PRIx64 "%016" PRIx64, nonce, (connection << 40) | seq);
    return id;
}

void append_event(std::string& body, const std::string& id, uint64_t connection, uint64_t seq) {
    char buffer[768];
    std::snprintf(buffer, sizeof buffer,
                  "{\"session_id\":\"load-%016" PRIx64 "-%03" PRIu64
                  "\",\"transcript_path\":\"/nonexistent/load.jsonl\",\"cwd\":\"/tmp/load\","
                  "\"hook_event_name\":\"PostToolUse\",\"tool_name\":\"Bash\","
                  "\"tool_use_id\":\"toolu_%" PRIu64 "_%" PRIu64
                  "\",\"duration_ms\":12,\"permission_mode\":\"default\","
                  "\"agent_trace\":{\"event_id\":\"%s\",\"captured_at_us\":%lld,\"tier\":1}}",
                  static_cast<uint64_t>(0), connection, connection, seq, id.c_str(),
                  static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count()));
    body += buffer;
}

void run_connection(const Options& o, uint64_t index, std::atomic<bool>& stop,
                    ConnectionResult& result) {
    int fd = connect_loopback(o.port);
    std::string buffer;
    uint64_t seq = 0;
    while (!stop.load(std::memory_order_relaxed)) {
        if (o.max_requests != 0 && result.requests >= o.max_requests) break;
        if (fd < 0) {
            ++result.errors;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            fd = connect_loopback(o.port);
            continue;
        }
        std::string body;
        std::vector<std::string> ids;
        if (o.batch > 1) body += '[';
        for (int i = 0; i < o.batch; ++i) {
            ids.push_back(event_id(o.nonce, index, ++seq));
            if (i > 0) body += ',';
            append_event(body, ids.back(), index, seq);
        }
        if (o.batch > 1) body += ']';
        std::string request =
            "POST /v1/hooks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body;
        const auto start = std::chrono::steady_clock::now();
        if (!send_all(fd, request)) {
            close(fd);
            fd = -1;
            buffer.clear();
            continue;
        }
        const int status = read_response(fd, buffer);
        const auto end = std::chrono::steady_clock::now();
        if (status < 0) {
            close(fd);
            fd = -1;
            buffer.clear();
            continue;
        }
        ++result.requests;
        if (status == 200) {
            result.events += ids.size();
            result.latencies_ms.push_back(
                std::chrono::duration<double, std::milli>(end - start).count());
            if (!o.acked_file.empty()) {
                for (auto& id : ids) result.acked_ids.push_back(std::move(id));
            }
        } else {
            ++result.errors;
        }
    }
    if (fd >= 0) close(fd);
}

double percentile(std::vector<double>& v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    o.nonce = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        const char* value = argv[i + 1];
        if (flag == "--port")
            o.port = std::atoi(value);
        else if (flag == "--connections")
            o.connections = std::max(1, std::atoi(value));
        else if (flag == "--batch")
            o.batch = std::max(1, std::atoi(value));
        else if (flag == "--duration-s")
            o.duration_s = std::atof(value);
        else if (flag == "--requests")
            o.max_requests = std::strtoull(value, nullptr, 10);
        else if (flag == "--acked-file")
            o.acked_file = value;
        else if (flag == "--nonce")
            o.nonce = std::strtoull(value, nullptr, 16);
        else {
            std::fprintf(stderr, "hook_load: unknown flag %s\n", argv[i]);
            return 2;
        }
    }
    if (o.port <= 0) {
        std::fprintf(stderr,
                     "usage: hook_load --port N [--connections 64] [--batch 1] "
                     "[--duration-s 5 | --requests N] [--acked-file F] [--nonce HEX]\n");
        return 2;
    }
    std::atomic<bool> stop{false};
    std::vector<ConnectionResult> results(static_cast<size_t>(o.connections));
    std::vector<std::thread> threads;
    threads.reserve(static_cast<size_t>(o.connections));
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < o.connections; ++i) {
        threads.emplace_back(run_connection, std::cref(o), static_cast<uint64_t>(i), std::ref(stop),
                             std::ref(results[static_cast<size_t>(i)]));
    }
    if (o.max_requests == 0) {
        const auto deadline = start + std::chrono::duration<double>(o.duration_s);
        while (std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        stop = true;
    }
    for (auto& t : threads) t.join();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ConnectionResult total;
    for (auto& r : results) {
        total.requests += r.requests;
        total.events += r.events;
        total.errors += r.errors;
        total.latencies_ms.insert(total.latencies_ms.end(), r.latencies_ms.begin(),
                                  r.latencies_ms.end());
    }
    if (!o.acked_file.empty()) {
        std::ofstream acked(o.acked_file, std::ios::trunc);
        for (const auto& r : results) {
            for (const auto& id : r.acked_ids) acked << id << '\n';
        }
        if (!acked.flush()) {
            std::fprintf(stderr, "hook_load: cannot write %s\n", o.acked_file.c_str());
            return 1;
        }
    }
    std::printf("{\"connections\":%d,\"batch\":%d,\"seconds\":%.3f,\"requests\":%" PRIu64
                ",\"acked_events\":%" PRIu64 ",\"errors\":%" PRIu64
                ",\"requests_per_s\":%.0f,\"events_per_s\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n",
                o.connections, o.batch, seconds, total.requests, total.events, total.errors,
                static_cast<double>(total.requests) / seconds,
                static_cast<double>(total.events) / seconds, percentile(total.latencies_ms, 0.5),
                percentile(total.latencies_ms, 0.99));
    return 0;
}
