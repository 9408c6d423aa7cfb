#include "api/openapi_document.hpp"

namespace agent_trace {
// Generated from src/api/openapi.json by cmake/embed.cmake.
extern const char* const kApiOpenApiJson;
}  // namespace agent_trace

namespace agent_trace::api {

std::string_view openapi_document() { return kApiOpenApiJson; }

}  // namespace agent_trace::api
