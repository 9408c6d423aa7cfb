#pragma once
// Reading stored canonical events back: a whole session for fusion, and the
// feed of everything stored after a point for the live stream (SSE).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.hpp"
#include "core/result.hpp"

namespace agent_trace {

// What the live stream may narrow the feed to; empty members match everything.
struct EventFeedFilter {
    std::string session_id;
    std::string project;
    std::vector<EventKind> kinds;
};

class EventReader {
public:
    virtual ~EventReader() = default;
    // Every event of one session (main agent and subagents, every source),
    // ordered by ts, then by storage order. The visitor may move from the event.
    virtual Status scan_session_events(std::string_view session_id,
                                       const std::function<void(Event&&)>& visit) = 0;
    // Events stored after `after_seq` (the store's insertion sequence, which the
    // stream uses as its event id), in insertion order, at most `limit` of them.
    virtual Status scan_events_after(
        int64_t after_seq, const EventFeedFilter& filter, size_t limit,
        const std::function<void(int64_t seq, const Event&)>& visit) = 0;
    // The insertion sequence of the newest stored event (0: none).
    virtual Result<int64_t> last_event_seq() = 0;
    // Where the last `count` events stored at or before `up_to_seq` that match
    // `filter` begin: the seq just before the first of them (0 when fewer match), so
    // that scan_events_after() from there reads them (the stream's ?tail=N).
    virtual Result<int64_t> seq_before_last(int64_t up_to_seq, const EventFeedFilter& filter,
                                            size_t count) = 0;
};

}  // namespace agent_trace
