#pragma once
// A small asynchronous HTTP/1.1 server (Boost.Beast) for loopback listeners:
// keep-alive, body and header limits, per-connection timeouts, and a handler
// that may answer later (after the durable queue has synced) from any thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace boost::asio {
class io_context;
}

namespace agent_trace::server {

struct HttpRequest {
    std::string method;  // "GET", "POST" ...
    std::string target;  // path and query
    std::string content_type;
    std::string authorization;
    std::string content_encoding;  // "gzip" for a compressed body
    std::string body;
    std::string remote;  // "127.0.0.1:53412"
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::string retry_after;  // seconds, for 503
};

HttpResponse json_error(int status, std::string_view message);

// Call exactly once; safe from any thread.
using Responder = std::function<void(HttpResponse)>;
using Handler = std::function<void(HttpRequest&&, Responder)>;

struct HttpLimits {
    uint64_t max_body_bytes = 32ull << 20;
    uint32_t max_header_bytes = 16u << 10;
    std::chrono::seconds idle_timeout{60};
    std::chrono::seconds request_timeout{30};
    // Builds the 413 answer from the request head (no body) when set; else a JSON error.
    std::function<HttpResponse(const HttpRequest& head, const std::string& message)>
        too_large_response;
};

// Counts of what the listener itself refused (before any handler saw it).
struct HttpListenerStats {
    uint64_t connections = 0;
    uint64_t requests = 0;
    uint64_t too_large = 0;
    uint64_t malformed = 0;
};

class HttpListener {
public:
    // Binds host:port (port 0: any free port). Only the endpoint is resolved here.
    static Result<std::unique_ptr<HttpListener>> bind(boost::asio::io_context& io,
                                                      const std::string& host, uint16_t port,
                                                      Handler handler, HttpLimits limits);
    virtual ~HttpListener() = default;
    virtual void start() = 0;  // begins accepting on the io_context
    virtual void stop() = 0;   // closes the acceptor; open connections end with the io_context
    [[nodiscard]] virtual uint16_t port() const = 0;
    [[nodiscard]] virtual std::string address() const = 0;  // "127.0.0.1:8317"
    [[nodiscard]] virtual HttpListenerStats stats() const = 0;
};

}  // namespace agent_trace::server
