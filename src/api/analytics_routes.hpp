#pragma once
// /api/v1/analytics/{usage,tools,tools/failures,models} and /api/v1/blocks:
// query/analytics over the fused index's row scans, as JSON.
#include <string>

#include "api/api_context.hpp"
#include "api/api_error.hpp"
#include "api/query_params.hpp"

namespace agent_trace::api {

ApiResult<std::string> usage_analytics(ApiContext& context, const QueryParams& params);
ApiResult<std::string> tool_analytics(ApiContext& context, const QueryParams& params);
// Failed tool calls (error, denied), newest first, a page at a time.
ApiResult<std::string> tool_failures(ApiContext& context, const QueryParams& params);
ApiResult<std::string> model_analytics(ApiContext& context, const QueryParams& params);
// `now` decides which block is active.
ApiResult<std::string> billing_blocks(ApiContext& context, const QueryParams& params,
                                      TimestampUs now);

}  // namespace agent_trace::api
