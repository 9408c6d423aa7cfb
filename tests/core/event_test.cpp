#include "core/event.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "../support/test_support.hpp"

namespace agent_trace {
namespace {

// 2026-03-02T09:15:00Z
constexpr TimestampUs kTs = 1'772'442'900'000'000;

Event good_api_request() {
    Event e = testing_support::api_request_event("msg_01", kTs);
    e.ingest_ts = kTs + 1;
    e.session_id = "7c1a9f4e-0000-4000-8000-000000000001";
    e.request_id = "req_01";
    e.project = "-home-dev-src-app";
    e.model = "claude-sonnet-4-5-20250929";
    testing_support::set_tokens(e, 10, 20, 30, 40, 50);
    return e;
}

TEST(EventValidate, AcceptsGoodApiRequest) {
    const Event e = good_api_request();
    const Status s = validate(e);
    EXPECT_TRUE(s.ok()) << s.error().message;

    Event with_cost = e;
    with_cost.cost_usd = 0.0123;
    with_cost.cost_source = CostSource::reported;
    EXPECT_TRUE(validate(with_cost).ok());
    with_cost.cost_usd = 0.0;
    with_cost.cost_source = CostSource::computed;
    EXPECT_TRUE(validate(with_cost).ok());

    Event tier3 = e;
    tier3.tier = 3;
    tier3.attrs = R"({"web_search_requests":2})";
    EXPECT_TRUE(validate(tier3).ok());
}

TEST(EventValidate, MetricsAndCommitsNeedNoSession) {
    for (const EventKind kind : {EventKind::metric, EventKind::commit}) {
        Event e = good_api_request();
        e.kind = kind;
        e.model.clear();
        e.session_id.clear();
        EXPECT_TRUE(validate(e).ok()) << to_string(kind);
    }
    Event tool = good_api_request();
    tool.kind = EventKind::tool_end;
    tool.model.clear();  // only api_request needs a model
    EXPECT_TRUE(validate(tool).ok());
}

TEST(EventValidate, RejectsEachBadField) {
    struct Case {
        const char* name;
        const char* message_part;  // the field the error must name
        std::function<void(Event&)> spoil;
    };
    const std::vector<Case> cases = {
        {"empty event_id", "event_id", [](Event& e) { e.event_id = EventId{}; }},
        {"ts zero", "ts", [](Event& e) { e.ts = 0; }},
        {"ts before 2000", "ts", [](Event& e) { e.ts = 946'684'800'000'000 - 1; }},
        {"ts after 2200", "ts", [](Event& e) { e.ts = 7'258'118'400'000'000 + 1; }},
        {"ts in seconds by mistake", "ts", [](Event& e) { e.ts = 1'772'442'900; }},
        {"empty session_id", "session_id", [](Event& e) { e.session_id.clear(); }},
        {"negative input", "token", [](Event& e) { e.input_tokens = -1; }},
        {"negative output", "token", [](Event& e) { e.output_tokens = -1; }},
        {"negative cache 5m", "token", [](Event& e) { e.cache_write_5m_tokens = -1; }},
        {"negative cache 1h", "token", [](Event& e) { e.cache_write_1h_tokens = -1; }},
        {"negative cache read", "token", [](Event& e) { e.cache_read_tokens = -1; }},
        {"api_request without model", "model", [](Event& e) { e.model.clear(); }},
        {"negative cost", "cost",
         [](Event& e) {
             e.cost_usd = -0.01;
             e.cost_source = CostSource::computed;
         }},
        {"cost without source", "cost", [](Event& e) { e.cost_usd = 0.5; }},
        {"tier 0", "tier", [](Event& e) { e.tier = 0; }},
        {"tier 4", "tier", [](Event& e) { e.tier = 4; }},
        {"empty attrs", "attrs", [](Event& e) { e.attrs.clear(); }},
        {"attrs array", "attrs", [](Event& e) { e.attrs = "[]"; }},
        {"attrs scalar", "attrs", [](Event& e) { e.attrs = "42"; }},
    };
    for (const Case& c : cases) {
        Event e = good_api_request();
        c.spoil(e);
        const Status s = validate(e);
        ASSERT_FALSE(s.ok()) << c.name;
        EXPECT_NE(s.error().message.find(c.message_part), std::string::npos)
            << c.name << ": " << s.error().message;
    }
}

TEST(EventValidate, TimestampBoundsAreInclusive) {
    Event e = good_api_request();
    e.ts = 946'684'800'000'000;  // 2000-01-01T00:00:00Z
    EXPECT_TRUE(validate(e).ok());
    e.ts = 7'258'118'400'000'000;  // 2200-01-01T00:00:00Z
    EXPECT_TRUE(validate(e).ok());
}

// Every value has a name of its own, and parsing the name gives the value back.
template <typename Enum, size_t N, typename Parse>
void expect_names_round_trip(const Enum (&all)[N], Parse parse) {
    std::set<std::string_view> names;
    for (const Enum value : all) {
        const std::string_view name = to_string(value);
        EXPECT_NE(name, "unknown");
        EXPECT_EQ(parse(name), value) << name;
        names.insert(name);
    }
    EXPECT_EQ(names.size(), N);
}

TEST(EventEnums, SourceRoundTrip) {
    const Source all[] = {Source::hook, Source::otel, Source::transcript, Source::git};
    expect_names_round_trip(all, parse_source);
    EXPECT_EQ(to_string(Source::hook), "hook");
    EXPECT_EQ(to_string(Source::otel), "otel");
    EXPECT_EQ(to_string(Source::transcript), "transcript");
    EXPECT_EQ(to_string(Source::git), "git");
    EXPECT_EQ(parse_source("Hook"), std::nullopt);
    EXPECT_EQ(parse_source(""), std::nullopt);
    EXPECT_EQ(parse_source("otlp"), std::nullopt);
}

TEST(EventEnums, KindRoundTrip) {
    const EventKind all[] = {
        EventKind::session_start, EventKind::session_end, EventKind::user_prompt,
        EventKind::api_request,   EventKind::tool_start,  EventKind::tool_end,
        EventKind::tool_error,    EventKind::permission,  EventKind::subagent_start,
        EventKind::subagent_stop, EventKind::compact,     EventKind::notification,
        EventKind::metric,        EventKind::commit,      EventKind::other,
    };
    expect_names_round_trip(all, parse_event_kind);
    EXPECT_EQ(to_string(EventKind::api_request), "api_request");
    EXPECT_EQ(to_string(EventKind::subagent_stop), "subagent_stop");
    EXPECT_EQ(parse_event_kind("API_REQUEST"), std::nullopt);
    EXPECT_EQ(parse_event_kind("unknown"), std::nullopt);
}

TEST(EventEnums, CostSourceRoundTrip) {
    for (const CostSource c : {CostSource::none, CostSource::reported, CostSource::computed}) {
        EXPECT_EQ(parse_cost_source(to_string(c)), c) << to_string(c);
    }
    EXPECT_EQ(to_string(CostSource::reported), "reported");
    EXPECT_EQ(to_string(CostSource::computed), "computed");
    EXPECT_EQ(parse_cost_source("estimated"), std::nullopt);
}

}  // namespace
}  // namespace agent_trace
