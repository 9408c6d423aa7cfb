#pragma once
// Keeps the fused index current: fuses every session the store marked stale.
// serve runs it after each stored batch; it is cheap when nothing is stale.
#include <cstddef>

#include "core/pricing.hpp"
#include "core/result.hpp"
#include "store/event_reader.hpp"
#include "store/fused_index.hpp"

namespace agent_trace {

struct IndexerPass {
    size_t fused = 0;      // sessions fused in this pass
    size_t remaining = 0;  // still stale afterwards (more than the pass could take)
};

class SessionIndexer {
public:
    SessionIndexer(EventReader& events, FusedIndex& index, const PricingTable& pricing)
        : events_(events), index_(index), pricing_(pricing) {}
    // Fuses up to `max_sessions` stale sessions.
    Result<IndexerPass> refresh(size_t max_sessions);

private:
    EventReader& events_;
    FusedIndex& index_;
    const PricingTable& pricing_;
    bool version_checked_ = false;
};

}  // namespace agent_trace
