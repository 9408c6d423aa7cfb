#include "core/time.hpp"

#include <cstdio>
#include <date/date.h>
#include <date/tz.h>

#include <chrono>
#include <cstdlib>
#include <exception>

namespace agent_trace {
namespace {

bool read_digits(std::string_view s, size_t pos, size_t count, int& out) {
    if (pos + count > s.size()) return false;
    int v = 0;
    for (size_t i = pos; i < pos + count; ++i) {
        const char c = s[i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

constexpr int64_t kUsPerSecond = 1'000'000;
constexpr int64_t kUsPerDay = 86'400 * kUsPerSecond;

using SysUs = date::sys_time<std::chrono::microseconds>;

SysUs to_sys(TimestampUs ts) { return SysUs{std::chrono::microseconds{ts}}; }

}  // namespace

std::optional<TimestampUs> parse_iso8601(std::string_view s) {
    int year = 0;
    int month = 0;
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (!read_digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' ||
        !read_digits(s, 5, 2, month) || s[7] != '-' || !read_digits(s, 8, 2, day) ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !read_digits(s, 11, 2, hour) ||
        s[13] != ':' || !read_digits(s, 14, 2, minute) || s[16] != ':' ||
        !read_digits(s, 17, 2, second)) {
        return std::nullopt;
    }
    if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    const date::year_month_day civil{date::year{year}, date::month{static_cast<unsigned>(month)},
                                     date::day{static_cast<unsigned>(day)}};
    if (!civil.ok()) return std::nullopt;
    size_t pos = 19;
    int64_t micros = 0;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        int digits = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (digits < 6) micros = micros * 10 + (s[pos] - '0');
            ++digits;
            ++pos;
        }
        if (digits == 0) return std::nullopt;
        for (int i = digits; i < 6; ++i) micros *= 10;
    }
    int64_t offset_seconds = 0;
    if (pos == s.size()) {
        // No zone designator: treat as UTC, the only sane default for logs.
    } else if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        const int sign = s[pos] == '-' ? -1 : 1;
        int oh = 0;
        int om = 0;
        if (!read_digits(s, pos + 1, 2, oh)) return std::nullopt;
        size_t next = pos + 3;
        if (next < s.size() && s[next] == ':') ++next;
        if (!read_digits(s, next, 2, om)) return std::nullopt;
        if (oh > 23 || om > 59) return std::nullopt;
        offset_seconds = static_cast<int64_t>(sign) * (oh * 3600LL + om * 60LL);
        pos = next + 2;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    const int64_t days =
        days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const int64_t secs = days * 86'400 + hour * 3600LL + minute * 60LL + second - offset_seconds;
    return secs * kUsPerSecond + micros;
}

std::string format_iso8601_utc(TimestampUs ts) {
    // By hand rather than date::format (an ostringstream per call): timelines print
    // thousands of these. Milliseconds, as Claude Code writes them, unless the instant
    // needs microseconds.
    const auto days = date::floor<date::days>(to_sys(ts));
    const date::year_month_day ymd(days);
    const int64_t us_of_day = ts - static_cast<int64_t>(days.time_since_epoch().count()) *
                                       86'400'000'000LL;
    const int64_t second_of_day = us_of_day / 1'000'000;
    const int64_t micros = us_of_day % 1'000'000;
    const bool whole_millis = micros % 1000 == 0;
    std::string out(whole_millis ? 24 : 27, '0');
    auto put = [&out](size_t at, int64_t value, int digits) {
        for (int i = digits - 1; i >= 0; --i) {
            out[at + static_cast<size_t>(i)] = static_cast<char>('0' + value % 10);
            value /= 10;
        }
    };
    put(0, static_cast<int>(ymd.year()), 4);
    out[4] = '-';
    put(5, static_cast<unsigned>(ymd.month()), 2);
    out[7] = '-';
    put(8, static_cast<unsigned>(ymd.day()), 2);
    out[10] = 'T';
    put(11, second_of_day / 3600, 2);
    out[13] = ':';
    put(14, second_of_day / 60 % 60, 2);
    out[16] = ':';
    put(17, second_of_day % 60, 2);
    out[19] = '.';
    if (whole_millis) {
        put(20, micros / 1000, 3);
    } else {
        put(20, micros, 6);
    }
    out.back() = 'Z';
    return out;
}

std::optional<CivilDate> parse_civil_date(std::string_view text) {
    int y = 0;
    int m = 0;
    int d = 0;
    if (text.size() != 10 || !read_digits(text, 0, 4, y) || text[4] != '-' ||
        !read_digits(text, 5, 2, m) || text[7] != '-' || !read_digits(text, 8, 2, d)) {
        return std::nullopt;
    }
    const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                                   date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    return CivilDate{y, static_cast<unsigned>(m), static_cast<unsigned>(d)};
}

TimestampUs now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Result<Zone> Zone::named(std::string_view name) {
    if (name == "local") return local();
    if (name == "UTC" || name == "utc" || name == "Z" || name == "Etc/UTC") return utc();
    Zone zone;
    try {
        zone.zone_ = date::locate_zone(name);
    } catch (const std::exception& e) {
        return make_error("unknown time zone '" + std::string(name) +
                          "' (use an IANA name such as Europe/Berlin, or UTC)");
    }
    zone.name_ = std::string(name);
    return zone;
}

Zone Zone::utc() { return Zone{}; }

Zone Zone::local() {
    if (const char* tz = std::getenv("TZ"); tz != nullptr && *tz != '\0') {
        std::string_view name = tz;
        if (name.front() == ':') name.remove_prefix(1);
        if (auto zone = named(name); zone.ok()) return *zone;
    }
    Zone zone;
    try {
        zone.zone_ = date::current_zone();
        zone.name_ = std::string(zone.zone_->name());
    } catch (const std::exception&) {
        return utc();
    }
    return zone;
}

int64_t Zone::utc_offset_seconds(TimestampUs ts) const {
    if (zone_ == nullptr) return 0;
    const auto info = zone_->get_info(date::floor<std::chrono::seconds>(to_sys(ts)));
    return info.offset.count();
}

int64_t Zone::local_day_number(TimestampUs ts) const {
    const int64_t local = ts + utc_offset_seconds(ts) * kUsPerSecond;
    return local >= 0 ? local / kUsPerDay : (local - kUsPerDay + 1) / kUsPerDay;
}

std::string Zone::day_key(TimestampUs ts) const { return format_day_number(local_day_number(ts)); }

std::string Zone::format_day_number(int64_t days) {
    const date::year_month_day ymd{date::sys_days{date::days{days}}};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

std::string Zone::month_key(TimestampUs ts) const { return day_key(ts).substr(0, 7); }

std::string Zone::minute_key(TimestampUs ts) const {
    const int64_t local = ts + utc_offset_seconds(ts) * kUsPerSecond;
    return date::format("%F %R", date::floor<std::chrono::minutes>(to_sys(local)));
}

TimestampUs Zone::start_of_next_day(const CivilDate& day) const {
    const date::year_month_day next =
        date::sys_days{date::year{day.year} / date::month{day.month} / date::day{day.day}} +
        date::days{1};
    return start_of_day({static_cast<int>(next.year()), static_cast<unsigned>(next.month()),
                         static_cast<unsigned>(next.day())});
}

TimestampUs Zone::start_of_day(const CivilDate& day) const {
    const date::local_days local{date::year{day.year} / date::month{day.month} /
                                 date::day{day.day}};
    if (zone_ == nullptr) {
        return std::chrono::duration_cast<std::chrono::microseconds>(local.time_since_epoch())
            .count();
    }
    const auto info = zone_->get_info(local);
    date::sys_seconds start;
    if (info.result == date::local_info::nonexistent) {
        start = info.second.begin;  // midnight skipped by DST: the day starts when the gap ends
    } else {
        start = date::sys_seconds{local.time_since_epoch()} - info.first.offset;
    }
    return std::chrono::duration_cast<std::chrono::microseconds>(start.time_since_epoch()).count();
}

}  // namespace agent_trace
