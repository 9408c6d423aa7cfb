#pragma once
// Events the writer could not store for a reason that will not pass by itself
// (poison), kept with that reason until replayed or removed. One JSON file per
// entry in <data>/dlq/, so list/show/replay work while `serve` runs.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"

namespace agent_trace {

struct DeadLetter {
    std::string id;  // UUIDv7 hex: time-ordered
    TimestampUs failed_at = 0;
    std::string reason;
    std::string origin;      // "writer", "hooks-receiver", "spool" ...
    std::string event_json;  // the canonical event as JSON, or empty when undecodable
    std::string raw_hex;     // the undecodable record bytes, hex (empty otherwise)
};

class DeadLetterQueue {
public:
    virtual ~DeadLetterQueue() = default;
    virtual Status put(const DeadLetter& entry) = 0;     // fills nothing: entry.id must be set
    virtual Result<std::vector<DeadLetter>> list() = 0;  // oldest first
    virtual Result<std::optional<DeadLetter>> get(const std::string& id) = 0;
    virtual Status remove(const std::string& id) = 0;
    virtual Result<uint64_t> count() = 0;
};

Result<std::unique_ptr<DeadLetterQueue>> open_dead_letter_queue(const std::string& dir);

}  // namespace agent_trace
