#include "server/stream_request.hpp"

#include <string>
#include <string_view>
#include <vector>

#include "api/api_error.hpp"
#include "api/api_routes.hpp"
#include "api/query_params.hpp"

namespace agent_trace::server {
namespace {

constexpr std::string_view kAccessToken = "access_token";

// The route as the API documents it, plus what the stream takes beyond that list
// (`session` is the short spelling of session_id). access_token is always a known
// parameter: without --auth-token it is ignored, as an Authorization header is, so a
// browser that still holds a token from another server keeps working.
const api::ApiRoute& stream_route() {
    static const auto build = [] {
        api::ApiRoute r = api::api_route(api::RouteId::stream);
        if (r.find_param(kAccessToken) == nullptr) r.params.push_back(api::ApiParam{kAccessToken});
        for (const std::string_view name : {"session_id", "session", "project", "kind"}) {
            if (r.find_param(name) == nullptr) r.params.push_back(api::ApiParam{name});
        }
        if (r.find_param("tail") == nullptr) {
            r.params.push_back(api::ApiParam{
                "tail", api::ParamIn::query, api::ParamType::integer, {}, 0, api::kMaxStreamTail});
        }
        if (r.find_param("last_event_id") == nullptr) {
            r.params.push_back(api::ApiParam{"last_event_id",
                                             api::ParamIn::query,
                                             api::ParamType::integer,
                                             {},
                                             0,
                                             std::nullopt});
        }
        return r;
    };
    static const api::ApiRoute route = build();
    return route;
}

std::string known_kinds() {
    std::string out;
    for (int k = 0; k <= static_cast<int>(EventKind::api_error); ++k) {
        if (!out.empty()) out += ", ";
        out += to_string(static_cast<EventKind>(k));
    }
    return out;
}

HttpResponse refuse(std::string param, std::string message) {
    return api::error_response(api::bad_param(std::move(param), std::move(message)));
}

}  // namespace

std::variant<StreamSubscription, HttpResponse> parse_stream_request(const HttpRequest& request) {
    auto params = api::QueryParams::parse(api::split_target(request.target).query);
    if (!params.ok()) return api::error_response(params.error());
    if (auto error = params->check_against(stream_route())) {
        return api::error_response(*error);
    }

    StreamSubscription out;
    out.filter.session_id = std::string(params->get("session_id"));
    if (out.filter.session_id.empty()) out.filter.session_id = std::string(params->get("session"));
    out.filter.project = std::string(params->get("project"));
    std::string_view kinds = params->get("kind");
    while (!kinds.empty()) {
        const size_t comma = kinds.find(',');
        const std::string_view name = kinds.substr(0, comma);
        kinds = comma == std::string_view::npos ? std::string_view{} : kinds.substr(comma + 1);
        if (name.empty()) continue;
        const auto kind = parse_event_kind(name);
        if (!kind) {
            return refuse(
                "kind", "unknown kind '" + std::string(name) + "' (kinds: " + known_kinds() + ")");
        }
        out.filter.kinds.push_back(*kind);
    }
    const auto tail = params->get_int("tail");
    if (tail.value_or(0) > 0 && params->get_int("last_event_id")) {
        return refuse("tail",
                      "tail and last_event_id cannot be combined: tail starts a new "
                      "stream, last_event_id resumes one");
    }
    // The header (a reconnecting EventSource) wins over the parameter, and over tail:
    // the reconnect's URL still carries the tail it was first opened with.
    if (!request.last_event_id.empty()) {
        const auto seq = api::parse_int64(request.last_event_id);
        if (!seq || *seq < 0) {
            return refuse("Last-Event-ID", "Last-Event-ID '" + request.last_event_id +
                                               "' is not an id of this stream (a non-negative "
                                               "integer)");
        }
        out.resume_after = *seq;
    } else if (const auto seq = params->get_int("last_event_id")) {
        out.resume_after = *seq;
    } else if (tail) {
        out.tail = static_cast<size_t>(*tail);  // 0..kMaxStreamTail, checked against the route
    }
    return out;
}

}  // namespace agent_trace::server
