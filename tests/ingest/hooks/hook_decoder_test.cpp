#include "ingest/hooks/hook_decoder.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "../../support/hook_captures.hpp"
#include "../../support/test_support.hpp"
#include "ingest/hooks/hook_events.hpp"
#include "pipeline/privacy/hook_reduction.hpp"

namespace agent_trace::hooks {
namespace {

using testing_support::at;
using testing_support::captured_hooks;

HookDecodeOptions options(uint8_t max_tier) {
    HookDecodeOptions o;
    o.max_tier = max_tier;
    o.now = at("2026-11-25T21:00:00Z");
    o.host = "devbox";
    o.user = "alice";
    return o;
}

Event decode_one(std::string_view body, uint8_t max_tier) {
    auto decoded = decode_hook_body(body, options(max_tier));
    EXPECT_TRUE(decoded.ok()) << (decoded.ok() ? "" : decoded.error().message);
    if (!decoded.ok() || decoded->size() != 1) return {};
    auto& event = (*decoded)[0];
    EXPECT_TRUE(event.ok()) << (event.ok() ? "" : event.error().message) << "\n" << body;
    return event.ok() ? std::move(event).value() : Event{};
}

std::string decode_error(std::string_view body) {
    auto decoded = decode_hook_body(body, options(1));
    if (!decoded.ok()) return "outer: " + decoded.error().message;
    if (decoded->size() != 1 || (*decoded)[0].ok()) return "no error";
    return (*decoded)[0].error().message;
}

privacy::JsonDocument parse(const std::string& json) {
    privacy::JsonDocument doc;
    doc.Parse(json.c_str());
    EXPECT_TRUE(!doc.HasParseError() && doc.IsObject()) << json;
    return doc;
}

// A hook-handler envelope around `payload`, reduced to `tier`.
std::string envelope(const std::string& payload, uint8_t tier, const std::string& id_hex,
                     TimestampUs captured) {
    privacy::ReduceOptions reduce;
    reduce.tier = tier;
    std::string json = privacy::reduce_hook_payload(payload, reduce)->json;
    json.pop_back();
    json += R"(,"agent_trace":{"event_id":")" + id_hex + R"(","captured_at_us":)" +
            std::to_string(captured) + R"(,"tier":)" + std::to_string(tier) + "}}";
    return json;
}

TEST(HookDecoder, EveryCapturedPayloadDecodesAtEveryTier) {
    for (const auto& hook : captured_hooks()) {
        const auto payload = parse(hook.payload);
        for (uint8_t tier = 1; tier <= 3; ++tier) {
            const Event e = decode_one(hook.payload, tier);
            ASSERT_TRUE(validate(e).ok()) << hook.scenario << " " << hook.event;
            EXPECT_EQ(e.source, Source::hook);
            EXPECT_EQ(to_string(e.kind), find_hook_event(hook.event)->kind) << hook.event;
            EXPECT_EQ(e.tier, tier);
            EXPECT_EQ(e.ts, options(tier).now);
            EXPECT_EQ(e.ingest_ts, options(tier).now);
            EXPECT_EQ(e.session_id, payload["session_id"].GetString());
            EXPECT_EQ(e.cwd, payload["cwd"].GetString());
            EXPECT_EQ(e.project, "-home-user-agent-trace-e2e-repo");
            EXPECT_EQ(e.host, "devbox");
            EXPECT_EQ(e.user, "alice");
            if (payload.HasMember("tool_use_id")) {
                EXPECT_EQ(e.tool_use_id, payload["tool_use_id"].GetString());
            }
            if (payload.HasMember("prompt_id")) {
                EXPECT_EQ(e.prompt_id, payload["prompt_id"].GetString());
            }
            if (payload.HasMember("agent_id")) {
                EXPECT_EQ(e.agent_id, payload["agent_id"].GetString());
            }
            if (payload.HasMember("tool_name")) {
                EXPECT_EQ(e.tool_name, payload["tool_name"].GetString());
            }
            if (payload.HasMember("duration_ms")) {
                EXPECT_EQ(e.duration_ms, payload["duration_ms"].GetInt64());
            }
            const auto attrs = parse(e.attrs);
            EXPECT_EQ(std::string_view(attrs["hook_event_name"].GetString()), hook.event);
            EXPECT_TRUE(attrs.HasMember("transcript_path"));
            for (const char* promoted : {"session_id", "cwd", "tool_use_id", "prompt_id",
                                         "tool_name", "duration_ms", "agent_id"}) {
                EXPECT_FALSE(attrs.HasMember(promoted)) << promoted;
            }
            EXPECT_EQ(attrs.HasMember("tool_input"), tier >= 2 && payload.HasMember("tool_input"));
            EXPECT_EQ(attrs.HasMember("tool_response"),
                      tier >= 3 && payload.HasMember("tool_response"));
            if (hook.event == "PostToolUse") {
                EXPECT_EQ(e.success, std::optional<bool>(true));
            }
            if (hook.event == "PostToolUseFailure") {
                EXPECT_EQ(e.success, std::optional<bool>(false));
                EXPECT_FALSE(e.error.empty());
                EXPECT_EQ(attrs.HasMember("error"), tier >= 3);
            }
        }
    }
}

TEST(HookDecoder, ARawPayloadSentTwiceIsOneEvent) {
    const std::string payload = captured_hooks().front().payload;
    const Event first = decode_one(payload, 1);
    const Event again = decode_one(payload, 3);
    EXPECT_EQ(first.event_id, again.event_id);
    // Whitespace does not matter; content does.
    const auto doc = parse(payload);
    std::string spaced = payload;
    spaced.insert(1, "  \n ");
    EXPECT_EQ(decode_one(spaced, 1).event_id, first.event_id);
    const Event other = decode_one(captured_hooks()[1].payload, 1);
    EXPECT_NE(other.event_id, first.event_id);
}

TEST(HookDecoder, TheEnvelopeGivesIdTimeAndTier) {
    const std::string payload = [] {
        for (const auto& h : captured_hooks()) {
            if (h.scenario == "tool-failure" && h.event == "PostToolUseFailure") return h.payload;
        }
        return std::string("{}");
    }();
    const std::string id = "0192d6a4c1b27000a1b2c3d4e5f60718";
    const TimestampUs captured = at("2026-11-25T20:43:24.123456Z");

    Event e = decode_one(envelope(payload, 3, id, captured), 3);
    EXPECT_EQ(e.event_id.hex(), id);
    EXPECT_EQ(e.ts, captured);
    EXPECT_EQ(e.ingest_ts, options(3).now);
    EXPECT_EQ(e.tier, 3);
    EXPECT_EQ(e.error, "exit_code:3");
    EXPECT_NE(e.attrs.find("Exit code 3"), std::string::npos);
    EXPECT_EQ(e.attrs.find("agent_trace"), std::string::npos);

    // The server's tier is lower than the client's: reduced further, same id.
    e = decode_one(envelope(payload, 3, id, captured), 1);
    EXPECT_EQ(e.event_id.hex(), id);
    EXPECT_EQ(e.tier, 1);
    EXPECT_EQ(e.error, "exit_code:3");
    EXPECT_EQ(e.attrs.find("Exit code 3"), std::string::npos);
    EXPECT_EQ(e.attrs.find("missing.txt"), std::string::npos);

    // A client at tier 1 stays at tier 1 on a tier-3 server.
    e = decode_one(envelope(payload, 1, id, captured), 3);
    EXPECT_EQ(e.tier, 1);
    EXPECT_EQ(e.error, "exit_code:3");
}

TEST(HookDecoder, BatchesAndTheirElements) {
    const auto hooks = captured_hooks();
    const std::string array = "[" + hooks[0].payload + "," + hooks[1].payload + "," +
                              R"({"hook_event_name":"Stop"})" + "]";
    auto decoded = decode_hook_body(array, options(1));
    ASSERT_TRUE(decoded.ok());
    ASSERT_EQ(decoded->size(), 3u);
    EXPECT_TRUE((*decoded)[0].ok());
    EXPECT_TRUE((*decoded)[1].ok());
    ASSERT_FALSE((*decoded)[2].ok());
    EXPECT_EQ((*decoded)[2].error().message, "session_id is missing");

    auto wrapped = decode_hook_body(R"({"events":[)" + hooks[2].payload + "]}", options(1));
    ASSERT_TRUE(wrapped.ok());
    ASSERT_EQ(wrapped->size(), 1u);
    EXPECT_TRUE((*wrapped)[0].ok());
    // The same payload alone or in a batch is the same event.
    EXPECT_EQ((*wrapped)[0]->event_id, decode_one(hooks[2].payload, 1).event_id);

    auto empty = decode_hook_body("[]", options(1));
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->empty());
}

TEST(HookDecoder, ElementErrorsNameTheField) {
    EXPECT_EQ(decode_error(R"({"session_id":"s"})"), "hook_event_name is missing");
    EXPECT_EQ(decode_error(R"({"session_id":"s","hook_event_name":""})"),
              "hook_event_name is empty");
    EXPECT_EQ(decode_error(R"({"session_id":"s","hook_event_name":7})"),
              "hook_event_name must be a string");
    EXPECT_EQ(decode_error(R"({"session_id":"s","hook_event_name":"Nope"})"),
              "hook_event_name: unknown event \"Nope\"");
    EXPECT_EQ(decode_error(R"({"hook_event_name":"Stop","session_id":""})"), "session_id is empty");
    EXPECT_EQ(decode_error(R"({"hook_event_name":"Stop","session_id":1})"),
              "session_id must be a string");
    EXPECT_EQ(decode_error(R"({"hook_event_name":"Stop","session_id":"s","cwd":[]})"),
              "cwd must be a string");
    EXPECT_EQ(decode_error(R"({"hook_event_name":"Stop","session_id":"s","tool_name":{}})"),
              "tool_name must be a string");
    EXPECT_EQ(decode_error(R"({"hook_event_name":"Stop","session_id":"s","duration_ms":"5"})"),
              "duration_ms must be a non-negative number");
    EXPECT_EQ(decode_error(R"({"hook_event_name":"Stop","session_id":"s","duration_ms":-1})"),
              "duration_ms must be a non-negative number");
    EXPECT_EQ(decode_error(R"({"hook_event_name":"Stop","session_id":"s","agent_trace":[]})"),
              "agent_trace must be an object");
    EXPECT_EQ(
        decode_error(
            R"({"hook_event_name":"Stop","session_id":"s","agent_trace":{"event_id":"xyz"}})"),
        "agent_trace.event_id must be 32 hex digits, not all zero");
    EXPECT_EQ(
        decode_error(R"({"hook_event_name":"Stop","session_id":"s","agent_trace":{"tier":4}})"),
        "agent_trace.tier must be 1, 2 or 3");
    EXPECT_EQ(
        decode_error(
            R"({"hook_event_name":"Stop","session_id":"s","agent_trace":{"captured_at_us":"x"}})"),
        "agent_trace.captured_at_us must be an integer");
    EXPECT_EQ(
        decode_error(
            R"({"hook_event_name":"Stop","session_id":"s","agent_trace":{"captured_at_us":5}})"),
        "agent_trace.captured_at_us: ts is outside 2000..2200");
    EXPECT_EQ(decode_error("[5]"), "an event must be a JSON object");
    EXPECT_NE(
        decode_error(
            R"({"agent_trace":{"invalid_payload_bytes":12,"invalid_reason":"the payload is not JSON"}})")
            .find("invalid_payload_bytes: hook-handler received 12 bytes"),
        std::string::npos);
}

TEST(HookDecoder, OuterErrors) {
    for (const std::string& bad :
         {std::string("not json"), std::string("\"a string\""), std::string("42"),
          std::string("{\"a\":\"\xff\"}"), std::string("{} {}"), std::string("{\"a\":1}\0", 8),
          std::string(""), std::string(R"({"events":5})")}) {
        auto decoded = decode_hook_body(bad, options(1));
        EXPECT_FALSE(decoded.ok()) << bad;
    }
}

TEST(HookDecoder, NullFieldsAreAbsentAndNumbersMayBeFractional) {
    const Event e =
        decode_one(R"({"hook_event_name":"PostToolUse","session_id":"s","cwd":"/home/u/my.proj",)"
                   R"("agent_id":null,"duration_ms":12.0,"tool_name":"Bash"})",
                   1);
    EXPECT_EQ(e.agent_id, "");
    EXPECT_EQ(e.duration_ms, 12);
    EXPECT_EQ(e.project, "-home-u-my-proj");  // no transcript_path: the encoded cwd
}

TEST(HookDecoder, AModelThatIsNotANameStaysInAttrs) {
    Event e = decode_one(
        R"({"hook_event_name":"SessionStart","session_id":"s","model":"claude-opus-5-5"})", 1);
    EXPECT_EQ(e.model, "claude-opus-5-5");
    EXPECT_EQ(e.attrs.find("model"), std::string::npos);
    e = decode_one(
        R"({"hook_event_name":"SessionStart","session_id":"s","model":{"id":"claude-opus-5-5"}})",
        1);
    EXPECT_EQ(e.model, "");
    EXPECT_NE(e.attrs.find(R"("model":{"id":"claude-opus-5-5"})"), std::string::npos) << e.attrs;
}

TEST(HookDecoder, AnOutOfRangeServerTierIsClamped) {
    auto o = options(0);
    auto decoded = decode_hook_body(R"({"hook_event_name":"Stop","session_id":"s"})", o);
    ASSERT_TRUE(decoded.ok());
    ASSERT_TRUE((*decoded)[0].ok());
    EXPECT_EQ((*decoded)[0]->tier, 1);
    o.max_tier = 9;
    decoded = decode_hook_body(R"({"hook_event_name":"Stop","session_id":"s"})", o);
    EXPECT_EQ((*decoded)[0]->tier, 3);
}

TEST(HookDecoder, PromotedFieldsAreRedactedToo) {
    const Event e = decode_one(
        R"({"hook_event_name":"SessionStart","session_id":"s","cwd":"/tmp/AKIAIOSFODNN7EXAMPLE"})",
        1);
    EXPECT_EQ(e.cwd, "/tmp/[REDACTED:aws_access_key]");
}

TEST(HookDecoder, EncodesProjectDirectories) {
    EXPECT_EQ(encode_project_dir("/home/u/my.proj"), "-home-u-my-proj");
    EXPECT_EQ(encode_project_dir("/a b/c_d"), "-a-b-c-d");
    EXPECT_EQ(encode_project_dir(""), "");
}

}  // namespace
}  // namespace agent_trace::hooks
