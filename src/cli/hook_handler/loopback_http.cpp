#include "cli/hook_handler/loopback_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <string>

#include "core/ascii_text.hpp"

namespace agent_trace::cli {
namespace {

using Clock = std::chrono::steady_clock;

// A response larger than this is not one of ours; stop reading rather than grow.
constexpr size_t kMaxResponseBytes = size_t{64} << 20;
constexpr size_t kMaxHeaderBytes = size_t{64} << 10;

class Socket {
public:
    explicit Socket(int fd) : fd_(fd) {}
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    [[nodiscard]] int get() const { return fd_; }

private:
    int fd_;
};

Error failure(std::string_view what, int error) {
    return make_retryable_error(std::string(what) + ": " + std::strerror(error));
}

// Waits until `fd` is ready for `events` or the deadline passes.
Status wait_for(int fd, short events, Clock::time_point deadline, std::string_view what) {
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return make_retryable_error(std::string(what) + ": timed out");
        pollfd p{fd, events, 0};
        const int rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1'000'000)));
        if (rc < 0) {
            if (errno == EINTR) continue;
            return failure(what, errno);
        }
        if (rc > 0) return Ok{};
    }
}

Result<int> connect_to(const LoopbackUrl& url, Clock::time_point deadline) {
    sockaddr_storage address{};
    socklen_t length = 0;
    if (url.ipv6) {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&address);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(url.port);
        if (::inet_pton(AF_INET6, url.host.c_str(), &in6->sin6_addr) != 1) {
            return make_error("not an IPv6 address: " + url.host);
        }
        length = sizeof(sockaddr_in6);
    } else {
        auto* in4 = reinterpret_cast<sockaddr_in*>(&address);
        in4->sin_family = AF_INET;
        in4->sin_port = htons(url.port);
        if (::inet_pton(AF_INET, url.host.c_str(), &in4->sin_addr) != 1) {
            return make_error("not an IPv4 address: " + url.host);
        }
        length = sizeof(sockaddr_in);
    }
    const int fd =
        ::socket(url.ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return failure("socket", errno);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
        if (errno != EINPROGRESS && errno != EINTR) {
            const int error = errno;
            ::close(fd);
            return failure("connect to " + url.to_string(), error);
        }
        if (auto ready = wait_for(fd, POLLOUT, deadline, "connect to " + url.to_string()); !ready) {
            ::close(fd);
            return ready.error();
        }
        int error = 0;
        socklen_t size = sizeof error;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
        if (error != 0) {
            ::close(fd);
            return failure("connect to " + url.to_string(), error);
        }
    }
    // The request goes out in one writev; no reason to hold back a short tail.
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

Status send_all(int fd, std::string_view head, std::string_view body, Clock::time_point deadline) {
    std::array<iovec, 2> parts{iovec{const_cast<char*>(head.data()), head.size()},
                               iovec{const_cast<char*>(body.data()), body.size()}};
    size_t first = 0;
    while (first < parts.size()) {
        if (parts[first].iov_len == 0) {
            ++first;
            continue;
        }
        msghdr message{};
        message.msg_iov = &parts[first];
        message.msg_iovlen = parts.size() - first;
        const ssize_t n = ::sendmsg(fd, &message, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (auto ready = wait_for(fd, POLLOUT, deadline, "send"); !ready) return ready;
                continue;
            }
            return failure("send", errno);
        }
        auto sent = static_cast<size_t>(n);
        while (sent > 0 && first < parts.size()) {
            const size_t take = std::min(sent, parts[first].iov_len);
            parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + take;
            parts[first].iov_len -= take;
            sent -= take;
            if (parts[first].iov_len == 0) ++first;
        }
    }
    return Ok{};
}

// What the head of a response says about its body.
struct ResponseHead {
    int status = 0;
    size_t header_bytes = 0;  // through the blank line
    bool chunked = false;
    std::optional<size_t> content_length;
};

