#include "api/api_router.hpp"

#include <exception>
#include <functional>
#include <optional>

#include "api/analytics_routes.hpp"
#include "api/api_context.hpp"
#include "api/api_error.hpp"
#include "api/api_routes.hpp"
#include "api/openapi_document.hpp"
#include "api/query_params.hpp"
#include "api/read_connections.hpp"
#include "api/session_routes.hpp"

namespace agent_trace::api {
namespace {

// Connections kept open between requests: the API listener's io threads plus
// a little headroom; more are opened (and closed after) under bursts.
constexpr size_t kIdleConnections = 4;

constexpr std::string_view kSessionsPrefix = "/api/v1/sessions/";

struct MatchedRoute {
    RouteId id = RouteId::sessions;
    std::string session_id;
};

std::optional<MatchedRoute> static_route(std::string_view path) {
    for (const ApiRoute& route : api_routes()) {
        if (route.served_by_router && route.path == path &&
            route.path.find('{') == std::string_view::npos) {
            return MatchedRoute{route.id, {}};
        }
    }
    return std::nullopt;
}

// /api/v1/sessions/{id}[/timeline|/linking]; the id is percent-decoded.
std::optional<MatchedRoute> session_route(std::string_view path) {
    if (!path.starts_with(kSessionsPrefix)) return std::nullopt;
    std::string_view rest = path.substr(kSessionsPrefix.size());
    const size_t slash = rest.find('/');
    RouteId id = RouteId::session_detail;
    if (slash != std::string_view::npos) {
        const std::string_view tail = rest.substr(slash + 1);
        if (tail == "timeline") {
            id = RouteId::session_timeline;
        } else if (tail == "linking") {
            id = RouteId::session_linking;
        } else {
            return std::nullopt;
        }
        rest = rest.substr(0, slash);
    }
    auto session_id = percent_decode(rest, false);
    if (!session_id || session_id->empty()) return std::nullopt;
    return MatchedRoute{id, std::move(*session_id)};
}

class Router final : public ApiRouter {
public:
    Router(std::unique_ptr<ReadConnections> connections, const PricingTable& pricing,
           size_t max_page_size, std::function<std::string()> status_json)
        : connections_(std::move(connections)),
          context_{*connections_, pricing, max_page_size},
          status_json_(std::move(status_json)) {}

    server::HttpResponse handle(const server::HttpRequest& request) override {
        // The router is the boundary: nothing thrown below may reach the listener.
        try {
            auto body = route(request);
            if (!body.ok()) return error_response(body.error());
            server::HttpResponse response;
            response.body = std::move(*body);
            return response;
        } catch (const std::exception& e) {
            return error_response(
                ApiError{ApiErrorCode::internal, std::string("internal error: ") + e.what(), ""});
        }
    }

private:
    ApiResult<std::string> route(const server::HttpRequest& request) {
        if (request.method != "GET") {
            return ApiError{ApiErrorCode::method_not_allowed,
                            request.method + " is not allowed: the API is read-only (GET)", ""};
        }
        const RequestTarget target = split_target(request.target);
        auto matched = static_route(target.path);
        if (!matched) matched = session_route(target.path);
        if (!matched) {
            return ApiError{ApiErrorCode::not_found,
                            "no route " + std::string(target.path) + " (see /api/v1/openapi.json)",
                            ""};
        }
        auto params = QueryParams::parse(target.query);
        if (!params.ok()) return params.error();
        if (auto error = params->check_against(api_route(matched->id))) return *error;
        return dispatch(*matched, *params);
    }

    ApiResult<std::string> dispatch(const MatchedRoute& matched, const QueryParams& params) {
        switch (matched.id) {
            case RouteId::sessions:
                return list_sessions(context_, params);
            case RouteId::session_detail:
                return session_detail(context_, matched.session_id);
            case RouteId::session_timeline:
                return session_timeline(context_, matched.session_id, params);
            case RouteId::session_linking:
                return session_linking(context_, matched.session_id);
            case RouteId::analytics_usage:
                return usage_analytics(context_, params);
            case RouteId::analytics_tools:
                return tool_analytics(context_, params);
            case RouteId::analytics_models:
                return model_analytics(context_, params);
            case RouteId::tool_failures:
                return tool_failures(context_, params);
            case RouteId::status:
                if (!status_json_) {
                    return ApiError{ApiErrorCode::not_found,
                                    "the status report is served by agent-trace serve", ""};
                }
                return status_json_();
            case RouteId::blocks:
                return billing_blocks(context_, params, now_us());
            case RouteId::openapi:
                return std::string(openapi_document());
            case RouteId::stream:
                break;
        }
        return ApiError{ApiErrorCode::not_found, "the stream is not served here", ""};
    }

    std::unique_ptr<ReadConnections> connections_;
    ApiContext context_;
    std::function<std::string()> status_json_;
};

}  // namespace

Result<std::unique_ptr<ApiRouter>> make_api_router(const ApiOptions& options) {
    if (options.db_path.empty()) return make_error("the API needs a database path");
    if (options.max_page_size == 0) return make_error("max_page_size must be at least 1");
    auto connections = ReadConnections::open(options.db_path, kIdleConnections);
    if (!connections.ok()) return connections.error();
    const PricingTable& pricing =
        options.pricing != nullptr ? *options.pricing : PricingTable::builtin();
    return std::unique_ptr<ApiRouter>(std::make_unique<Router>(
        std::move(*connections), pricing, options.max_page_size, options.status_json));
}

}  // namespace agent_trace::api
