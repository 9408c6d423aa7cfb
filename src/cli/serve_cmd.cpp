#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "server/serve_app.hpp"

namespace agent_trace::cli {
namespace {

struct ServeFlags {
    std::string hooks_listen = "127.0.0.1:8317";
    std::string otlp_grpc_listen = "127.0.0.1:4717";
    bool no_otlp_grpc = false;
    std::string api_listen = "127.0.0.1:8318";
    bool no_api = false;
    std::string dashboard_listen = "127.0.0.1:3100";
    bool no_dashboard = false;
    std::string web_dir;
    unsigned sse_heartbeat_ms = 15'000;
    unsigned sse_client_buffer_kb = 4096;
    std::string auth_token;
    std::string port_file;
    std::string queue_sync = "every-commit";
    unsigned sync_interval_ms = 0;
    unsigned tier = 1;
    bool no_import = false;
    std::vector<std::string> import_roots;
    unsigned io_threads = 2;
    unsigned store_busy_timeout_ms = 250;
    uint64_t max_body_mb = 32;
};

Result<std::pair<std::string, uint16_t>> parse_listen(const std::string& text) {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) return make_error("expected HOST:PORT, got '" + text + "'");
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    const std::string port_text = text.substr(colon + 1);
    char* end = nullptr;
    const unsigned long port = std::strtoul(port_text.c_str(), &end, 10);
    if (port_text.empty() || *end != '\0' || port > 65535) {
        return make_error("invalid port in '" + text + "'");
    }
    return std::make_pair(host, static_cast<uint16_t>(port));
}

int run_serve(const GlobalOptions& globals, const ServeFlags& flags) {
    server::ServeOptions options;
    options.data_dir = globals.data_dir;
    auto listen = parse_listen(flags.hooks_listen);
    if (!listen) {
        std::fprintf(stderr, "agent-trace serve: --hooks-listen: %s\n",
                     listen.error().message.c_str());
        return 2;
    }
    options.hooks_host = listen->first;
    options.hooks_port = listen->second;
    if (!flags.no_otlp_grpc) {
        auto grpc = parse_listen(flags.otlp_grpc_listen);
        if (!grpc) {
            std::fprintf(stderr, "agent-trace serve: --otlp-grpc-listen: %s\n",
                         grpc.error().message.c_str());
            return 2;
        }
        options.otlp_grpc_host = grpc->first;
        options.otlp_grpc_port = grpc->second;
    }
    options.otlp_grpc = !flags.no_otlp_grpc;
    if (!flags.no_api) {
        auto api = parse_listen(flags.api_listen);
        if (!api) {
            std::fprintf(stderr, "agent-trace serve: --api-listen: %s\n",
                         api.error().message.c_str());
            return 2;
        }
        options.api_host = api->first;
        options.api_port = api->second;
    }
    options.api = !flags.no_api;
    if (!flags.no_dashboard) {
        auto dashboard = parse_listen(flags.dashboard_listen);
        if (!dashboard) {
            std::fprintf(stderr, "agent-trace serve: --dashboard-listen: %s\n",
                         dashboard.error().message.c_str());
            return 2;
        }
        options.dashboard_host = dashboard->first;
        options.dashboard_port = dashboard->second;
    }
    options.dashboard = !flags.no_dashboard;
    options.web_dir = flags.web_dir;
    options.stream.heartbeat = std::chrono::milliseconds(flags.sse_heartbeat_ms);
    options.stream.client_queue_bytes = size_t{flags.sse_client_buffer_kb} << 10;
    options.config_dir = globals.config_dir;
    options.auth_token = flags.auth_token;
    if (const char* env = std::getenv("AGENT_TRACE_AUTH_TOKEN");
        options.auth_token.empty() && env != nullptr) {
        options.auth_token = env;
    }
    options.port_file = flags.port_file;
    if (flags.queue_sync == "every-commit") {
        options.queue_sync = QueueSync::every_commit;
    } else if (flags.queue_sync == "interval") {
        options.queue_sync = QueueSync::interval;
    } else if (flags.queue_sync == "none") {
        options.queue_sync = QueueSync::none;
    }
    options.sync_interval = std::chrono::milliseconds(flags.sync_interval_ms);
    options.max_tier = static_cast<uint8_t>(flags.tier);
    options.import_history = !flags.no_import;
    options.history_roots = flags.import_roots;
    options.io_threads = flags.io_threads;
    options.store_busy_timeout_ms = static_cast<int>(flags.store_busy_timeout_ms);
    options.max_body_bytes = flags.max_body_mb << 20;
    auto app = server::ServeApp::start(options);
    if (!app) {
        std::fprintf(stderr, "agent-trace serve: %s\n", app.error().message.c_str());
        return 1;
    }
    std::fprintf(stderr,
                 "agent-trace serve: hooks and OTLP/HTTP on http://%s:%u (/v1/hooks, /v1/logs, "
                 "/v1/metrics, /v1/traces), data in %s\n",
                 options.hooks_host.c_str(), static_cast<unsigned>((*app)->hooks_port()),
                 globals.data_dir.c_str());
    if (options.otlp_grpc) {
        std::fprintf(stderr, "agent-trace serve: OTLP/gRPC on %s:%u\n",
                     options.otlp_grpc_host.c_str(),
                     static_cast<unsigned>((*app)->otlp_grpc_port()));
    }
    if (options.api) {
        std::fprintf(stderr,
                     "agent-trace serve: API on http://%s:%u (/api/v1/..., live stream "
                     "/api/v1/stream, /metrics)\n",
                     options.api_host.c_str(), static_cast<unsigned>((*app)->api_port()));
    }
    if (options.dashboard) {
        const std::string host = options.dashboard_host.find(':') != std::string::npos
                                     ? "[" + options.dashboard_host + "]"
                                     : options.dashboard_host;
        std::fprintf(stderr, "agent-trace serve: dashboard on http://%s:%u/\n", host.c_str(),
                     static_cast<unsigned>((*app)->dashboard_port()));
    }
    (*app)->run_until_signal();
    std::fprintf(stderr, "agent-trace serve: stopped\n");
    return 0;
}

}  // namespace

