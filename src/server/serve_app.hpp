#pragma once
// `agent-trace serve`: one process hosting the hooks receiver, the durable
// queue, the store writer, the spool drainer and the session importer.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "pipeline/queue/durable_queue.hpp"
#include "server/stream_hub.hpp"

namespace agent_trace::server {

struct ServeOptions {
    std::string data_dir;
    std::string hooks_host = "127.0.0.1";
    uint16_t hooks_port = 8317;
    std::string auth_token;  // required for a non-loopback listener
    // JSON {"hooks_url", "hooks": port, "otlp_grpc": port, "otlp_grpc_url", "api": port,
    // "api_url", "dashboard": port, "dashboard_url", "pid"}, written once listening.
    std::string port_file;
    QueueSync queue_sync = QueueSync::every_commit;
    std::chrono::milliseconds sync_interval{0};
    uint8_t max_tier = 1;  // content above this tier is dropped at ingress
    bool import_history = true;
    std::vector<std::string> history_roots;  // empty: Claude Code's default roots
    unsigned io_threads = 2;
    int store_busy_timeout_ms = 250;
    std::chrono::milliseconds spool_poll{1000};
    uint64_t max_body_bytes = 32ull << 20;
    // OTLP/gRPC listener; port 0: any free port. Disabled when otlp_grpc is false.
    bool otlp_grpc = true;
    std::string otlp_grpc_host = "127.0.0.1";
    uint16_t otlp_grpc_port = 4717;
    // The API listener (REST /api/v1, the live stream, /healthz, /metrics), with its
    // own io threads; port 0: any free port. Disabled when api is false.
    bool api = true;
    std::string api_host = "127.0.0.1";
    uint16_t api_port = 8318;
    unsigned api_threads = 2;
    size_t api_max_page_size = 500;
    StreamHubOptions stream;  // heartbeat, slow-client bound, replay limit
    // The dashboard listener: everything the API port answers (same handler, so
    // the web app's API calls are same-origin) plus the dashboard's files. Off
    // here; `agent-trace serve` turns it on (127.0.0.1:3100) unless --no-dashboard.
    bool dashboard = false;
    std::string dashboard_host = "127.0.0.1";
    uint16_t dashboard_port = 3100;
    // The built dashboard (index.html + assets/); "" : $AGENT_TRACE_WEB_DIR, else
    // beside the executable (server/static_site.hpp default_web_dirs). None found:
    // the pages answer 503 saying how to build it, and the API is served all the same.
    std::string web_dir;
    std::string config_dir;  // <config_dir>/pricing.json overrides the built-in prices
};

class ServeApp {
public:
    static Result<std::unique_ptr<ServeApp>> start(const ServeOptions& options);
    virtual ~ServeApp() = default;
    // Blocks until SIGINT/SIGTERM, then shuts down in order.
    virtual void run_until_signal() = 0;
    [[nodiscard]] virtual uint16_t hooks_port() const = 0;
    [[nodiscard]] virtual uint16_t otlp_grpc_port() const = 0;  // 0 when disabled
    [[nodiscard]] virtual uint16_t api_port() const = 0;        // 0 when disabled
    [[nodiscard]] virtual uint16_t dashboard_port() const = 0;  // 0 when disabled
    [[nodiscard]] virtual std::string health_json() const = 0;
    [[nodiscard]] virtual std::string metrics_text() const = 0;  // Prometheus text format
    // GET /api/v1/status: `agent-trace status --json`'s report, from in-process health.
    [[nodiscard]] virtual std::string status_json() const = 0;
};

}  // namespace agent_trace::server
