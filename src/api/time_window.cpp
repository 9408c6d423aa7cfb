#include "api/time_window.hpp"

#include <string>

namespace agent_trace::api {
namespace {

constexpr size_t kDateLength = 10;  // YYYY-MM-DD

enum class Edge : uint8_t { start, end };

ApiResult<TimestampUs> parse_instant(std::string_view name, std::string_view text, const Zone& zone,
                                     Edge edge) {
    if (text.size() == kDateLength) {
        if (const auto day = parse_civil_date(text)) {
            return edge == Edge::start ? zone.start_of_day(*day) : zone.start_of_next_day(*day);
        }
    }
    if (const auto ts = parse_iso8601(text)) return *ts;
    const std::string param(name);
    return bad_param(param, param +
                                " must be an ISO-8601 time (2026-03-02T09:15:00Z) or a date "
                                "(2026-03-02), got '" +
                                std::string(text) + "'");
}

}  // namespace

ApiResult<TimeWindow> parse_time_window(const QueryParams& params) {
    TimeWindow window;
    if (const std::string_view tz = params.get("tz"); !tz.empty()) {
        auto zone = Zone::named(tz);
        if (!zone.ok()) return bad_param("tz", "tz: " + zone.error().message);
        window.zone = std::move(*zone);
    }
    if (const std::string_view since = params.get("since"); !since.empty()) {
        auto ts = parse_instant("since", since, window.zone, Edge::start);
        if (!ts.ok()) return ts.error();
        window.since = *ts;
    }
    if (const std::string_view until = params.get("until"); !until.empty()) {
        auto ts = parse_instant("until", until, window.zone, Edge::end);
        if (!ts.ok()) return ts.error();
        window.until = *ts;
    }
    if (window.since && window.until && *window.since >= *window.until) {
        return bad_param("until", "until must be after since");
    }
    return window;
}

}  // namespace agent_trace::api
