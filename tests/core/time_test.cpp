#include "core/time.hpp"

#include <date/date.h>

#include <gtest/gtest.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "../support/test_support.hpp"

namespace agent_trace {
namespace {

using testing_support::at;
using testing_support::ScopedEnv;

constexpr TimestampUs kSecond = 1'000'000;
constexpr TimestampUs kHour = 3600 * kSecond;
// 2026-03-02T09:15:00Z, computed independently (Python datetime).
constexpr TimestampUs kMarch2At0915 = 1'772'442'900'000'000;

Zone zone(const char* name) {
    auto z = Zone::named(name);
    EXPECT_TRUE(z.ok()) << name << ": " << (z.ok() ? "" : z.error().message);
    return z.ok() ? *z : Zone::utc();
}

// ------------------------------------------------------------------ parse_iso8601

TEST(ParseIso8601, UtcDesignator) {
    EXPECT_EQ(parse_iso8601("2026-03-02T09:15:00Z"), kMarch2At0915);
    EXPECT_EQ(parse_iso8601("2026-03-02t09:15:00z"), kMarch2At0915);
    EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00Z"), 0);
}

TEST(ParseIso8601, NumericOffsets) {
    EXPECT_EQ(parse_iso8601("2026-03-02T14:45:00+05:30"), kMarch2At0915);
    EXPECT_EQ(parse_iso8601("2026-03-02T02:15:00-07:00"), kMarch2At0915);
    EXPECT_EQ(parse_iso8601("2026-03-02T09:15:00+00:00"), kMarch2At0915);
    // An offset can move the instant across a UTC midnight.
    EXPECT_EQ(parse_iso8601("2026-03-03T01:00:00+09:00"), at("2026-03-02T16:00:00Z"));
    EXPECT_EQ(parse_iso8601("2026-03-01T20:00:00-07:00"), at("2026-03-02T03:00:00Z"));
}

TEST(ParseIso8601, FractionDigits) {
    EXPECT_EQ(parse_iso8601("2026-03-02T09:15:00Z"), kMarch2At0915);
    EXPECT_EQ(parse_iso8601("2026-03-02T09:15:00.123Z"), kMarch2At0915 + 123'000);
    EXPECT_EQ(parse_iso8601("2026-03-02T09:15:00.123456Z"), kMarch2At0915 + 123'456);
    // Nanoseconds are truncated to microseconds.
    EXPECT_EQ(parse_iso8601("2026-03-02T09:15:00.123456789Z"), kMarch2At0915 + 123'456);
    EXPECT_EQ(parse_iso8601("2026-03-02T09:15:00.5Z"), kMarch2At0915 + 500'000);
    EXPECT_EQ(parse_iso8601("2026-03-02T14:45:00.250+05:30"), kMarch2At0915 + 250'000);
}

// None of `texts` is a timestamp.
void expect_rejected(std::initializer_list<const char*> texts) {
    for (const char* text : texts) EXPECT_EQ(parse_iso8601(text), std::nullopt) << text;
}

TEST(ParseIso8601, RejectsGarbage) {
    expect_rejected({
        "",
        "hello",
        "2026-03-02",
        "2026-03-02T09:15",
        "2026-03-02T09:15:00.Z",  // a dot needs digits
        "2026-03-02T09:15:00ZZ",  // trailing bytes
        "2026-03-02T09:15:00 UTC",
        "2026-03-02T09:15:00+5",  // offset needs two digits
        "2026/03/02T09:15:00Z",
        "2026-03-02X09:15:00Z",
        "2026-03-02T9:15:00Z",
        "２０２６-03-02T09:15:00Z",
    });
}

TEST(ParseIso8601, RejectsOutOfRangeFields) {
    expect_rejected({
        "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-03-00T00:00:00Z",
        "2026-03-32T00:00:00Z",
        "2026-03-02T24:00:00Z",
        "2026-03-02T09:60:00Z",
    });
}

// The header promises nullopt on anything that is not a valid timestamp; a day
// past the end of its month is not one.
TEST(ParseIso8601, RejectsDayPastEndOfMonth) {
    expect_rejected({"2026-02-30T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z"});
    EXPECT_TRUE(parse_iso8601("2028-02-29T00:00:00Z").has_value());  // leap year
}

// RFC 3339: time-numoffset is +/-HH:MM with HH 00-23 and MM 00-59.
TEST(ParseIso8601, RejectsOutOfRangeOffset) {
    expect_rejected(
        {"2026-03-02T09:15:00+05:60", "2026-03-02T09:15:00+24:00", "2026-03-02T09:15:00-99:99"});
    EXPECT_TRUE(parse_iso8601("2026-03-02T09:15:00+14:00").has_value());
}

TEST(FormatIso8601, RoundTrip) {
    for (const char* text :
         {"2026-03-02T09:15:00.123456Z", "1970-01-01T00:00:00.000Z", "2026-12-31T23:59:59.999999Z",
          "2000-02-29T12:00:00.000001Z", "2026-03-02T09:15:00.123Z"}) {
        const auto ts = parse_iso8601(text);
        ASSERT_TRUE(ts.has_value()) << text;
        EXPECT_EQ(format_iso8601_utc(*ts), text);
        EXPECT_EQ(parse_iso8601(format_iso8601_utc(*ts)), ts);
    }
    EXPECT_EQ(format_iso8601_utc(kMarch2At0915), "2026-03-02T09:15:00.000Z");
    // An offset input comes back in UTC.
    EXPECT_EQ(format_iso8601_utc(at("2026-03-02T14:45:00.5+05:30")), "2026-03-02T09:15:00.500Z");
}

TEST(FormatIso8601, AgreesWithDateLibraryAcrossCenturies) {
    // The hand-written formatter against date::format on instants from 1901 to 2099,
    // whole milliseconds and not.
    uint64_t state = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 20000; ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        auto ts = static_cast<TimestampUs>(state % 3'980'000'000'000'000ULL) - 2'170'000'000'000'000LL;
        if (i % 2 == 0) ts -= ts % 1000;
        const auto tp = date::sys_time<std::chrono::microseconds>(std::chrono::microseconds(ts));
        const std::string want =
            ts % 1000 == 0 ? date::format("%FT%TZ", date::floor<std::chrono::milliseconds>(tp))
                           : date::format("%FT%TZ", tp);
        ASSERT_EQ(format_iso8601_utc(ts), want) << ts;
    }
}

// ------------------------------------------------------------------ parse_civil_date

TEST(ParseCivilDate, Valid) {
    const auto d = parse_civil_date("2026-03-02");
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->year, 2026);
    EXPECT_EQ(d->month, 3u);
    EXPECT_EQ(d->day, 2u);
    EXPECT_TRUE(parse_civil_date("2024-02-29").has_value());
    EXPECT_TRUE(parse_civil_date("2026-12-31").has_value());
}

TEST(ParseCivilDate, Invalid) {
    for (const char* bad :
         {"2026-02-29", "2026-02-30", "2026-04-31", "2026-13-01", "2026-00-01", "2026-01-00",
          "2026-1-01", "2026-01-1", "20260101", "2026-01-01T", "", "abcd-ef-gh"}) {
        EXPECT_EQ(parse_civil_date(bad).has_value(), false) << bad;
    }
}

// ------------------------------------------------------------------ Zone

TEST(Zone, Named) {
    for (const char* utc_name : {"UTC", "utc", "Etc/UTC", "Z"}) {
        auto z = Zone::named(utc_name);
        ASSERT_TRUE(z.ok()) << utc_name;
        EXPECT_EQ(z->name(), "UTC");
        EXPECT_EQ(z->utc_offset_seconds(kMarch2At0915), 0);
    }
    auto tokyo = Zone::named("Asia/Tokyo");
    ASSERT_TRUE(tokyo.ok());
    EXPECT_EQ(tokyo->name(), "Asia/Tokyo");
    EXPECT_EQ(tokyo->utc_offset_seconds(kMarch2At0915), 9 * 3600);

    auto ny = Zone::named("America/New_York");
    ASSERT_TRUE(ny.ok());
    EXPECT_EQ(ny->name(), "America/New_York");
    EXPECT_EQ(ny->utc_offset_seconds(at("2026-01-15T12:00:00Z")), -5 * 3600);
    EXPECT_EQ(ny->utc_offset_seconds(at("2026-07-15T12:00:00Z")), -4 * 3600);

    auto bad = Zone::named("Mars/Olympus_Mons");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("Mars/Olympus_Mons"), std::string::npos)
        << bad.error().message;
    EXPECT_FALSE(Zone::named("").ok());
}

TEST(Zone, LocalFollowsTzVariable) {
    ScopedEnv tz("TZ", ":Asia/Tokyo");
    EXPECT_EQ(Zone::local().name(), "Asia/Tokyo");
    auto named_local = Zone::named("local");
    ASSERT_TRUE(named_local.ok());
    EXPECT_EQ(named_local->name(), "Asia/Tokyo");
}

// The local day of each instant, given in UTC.
void expect_days(const Zone& zone,
                 std::initializer_list<std::pair<const char*, const char*>> instant_and_day) {
    for (const auto& [instant, day] : instant_and_day) {
        EXPECT_EQ(zone.day_key(at(instant)), day) << zone.name() << " at " << instant;
    }
}

TEST(Zone, DayKeyAcrossUtcMidnightKolkata) {
    const Zone utc = Zone::utc();
    const Zone kolkata = zone("Asia/Kolkata");  // +05:30, no DST
    expect_days(kolkata, {
                             // 18:29:59Z is 23:59:59 IST; 18:30Z is local midnight.
                             {"2026-03-02T18:29:59Z", "2026-03-02"},
                             {"2026-03-02T18:30:00Z", "2026-03-03"},
                             // Around UTC midnight the IST day does not change...
                             {"2026-03-02T23:59:59Z", "2026-03-03"},
                             {"2026-03-03T00:00:00Z", "2026-03-03"},
                         });
    // ... the UTC day does.
    expect_days(utc,
                {{"2026-03-02T23:59:59Z", "2026-03-02"}, {"2026-03-03T00:00:00Z", "2026-03-03"}});
    // Month key follows the local day.
    EXPECT_EQ(utc.month_key(at("2026-03-31T19:00:00Z")), "2026-03");
    EXPECT_EQ(kolkata.month_key(at("2026-03-31T19:00:00Z")), "2026-04");
    EXPECT_EQ(kolkata.minute_key(at("2026-03-31T19:00:00Z")), "2026-04-01 00:30");
}

TEST(Zone, DayKeyLosAngelesAcrossDstStart) {
    const Zone la = zone("America/Los_Angeles");
    expect_days(la, {
                        // Before 2026-03-08 LA is PST (-8): the 7th ends at 08:00Z.
                        {"2026-03-07T07:59:59Z", "2026-03-06"},
                        {"2026-03-07T08:00:00Z", "2026-03-07"},
                        {"2026-03-08T07:59:59Z", "2026-03-07"},
                        {"2026-03-08T08:00:00Z", "2026-03-08"},
                        // The DST day is 23 hours long; from then on the day ends at 07:00Z.
                        {"2026-03-09T06:59:59Z", "2026-03-08"},
                        {"2026-03-09T07:00:00Z", "2026-03-09"},
                        // A UTC midnight is still the previous local evening.
                        {"2026-03-09T00:00:00Z", "2026-03-08"},
                    });
    EXPECT_EQ(Zone::utc().day_key(at("2026-03-09T00:00:00Z")), "2026-03-09");
    // Clocks jump 02:00 PST -> 03:00 PDT at 10:00Z.
    EXPECT_EQ(la.minute_key(at("2026-03-08T09:59:00Z")), "2026-03-08 01:59");
    EXPECT_EQ(la.minute_key(at("2026-03-08T10:00:00Z")), "2026-03-08 03:00");
    EXPECT_EQ(la.utc_offset_seconds(at("2026-03-08T09:59:59Z")), -8 * 3600);
    EXPECT_EQ(la.utc_offset_seconds(at("2026-03-08T10:00:00Z")), -7 * 3600);
}

TEST(Zone, StartOfDay) {
    const CivilDate march3{2026, 3, 3};
    EXPECT_EQ(Zone::utc().start_of_day(march3), at("2026-03-03T00:00:00Z"));
    EXPECT_EQ(zone("Asia/Tokyo").start_of_day(march3), at("2026-03-02T15:00:00Z"));
    EXPECT_EQ(zone("Asia/Kolkata").start_of_day(march3), at("2026-03-02T18:30:00Z"));

    const Zone la = zone("America/Los_Angeles");
    // DST day: midnight is still PST; the next day starts 23 hours later.
    const TimestampUs dst_day = la.start_of_day({2026, 3, 8});
    const TimestampUs next_day = la.start_of_day({2026, 3, 9});
    EXPECT_EQ(dst_day, 1'772'956'800'000'000);   // 2026-03-08T08:00:00Z
    EXPECT_EQ(next_day, 1'773'039'600'000'000);  // 2026-03-09T07:00:00Z
    EXPECT_EQ(next_day - dst_day, 23 * kHour);
    EXPECT_EQ(la.day_key(dst_day), "2026-03-08");
    EXPECT_EQ(la.day_key(dst_day - 1), "2026-03-07");
    // Fall back (2026-11-01): a 25-hour day.
    EXPECT_EQ(la.start_of_day({2026, 11, 2}) - la.start_of_day({2026, 11, 1}), 25 * kHour);
}

TEST(Zone, StartOfDayWhenMidnightIsSkipped) {
    // Brazil moved clocks from 00:00 to 01:00 on 2018-11-04: that day began at 01:00 -02.
    const Zone sao_paulo = zone("America/Sao_Paulo");
    EXPECT_EQ(sao_paulo.start_of_day({2018, 11, 4}), 1'541'300'400'000'000);  // 03:00Z
    EXPECT_EQ(sao_paulo.day_key(1'541'300'400'000'000), "2018-11-04");
    EXPECT_EQ(sao_paulo.day_key(1'541'300'400'000'000 - 1), "2018-11-03");
}

}  // namespace
}  // namespace agent_trace
