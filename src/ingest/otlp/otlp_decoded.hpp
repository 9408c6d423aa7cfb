#pragma once
// What an OTLP decoder makes of one export request: the canonical events it maps
// to, and the records it could not take (counted into the OTLP partial-success answer).
#include <cstdint>
#include <string>
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

    void reject(std::string why) {
        if (rejected++ == 0) rejection = std::move(why);
    }
};

}  // namespace agent_trace::otlp
