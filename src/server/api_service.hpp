#pragma once
// serve's third listener (127.0.0.1:8318): the REST API under /api/v1, the live
// stream at /api/v1/stream, /healthz and /metrics. It has its own io_context and
// threads, and reads through its own store connections, so that a slow query
// or a crowd of stream clients never delays hook or OTLP ingestion.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/pricing.hpp"
#include "core/result.hpp"
#include "server/http_server.hpp"
#include "server/serve_metrics.hpp"
#include "server/stream_hub.hpp"

namespace agent_trace::server {

struct ApiServiceOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 8318;  // 0: any free port
    unsigned threads = 2;
    std::string auth_token;  // when set, /api/v1 and /metrics require it
    std::string database_path;
    const PricingTable* pricing = nullptr;  // must outlive the service; nullptr: built-in
    size_t max_page_size = 500;
    StreamHubOptions stream;
};

// Documents the rest of serve provides: the same /healthz and /metrics as the hooks port.
struct ApiServiceSources {
    std::function<std::string()> health_json;
    std::function<std::string()> metrics_text;
};

struct ApiServiceStats {
    StatusClassCounts responses{};
    HttpListenerStats http;
    StreamHubStats stream;
};

class ApiService {
public:
    static Result<std::unique_ptr<ApiService>> start(const ApiServiceOptions& options,
                                                     ApiServiceSources sources);
    virtual ~ApiService() = default;
    virtual void stop() = 0;  // closes streams, then the listener and its threads
    // Something was stored: stream clients get it now rather than at the next poll.
    virtual void notify_stored() = 0;
    [[nodiscard]] virtual uint16_t port() const = 0;
    [[nodiscard]] virtual std::string address() const = 0;  // "127.0.0.1:8318"
    [[nodiscard]] virtual ApiServiceStats stats() const = 0;
};

}  // namespace agent_trace::server
