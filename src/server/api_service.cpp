#include "server/api_service.hpp"

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cctype>
#include <exception>
#include <thread>
#include <variant>
#include <vector>

#include "api/api_error.hpp"
#include "api/api_router.hpp"
#include "api/query_params.hpp"
#include "core/json_writer.hpp"
#include "server/prometheus_text.hpp"
#include "server/static_site.hpp"
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

// Compares every byte of the secret whatever the earlier ones were, so the time
// an answer takes does not tell how much of a guess was right.
bool same_secret(std::string_view guess, std::string_view secret) {
    unsigned char diff = guess.size() == secret.size() ? 0 : 1;
    for (size_t i = 0; i < secret.size(); ++i) {
        const char g = i < guess.size() ? guess[i] : '\0';
        diff |= static_cast<unsigned char>(g ^ secret[i]);
    }
    return diff == 0;
}

// "Bearer <token>" (the scheme is case-insensitive, RFC 9110 11.1).
bool bearer_matches(std::string_view authorization, std::string_view token) {
    constexpr std::string_view kScheme = "bearer ";
    if (authorization.size() < kScheme.size()) return false;
    for (size_t i = 0; i < kScheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return false;
    }
    return same_secret(authorization.substr(kScheme.size()), token);
}

// EventSource cannot send an Authorization header: the stream also takes the
// token as ?access_token=.
bool stream_token_matches(std::string_view target, std::string_view token) {
    auto params = api::QueryParams::parse(api::split_target(target).query);
    return params.ok() && params->has("access_token") &&
           same_secret(params->get("access_token"), token);
}

// The dashboard port answers these as the API port does; every other path is the
// dashboard's.
bool is_api_path(std::string_view path) {
    return path == "/healthz" || path == "/metrics" || path.starts_with("/api/");
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
        router_options.status_json = sources_.status_json;
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
        if (options_.api_listener) {
            auto listener = HttpListener::bind(
                io_, options_.host, options_.port,
                [this](HttpRequest&& request, Responder respond) {
                    handle(std::move(request), std::move(respond), false);
                },
                limits);
            if (!listener) return make_error("API listener: " + listener.error().message);
            listener_ = std::move(*listener);
        }
        if (options_.dashboard) {
            load_site();
            auto listener = HttpListener::bind(
                io_, options_.dashboard_host, options_.dashboard_port,
                [this](HttpRequest&& request, Responder respond) {
                    handle(std::move(request), std::move(respond), true);
                },
                limits);
            if (!listener) {
                return make_error("dashboard listener: " + listener.error().message +
                                  " (--dashboard-listen HOST:PORT picks another, "
                                  "--no-dashboard turns it off)");
            }
            dashboard_listener_ = std::move(*listener);
        }

        if (auto s = hub_->start(); !s) return make_error("live stream: " + s.error().message);
        if (listener_) listener_->start();
        if (dashboard_listener_) dashboard_listener_->start();
        for (unsigned i = 0; i < std::max(1u, options_.threads); ++i) {
            threads_.emplace_back([this] { io_.run(); });
        }
        return Ok{};
    }

    void stop() override {
        if (stopped_.exchange(true)) return;
        if (listener_) listener_->stop();
        if (dashboard_listener_) dashboard_listener_->stop();
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
    [[nodiscard]] uint16_t dashboard_port() const override {
        return dashboard_listener_ ? dashboard_listener_->port() : 0;
    }

    [[nodiscard]] DashboardInfo dashboard() const override {
        DashboardInfo info;
        if (!dashboard_listener_ || !site_) return info;
        info.address = dashboard_listener_->address();
        info.available = site_->available();
        info.web_dir = site_->available() ? site_->dir() : std::string{};
        info.files = site_->file_count();
        info.bytes = site_->total_bytes();
        info.problem = site_->reason();
        return info;
    }

    [[nodiscard]] ApiServiceStats stats() const override {
        ApiServiceStats out;
        for (size_t i = 0; i < responses_.size(); ++i) {
            out.responses[i] = responses_[i].load(std::memory_order_relaxed);
        }
        if (listener_) out.http = listener_->stats();
        if (dashboard_listener_) out.dashboard_http = dashboard_listener_->stats();
        if (hub_) out.stream = hub_->stats();
        return out;
    }

private:
    // The dashboard's files, read once; a missing or unusable build leaves a site
    // that explains itself (503) rather than a serve that does not start.
    void load_site() {
        if (options_.web_dir.empty()) {
            std::string searched;
            for (const std::string& dir : options_.web_dirs_searched) {
                searched += (searched.empty() ? "" : ", ") + dir;
            }
            site_ = std::make_unique<const StaticSite>(StaticSite::unavailable(
                "No index.html was found" +
                (searched.empty() ? std::string(".") : " in any of: " + searched + ".")));
            return;
        }
        auto site = StaticSite::load(options_.web_dir);
        if (!site) {
            site_ = std::make_unique<const StaticSite>(StaticSite::unavailable(
                "The dashboard could not be read: " + site.error().message + "."));
            return;
        }
        site_ = std::make_unique<const StaticSite>(std::move(*site));
    }

    void handle(HttpRequest&& request, Responder respond, bool dashboard_port) {
        auto reply = [this, &respond](HttpResponse response) {
            const int status_class = response.status / 100;
            if (status_class >= 1 && status_class <= 5) {
                responses_[static_cast<size_t>(status_class - 1)].fetch_add(
                    1, std::memory_order_relaxed);
            }
            respond(std::move(response));
        };
        const std::string_view path = api::split_target(request.target).path;
        if (dashboard_port && !is_api_path(path)) {
            try {
                return reply(site_->serve(request));
            } catch (const std::exception& e) {  // a boundary, as the router is
                return reply(HttpResponse{500,
                                          "text/plain; charset=utf-8",
                                          std::string("internal error: ") + e.what() + "\n",
                                          {},
                                          {}});
            }
        }
        if (path == "/healthz") {
            if (!is_read(request)) return reply(method_not_allowed(path));
            return reply(HttpResponse{200, "application/json", sources_.health_json(), {}, {}});
        }
        const bool token_set = !options_.auth_token.empty();
        const bool authorized =
            !token_set || bearer_matches(request.authorization, options_.auth_token);
        if (path == "/metrics") {
            if (!is_read(request)) return reply(method_not_allowed(path));
            if (!authorized) return reply(unauthorized());
            return reply(
                HttpResponse{200, kPrometheusContentType, sources_.metrics_text(), {}, {}});
        }
        if (!path.starts_with(kApiPrefix)) return reply(not_found(path));
        if (path == kStreamPath) {
            if (!authorized && !stream_token_matches(request.target, options_.auth_token)) {
                return reply(unauthorized());
            }
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
        if (!authorized) return reply(unauthorized());
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
    std::unique_ptr<const StaticSite> site_;
    std::unique_ptr<HttpListener> listener_;
    std::unique_ptr<HttpListener> dashboard_listener_;
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
