#pragma once
// Where the live pipeline's writer puts events. Sources and the pipeline depend
// on this header, never on a store.
#include <span>

#include "core/event.hpp"
#include "core/result.hpp"

namespace agent_trace {

class EventSink {
public:
    virtual ~EventSink() = default;
    // Stores all of `events` or none of them. A second copy of an event_id is
    // merged or ignored, never counted twice. Errors that may pass (store locked,
    // read-only, full) come back with Error::retryable set.
    virtual Status write_events(std::span<const Event> events) = 0;
};

}  // namespace agent_trace
