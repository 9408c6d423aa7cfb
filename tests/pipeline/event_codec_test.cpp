#include "pipeline/event_codec.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>

#include "../support/test_support.hpp"

namespace agent_trace {
namespace {

// Every field set to something other than its default.
Event full_event() {
    Event e;
    e.event_id = hash_event_id({"codec", "full"});
    e.source = Source::otel;
    e.kind = EventKind::api_request;
    e.ts = testing_support::at("2026-03-02T09:15:00.123456Z");
    e.ingest_ts = e.ts + 1500;
    e.session_id = "5f0c2a4e-1111-2222-3333-444455556666";
    e.agent_id = "agent-7";
    e.prompt_id = "prompt-1";
    e.message_id = "msg_01ABC";
    e.request_id = "req_01XYZ";
    e.tool_use_id = "toolu_01";
    e.parent_uuid = "parent-uuid";
    e.user = "ada";
    e.host = "workstation";
    e.project = "-home-ada-src-agent-trace";
    e.cwd = "/home/ada/src/agent-trace";
    e.git_branch = "main";
    e.app_version = "2.1.3";
    e.model = "claude-sonnet-4-5-20250929";
    e.input_tokens = 12;
    e.output_tokens = 3456;
    e.cache_write_5m_tokens = 789;
    e.cache_write_1h_tokens = 1011;
    e.cache_read_tokens = 121314;
    e.cost_usd = 0.0123456789012345;
    e.cost_source = CostSource::reported;
    e.tool_name = "Bash";
    e.duration_ms = 4321;
    e.success = false;
    e.error = "exit status 1 — \"quoted\"\n\ttabbed";
    e.is_sidechain = true;
    e.tier = 3;
    e.attrs = R"({"geo":"us","nested":{"a":[1,2,{"b":null}]},"unicode":"é✓"})";
    return e;
}

void expect_same(const Event& a, const Event& b) {
    EXPECT_EQ(a.event_id, b.event_id);
    EXPECT_EQ(a.source, b.source);
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.ts, b.ts);
    EXPECT_EQ(a.ingest_ts, b.ingest_ts);
    EXPECT_EQ(a.session_id, b.session_id);
    EXPECT_EQ(a.agent_id, b.agent_id);
    EXPECT_EQ(a.prompt_id, b.prompt_id);
    EXPECT_EQ(a.message_id, b.message_id);
    EXPECT_EQ(a.request_id, b.request_id);
    EXPECT_EQ(a.tool_use_id, b.tool_use_id);
    EXPECT_EQ(a.parent_uuid, b.parent_uuid);
    EXPECT_EQ(a.user, b.user);
    EXPECT_EQ(a.host, b.host);
    EXPECT_EQ(a.project, b.project);
    EXPECT_EQ(a.cwd, b.cwd);
    EXPECT_EQ(a.git_branch, b.git_branch);
    EXPECT_EQ(a.app_version, b.app_version);
    EXPECT_EQ(a.model, b.model);
    EXPECT_EQ(a.token_counts(), b.token_counts());
    EXPECT_EQ(a.cost_usd, b.cost_usd);
    EXPECT_EQ(a.cost_source, b.cost_source);
    EXPECT_EQ(a.tool_name, b.tool_name);
    EXPECT_EQ(a.duration_ms, b.duration_ms);
    EXPECT_EQ(a.success, b.success);
    EXPECT_EQ(a.error, b.error);
    EXPECT_EQ(a.is_sidechain, b.is_sidechain);
    EXPECT_EQ(a.tier, b.tier);
    EXPECT_EQ(a.attrs, b.attrs);
}

TEST(EventCodec, BinaryRoundTripKeepsEveryField) {
    const Event e = full_event();
    std::string bytes;
    encode_event(e, bytes);
    auto decoded = decode_event(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    expect_same(e, *decoded);
}

TEST(EventCodec, BinaryRoundTripOfDefaultsAndExtremes) {
    Event e;
    auto decoded_default = [&] {
        std::string bytes;
        encode_event(e, bytes);
        return decode_event(bytes);
    };
    auto d = decoded_default();
    ASSERT_TRUE(d.ok()) << d.error().message;
    expect_same(e, *d);
    EXPECT_FALSE(d->cost_usd.has_value());
    EXPECT_FALSE(d->duration_ms.has_value());
    EXPECT_FALSE(d->success.has_value());

    e.ts = std::numeric_limits<int64_t>::min();
    e.ingest_ts = std::numeric_limits<int64_t>::max();
    e.input_tokens = -1;
    e.output_tokens = std::numeric_limits<int64_t>::max();
    e.duration_ms = std::numeric_limits<int64_t>::min();
    e.success = true;
    e.cost_usd = 0.0;
    e.session_id = std::string(100000, 'x');
    e.attrs = std::string("{\"nul\":\"a\0b\"}", 13);
    d = decoded_default();
    ASSERT_TRUE(d.ok()) << d.error().message;
    expect_same(e, *d);
}

TEST(EventCodec, EncodeAppendsToWhatIsThere) {
    std::string bytes = "prefix";
    encode_event(full_event(), bytes);
    ASSERT_TRUE(bytes.starts_with("prefix"));
    EXPECT_TRUE(decode_event(std::string_view(bytes).substr(6)).ok());
}

TEST(EventCodec, EveryTruncationIsAnError) {
    std::string bytes;
    encode_event(full_event(), bytes);
    for (size_t n = 0; n < bytes.size(); ++n) {
        auto d = decode_event(std::string_view(bytes).substr(0, n));
        EXPECT_FALSE(d.ok()) << "prefix of " << n << " bytes decoded";
    }
}

TEST(EventCodec, TrailingBytesAndUnknownVersionsAreRefused) {
    std::string bytes;
    encode_event(full_event(), bytes);
    auto with_tail = bytes + "x";
    EXPECT_FALSE(decode_event(with_tail).ok());
    std::string future = bytes;
    future[0] = 2;
    auto d = decode_event(future);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().message.find("version"), std::string::npos);
}

TEST(EventCodec, EnumsOutOfRangeAreRefused) {
    std::string bytes;
    encode_event(full_event(), bytes);
    for (const size_t at : {17U, 18U, 19U}) {  // source, kind, cost_source
        std::string bad = bytes;
        bad[at] = static_cast<char>(0x7f);
        EXPECT_FALSE(decode_event(bad).ok()) << "byte " << at;
    }
    std::string bad_flags = bytes;
    bad_flags[21] = static_cast<char>(0xE0);
    EXPECT_FALSE(decode_event(bad_flags).ok());
}

// Random corruption must give a value or an Error: never a crash, never a read
// past the buffer (the sanitizer build checks the latter).
TEST(EventCodec, RandomCorruptionNeverCrashes) {
    std::string bytes;
    encode_event(full_event(), bytes);
    std::mt19937 rng(12345);
    std::uniform_int_distribution<size_t> pos(0, bytes.size() - 1);
    std::uniform_int_distribution<int> value(0, 255);
    size_t decoded = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string bad = bytes;
        for (int flips = 1 + round % 4; flips > 0; --flips) {
            bad[pos(rng)] = static_cast<char>(value(rng));
        }
        if (decode_event(bad).ok()) ++decoded;
    }
    SUCCEED() << decoded << " corrupted records still decoded (checksums catch those)";
}

