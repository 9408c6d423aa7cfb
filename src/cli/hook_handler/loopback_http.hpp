#pragma once
// A minimal blocking HTTP/1.1 client for agent-trace's own loopback listeners
// (hook-handler, init, status). One request per connection, one deadline for the
// whole exchange, no DNS: only 127.0.0.0/8, ::1 and "localhost" are accepted, so a
// hook can never send anything off the machine.
//
// Edge code: libc and libstdc++ only.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace agent_trace::cli {

struct LoopbackUrl {
    std::string host;  // numeric: "127.0.0.1" or "::1" ("localhost" becomes 127.0.0.1)
    uint16_t port = 0;
    std::string base_path;  // path prefix without a trailing '/', usually empty
    bool ipv6 = false;

    // "http://127.0.0.1:8317", "http://[::1]:8317"
    [[nodiscard]] std::string to_string() const;
};

// "http://127.0.0.1:8317", "http://localhost:8317/prefix", "http://[::1]:8317",
// "127.0.0.1:8317" (scheme optional). Refuses https, user info, other hosts and
// missing or zero ports.
Result<LoopbackUrl> parse_loopback_url(std::string_view url);

struct HttpResponse {
    int status = 0;
    std::string body;
};

// Sends `method` `base_path + path` with `body` (Content-Type `content_type` when the
// body is not empty) and reads the response, all within `timeout`. Errors (refused,
// timed out, reset, malformed response) are retryable: the server may be back later.
// Any status the server sends, 4xx and 5xx included, is a response, not an error.
Result<HttpResponse> http_request(const LoopbackUrl& url, std::string_view method,
                                  std::string_view path, std::string_view body,
                                  std::string_view content_type, std::chrono::milliseconds timeout);

}  // namespace agent_trace::cli
