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
#include <utility>
#include <vector>

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
    std::string remote;           // "127.0.0.1:53412"
    std::string last_event_id;    // Last-Event-ID: where a reconnecting event stream resumes
    std::string accept_encoding;  // Accept-Encoding: "gzip, deflate, br"
    std::string if_none_match;    // If-None-Match: the ETags a client already holds
};

// The open end of a streaming response (Server-Sent Events): bytes written here
// reach the client in order. Thread-safe and never blocks: what the socket has not
// taken yet waits in memory, and its size is visible so that the producer can cut
// off a client that does not keep up instead of waiting for it.
class StreamWriter {
public:
    virtual ~StreamWriter() = default;
    // False (and nothing queued) once the stream is closed, by either side.
    virtual bool write(std::string bytes) = 0;
    [[nodiscard]] virtual size_t queued_bytes() const = 0;
    [[nodiscard]] virtual bool closed() const = 0;
    // Ends the response and the connection at once; what is queued is dropped.
    virtual void close() = 0;
    // The same, with a reset: nothing the kernel still holds is sent either, and the
    // client learns at once (for cutting off a client that stopped reading).
    virtual void reset() = 0;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::string retry_after;  // seconds, for 503
    // When set, the response is a stream: the head goes out with `status` and
    // `content_type`, no length and "Connection: close", then `open_stream` gets
    // the writer that the body is pushed through (on an io thread: keep it short).
    std::function<void(std::shared_ptr<StreamWriter>)> open_stream;
    // Further header fields (ETag, Cache-Control, Content-Encoding ...), written as
    // given. An answer to HEAD keeps its Content-Length but sends no body.
    std::vector<std::pair<std::string, std::string>> headers;
};

// {"error": message}: the hooks and OTLP ports' refusals (the API port answers
// with api/api_error.hpp's {"error": {"code", "message"}}).
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
    // Builds every other refusal of the listener (malformed request, headers or body
    // too large) when set; else json_error().
    std::function<HttpResponse(int status, const std::string& message)> refusal;
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
