#include "server/serve_app.hpp"

#include <pwd.h>
#include <simdjson.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "core/file_io.hpp"
#include "core/hex.hpp"
#include "core/json_writer.hpp"
#include "core/pricing.hpp"
#include "core/time.hpp"
#include "ingest/hooks/hook_decoder.hpp"
#include "ingest/transcript/discovery.hpp"
#include "pipeline/dlq/dead_letter_queue.hpp"
#include "pipeline/event_codec.hpp"
#include "pipeline/spool/spool.hpp"
#include "pipeline/store_writer.hpp"
#include "query/status_report.hpp"
#include "server/api_service.hpp"
#include "server/http_server.hpp"
#include "server/index_refresher.hpp"
#include "server/ingest_counters.hpp"
#include "server/otlp_grpc_server.hpp"
#include "server/otlp_http.hpp"
#include "server/otlp_receiver.hpp"
#include "server/prometheus_text.hpp"
#include "server/serve_metrics.hpp"
#include "server/session_importer.hpp"
#include "server/static_site.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace agent_trace::server {
namespace {

namespace asio = boost::asio;

std::string host_name() {
    char buffer[256] = {};
    if (gethostname(buffer, sizeof buffer - 1) != 0) return {};
    return buffer;
}

std::string user_name() {
    std::string buffer(16384, '\0');
    passwd pw{};
    passwd* found = nullptr;
    if (getpwuid_r(getuid(), &pw, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
        return {};
    }
    return pw.pw_name;
}

bool is_loopback(const std::string& host) {
    return host == "127.0.0.1" || host == "::1" || host == "localhost" ||
           host.rfind("127.", 0) == 0;
}

// A stable, low-cardinality name for why an input was refused (the counters' key).
std::string reason_class(const std::string& message) {
    auto has = [&](std::string_view needle) { return message.find(needle) != std::string::npos; };
    if (has("unknown event")) return "unknown_hook_event";
    if (has("UTF-8") || has("NUL byte")) return "not_utf8";
    if (has("invalid_payload_bytes")) return "invalid_json";
    if (has("not JSON")) return "invalid_json";
    if (has(" is missing") || has(" is empty")) return "missing_field";
    if (has("must be")) return "wrong_type";
    return "invalid";
}

class ServeAppImpl final : public ServeApp {
public:
    explicit ServeAppImpl(ServeOptions options)
        : options_(std::move(options)), io_(std::make_unique<asio::io_context>()) {}

    Status open() {
        started_ = now_us();
        host_ = host_name();
        user_ = user_name();
        if (!is_loopback(options_.hooks_host) && options_.auth_token.empty()) {
            return make_error("listening on " + options_.hooks_host +
                              " (not loopback) requires --auth-token");
        }
        if (options_.otlp_grpc && !is_loopback(options_.otlp_grpc_host) &&
            options_.auth_token.empty()) {
            return make_error("OTLP/gRPC on " + options_.otlp_grpc_host +
                              " (not loopback) requires --auth-token");
        }
        if (options_.api && !is_loopback(options_.api_host) && options_.auth_token.empty()) {
            return make_error("the API on " + options_.api_host +
                              " (not loopback) requires --auth-token");
        }
        if (options_.dashboard && !is_loopback(options_.dashboard_host) &&
            options_.auth_token.empty()) {
            return make_error("the dashboard on " + options_.dashboard_host +
                              " (not loopback) serves the API too: it requires --auth-token");
        }
        auto pricing = load_pricing(options_.config_dir);
        if (!pricing) return make_error("pricing: " + pricing.error().message);
        pricing_ = std::make_unique<PricingTable>(std::move(*pricing));
        std::error_code ec;
        std::filesystem::create_directories(options_.data_dir, ec);
        if (ec) return make_error("cannot create " + options_.data_dir + ": " + ec.message());
        database_path_ = options_.data_dir + "/agent-trace.db";
        spool_dir_ = options_.data_dir + "/spool";

        SqliteStoreOptions store_options;
        store_options.busy_timeout_ms = options_.store_busy_timeout_ms;
        store_options.durable_commits = true;
        // Another process (a big `import`) may hold the write lock the schema check
        // needs: wait for it a while rather than refuse to start.
        auto store = open_sqlite_store(database_path_, store_options);
        for (int attempt = 0; !store && store.error().retryable && attempt < 40; ++attempt) {
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
            store = open_sqlite_store(database_path_, store_options);
        }
        if (!store) return store.error();
        store_ = std::move(*store);

        QueueOptions queue_options;
        queue_options.dir = options_.data_dir + "/queue";
        queue_options.sync = options_.queue_sync;
        queue_options.sync_interval = options_.sync_interval;
        auto queue = open_durable_queue(queue_options);
        if (!queue) return make_error("queue: " + queue.error().message);
        queue_ = std::move(*queue);

        otlp_ = std::make_unique<OtlpReceiver>(*queue_, options_.max_tier, host_);

        auto dlq = open_dead_letter_queue(options_.data_dir + "/dlq");
        if (!dlq) return make_error("dead letter queue: " + dlq.error().message);
        dlq_ = std::move(*dlq);

        SessionImporterOptions importer_options;
        importer_options.database_path = database_path_;
        if (options_.import_history) {
            importer_options.history_roots = options_.history_roots.empty()
                                                 ? transcript::default_transcript_roots()
                                                 : options_.history_roots;
        }
        importer_ = std::make_unique<SessionImporter>(std::move(importer_options));

        StoreWriterOptions writer_options;
        writer_options.on_stored = [this](std::span<const Event> events) { on_stored(events); };
        writer_ = std::make_unique<StoreWriter>(*queue_, *store_, *dlq_, writer_options);

        HttpLimits limits;
        limits.max_body_bytes = options_.max_body_bytes;
        limits.too_large_response = [this](const HttpRequest& head, const std::string& message) {
            const std::string path = head.target.substr(0, head.target.find('?'));
            if (const auto signal = otlp_signal_for_path(path)) {
                return otlp_too_large(*otlp_, *signal, head, message);
            }
            return json_error(413, message);
        };
        auto listener = HttpListener::bind(
            *io_, options_.hooks_host, options_.hooks_port,
            [this](HttpRequest&& request, Responder respond) {
                handle(std::move(request), std::move(respond));
            },
            limits);
        if (!listener) return listener.error();
        listener_ = std::move(*listener);
        if (options_.otlp_grpc) {
            OtlpGrpcOptions grpc_options;
            grpc_options.host = options_.otlp_grpc_host;
            grpc_options.port = options_.otlp_grpc_port;
            grpc_options.auth_token = options_.auth_token;
            grpc_options.max_message_bytes =
                static_cast<int>(std::min<uint64_t>(options_.max_body_bytes, INT32_MAX));
            auto grpc = OtlpGrpcServer::start(grpc_options, *otlp_);
            if (!grpc) return grpc.error();
            otlp_grpc_ = std::move(*grpc);
        }

        if (options_.api || options_.dashboard) {
            ApiServiceOptions api_options;
            api_options.host = options_.api_host;
            api_options.port = options_.api_port;
            api_options.threads = options_.api_threads;
            api_options.auth_token = options_.auth_token;
            api_options.database_path = database_path_;
            api_options.pricing = pricing_.get();
            api_options.max_page_size = options_.api_max_page_size;
            api_options.stream = options_.stream;
            api_options.api_listener = options_.api;
            api_options.dashboard = options_.dashboard;
            api_options.dashboard_host = options_.dashboard_host;
            api_options.dashboard_port = options_.dashboard_port;
            if (!options_.web_dir.empty()) {
                api_options.web_dir = options_.web_dir;
                api_options.web_dirs_searched = {options_.web_dir};
            } else {
                api_options.web_dirs_searched = default_web_dirs();
                api_options.web_dir = find_web_dir(api_options.web_dirs_searched);
            }
            auto api = ApiService::start(
                api_options, {[this] { return health_json(); }, [this] { return metrics_text(); },
                              [this] { return status_json(); }});
            if (!api) return api.error();
            api_ = std::move(*api);
        }

        IndexRefresherOptions index_options;
        index_options.database_path = database_path_;
        index_options.pricing = pricing_.get();
        index_refresher_ = std::make_unique<IndexRefresher>(std::move(index_options));

        importer_->start();
        writer_->start();
        index_refresher_->start();
        listener_->start();
        for (unsigned i = 0; i < std::max(1u, options_.io_threads); ++i) {
            io_threads_.emplace_back([this] { io_->run(); });
        }
        spool_thread_ = std::thread([this] { drain_spool_loop(); });
        // Where this server listens: <data>/serve.json for `status` and `init` of this
        // data directory (removed on a clean stop), and --port-file for scripts.
        JsonWriter w;
        w.begin_object()
            .key("hooks_url")
            .value("http://" + listener_->address())
            .key("hooks")
            .value(static_cast<int64_t>(listener_->port()));
        if (otlp_grpc_) {
            w.key("otlp_grpc_url")
                .value("http://" + otlp_grpc_->address())
                .key("otlp_grpc")
                .value(static_cast<int64_t>(otlp_grpc_->port()));
        }
        if (api_ && api_->port() != 0) {
            w.key("api_url")
                .value("http://" + api_->address())
                .key("api")
                .value(static_cast<int64_t>(api_->port()));
        }
        if (api_ && api_->dashboard_port() != 0) {
            w.key("dashboard_url")
                .value("http://" + api_->dashboard().address + "/")
                .key("dashboard")
                .value(static_cast<int64_t>(api_->dashboard_port()));
        }
        w.key("pid").value(static_cast<int64_t>(getpid())).end_object();
        const std::string where = w.str() + "\n";
        if (auto s = file_io::replace_file(options_.data_dir + "/serve.json", where, false); !s) {
            return s;
        }
        if (!options_.port_file.empty()) {
            if (auto s = file_io::replace_file(options_.port_file, where, false); !s) return s;
        }
        return Ok{};
    }

    ~ServeAppImpl() override { shutdown(); }
    ServeAppImpl(const ServeAppImpl&) = delete;
    ServeAppImpl& operator=(const ServeAppImpl&) = delete;

    void run_until_signal() override {
        asio::io_context signals_io;
        asio::signal_set signals(signals_io, SIGINT, SIGTERM);
        signals.async_wait([](const boost::system::error_code&, int) {});
        signals_io.run();
        shutdown();
    }

    [[nodiscard]] uint16_t hooks_port() const override { return listener_ ? listener_->port() : 0; }
    [[nodiscard]] uint16_t otlp_grpc_port() const override {
        return otlp_grpc_ ? otlp_grpc_->port() : 0;
    }
    [[nodiscard]] uint16_t api_port() const override { return api_ ? api_->port() : 0; }
    [[nodiscard]] uint16_t dashboard_port() const override {
        return api_ ? api_->dashboard_port() : 0;
    }

    [[nodiscard]] std::string health_json() const override;
    [[nodiscard]] std::string metrics_text() const override;
    [[nodiscard]] std::string status_json() const override;

private:
    void shutdown() {
        if (shut_down_.exchange(true)) return;
        if (api_) api_->stop();
        if (listener_) listener_->stop();
        // Before the queue and the io threads: calls in flight finish (or fail) first.
        if (otlp_grpc_) otlp_grpc_->stop();
        {
            std::lock_guard lock(spool_mutex_);
            stopping_ = true;
        }
        spool_wake_.notify_all();
        if (spool_thread_.joinable()) spool_thread_.join();
        io_->stop();
        for (auto& t : io_threads_) {
            if (t.joinable()) t.join();
        }
        if (writer_) writer_->stop();
        if (index_refresher_) index_refresher_->stop();
        if (importer_) importer_->stop();
        std::error_code ec;
        std::filesystem::remove(options_.data_dir + "/serve.json", ec);
    }

    void handle(HttpRequest&& request, Responder respond) {
        const std::string path = request.target.substr(0, request.target.find('?'));
        if (path == "/healthz") {
            if (request.method != "GET" && request.method != "HEAD") {
                respond(json_error(405, "use GET /healthz"));
                return;
            }
            respond(HttpResponse{200, "application/json", health_json(), {}});
            return;
        }
        if (path == "/metrics") {
            if (request.method != "GET" && request.method != "HEAD") {
                respond(json_error(405, "use GET /metrics"));
                return;
            }
            if (!options_.auth_token.empty() &&
                request.authorization != "Bearer " + options_.auth_token) {
                respond(json_error(401, "missing or wrong bearer token"));
                return;
            }
            respond(HttpResponse{200, kPrometheusContentType, metrics_text(), {}, {}});
            return;
        }
        const auto otlp_signal = otlp_signal_for_path(path);
        if (path != "/v1/hooks" && !otlp_signal) {
            respond(json_error(404, "no such endpoint: " + path +
                                        " (this port serves POST /v1/hooks, POST /v1/logs, "
                                        "/v1/metrics, /v1/traces, GET /healthz and GET /metrics; "
                                        "the API is on its own port)"));
            return;
        }
        if (otlp_signal) {
            handle_otlp_http(*otlp_, *otlp_signal, std::move(request), std::move(respond),
                             options_.max_body_bytes, options_.auth_token);
            return;
        }
        if (request.method != "POST") {
            respond(json_error(405, "use POST /v1/hooks"));
            return;
        }
        if (!options_.auth_token.empty() &&
            request.authorization != "Bearer " + options_.auth_token) {
            hook_counters_.rejected("unauthorized");
            respond(json_error(401, "missing or wrong bearer token"));
            return;
        }
        ingest_hooks(request.body, std::move(respond));
    }

    struct Decoded {
        EncodedBatch events;
        std::vector<std::pair<size_t, std::string>> rejected;  // index, reason
        std::vector<std::string> reasons;                      // classes, for the counters
    };

    Result<Decoded> decode(std::string_view body) {
        hooks::HookDecodeOptions options;
        options.max_tier = options_.max_tier;
        options.now = now_us();
        options.host = host_;
        options.user = user_;
        auto decoded = hooks::decode_hook_body(body, options);
        if (!decoded) return decoded.error();
        Decoded out;
        for (size_t i = 0; i < decoded->size(); ++i) {
            auto& item = (*decoded)[i];
            if (!item) {
                out.rejected.emplace_back(i, item.error().message);
                out.reasons.push_back(reason_class(item.error().message));
                continue;
            }
            out.events.add(*item);
        }
        return out;
    }

    static std::string rejected_json(const Decoded& d) {
        JsonWriter w;
        w.begin_array();
        for (const auto& [index, reason] : d.rejected) {
            w.begin_object()
                .key("index")
                .value(static_cast<uint64_t>(index))
                .key("reason")
                .value(reason)
                .end_object();
        }
        w.end_array();
        return w.take();
    }

    void ingest_hooks(std::string_view body, Responder respond) {
        auto decoded = decode(body);
        if (!decoded) {
            hook_counters_.rejected(reason_class(decoded.error().message));
            respond(json_error(400, decoded.error().message));
            return;
        }
        for (const std::string& reason : decoded->reasons) hook_counters_.rejected(reason);
        if (decoded->events.empty()) {
            if (decoded->rejected.empty()) hook_counters_.rejected("empty_body");
            // A well-formed request this version cannot take (e.g. a hook event newer
            // than this build) is kept, so `dlq replay` can store it after an upgrade.
            if (decoded->rejected.size() == 1) keep_refused(body, decoded->rejected.front().second);
            JsonWriter w;
            w.begin_object()
                .key("error")
                .value(decoded->rejected.empty() ? std::string("no events in the body")
                                                 : decoded->rejected.front().second)
                .key("accepted")
                .value(uint64_t{0})
                .key("rejected")
                .raw(rejected_json(*decoded))
                .end_object();
            respond(HttpResponse{
                decoded->rejected.empty() ? 400 : 422, "application/json", w.take(), {}});
            return;
        }
        const uint64_t n = decoded->events.size();
        std::string rejected = rejected_json(*decoded);
        append_durably(*queue_, decoded->events.views(),
                       [this, n, rejected = std::move(rejected),
                        respond = std::move(respond)](const Status& status) {
                           if (!status) {
                               hook_counters_.rejected("queue_unavailable", n);
                               auto response = json_error(503, status.error().message);
                               response.retry_after = "1";
                               respond(std::move(response));
                               return;
                           }
                           hook_counters_.accepted(n);
                           JsonWriter w;
                           w.begin_object()
                               .key("accepted")
                               .value(n)
                               .key("rejected")
                               .raw(rejected)
                               .end_object();
                           respond(HttpResponse{200, "application/json", w.take(), {}});
                       });
    }

    // The spool holds what hook-handler could not deliver: feed it through the same
    // path as POST /v1/hooks, waiting for durability before a line counts as handled.
    Status deliver_spooled(std::string_view line) {
        auto decoded = decode(line);
        if (!decoded) {
            hook_counters_.rejected(reason_class(decoded.error().message));
            return dead_letter_line(line, decoded.error().message);
        }
        for (const std::string& reason : decoded->reasons) hook_counters_.rejected(reason);
        for (const auto& [index, reason] : decoded->rejected) {
            if (auto s = dead_letter_line(line, reason); !s) return s;
        }
        if (decoded->events.empty()) return Ok{};
        std::promise<Status> synced;
        auto done = synced.get_future();
        append_durably(*queue_, decoded->events.views(),
                       [&synced](Status s) { synced.set_value(std::move(s)); });
        Status status = done.get();
        if (status) hook_counters_.accepted(decoded->events.size());
        return status;
    }

    Status dead_letter_line(std::string_view line, const std::string& reason,
                            const char* origin = "spool") {
        DeadLetter entry;
        entry.id = mint_uuid_v7().hex();
        entry.failed_at = now_us();
        entry.reason = reason;
        entry.origin = origin;
        entry.raw_hex = to_hex(line);
        return dlq_->put(entry);
    }

    void keep_refused(std::string_view body, const std::string& reason) {
        constexpr uint64_t kMaxKeptRefusals = 10'000;  // a flood of garbage must not fill the disk
        auto count = dlq_->count();
        if (!count || *count >= kMaxKeptRefusals) return;
        (void)dead_letter_line(body, reason, "hooks-receiver");
    }

    void drain_spool_loop() {
        std::unique_lock lock(spool_mutex_);
        while (!stopping_) {
            lock.unlock();
            auto result = spool_drain(
                spool_dir_, [this](std::string_view line) { return deliver_spooled(line); });
            lock.lock();
            if (result) {
                spool_drained_ += result->delivered;
                spool_malformed_ += result->malformed;
            } else {
                spool_error_ = result.error().message;
            }
            spool_wake_.wait_for(lock, options_.spool_poll, [this] { return stopping_; });
        }
    }

    void on_stored(std::span<const Event> events) {
        if (api_) api_->notify_stored();
        if (index_refresher_) index_refresher_->notify();
        TimestampUs oldest = 0;
        for (const Event& e : events) {
            if (e.ingest_ts != 0 && (oldest == 0 || e.ingest_ts < oldest)) oldest = e.ingest_ts;
        }
        if (oldest != 0) {
            store_lag_us_.store(std::max<TimestampUs>(now_us() - oldest, 0),
                                std::memory_order_relaxed);
        }
        std::vector<std::string> paths;
        for (const Event& e : events) {
            if (e.source != Source::hook) continue;
            if (e.kind != EventKind::session_end && e.kind != EventKind::turn_end &&
                e.kind != EventKind::subagent_stop) {
                continue;
            }
            simdjson::dom::element attrs;
            if (parser_.parse(e.attrs).get(attrs) != simdjson::SUCCESS) continue;
            for (const char* key : {"transcript_path", "agent_transcript_path"}) {
                std::string_view path;
                if (attrs[key].get(path) != simdjson::SUCCESS || path.empty()) continue;
                paths.emplace_back(path);
                // Subagents of a session live in <dir>/<session_id>/subagents/.
                if (std::string_view(key) == "transcript_path" && path.ends_with(".jsonl")) {
                    paths.push_back(std::string(path.substr(0, path.size() - 6)) + "/subagents");
                }
            }
        }
        if (!paths.empty()) importer_->request(paths);
    }

    ServeOptions options_;
    std::unique_ptr<asio::io_context> io_;  // first: outlives everything that posts to it
    TimestampUs started_ = 0;
    std::string host_;
    std::string user_;
    std::string database_path_;
    std::string spool_dir_;
    // Before the queue: its destructor completes pending acknowledgements, which count here.
    IngestCounters hook_counters_;
    std::unique_ptr<Store> store_;
    std::unique_ptr<DurableQueue> queue_;
    std::unique_ptr<OtlpReceiver> otlp_;
    std::unique_ptr<DeadLetterQueue> dlq_;
    std::unique_ptr<SessionImporter> importer_;
    std::unique_ptr<PricingTable> pricing_;
    // Before the writer: on_stored (writer thread) notifies these until the writer is gone.
    std::unique_ptr<ApiService> api_;
    std::unique_ptr<IndexRefresher> index_refresher_;
    std::unique_ptr<StoreWriter> writer_;
    std::unique_ptr<HttpListener> listener_;
    std::unique_ptr<OtlpGrpcServer> otlp_grpc_;
    std::vector<std::thread> io_threads_;
    simdjson::dom::parser parser_;  // writer thread only
    std::atomic<TimestampUs> store_lag_us_{0};

    mutable std::mutex spool_mutex_;
    std::condition_variable spool_wake_;
    bool stopping_ = false;
    uint64_t spool_drained_ = 0;
    uint64_t spool_malformed_ = 0;
    std::string spool_error_;
    std::thread spool_thread_;
    // GET /api/v1/status: the last report and when it was made (status_json()).
    mutable std::mutex status_mutex_;
    mutable std::string status_cached_;
    mutable TimestampUs status_cached_at_ = 0;
    std::atomic<bool> shut_down_{false};
};

std::string iso_or_empty(TimestampUs ts) {
    return ts == 0 ? std::string{} : format_iso8601_utc(ts);
}

std::string ServeAppImpl::health_json() const {
    const QueueStats queue = queue_->stats();
    const StoreWriterStats writer = writer_->stats();
    const SessionImporterStats imports = importer_->stats();
    const IngestCounters::Snapshot hooks = hook_counters_.snapshot();
    const HttpListenerStats http = listener_->stats();
    uint64_t spool_pending = 0;
    if (auto s = spool_stats(spool_dir_); s) spool_pending = s->pending_records;
    uint64_t dlq_count = 0;
    if (auto c = dlq_->count(); c) dlq_count = *c;
    uint64_t drained = 0;
    uint64_t malformed = 0;
    std::string spool_error;
    {
        std::lock_guard lock(spool_mutex_);
        drained = spool_drained_;
        malformed = spool_malformed_;
        spool_error = spool_error_;
    }
    const bool degraded = writer.store_unavailable;
    JsonWriter w;
    w.begin_object()
        .key("status")
        .value(degraded ? "degraded" : "ok")
        .key("version")
        .value("0.1.0")
        .key("pid")
        .value(static_cast<int64_t>(getpid()))
        .key("uptime_s")
        .value((now_us() - started_) / 1'000'000);
    w.key("listen").begin_object().key("hooks").value(listener_->address());
    if (otlp_grpc_) w.key("otlp_grpc").value(otlp_grpc_->address());
    const DashboardInfo dashboard = api_ ? api_->dashboard() : DashboardInfo{};
    if (api_ && api_->port() != 0) w.key("api").value(api_->address());
    if (!dashboard.address.empty()) w.key("dashboard").value(dashboard.address);
    w.end_object();
    if (!dashboard.address.empty()) {
        w.key("dashboard")
            .begin_object()
            .key("available")
            .value(dashboard.available)
            .key("web_dir")
            .value(dashboard.web_dir)
            .key("files")
            .value(static_cast<uint64_t>(dashboard.files))
            .key("bytes")
            .value(dashboard.bytes)
            .key("problem")
            .value(dashboard.problem)
            .end_object();
    }
    w.key("store")
        .begin_object()
        .key("engine")
        .value("sqlite")
        .key("path")
        .value(database_path_)
        .key("available")
        .value(!writer.store_unavailable)
        .end_object();
    w.key("queue")
        .begin_object()
        .key("depth_records")
        .value(queue.depth_records)
        .key("depth_bytes")
        .value(queue.depth_bytes)
        .key("segments")
        .value(queue.segments)
        .key("appended_total")
        .value(queue.appended_total)
        .key("syncs_total")
        .value(queue.syncs_total)
        .key("recovered_records")
        .value(queue.recovered_records)
        .key("torn_tail_bytes")
        .value(queue.torn_tail_bytes)
        .key("corrupt_records")
        .value(queue.corrupt_records)
        .end_object();
    w.key("writer")
        .begin_object()
        .key("stored_events")
        .value(writer.stored_events)
        .key("batches")
        .value(writer.batches)
        .key("retries")
        .value(writer.retries)
        .key("dead_lettered")
        .value(writer.dead_lettered)
        .key("store_unavailable")
        .value(writer.store_unavailable)
        .key("last_error")
        .value(writer.last_error)
        .key("last_error_at")
        .value(iso_or_empty(writer.last_error_at))
        .end_object();
    w.key("spool")
        .begin_object()
        .key("pending_records")
        .value(spool_pending)
        .key("drained_total")
        .value(drained)
        .key("malformed")
        .value(malformed)
        .key("last_error")
        .value(spool_error)
        .end_object();
    w.key("dlq").begin_object().key("count").value(dlq_count).end_object();
    w.key("ingest").begin_object().key("hooks").begin_object();
    w.key("accepted").value(hooks.accepted).key("rejected").value(hooks.rejected);
    w.key("rejected_by_reason").begin_object();
    for (const auto& [reason, n] : hooks.by_reason) w.key(reason).value(n);
    w.end_object().end_object();
    w.key("http")
        .begin_object()
        .key("connections")
        .value(http.connections)
        .key("requests")
        .value(http.requests)
        .key("too_large")
        .value(http.too_large)
        .key("malformed")
        .value(http.malformed)
        .end_object();
    w.key("otlp").begin_object();
    for (const OtlpSignal signal : {OtlpSignal::logs, OtlpSignal::metrics, OtlpSignal::traces}) {
        const IngestCounters::Snapshot counts = otlp_->counters(signal);
        w.key(to_string(signal)).begin_object();
        w.key("requests").value(otlp_->requests(signal));
        w.key("accepted").value(counts.accepted).key("rejected").value(counts.rejected);
        w.key("rejected_by_reason").begin_object();
        for (const auto& [reason, n] : counts.by_reason) w.key(reason).value(n);
        w.end_object().end_object();
    }
    w.key("dropped_attributes").value(otlp_->dropped_attributes());
    w.key("redactions").value(otlp_->redactions());
    if (otlp_grpc_) {
        const OtlpGrpcStats grpc = otlp_grpc_->stats();
        w.key("grpc")
            .begin_object()
            .key("calls")
            .value(grpc.calls)
            .key("invalid")
            .value(grpc.invalid)
            .key("unavailable")
            .value(grpc.unavailable)
            .key("unauthenticated")
            .value(grpc.unauthenticated)
            .end_object();
    }
    w.end_object();
    w.end_object();
    w.key("imports")
        .begin_object()
        .key("history_done")
        .value(imports.history_done)
        .key("runs")
        .value(imports.imports)
        .key("sessions_imported")
        .value(imports.sessions)
        .key("files_requested")
        .value(imports.files_requested)
        .key("events_written")
        .value(imports.events_written)
        .key("last_import_at")
        .value(iso_or_empty(imports.last_import_at))
        .key("errors")
        .value(imports.errors)
        .key("last_error")
        .value(imports.last_error)
        .end_object();
    {
        const IndexRefresherStats index = index_refresher_->stats();
        w.key("index")
            .begin_object()
            .key("stale")
            .value(index.status.stale_sessions)
            .key("fused")
            .value(index.status.fused_sessions)
            .key("passes")
            .value(index.status.passes)
            .key("errors")
            .value(index.status.errors)
            .key("last_error")
            .value(index.last_error)
            .end_object();
    }
    if (api_) {
        const ApiServiceStats api = api_->stats();
        w.key("api").begin_object().key("responses").begin_object();
        static constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
        for (size_t i = 0; i < api.responses.size(); ++i) {
            w.key(kClasses[i]).value(api.responses[i]);
        }
        w.end_object();
        w.key("stream")
            .begin_object()
            .key("clients")
            .value(api.stream.clients)
            .key("clients_total")
            .value(api.stream.clients_total)
            .key("events_sent")
            .value(api.stream.events_sent)
            .key("replayed")
            .value(api.stream.replayed)
            .key("dropped_slow")
            .value(api.stream.dropped_slow)
            .key("read_errors")
            .value(api.stream.read_errors)
            .key("last_error")
            .value(api.stream.last_error)
            .end_object();
        w.end_object();
    }
    w.end_object();
    return w.take();
}

std::string ServeAppImpl::metrics_text() const {
    ServeMetrics m;
    m.uptime_seconds = static_cast<double>(now_us() - started_) / 1e6;
    m.hooks = hook_counters_.snapshot();
    for (const OtlpSignal signal : {OtlpSignal::logs, OtlpSignal::metrics, OtlpSignal::traces}) {
        m.otlp.push_back(
            {std::string(to_string(signal)), otlp_->requests(signal), otlp_->counters(signal)});
    }
    m.otlp_dropped_attributes = otlp_->dropped_attributes();
    m.otlp_redactions = otlp_->redactions();
    if (otlp_grpc_) m.otlp_grpc = otlp_grpc_->stats();
    m.listeners.emplace_back("hooks", listener_->stats());
    m.queue = queue_->stats();
    m.writer = writer_->stats();
    // Nothing waits in the queue: the store is not behind, whatever the last batch took.
    m.store_lag_seconds =
        m.queue.depth_records == 0
            ? 0.0
            : static_cast<double>(store_lag_us_.load(std::memory_order_relaxed)) / 1e6;
    if (auto c = dlq_->count(); c) m.dlq_entries = *c;
    if (auto s = spool_stats(spool_dir_); s) m.spool_pending = s->pending_records;
    {
        std::lock_guard lock(spool_mutex_);
        m.spool_drained = spool_drained_;
        m.spool_malformed = spool_malformed_;
    }
    m.imports = importer_->stats();
    m.index = index_refresher_->stats().status;
    if (api_) {
        const ApiServiceStats api = api_->stats();
        if (api_->port() != 0) m.listeners.emplace_back("api", api.http);
        if (api_->dashboard_port() != 0) m.listeners.emplace_back("dashboard", api.dashboard_http);
        m.stream = api.stream;
        m.api_responses = api.responses;
    }
    return serve_metrics_text(m);
}

std::string ServeAppImpl::status_json() const {
    // A report costs a few milliseconds (the writer's per-source counters, an index
    // range for live sessions, a few small files); several dashboards polling at once
    // still share one answer per second.
    constexpr TimestampUs kStatusReuseUs = 1'000'000;
    std::lock_guard lock(status_mutex_);
    const TimestampUs now = now_us();
    if (!status_cached_.empty() && now - status_cached_at_ < kStatusReuseUs) return status_cached_;
    StatusInputs inputs;
    inputs.now = now;
    inputs.server = in_process_probe("http://" + listener_->address(), health_json());
    inputs.data_dir = options_.data_dir;
    inputs.database_path = database_path_;
    // Project and local settings as `status` run where serve was started would see them.
    std::error_code ec;
    inputs.project_dir = std::filesystem::current_path(ec);
    if (ec) inputs.project_dir.clear();
    inputs.read_only_store = true;  // the writer owns the store; this only reads
    status_cached_ =
        status_report_json(collect_status(inputs), inputs.now, StatusJsonStyle::compact);
    status_cached_at_ = now;
    return status_cached_;
}

}  // namespace

Result<std::unique_ptr<ServeApp>> ServeApp::start(const ServeOptions& options) {
    auto app = std::make_unique<ServeAppImpl>(options);
    if (auto s = app->open(); !s) return s.error();
    return std::unique_ptr<ServeApp>(std::move(app));
}

}  // namespace agent_trace::server
