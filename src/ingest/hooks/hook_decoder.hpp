#pragma once
// Decodes a POST /v1/hooks body into canonical events (engine side).
//
// Accepted bodies:
//  - a raw Claude Code hook payload (a `type: "http"` hook, or anything that POSTs the
//    stdin JSON unchanged): reduced here to max_tier; its event_id is derived from
//    the payload, so the same payload sent twice is stored once;
//  - hook-handler's envelope: the reduced payload plus an "agent_trace" member
//    {event_id, captured_at_us, tier, event}; its id and capture time are kept and it
//    is reduced further when its tier is above max_tier;
//  - a JSON array of either, or {"events": [...]}.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace agent_trace::hooks {

struct HookDecodeOptions {
    uint8_t max_tier = 1;  // the server's privacy tier: nothing above it is kept
    TimestampUs now = 0;   // ingest time; also the event time of a raw payload
    std::string host;
    std::string user;
};

// Outer error: the body is not UTF-8, not JSON, or neither an object nor an array
// (HTTP 400). Otherwise one Result per element, in order: an element that is not a
// valid hook payload (unknown or missing hook_event_name, missing session_id, a field
// of the wrong type) is an Error naming the field (HTTP 422 for that element).
Result<std::vector<Result<Event>>> decode_hook_body(std::string_view body,
                                                    const HookDecodeOptions& options);

// Claude Code's project key for a directory: every character that is not an ASCII
// letter or digit becomes '-' ("/home/u/my.proj" -> "-home-u-my-proj").
std::string encode_project_dir(std::string_view cwd);

}  // namespace agent_trace::hooks
