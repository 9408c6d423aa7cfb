#pragma once
// GET /api/v1/sessions parameters as a SessionListQuery, and the cursor of the
// page after one.
#include <cstddef>
#include <optional>
#include <string>

#include "api/api_error.hpp"
#include "api/query_params.hpp"
#include "store/fused_index.hpp"

namespace agent_trace::api {

inline constexpr size_t kDefaultPageSize = 50;

std::optional<SessionSort> parse_session_sort(std::string_view name);

// `params` already passed check_against() for the sessions route. A limit above
// max_page_size is refused, not clamped; a cursor issued for another sort,
// order or filter is refused with invalid_cursor.
ApiResult<SessionListQuery> parse_session_list_request(const QueryParams& params,
                                                       size_t max_page_size);

// The cursor that continues `query` after `position`.
std::string next_page_cursor(const SessionListQuery& query, const SessionCursor& position);

}  // namespace agent_trace::api
