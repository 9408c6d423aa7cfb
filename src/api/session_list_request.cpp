#include "api/session_list_request.hpp"

#include "api/list_cursor.hpp"
#include "api/time_window.hpp"

namespace agent_trace::api {

std::optional<SessionSort> parse_session_sort(std::string_view name) {
    if (name == "last") return SessionSort::last_activity;
    if (name == "first") return SessionSort::first_activity;
    if (name == "cost") return SessionSort::cost;
    if (name == "tokens") return SessionSort::tokens;
    if (name == "calls") return SessionSort::calls;
    if (name == "duration") return SessionSort::duration;
    return std::nullopt;
}

ApiResult<SessionListQuery> parse_session_list_request(const QueryParams& params,
                                                       size_t max_page_size) {
    SessionListQuery query;
    query.project = std::string(params.get("project"));
    query.user = std::string(params.get("user"));
    query.model = std::string(params.get("model"));
    query.text = std::string(params.get("q"));
    query.has_errors = params.get_bool("has_errors");
    auto window = parse_time_window(params);
    if (!window.ok()) return window.error();
    query.since = window->since;
    query.until = window->until;
    if (params.has("sort")) {
        const auto sort = parse_session_sort(params.get("sort"));
        if (!sort) return bad_param("sort", "unknown sort");
        query.sort = *sort;
    }
    query.descending = params.get("order") != "asc";
    query.limit = kDefaultPageSize < max_page_size ? kDefaultPageSize : max_page_size;
    if (const auto limit = params.get_int("limit")) {
        if (*limit < 1 || static_cast<uint64_t>(*limit) > max_page_size) {
            return bad_param("limit",
                             "limit must be between 1 and " + std::to_string(max_page_size));
        }
        query.limit = static_cast<size_t>(*limit);
    }
    if (params.has("cursor")) {
        const auto cursor = decode_list_cursor(params.get("cursor"));
        if (!cursor) {
            return ApiError{ApiErrorCode::invalid_cursor, "cursor is not a cursor this API issued",
                            "cursor"};
        }
        if (cursor->sort != query.sort || cursor->descending != query.descending ||
            cursor->filter_fingerprint != session_filter_fingerprint(query)) {
            return ApiError{ApiErrorCode::invalid_cursor,
                            "cursor was issued for another sort, order or filter; start again "
                            "without it",
                            "cursor"};
        }
        query.after = cursor->position;
    }
    return query;
}

std::string next_page_cursor(const SessionListQuery& query, const SessionCursor& position) {
    return encode_list_cursor(
        ListCursor{query.sort, query.descending, session_filter_fingerprint(query), position});
}

}  // namespace agent_trace::api