TEST(EventCodec, JsonRoundTripKeepsEveryField) {
    const Event e = full_event();
    const std::string json = event_to_json(e);
    auto back = event_from_json(json);
    ASSERT_TRUE(back.ok()) << back.error().message << "\n" << json;
    expect_same(e, *back);
}

TEST(EventCodec, JsonUsesTheV1FieldNames) {
    const std::string json = event_to_json(full_event());
    for (const char* fragment :
         {R"("event_id":")", R"("source":"otel")", R"("kind":"api_request")", R"("ts":)",
          R"("ingest_ts":)", R"("cache_write_5m_tokens":789)", R"("cache_write_1h_tokens":1011)",
          R"("cost_usd":0.0123456789012345)", R"("cost_source":"reported")", R"("tier":3)",
          R"("success":false)", R"("duration_ms":4321)", R"("is_sidechain":true)",
          R"("attrs":{"geo":"us","nested":{"a":[1,2,{"b":null}]},"unicode":"é✓"})"}) {
        EXPECT_NE(json.find(fragment), std::string::npos) << fragment << " in " << json;
    }
    EXPECT_NE(json.find(full_event().event_id.hex()), std::string::npos);
}

TEST(EventCodec, JsonOfDefaultsUsesNullForAbsentValues) {
    Event e;
    e.event_id = hash_event_id({"defaults"});
    const std::string json = event_to_json(e);
    EXPECT_NE(json.find(R"("cost_usd":null)"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("duration_ms":null)"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("success":null)"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("attrs":{})"), std::string::npos) << json;
    auto back = event_from_json(json);
    ASSERT_TRUE(back.ok()) << back.error().message;
    expect_same(e, *back);
}

TEST(EventCodec, AttrsThatAreNotAnObjectStayAString) {
    Event e = full_event();
    e.attrs = "{not json";
    const std::string json = event_to_json(e);
    EXPECT_NE(json.find(R"("attrs":"{not json")"), std::string::npos) << json;
    auto back = event_from_json(json);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->attrs, "{not json");
}

TEST(EventCodec, JsonErrorsNameTheProblem) {
    const std::string good = event_to_json(full_event());
    struct Case {
        std::string json;
        std::string expected;
    };
    std::string no_id = good;
    no_id.replace(no_id.find("\"event_id\""), 10, "\"event_xx\"");
    const std::vector<Case> cases = {
        {"", "event JSON"},
        {"[1,2]", "not an object"},
        {R"({"source":"hook")", "event JSON"},
        {no_id, "event_id is missing"},
        {R"({"event_id":"zz","source":"hook","kind":"other","ts":1})", "32 hex digits"},
        {R"({"event_id":"00000000000000000000000000000001","source":"mail","kind":"other","ts":1})",
         "unknown source"},
        {R"({"event_id":"00000000000000000000000000000001","source":"hook","kind":"x","ts":1})",
         "unknown kind"},
        {R"({"event_id":"00000000000000000000000000000001","source":"hook","kind":"other","ts":"1"})",
         "ts must be an integer"},
        {R"({"event_id":"00000000000000000000000000000001","source":"hook","kind":"other","ts":1,"tier":999})",
         "tier is out of range"},
        {R"({"event_id":"00000000000000000000000000000001","source":"hook","kind":"other","ts":1,"input_tokens":18446744073709551615})",
         "out of range"},
        {R"({"event_id":"00000000000000000000000000000001","source":"hook","kind":"other","ts":1,"attrs":[1]})",
         "attrs must be an object"},
        {R"({"event_id":"00000000000000000000000000000001","source":"hook","kind":"other"})",
         "ts is missing"},
    };
    for (const Case& c : cases) {
        auto e = event_from_json(c.json);
        ASSERT_FALSE(e.ok()) << c.json;
        EXPECT_NE(e.error().message.find(c.expected), std::string::npos)
            << c.json << " -> " << e.error().message;
    }
}

TEST(EventCodec, JsonIgnoresUnknownFieldsAndAcceptsNulls) {
    auto e = event_from_json(
        R"({"event_id":"00000000000000000000000000000001","source":"hook","kind":"tool_start",)"
        R"("ts":1767225600000000,"future_field":{"x":1},"model":null,"success":null})");
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_EQ(e->kind, EventKind::tool_start);
    EXPECT_EQ(e->model, "");
    EXPECT_FALSE(e->success.has_value());
}

}  // namespace
}  // namespace agent_trace
