#pragma once
// Which privacy tier each Claude Code OpenTelemetry attribute belongs to
// (reference §2.2-2.5; docs/privacy.md has the table). The OTLP decoders ask here for
// every attribute of every log record, data point and span before it is kept.
#include <cstdint>
#include <string_view>

namespace agent_trace::privacy {

// The lowest tier that keeps attribute `key`:
//   1 metadata (ids, names, counts, timings, flags, identity),
//   2 parameters (prompts, tool parameters and commands),
//   3 content (assistant text, tool output, error text, raw API bodies),
//   0 when this version does not know the key: the caller decides by value
//     (numbers and booleans are kept, strings only when they look like metadata).
uint8_t otel_attribute_tier(std::string_view key);

}  // namespace agent_trace::privacy
