#pragma once
// The OpenAPI 3.1 document of the API (src/api/openapi.json, compiled in).
#include <string_view>

namespace agent_trace::api {

std::string_view openapi_document();

}  // namespace agent_trace::api
