// The Beast listener against real sockets on 127.0.0.1: routing to the handler,
// answers given later from another thread, keep-alive, and the limits that refuse
// input before any handler sees it.
#include "server/http_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/hook_handler/loopback_http.hpp"

namespace agent_trace::server {
namespace {

using namespace std::chrono_literals;

// A listener on a free port with one io thread; answers are made by `answer`,
// from a separate thread when `late` is set (as the queue's sync thread does).
class Listening {
public:
    explicit Listening(bool late = false, HttpLimits limits = {}) : late_(late) {
        auto bound = HttpListener::bind(
            io_, "127.0.0.1", 0,
            [this](HttpRequest&& request, Responder respond) {
                HttpResponse response{200,
                                      "text/plain",
                                      request.method + " " + request.target + " " +
                                          std::to_string(request.body.size()),
                                      {}};
                if (!late_) {
                    respond(std::move(response));
                    return;
                }
                std::lock_guard lock(mutex_);
                answerers_.emplace_back([respond = std::move(respond), response]() mutable {
                    std::this_thread::sleep_for(20ms);
                    respond(std::move(response));
                });
            },
            limits);
        EXPECT_TRUE(bound.ok()) << (bound.ok() ? "" : bound.error().message);
        listener_ = std::move(*bound);
        listener_->start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~Listening() {
        {
            std::lock_guard lock(mutex_);
            for (auto& t : answerers_) t.join();
        }
        listener_->stop();
        io_.stop();
        thread_.join();
    }
    Listening(const Listening&) = delete;
    Listening& operator=(const Listening&) = delete;

    [[nodiscard]] uint16_t port() const { return listener_->port(); }
    [[nodiscard]] HttpListenerStats stats() const { return listener_->stats(); }

private:
    boost::asio::io_context io_;
    bool late_;
    std::unique_ptr<HttpListener> listener_;
    std::mutex mutex_;
    std::vector<std::thread> answerers_;
    std::thread thread_;
};

cli::HttpResponse post(uint16_t port, const std::string& path, const std::string& body) {
    auto url = cli::parse_loopback_url("http://127.0.0.1:" + std::to_string(port));
    EXPECT_TRUE(url.ok());
    auto response = cli::http_request(*url, "POST", path, body, "application/json", 5000ms);
    EXPECT_TRUE(response.ok()) << (response.ok() ? "" : response.error().message);
    return response.ok() ? *response : cli::HttpResponse{};
}

// Sends raw bytes on one connection and reads until the server closes it (or 2 s).
std::string exchange(uint16_t port, const std::string& bytes) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        ADD_FAILURE() << "connect failed";
        return {};
    }
    timeval timeout{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;  // the server may stop reading an oversized body
        sent += static_cast<size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    std::string reply;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        reply.append(buffer, static_cast<size_t>(n));
    }
    ::close(fd);
    return reply;
}

size_t count(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++n;
    }
    return n;
}

TEST(HttpListener, BindsAFreePortAndRoutesRequestsToTheHandler) {
    Listening server;
    ASSERT_NE(server.port(), 0);
    const auto response = post(server.port(), "/v1/hooks?x=1", "hello");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "POST /v1/hooks?x=1 5");
}

TEST(HttpListener, AnswersGivenLaterFromAnotherThreadReachTheClient) {
    Listening server(/*late=*/true);
    const auto response = post(server.port(), "/later", "{}");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "POST /later 2");
}

TEST(HttpListener, KeepsAConnectionAliveAcrossRequests) {
    Listening server(/*late=*/true);
    const std::string one = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\na";
    const std::string last =
        "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nbb";
    const std::string reply = exchange(server.port(), one + one + last);
    EXPECT_EQ(count(reply, "HTTP/1.1 200"), 3U) << reply;
    EXPECT_NE(reply.find("POST /b 2"), std::string::npos) << reply;
    EXPECT_EQ(server.stats().connections, 1U);
    EXPECT_EQ(server.stats().requests, 3U);
}

TEST(HttpListener, RefusesABodyAboveTheLimitWithAJsonReasonTheClientCanRead) {
    HttpLimits limits;
    limits.max_body_bytes = 1024;
    Listening server(false, limits);
    const std::string body(size_t{256} * 1024, 'x');
    const std::string request =
        "POST /v1/hooks HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
    const std::string reply = exchange(server.port(), request);
    EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0U) << reply.substr(0, 200);
    EXPECT_NE(reply.find(R"({"error":"body larger than 1024 bytes"})"), std::string::npos);
    EXPECT_EQ(server.stats().too_large, 1U);
    // The listener keeps serving.
    EXPECT_EQ(post(server.port(), "/after", "ok").status, 200);
}

