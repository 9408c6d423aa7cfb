#pragma once
// Canonical events as queue records: a compact, versioned binary form.
#include <string>
#include <string_view>

#include "core/event.hpp"
#include "core/result.hpp"

namespace agent_trace {

void encode_event(const Event& event, std::string& out);  // appends to out
Result<Event> decode_event(std::string_view bytes);       // error names what is wrong

// The event as one JSON object with the v1 field names (DLQ files, `dlq show`, the API).
std::string event_to_json(const Event& event);
Result<Event> event_from_json(std::string_view json);

}  // namespace agent_trace
