#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 (port 0) for the hook edge's tests: it reads
// one request per connection and answers with a fixed status, or stays silent (to
// test deadlines). Requests are recorded. Test files include this by a relative path.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace agent_trace::testing_support {

class LoopbackServer {
public:
    enum class Mode { respond, silent };

    explicit LoopbackServer(int status = 200, std::string body = "{}", Mode mode = Mode::respond)
        : status_(status), body_(std::move(body)), mode_(mode) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const int one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(fd_, 64) != 0) {
            ADD_FAILURE() << "cannot listen on 127.0.0.1";
            return;
        }
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~LoopbackServer() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        for (const int fd : held_) ::close(fd);
        ::close(fd_);
    }
    LoopbackServer(const LoopbackServer&) = delete;
    LoopbackServer& operator=(const LoopbackServer&) = delete;

    [[nodiscard]] uint16_t port() const { return port_; }
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    struct Request {
        std::string head;
        std::string body;
    };
    [[nodiscard]] std::vector<Request> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    void serve() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) continue;
            if (mode_ == Mode::silent) {
                held_.push_back(client);  // never answered; closed at the end
                continue;
            }
            handle(client);
            ::close(client);
        }
    }

    void handle(int client) {
        std::string data;
        char buffer[65536];
        size_t header_end = std::string::npos;
        size_t length = 0;
        for (int rounds = 0; rounds < 100000; ++rounds) {
            pollfd p{client, POLLIN, 0};
            if (::poll(&p, 1, 2000) <= 0) return;
            const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
            if (n <= 0) return;
            data.append(buffer, static_cast<size_t>(n));
            if (header_end == std::string::npos) {
                header_end = data.find("\r\n\r\n");
                if (header_end == std::string::npos) continue;
                const size_t at = data.find("Content-Length: ");
                if (at != std::string::npos && at < header_end) {
                    length = std::stoul(data.substr(at + 16));
                }
            }
            if (data.size() >= header_end + 4 + length) break;
        }
        {
            std::lock_guard lock(mutex_);
            requests_.push_back({data.substr(0, header_end), data.substr(header_end + 4, length)});
        }
        const std::string response = "HTTP/1.1 " + std::to_string(status_) +
                                     " X\r\nContent-Type: application/json\r\nContent-Length: " +
                                     std::to_string(body_.size()) +
                                     "\r\nConnection: close\r\n\r\n" + body_;
        ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
    }

    int status_;
    std::string body_;
    Mode mode_;
    int fd_ = -1;
    uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::vector<int> held_;
    mutable std::mutex mutex_;
    std::vector<Request> requests_;
};

// A loopback port nothing listens on (bound, then closed: connect is refused).
inline uint16_t refused_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

}  // namespace agent_trace::testing_support
