#pragma once
// since / until / tz query parameters as a UTC window.
#include <optional>

#include "api/api_error.hpp"
#include "api/query_params.hpp"
#include "core/time.hpp"

namespace agent_trace::api {

struct TimeWindow {
    Zone zone = Zone::utc();
    std::optional<TimestampUs> since;  // inclusive
    std::optional<TimestampUs> until;  // exclusive
};

// tz: an IANA name, "UTC" or "local" (the server's zone); default UTC.
// since / until: an ISO-8601 instant ("2026-03-02T09:15:00Z", an offset, or
// fractional seconds), or a date YYYY-MM-DD meaning a whole day in tz: since
// from its first instant, until up to and including it (to the next day's
// first instant). An instant `until` is exclusive. since must be before until.
ApiResult<TimeWindow> parse_time_window(const QueryParams& params);

}  // namespace agent_trace::api
