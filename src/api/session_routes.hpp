#pragma once
// /api/v1/sessions and /api/v1/sessions/{id}[/timeline|/linking]. Each returns
// the JSON body of a 200 answer or the error to answer with.
#include <string>
#include <string_view>

#include "api/api_context.hpp"
#include "api/api_error.hpp"
#include "api/query_params.hpp"

namespace agent_trace::api {

ApiResult<std::string> list_sessions(ApiContext& context, const QueryParams& params);
ApiResult<std::string> session_detail(ApiContext& context, std::string_view session_id);
ApiResult<std::string> session_timeline(ApiContext& context, std::string_view session_id,
                                        const QueryParams& params);
ApiResult<std::string> session_linking(ApiContext& context, std::string_view session_id);

}  // namespace agent_trace::api