// Parses the status line and headers once `data` holds them all; nullopt while
// incomplete, an error when they are malformed.
Result<std::optional<ResponseHead>> parse_head(std::string_view data) {
    const size_t end = data.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        if (data.size() > kMaxHeaderBytes) return make_retryable_error("response headers too long");
        return std::optional<ResponseHead>{};
    }
    ResponseHead head;
    head.header_bytes = end + 4;
    std::string_view lines = data.substr(0, end);
    const size_t first_end = lines.find("\r\n");
    const std::string_view status_line = lines.substr(0, first_end);
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ') {
        return make_retryable_error("malformed status line");
    }
    const auto [ptr, ec] =
        std::from_chars(status_line.data() + 9, status_line.data() + 12, head.status);
    if (ec != std::errc{} || ptr != status_line.data() + 12 || head.status < 100 ||
        head.status > 999) {
        return make_retryable_error("malformed status line");
    }
    lines.remove_prefix(first_end == std::string_view::npos ? lines.size() : first_end + 2);
    while (!lines.empty()) {
        const size_t eol = lines.find("\r\n");
        const std::string_view line = lines.substr(0, eol);
        lines.remove_prefix(eol == std::string_view::npos ? lines.size() : eol + 2);
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        const std::string name = ascii_lower(line.substr(0, colon));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
            value.remove_prefix(1);
        }
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
            value.remove_suffix(1);
        }
        if (name == "content-length") {
            size_t length = 0;
            const auto [p, e] = std::from_chars(value.data(), value.data() + value.size(), length);
            if (e != std::errc{} || p != value.data() + value.size()) {
                return make_retryable_error("malformed Content-Length");
            }
            head.content_length = length;
        } else if (name == "transfer-encoding" &&
                   ascii_lower(value).find("chunked") != std::string::npos) {
            head.chunked = true;
        }
    }
    return std::optional<ResponseHead>{head};
}

// Decodes a chunked body once complete; nullopt while more bytes are needed.
Result<std::optional<std::string>> decode_chunked(std::string_view data) {
    std::string body;
    for (;;) {
        const size_t eol = data.find("\r\n");
        if (eol == std::string_view::npos) return std::optional<std::string>{};
        std::string_view size_text = data.substr(0, eol);
        if (const size_t semi = size_text.find(';'); semi != std::string_view::npos) {
            size_text = size_text.substr(0, semi);
        }
        size_t size = 0;
        const auto [p, e] =
            std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
        if (e != std::errc{} || size_text.empty()) return make_retryable_error("malformed chunk");
        data.remove_prefix(eol + 2);
        if (size == 0) {
            // Trailers (rare) end with an empty line.
            if (data.find("\r\n") == std::string_view::npos) return std::optional<std::string>{};
            return std::optional<std::string>{std::move(body)};
        }
        if (data.size() < size + 2) return std::optional<std::string>{};
        body.append(data.substr(0, size));
        data.remove_prefix(size + 2);
    }
}

bool has_no_body(std::string_view method, int status) {
    return method == "HEAD" || status == 204 || status == 304 || (status >= 100 && status < 200);
}

Result<HttpResponse> read_response(int fd, std::string_view method, Clock::time_point deadline) {
    std::string data;
    std::optional<ResponseHead> head;
    std::array<char, 16384> chunk{};
    for (;;) {
        if (head) {
            const std::string_view rest = std::string_view(data).substr(head->header_bytes);
            if (has_no_body(method, head->status)) return HttpResponse{head->status, {}};
            if (head->chunked) {
                auto body = decode_chunked(rest);
                if (!body) return body.error();
                if (*body) return HttpResponse{head->status, std::move(**body)};
            } else if (head->content_length && rest.size() >= *head->content_length) {
                return HttpResponse{head->status,
                                    std::string(rest.substr(0, *head->content_length))};
            }
        }
        if (data.size() > kMaxResponseBytes) return make_retryable_error("response too large");
        const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (auto ready = wait_for(fd, POLLIN, deadline, "read response"); !ready) {
                    return ready.error();
                }
                continue;
            }
            return failure("read response", errno);
        }
        if (n == 0) {
            // The server closed: a body without a length ends here.
            if (head && !head->chunked && !head->content_length) {
                return HttpResponse{head->status, data.substr(head->header_bytes)};
            }
            return make_retryable_error("the server closed the connection mid-response");
        }
        data.append(chunk.data(), static_cast<size_t>(n));
        if (!head) {
            auto parsed = parse_head(data);
            if (!parsed) return parsed.error();
            head = *parsed;
        }
    }
}

