#pragma once
// A blocking Server-Sent Events client for tests, on a raw loopback socket: it
// sends one GET, reads the response head, then hands out events and comments as
// they arrive. A receive buffer size can be forced (a client that stops reading
// then fills quickly). Test files include this by a relative path.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agent_trace::testing_support {

struct SseEvent {
    std::string id;
    std::string event;
    std::string data;
};

class SseClient {
public:
    // `headers`: extra request header lines, each ending in "\r\n".
    SseClient(uint16_t port, const std::string& target, const std::string& headers = "",
              int receive_buffer = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (receive_buffer > 0) {
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
        }
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ADD_FAILURE() << "cannot connect to 127.0.0.1:" << port;
            return;
        }
        const std::string request =
            "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" +
            headers + "\r\n";
        if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(request.size())) {
            ADD_FAILURE() << "cannot send the request";
        }
    }
    ~SseClient() { close(); }
    SseClient(const SseClient&) = delete;
    SseClient& operator=(const SseClient&) = delete;

    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    // The status line and headers; the body that came with them stays buffered.
    std::string head(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        if (!head_.empty()) return head_;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (buffer_.find("\r\n\r\n") == std::string::npos) {
            if (!fill(deadline)) return {};
        }
        const size_t end = buffer_.find("\r\n\r\n");
        head_ = buffer_.substr(0, end);
        buffer_.erase(0, end + 4);
        return head_;
    }

    int status() {
        const std::string h = head();
        return h.size() > 12 ? std::stoi(h.substr(9, 3)) : 0;
    }

    // The body of a non-streaming answer (its Content-Length bytes).
    std::string body(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        const std::string h = head(timeout);
        const size_t at = h.find("Content-Length: ");
        if (at == std::string::npos) return {};
        const size_t length = std::stoul(h.substr(at + 16));
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (buffer_.size() < length && fill(deadline)) {
        }
        return buffer_.substr(0, length);
    }

    // The next event, skipping comments (counted); nullopt on timeout or end of stream.
    std::optional<SseEvent> next(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        if (head(timeout).empty()) return std::nullopt;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            size_t end = 0;
            while ((end = buffer_.find("\n\n")) == std::string::npos) {
                if (!fill(deadline)) return std::nullopt;
            }
            const std::string block = buffer_.substr(0, end + 1);
            buffer_.erase(0, end + 2);
            SseEvent event;
            bool any_field = false;
            size_t at = 0;
            while (at < block.size()) {
                const size_t nl = block.find('\n', at);
                const std::string_view line(block.data() + at, nl - at);
                at = nl + 1;
                if (line.starts_with(":")) {
                    comments_.emplace_back(line.substr(1));
                    continue;
                }
                const size_t colon = line.find(':');
                const std::string_view field = line.substr(0, colon);
                std::string_view value =
                    colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
                if (value.starts_with(" ")) value.remove_prefix(1);
                any_field = true;
                if (field == "id") event.id = value;
                if (field == "event") event.event = value;
                if (field == "data") event.data += value;
            }
            if (any_field) return event;
        }
    }

    // Events until `count` arrived (or a timeout or the end: then fewer).
    std::vector<SseEvent> take(size_t count,
                               std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        std::vector<SseEvent> out;
        while (out.size() < count) {
            auto event = next(timeout);
            if (!event) break;
            out.push_back(std::move(*event));
        }
        return out;
    }

    // True once the server has closed the connection (after what it sent is read).
    bool closed_by_server(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (fill(deadline)) buffer_.clear();
        return eof_;
    }

    [[nodiscard]] const std::vector<std::string>& comments() const { return comments_; }
    [[nodiscard]] size_t bytes_received() const { return received_; }

private:
    // Reads what is there; false on timeout, error or end of stream.
    bool fill(std::chrono::steady_clock::time_point deadline) {
        if (fd_ < 0 || eof_) return false;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
        char chunk[16384];
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) {
            eof_ = true;
            return false;
        }
        buffer_.append(chunk, static_cast<size_t>(n));
        received_ += static_cast<size_t>(n);
        return true;
    }

    int fd_ = -1;
    bool eof_ = false;
    std::string buffer_;
    std::string head_;
    std::vector<std::string> comments_;
    size_t received_ = 0;
};

}  // namespace agent_trace::testing_support
