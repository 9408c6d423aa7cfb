#pragma once
// serve's third listener (127.0.0.1:8318): the REST API under /api/v1, the live
// stream at /api/v1/stream, /healthz and /metrics. It has its own io_context and
// threads, and reads through its own store connections, so that a slow query
// or a crowd of stream clients never delays hook or OTLP ingestion.
//
// The dashboard listener (127.0.0.1:3100) runs on the same io_context with the
// same handler: it answers everything the API port answers, so the web app
// calls the API on its own origin, and serves the dashboard's files
// (server/static_site.hpp) for every other GET.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

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
    bool api_listener = true;  // false: the dashboard listener only (serve --no-api)
    bool dashboard = false;
    std::string dashboard_host = "127.0.0.1";
    uint16_t dashboard_port = 3100;  // 0: any free port
    // The built dashboard (a directory with index.html); "" when none was found,
    // in which case its pages answer 503 naming `web_dirs_searched`.
    std::string web_dir;
    std::vector<std::string> web_dirs_searched;
};

// Documents the rest of serve provides: the same /healthz and /metrics as the hooks port.
struct ApiServiceSources {
    std::function<std::string()> health_json;
    std::function<std::string()> metrics_text;
    // GET /api/v1/status: what `agent-trace status --json` reports. Unset: 404.
    std::function<std::string()> status_json;
};

// What the dashboard listener serves.
struct DashboardInfo {
    std::string address;  // "127.0.0.1:3100"; "" without a dashboard listener
    std::string web_dir;  // where its files were read from; "" when unavailable
    bool available = false;
    size_t files = 0;
    uint64_t bytes = 0;
    std::string problem;  // why there is nothing to serve
};

struct ApiServiceStats {
    StatusClassCounts responses{};
    HttpListenerStats http;
    HttpListenerStats dashboard_http;
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
    [[nodiscard]] virtual uint16_t port() const = 0;            // 0 without the API listener
    [[nodiscard]] virtual std::string address() const = 0;      // "127.0.0.1:8318"; "" without
    [[nodiscard]] virtual uint16_t dashboard_port() const = 0;  // 0 without a dashboard
    [[nodiscard]] virtual DashboardInfo dashboard() const = 0;
    [[nodiscard]] virtual ApiServiceStats stats() const = 0;
};

}  // namespace agent_trace::server
