#pragma once
// The API's route table: every path the API serves and the parameters each
// takes. The router validates requests against it (unknown parameters,
// enumerations, integer bounds), and a test holds openapi.json to it.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace agent_trace::api {

inline constexpr size_t kDefaultMaxPageSize = 500;
inline constexpr size_t kMaxFailurePageSize = 500;
inline constexpr size_t kDefaultFailurePageSize = 50;
// GET /api/v1/stream?tail=N: at most this many stored events before going live.
inline constexpr int64_t kMaxStreamTail = 1000;

enum class ParamType : uint8_t { string, integer, boolean };
enum class ParamIn : uint8_t { query, path };

std::string_view to_string(ParamType type);
std::string_view to_string(ParamIn in);

struct ApiParam {
    std::string_view name;
    ParamIn in = ParamIn::query;
    ParamType type = ParamType::string;
    std::vector<std::string_view> enum_values;  // empty: any value of the type
    std::optional<int64_t> minimum;
    std::optional<int64_t> maximum;
};

enum class RouteId : uint8_t {
    sessions,
    session_detail,
    session_timeline,
    session_linking,
    analytics_usage,
    analytics_tools,
    analytics_models,
    tool_failures,
    blocks,
    status,
    openapi,
    stream,  // served by the SSE handler beside the router, documented here too
};

struct ApiRoute {
    RouteId id = RouteId::sessions;
    std::string_view path;  // OpenAPI template, "/api/v1/sessions/{id}"
    std::vector<ApiParam> params;
    std::string_view response_schema;  // name under components/schemas
    bool served_by_router = true;

    [[nodiscard]] const ApiParam* find_param(std::string_view name) const;
};

const std::vector<ApiRoute>& api_routes();
const ApiRoute& api_route(RouteId id);

}  // namespace agent_trace::api
