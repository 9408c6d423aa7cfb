#pragma once
// The canonical event as JSON (the live stream's `data:`): every field that is
// set, times as ISO-8601 UTC, attrs as the object it holds. One line, no newline.
#include <string>

#include "core/event.hpp"
#include "core/json_writer.hpp"

namespace agent_trace::server {

void write_event_json(JsonWriter& out, const Event& event);
std::string event_json(const Event& event);

}  // namespace agent_trace::server
