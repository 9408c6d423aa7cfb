#pragma once
// What hook-handler sends for one hook event: the payload reduced to the tier and
// redacted, with an "agent_trace" member (the envelope) naming the event:
//   {...payload..., "agent_trace": {"event_id": "<32 hex, UUIDv7>",
//    "captured_at_us": <int64>, "tier": N, "event": "<EVENT_NAME>", "redactions": N}}
#include <cstdint>
#include <string>
#include <string_view>

#include "core/ids.hpp"

namespace agent_trace::cli {

struct HookRecord {
    // The POST body: the envelope, or the input unchanged when it is not a JSON object
    // in UTF-8 (the server rejects it and counts the rejection).
    std::string body;
    // For input that is not a payload: an envelope without a payload, spooled instead
    // of the input (which is never written to disk, whatever it holds; the server
    // counts it as rejected when the spool drains).
    std::string invalid_stub;
    bool payload_valid = false;
    uint32_t redactions = 0;

    // The spool line when the POST fails.
    [[nodiscard]] const std::string& spool_line() const {
        return payload_valid ? body : invalid_stub;
    }
};

struct HookCapture {
    EventId event_id;
    int64_t captured_at_us = 0;
    uint8_t tier = 1;
    std::string_view event;  // from the command line; may be empty
};

HookRecord build_hook_record(const std::string& input, const HookCapture& capture);

}  // namespace agent_trace::cli