void add_serve_command(CLI::App& root, const GlobalOptions& globals, int& exit_code) {
    auto* command = root.add_subcommand(
        "serve",
        "Run the local collector: hooks + OTLP receivers, durable queue, store writer, API "
        "and dashboard");
    auto flags = std::make_shared<ServeFlags>();
    command
        ->add_option("--hooks-listen", flags->hooks_listen,
                     "HOST:PORT for POST /v1/hooks, OTLP/HTTP (POST /v1/logs, /v1/metrics, "
                     "/v1/traces) and GET /healthz (port 0: any free port)")
        ->capture_default_str();
    command
        ->add_option("--otlp-grpc-listen", flags->otlp_grpc_listen,
                     "HOST:PORT for OTLP/gRPC (LogsService, MetricsService, TraceService; port "
                     "0: any free port)")
        ->capture_default_str();
    command->add_flag("--no-otlp-grpc", flags->no_otlp_grpc, "Do not start the OTLP/gRPC listener");
    command
        ->add_option("--api-listen", flags->api_listen,
                     "HOST:PORT for the REST API (/api/v1/...), the live event stream "
                     "(/api/v1/stream), GET /healthz and GET /metrics (port 0: any free port)")
        ->capture_default_str();
    command->add_flag("--no-api", flags->no_api, "Do not start the API listener");
    command
        ->add_option("--dashboard-listen", flags->dashboard_listen,
                     "HOST:PORT for the web dashboard, which also answers everything the API "
                     "port does (/api/v1/..., /healthz, /metrics) for the app on the same "
                     "origin (port 0: any free port)")
        ->capture_default_str();
    command->add_flag("--no-dashboard", flags->no_dashboard, "Do not start the dashboard listener");
    command->add_option("--web-dir", flags->web_dir,
                        "The built dashboard to serve (a directory with index.html); default: "
                        "$AGENT_TRACE_WEB_DIR, else web/ beside the executable (build/web after "
                        "`make build`), else ../share/agent-trace/web");
    command
        ->add_option("--sse-heartbeat-ms", flags->sse_heartbeat_ms,
                     "Live stream: send a comment line this often so idle connections stay open")
        ->check(CLI::Range(10u, 3'600'000u))
        ->capture_default_str();
    command
        ->add_option("--sse-client-buffer-kb", flags->sse_client_buffer_kb,
                     "Live stream: a client with more than this queued (not read) is cut off; "
                     "it can resume with Last-Event-ID")
        ->check(CLI::Range(16u, 1u << 20))
        ->capture_default_str();
    command->add_option("--auth-token", flags->auth_token,
                        "Bearer token required from clients; mandatory for a non-loopback "
                        "address (env AGENT_TRACE_AUTH_TOKEN)");
    command->add_option(
        "--port-file", flags->port_file,
        R"(Write {"hooks_url": URL, "hooks": PORT, "otlp_grpc_url": URL, "otlp_grpc": PORT, "api_url": URL, "api": PORT, "dashboard_url": URL, "dashboard": PORT, "pid": PID} here once listening)");
    command
        ->add_option("--queue-sync", flags->queue_sync,
                     "every-commit: acknowledge after the group fdatasync (default); interval: "
                     "after write(), fdatasync every --sync-interval-ms; none: never fdatasync")
        ->check(CLI::IsMember({"every-commit", "interval", "none"}))
        ->capture_default_str();
    command
        ->add_option("--sync-interval-ms", flags->sync_interval_ms,
                     "Group commit: wait this long to gather more records before each fdatasync")
        ->capture_default_str();
    command
        ->add_option("--tier", flags->tier, "Highest privacy tier stored (1 metadata only, 2, 3)")
        ->check(CLI::Range(1, 3))
        ->capture_default_str();
    command->add_flag("--no-import", flags->no_import,
                      "Do not import the existing transcript history at start");
    command->add_option("--import-root", flags->import_roots,
                        "Transcript roots to import at start (default: Claude Code's)");
    command->add_option("--io-threads", flags->io_threads, "HTTP worker threads")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    command
        ->add_option("--store-busy-timeout-ms", flags->store_busy_timeout_ms,
                     "How long a store write waits for a lock before it is retried with backoff")
        ->capture_default_str();
    command->add_option("--max-body-mb", flags->max_body_mb, "Largest request body accepted")
        ->capture_default_str();
    command->footer(
        "Events are acknowledged once appended to the durable queue in <data-dir>/queue;\n"
        "a writer moves them into <data-dir>/agent-trace.db, retrying while the store is\n"
        "busy and moving events it can never store to <data-dir>/dlq. hook-handler's spool\n"
        "(<data-dir>/spool) is drained at start and every second. A session's transcript\n"
        "is imported when its hooks report the end of a turn or of the session.\n"
        "Claude Code's OpenTelemetry export (CLAUDE_CODE_ENABLE_TELEMETRY=1) is taken on\n"
        "the hooks port (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf or http/json) and on the\n"
        "gRPC port (grpc); docs/otlp.md has the mapping.\n"
        "The API port serves the REST API (docs/api.md), the live event stream\n"
        "(Server-Sent Events at /api/v1/stream) and /metrics (Prometheus text format);\n"
        "prices come from the built-in table and <config-dir>/pricing.json.\n"
        "The dashboard port (http://127.0.0.1:3100/) serves the web dashboard and, for it,\n"
        "the same API; its files are read once at start (--web-dir). Not built yet: its\n"
        "pages say so (503) and how to build it; the API answers there all the same.\n"
        "With --auth-token, the API on either port needs it (the stream also takes\n"
        "?access_token=, for EventSource); the dashboard's files do not.\n\n"
        "Examples:\n"
        "  agent-trace serve\n"
        "  agent-trace serve --hooks-listen 127.0.0.1:0 --otlp-grpc-listen 127.0.0.1:0 \\\n"
        "      --api-listen 127.0.0.1:0 --dashboard-listen 127.0.0.1:0 \\\n"
        "      --port-file /tmp/at.port --no-import\n"
        "  agent-trace serve --web-dir web/dist     # a dashboard built with npm run build\n"
        "  curl -N 'http://127.0.0.1:8318/api/v1/stream?kind=tool_start,tool_end'\n"
        "  curl http://127.0.0.1:8318/metrics");
    command->callback([&globals, &exit_code, flags] { exit_code = run_serve(globals, *flags); });
}

}  // namespace agent_trace::cli
