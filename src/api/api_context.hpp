#pragma once
// What every route handler reads through.
#include <cstddef>

#include "api/read_connections.hpp"
#include "core/pricing.hpp"

namespace agent_trace::api {

struct ApiContext {
    ReadConnections& connections;
    const PricingTable& pricing;
    size_t max_page_size;
};

}  // namespace agent_trace::api
