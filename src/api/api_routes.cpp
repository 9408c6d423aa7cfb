#include "api/api_routes.hpp"

#include <algorithm>

namespace agent_trace::api {
namespace {

ApiParam text(std::string_view name) { return ApiParam{name, ParamIn::query, ParamType::string}; }

ApiParam one_of(std::string_view name, std::vector<std::string_view> values) {
    return ApiParam{name, ParamIn::query, ParamType::string, std::move(values)};
}

ApiParam session_id_in_path() { return ApiParam{"id", ParamIn::path, ParamType::string}; }

// The filters every analytics route shares (store/fused_index.hpp AnalyticsFilter).
std::vector<ApiParam> analytics_filters(bool with_model) {
    std::vector<ApiParam> params = {text("since"),   text("until"), text("tz"),
                                    text("project"), text("user"),  text("session_id")};
    if (with_model) params.push_back(text("model"));
    return params;
}

std::vector<ApiParam> with(std::vector<ApiParam> params, std::vector<ApiParam> more) {
    params.insert(params.end(), more.begin(), more.end());
    return params;
}

std::vector<ApiRoute> build_routes() {
    std::vector<ApiRoute> routes;
    routes.push_back(
        {RouteId::sessions,
         "/api/v1/sessions",
         {text("project"), text("user"), text("model"), text("since"), text("until"), text("tz"),
          ApiParam{"has_errors", ParamIn::query, ParamType::boolean}, text("q"),
          one_of("sort", {"last", "first", "cost", "tokens", "calls", "duration"}),
          one_of("order", {"asc", "desc"}),
          ApiParam{"limit",
                   ParamIn::query,
                   ParamType::integer,
                   {},
                   1,
                   static_cast<int64_t>(kDefaultMaxPageSize)},
          text("cursor"), ApiParam{"include_total", ParamIn::query, ParamType::boolean}},
         "SessionList"});
    routes.push_back({RouteId::session_detail,
                      "/api/v1/sessions/{id}",
                      {session_id_in_path()},
                      "SessionDetail"});
    routes.push_back({RouteId::session_timeline,
                      "/api/v1/sessions/{id}/timeline",
                      {session_id_in_path(), one_of("view", {"flat", "tree"})},
                      "Timeline"});
    routes.push_back({RouteId::session_linking,
                      "/api/v1/sessions/{id}/linking",
                      {session_id_in_path()},
                      "Linking"});
    routes.push_back(
        {RouteId::analytics_usage, "/api/v1/analytics/usage",
         with(analytics_filters(true), {one_of("by", {"day", "model", "project", "user", "tool"}),
                                        one_of("split", {"model", "project", "user"})}),
         "UsageAnalytics"});
    routes.push_back({RouteId::analytics_tools, "/api/v1/analytics/tools", analytics_filters(false),
                      "ToolAnalytics"});
    routes.push_back(
        {RouteId::tool_failures, "/api/v1/analytics/tools/failures",
         with(analytics_filters(false), {text("tool"), one_of("result", {"error", "denied"}),
                                         ApiParam{"limit",
                                                  ParamIn::query,
                                                  ParamType::integer,
                                                  {},
                                                  1,
                                                  static_cast<int64_t>(kMaxFailurePageSize)},
                                         text("cursor")}),
         "ToolFailureList"});
    routes.push_back({RouteId::analytics_models, "/api/v1/analytics/models",
                      analytics_filters(true), "ModelAnalytics"});
    routes.push_back({RouteId::blocks, "/api/v1/blocks", analytics_filters(true), "BlockList"});
    routes.push_back({RouteId::status, "/api/v1/status", {}, "Status"});
    routes.push_back({RouteId::openapi, "/api/v1/openapi.json", {}, "OpenApiDocument"});
    // access_token: taken only when serve has --auth-token (server/stream_request.hpp).
    routes.push_back(
        {RouteId::stream,
         "/api/v1/stream",
         {text("session_id"), text("session"), text("project"), text("kind"),
          ApiParam{"last_event_id", ParamIn::query, ParamType::integer, {}, 0, std::nullopt},
          ApiParam{"tail", ParamIn::query, ParamType::integer, {}, 0, kMaxStreamTail},
          text("access_token")},
         "",
         false});
    return routes;
}

}  // namespace

std::string_view to_string(ParamType type) {
    switch (type) {
        case ParamType::string:
            return "string";
        case ParamType::integer:
            return "integer";
        case ParamType::boolean:
            return "boolean";
    }
    return "string";
}

std::string_view to_string(ParamIn in) { return in == ParamIn::path ? "path" : "query"; }

const ApiParam* ApiRoute::find_param(std::string_view name) const {
    const auto it = std::find_if(params.begin(), params.end(),
                                 [&](const ApiParam& p) { return p.name == name; });
    return it == params.end() ? nullptr : &*it;
}

const std::vector<ApiRoute>& api_routes() {
    static const std::vector<ApiRoute> routes = build_routes();
    return routes;
}

const ApiRoute& api_route(RouteId id) {
    const auto& routes = api_routes();
    return *std::find_if(routes.begin(), routes.end(),
                         [&](const ApiRoute& r) { return r.id == id; });
}

}  // namespace agent_trace::api
