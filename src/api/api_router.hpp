#pragma once
// The REST API (/api/v1/...): read-only JSON over the store's query interfaces.
// serve mounts it on the API listener (127.0.0.1:8318); /api/v1/stream (SSE) is
// served beside it, not by the router.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/pricing.hpp"
#include "core/result.hpp"
#include "server/http_server.hpp"

namespace agent_trace::api {

struct ApiOptions {
    std::string db_path;
    const PricingTable* pricing = nullptr;  // nullptr: the built-in table
    size_t max_page_size = 500;
    // GET /api/v1/status: the report `agent-trace status --json` prints, which
    // needs facts only serve has (its health); unset: the route answers 404.
    std::function<std::string()> status_json;
};

class ApiRouter {
public:
    virtual ~ApiRouter() = default;
    // GET /api/v1/... except /stream; synchronous, called on an API io thread; thread-safe.
    virtual server::HttpResponse handle(const server::HttpRequest& request) = 0;
};

// Opens its own connections to the SQLite store at db_path (one now, to report
// a bad path at start-up; more as concurrent requests need them), never the
// writer's, and only reads through them.
Result<std::unique_ptr<ApiRouter>> make_api_router(const ApiOptions& options);

}  // namespace agent_trace::api
