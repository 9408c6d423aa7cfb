#pragma once
// Time: UTC microseconds since the epoch everywhere; zones only when bucketing.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace date {
class time_zone;
}

namespace agent_trace {

using TimestampUs = int64_t;

// Parses ISO-8601 / RFC 3339 ("2026-03-02T09:15:00.123Z", "+05:30" offsets,
// 0-9 fractional digits). nullopt on anything else.
std::optional<TimestampUs> parse_iso8601(std::string_view text);

// "2026-03-02T09:15:00.123456Z"
std::string format_iso8601_utc(TimestampUs ts);

// Parses "YYYY-MM-DD" to (year, month, day).
struct CivilDate {
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
};
std::optional<CivilDate> parse_civil_date(std::string_view text);

TimestampUs now_us();

// A named IANA zone (or UTC) used to cut days and months.
class Zone {
public:
    static Result<Zone> named(std::string_view name);  // "UTC", "Asia/Tokyo", "local"
    static Zone local();                               // $TZ, /etc/localtime, else UTC
    static Zone utc();

    [[nodiscard]] const std::string& name() const { return name_; }
    // Local calendar date of an instant, "YYYY-MM-DD".
    [[nodiscard]] std::string day_key(TimestampUs ts) const;
    // The same date as days since 1970-01-01, cheap enough to call per row.
    [[nodiscard]] int64_t local_day_number(TimestampUs ts) const;
    static std::string format_day_number(int64_t days);
    [[nodiscard]] std::string month_key(TimestampUs ts) const;
    // Local wall time, "YYYY-MM-DD HH:MM".
    [[nodiscard]] std::string minute_key(TimestampUs ts) const;
    // First instant of a local calendar date (handles DST gaps).
    [[nodiscard]] TimestampUs start_of_day(const CivilDate& day) const;
    // The first instant after a local calendar date: where an inclusive --until stops.
    [[nodiscard]] TimestampUs start_of_next_day(const CivilDate& day) const;
    [[nodiscard]] int64_t utc_offset_seconds(TimestampUs ts) const;

private:
    std::string name_ = "UTC";
    const date::time_zone* zone_ = nullptr;  // nullptr means UTC
};

}  // namespace agent_trace