bool is_loopback_ipv4(std::string_view host) {
    in_addr address{};
    const std::string text(host);
    return ::inet_pton(AF_INET, text.c_str(), &address) == 1 &&
           (ntohl(address.s_addr) >> 24) == 127;
}

}  // namespace

std::string LoopbackUrl::to_string() const {
    return "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + base_path;
}

Result<LoopbackUrl> parse_loopback_url(std::string_view url) {
    const std::string original(url);
    if (const size_t scheme = url.find("://"); scheme != std::string_view::npos) {
        if (ascii_lower(url.substr(0, scheme)) != "http") {
            return make_error("only http:// is supported for the local server: " + original);
        }
        url.remove_prefix(scheme + 3);
    }
    const size_t slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    std::string_view path =
        slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    if (authority.find('@') != std::string_view::npos) {
        return make_error("user info is not supported: " + original);
    }
    LoopbackUrl out;
    std::string_view host;
    std::string_view port;
    if (authority.starts_with('[')) {
        const size_t close = authority.find(']');
        if (close == std::string_view::npos) return make_error("unclosed '[' in " + original);
        host = authority.substr(1, close - 1);
        if (authority.size() > close + 1) {
            if (authority[close + 1] != ':') return make_error("malformed address: " + original);
            port = authority.substr(close + 2);
        }
        out.ipv6 = true;
    } else {
        const size_t colon = authority.rfind(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (port.empty()) return make_error("the URL needs a port: " + original);
    unsigned value = 0;
    const auto [p, e] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (e != std::errc{} || p != port.data() + port.size() || value == 0 || value > 65535) {
        return make_error("bad port in " + original);
    }
    out.port = static_cast<uint16_t>(value);
    const std::string host_lower = ascii_lower(host);
    if (out.ipv6) {
        in6_addr address{};
        if (::inet_pton(AF_INET6, host_lower.c_str(), &address) != 1 ||
            !IN6_IS_ADDR_LOOPBACK(&address)) {
            return make_error("not a loopback address (only ::1): " + original);
        }
        out.host = "::1";
    } else if (host_lower == "localhost") {
        out.host = "127.0.0.1";
    } else if (is_loopback_ipv4(host_lower)) {
        out.host = host_lower;
    } else {
        return make_error("not a loopback address (127.0.0.0/8, ::1 or localhost): " + original);
    }
    out.base_path = std::string(path);
    return out;
}

Result<HttpResponse> http_request(const LoopbackUrl& url, std::string_view method,
                                  std::string_view path, std::string_view body,
                                  std::string_view content_type,
                                  std::chrono::milliseconds timeout) {
    const Clock::time_point deadline = Clock::now() + timeout;
    auto fd = connect_to(url, deadline);
    if (!fd) return fd.error();
    const Socket socket(*fd);

    std::string head;
    head.reserve(256);
    head.append(method).append(" ").append(url.base_path).append(path).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(url.ipv6 ? "[::1]" : url.host);
    head.append(":").append(std::to_string(url.port)).append("\r\n");
    head.append("User-Agent: agent-trace\r\nConnection: close\r\n");
    if (!body.empty() || method == "POST" || method == "PUT") {
        if (!content_type.empty())
            head.append("Content-Type: ").append(content_type).append("\r\n");
        head.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    }
    head.append("\r\n");
    if (auto sent = send_all(socket.get(), head, body, deadline); !sent) {
        // A server may answer (413, 400) and close before taking the whole body: its
        // answer is still the answer.
        if (auto early = read_response(socket.get(), method, deadline); early) return early;
        return sent.error();
    }
    return read_response(socket.get(), method, deadline);
}

}  // namespace agent_trace::cli