TEST(HttpListener, AnswersMalformedHttpWith400AndCountsIt) {
    Listening server;
    const std::string reply = exchange(server.port(), "BLAH\r\n\r\n");
    EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0U) << reply;
    EXPECT_NE(reply.find("\"error\""), std::string::npos) << reply;
    EXPECT_EQ(server.stats().malformed, 1U);
    EXPECT_EQ(post(server.port(), "/after", "ok").status, 200);
}

TEST(HttpListener, RefusesHeadersAboveTheLimit) {
    HttpLimits limits;
    limits.max_header_bytes = 512;
    Listening server(false, limits);
    const std::string reply =
        exchange(server.port(), "GET / HTTP/1.1\r\nX-Big: " + std::string(4096, 'h') + "\r\n\r\n");
    EXPECT_EQ(reply.rfind("HTTP/1.1 431", 0), 0U) << reply.substr(0, 200);
}

TEST(HttpListener, WritesExtraHeadersAndAnswersHeadWithoutABody) {
    boost::asio::io_context io;
    HttpRequest seen;
    std::mutex mutex;
    auto bound = HttpListener::bind(
        io, "127.0.0.1", 0,
        [&](HttpRequest&& request, const Responder& respond) {
            {
                std::lock_guard lock(mutex);
                seen = request;
            }
            HttpResponse response{200, "text/plain", "twelve bytes", {}, {}};
            response.headers = {{"ETag", "\"abc\""}, {"Cache-Control", "no-cache"}};
            respond(std::move(response));
        },
        HttpLimits{});
    ASSERT_TRUE(bound.ok());
    auto listener = std::move(*bound);
    listener->start();
    std::thread thread([&] { io.run(); });
    // A HEAD then a GET on one connection: the HEAD's answer must not carry a body,
    // or the GET's answer would be read as part of it.
    const std::string reply = exchange(
        listener->port(),
        "HEAD /x HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nIf-None-Match: \"abc\"\r\n\r\n"
        "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    listener->stop();
    io.stop();
    thread.join();
    EXPECT_EQ(count(reply, "HTTP/1.1 200"), 2U) << reply;
    EXPECT_EQ(count(reply, "ETag: \"abc\"\r\n"), 2U) << reply;
    EXPECT_EQ(count(reply, "Cache-Control: no-cache\r\n"), 2U) << reply;
    EXPECT_EQ(count(reply, "Content-Length: 12\r\n"), 2U) << reply;
    EXPECT_EQ(count(reply, "twelve bytes"), 1U) << reply;
    EXPECT_TRUE(reply.ends_with("\r\n\r\ntwelve bytes")) << reply;
    std::lock_guard lock(mutex);
    EXPECT_EQ(seen.method, "GET");  // the last request
    EXPECT_TRUE(seen.accept_encoding.empty());
}

TEST(HttpListener, PassesAcceptEncodingAndIfNoneMatchToTheHandler) {
    boost::asio::io_context io;
    HttpRequest seen;
    std::mutex mutex;
    auto bound = HttpListener::bind(
        io, "127.0.0.1", 0,
        [&](HttpRequest&& request, const Responder& respond) {
            {
                std::lock_guard lock(mutex);
                seen = request;
            }
            respond(HttpResponse{304, "text/plain", "", {}, {}});
        },
        HttpLimits{});
    ASSERT_TRUE(bound.ok());
    auto listener = std::move(*bound);
    listener->start();
    std::thread thread([&] { io.run(); });
    const std::string reply =
        exchange(listener->port(),
                 "GET /y HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, br\r\n"
                 "If-None-Match: W/\"a\", \"b\"\r\nConnection: close\r\n\r\n");
    listener->stop();
    io.stop();
    thread.join();
    EXPECT_EQ(reply.rfind("HTTP/1.1 304", 0), 0U) << reply;
    std::lock_guard lock(mutex);
    EXPECT_EQ(seen.accept_encoding, "gzip, br");
    EXPECT_EQ(seen.if_none_match, "W/\"a\", \"b\"");
}

TEST(HttpListener, ReportsAnAddressInUse) {
    Listening first;
    boost::asio::io_context io;
    auto second = HttpListener::bind(
        io, "127.0.0.1", first.port(), [](HttpRequest&&, const Responder&) {}, HttpLimits{});
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("cannot listen on 127.0.0.1:"), std::string::npos)
        << second.error().message;
}

}  // namespace
}  // namespace agent_trace::server
