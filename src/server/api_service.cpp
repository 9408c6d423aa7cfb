#include "server/api_service.hpp"

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <thread>
#include <variant>
#include <vector>

#include "api/api_error.hpp"
#include "api/api_router.hpp"
#include "api/query_params.hpp"
#include "core/json_writer.hpp"
#include "server/prometheus_text.hpp"
#include "server/stream_request.hpp"
#include "store/sqlite/event_reads.hpp"

namespace agent_trace::server {
namespace {

namespace asio = boost::asio;

constexpr std::string_view kApiPrefix = "/api/v1/";
constexpr std::string_view kStreamPath = "/api/v1/stream";

HttpResponse not_found(std::string_view path) {
    return api::error_response(
        api::ApiError{api::ApiErrorCode::not_found,
                      "no such endpoint: " + std::string(path) +
                          " (this port serves /api/v1/..., /api/v1/stream, /healthz and /metrics)",
                      ""});
}

HttpResponse method_not_allowed(std::string_view path) {
    return api::error_response(
        api::ApiError{api::ApiErrorCode::method_not_allowed, "use GET " + std::string(path), ""});
}

// The API's error shape, for refusals the router's codes do not cover.
HttpResponse api_shaped_error(int status, std::string_view code, std::string_view message) {
    JsonWriter w;
    w.begin_object()
        .key("error")
        .begin_object()
        .key("code")
        .value(code)
        .key("message")
        .value(message)
        .end_object()
        .end_object();
    return HttpResponse{status, "application/json", w.take(), {}, {}};
}

HttpResponse unauthorized() {
    return api_shaped_error(401, "unauthorized", "missing or wrong bearer token");
}

bool is_read(const HttpRequest& request) {
    return request.method == "GET" || request.method == "HEAD";
}

class ApiServiceImpl final : public ApiService {
public:
    ApiServiceImpl(ApiServiceOptions options, ApiServiceSources sources)
        : options_(std::move(options)), sources_(std::move(sources)) {}

    ~ApiServiceImpl() override { stop(); }
    ApiServiceImpl(const ApiServiceImpl&) = delete;
    ApiServiceImpl& operator=(const ApiServiceImpl&) = delete;

    Status open() {
        api::ApiOptions router_options;
        router_options.db_path = options_.database_path;
        router_options.pricing = options_.pricing;
        router_options.max_page_size = options_.max_page_size;
        auto router = api::make_api_router(router_options);
        if (!router) return make_error("API: " + router.error().message);
        router_ = std::move(*router);

        auto reader = open_sqlite_event_reader(options_.database_path);
        if (!reader) return make_error("live stream: " + reader.error().message);
        hub_ = std::make_unique<StreamHub>(std::move(*reader), options_.stream);

        HttpLimits limits;
        limits.max_body_bytes = 1u << 20;  // every route is a GET
        limits.refusal = [](int status, const std::string& message) {
            return api_shaped_error(status, status == 400 ? "bad_request" : "too_large", message);
        };
        auto listener = HttpListener::bind(
            io_, options_.host, options_.port,
            [this](HttpRequest&& request, Responder respond) {
                handle(std::move(request), std::move(respond));
            },
            limits);
        if (!listener) return make_error("API listener: " + listener.error().message);
        listener_ = std::move(*listener);

        if (auto s = hub_->start(); !s) return make_error("live stream: " + s.error().message);
        listener_->start();
        for (unsigned i = 0; i < std::max(1u, options_.threads); ++i) {
            threads_.emplace_back([this] { io_.run(); });
        }
        return Ok{};
    }

    void stop() override {
        if (stopped_.exchange(true)) return;
        if (listener_) listener_->stop();
        if (hub_) hub_->stop();  // closes every stream while the io threads still run
        io_.stop();
        for (auto& t : threads_) {
            if (t.joinable()) t.join();
        }
    }

    void notify_stored() override {
        if (hub_) hub_->notify();
    }

    [[nodiscard]] uint16_t port() const override { return listener_ ? listener_->port() : 0; }
    [[nodiscard]] std::string address() const override {
        return listener_ ? listener_->address() : std::string{};
    }

    [[nodiscard]] ApiServiceStats stats() const override {
        ApiServiceStats out;
        for (size_t i = 0; i < responses_.size(); ++i) {
            out.responses[i] = responses_[i].load(std::memory_order_relaxed);
        }
        if (listener_) out.http = listener_->stats();
        if (hub_) out.stream = hub_->stats();
        return out;
    }

private:
    void handle(HttpRequest&& request, Responder respond) {
        auto reply = [this, &respond](HttpResponse response) {
            const int status_class = response.status / 100;
            if (status_class >= 1 && status_class <= 5) {
                responses_[static_cast<size_t>(status_class - 1)].fetch_add(
                    1, std::memory_order_relaxed);
            }
            respond(std::move(response));
        };
        const std::string_view path = api::split_target(request.target).path;
        if (path == "/healthz") {
            if (!is_read(request)) return reply(method_not_allowed(path));
            return reply(HttpResponse{200, "application/json", sources_.health_json(), {}, {}});
        }
        const bool authorized =
            options_.auth_token.empty() || request.authorization == "Bearer " + options_.auth_token;
        if (path == "/metrics") {
            if (!is_read(request)) return reply(method_not_allowed(path));
            if (!authorized) return reply(unauthorized());
            return reply(
                HttpResponse{200, kPrometheusContentType, sources_.metrics_text(), {}, {}});
        }
        if (!path.starts_with(kApiPrefix)) return reply(not_found(path));
        if (!authorized) return reply(unauthorized());
        if (path == kStreamPath) {
            if (request.method != "GET") return reply(method_not_allowed(path));
            auto parsed = parse_stream_request(request);
            if (auto* refusal = std::get_if<HttpResponse>(&parsed)) {
                return reply(std::move(*refusal));
            }
            HttpResponse stream;
            stream.content_type = "text/event-stream; charset=utf-8";
            stream.open_stream = [hub = hub_.get(),
                                  subscription = std::get<StreamSubscription>(std::move(parsed))](
                                     std::shared_ptr<StreamWriter> writer) mutable {
                hub->subscribe(std::move(subscription), std::move(writer));
            };
            return reply(std::move(stream));
        }
        // The router is a boundary too: nothing it throws may reach the listener.
        try {
            return reply(router_->handle(request));
        } catch (const std::exception& e) {
            return reply(api::error_response(api::ApiError{
                api::ApiErrorCode::internal, std::string("internal error: ") + e.what(), ""}));
        }
    }

    ApiServiceOptions options_;
    ApiServiceSources sources_;
    asio::io_context io_;  // first: outlives everything that posts to it
    std::unique_ptr<api::ApiRouter> router_;
    std::unique_ptr<StreamHub> hub_;
    std::unique_ptr<HttpListener> listener_;
    std::vector<std::thread> threads_;
    std::array<std::atomic<uint64_t>, 5> responses_{};
    std::atomic<bool> stopped_{false};
};

}  // namespace

Result<std::unique_ptr<ApiService>> ApiService::start(const ApiServiceOptions& options,
                                                      ApiServiceSources sources) {
    auto service = std::make_unique<ApiServiceImpl>(options, std::move(sources));
    if (auto s = service->open(); !s) return s.error();
    return std::unique_ptr<ApiService>(std::move(service));
}

}  // namespace agent_trace::server
