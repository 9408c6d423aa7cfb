#pragma once
// What an OTLP decoder makes of one export request: the canonical events it maps
// to, and the records it could not take (counted into the OTLP partial-success answer).
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.hpp"
#include "core/time.hpp"

namespace agent_trace::otlp {

struct OtlpDecodeOptions {
    uint8_t max_tier = 1;  // attributes above this tier are dropped before the queue
    std::string host;      // this machine: the sender is local unless it says host.name
    TimestampUs now = 0;   // ingest_ts
};

struct OtlpDecoded {
    std::vector<Event> events;
    uint64_t rejected = 0;            // records (log records, data points, spans) not taken
    std::string rejection;            // why the first one was refused
    uint64_t dropped_attributes = 0;  // above the tier (counted, never stored)
    uint64_t redactions = 0;          // secrets replaced in kept attribute values

    // Refused records by a stable, low-cardinality reason (the /healthz counters' key).
    std::map<std::string, uint64_t, std::less<>> rejected_by_reason;

    void reject(std::string_view reason, std::string why) {
        if (rejected++ == 0) rejection = std::move(why);
        auto it = rejected_by_reason.find(reason);
        if (it == rejected_by_reason.end()) it = rejected_by_reason.emplace(reason, 0).first;
        ++it->second;
    }
};

// The reason class of a validate() failure (its messages are ours, never the sender's).
inline std::string_view invalid_event_reason(std::string_view validate_message) {
    if (validate_message.find("session_id") != std::string_view::npos) return "missing_session_id";
    if (validate_message.find("ts is outside") != std::string_view::npos) {
        return "timestamp_out_of_range";
    }
    return "invalid_record";
}

}  // namespace agent_trace::otlp
