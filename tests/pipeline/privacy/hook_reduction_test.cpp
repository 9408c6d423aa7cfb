#include "pipeline/privacy/hook_reduction.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "../../support/hook_captures.hpp"

namespace agent_trace::privacy {
namespace {

using testing_support::captured_hooks;

ReducedPayload reduce(const std::string& json, uint8_t tier) {
    ReduceOptions options;
    options.tier = tier;
    auto reduced = reduce_hook_payload(json, options);
    EXPECT_TRUE(reduced.ok()) << (reduced.ok() ? "" : reduced.error().message) << "\n" << json;
    return reduced.ok() ? std::move(reduced).value() : ReducedPayload{};
}

JsonDocument parse(const std::string& json) {
    JsonDocument doc;
    doc.Parse(json.c_str());
    EXPECT_FALSE(doc.HasParseError()) << json;
    EXPECT_TRUE(doc.IsObject()) << json;
    return doc;
}

// Every string (and member name) in a JSON value, unescaped.
void collect_strings(const JsonValue& v, std::vector<std::string>& out) {
    if (v.IsString()) out.emplace_back(view_of(v));
    if (v.IsObject()) {
        for (const auto& m : v.GetObject()) {
            out.emplace_back(view_of(m.name));
            collect_strings(m.value, out);
        }
    }
    if (v.IsArray()) {
        for (const auto& e : v.GetArray()) collect_strings(e, out);
    }
}

// Strings of the payload that are content, not metadata: everything under the fields
// above tier 1 that reads like text (a space, a newline or a slash in it).
std::vector<std::string> content_strings(const JsonValue& payload) {
    std::vector<std::string> all;
    for (const char* key : {"prompt", "tool_input", "tool_response", "last_assistant_message",
                            "delta", "compact_summary", "message"}) {
        if (payload.HasMember(key)) collect_strings(payload[key], all);
    }
    if (payload.HasMember("error") &&
        std::string_view(payload["hook_event_name"].GetString()) != "StopFailure") {
        collect_strings(payload["error"], all);
    }
    if (payload.HasMember("tool_calls")) {
        for (const auto& call : payload["tool_calls"].GetArray()) {
            for (const char* key : {"tool_input", "tool_response"}) {
                if (call.HasMember(key)) collect_strings(call[key], all);
            }
        }
    }
    for (const char* key : {"background_tasks"}) {
        if (!payload.HasMember(key)) continue;
        for (const auto& task : payload[key].GetArray()) {
            if (task.HasMember("description")) collect_strings(task["description"], all);
        }
    }
    std::vector<std::string> content;
    for (auto& s : all) {
        if (s.find_first_of(" \n/") != std::string::npos) content.push_back(std::move(s));
    }
    return content;
}

TEST(HookReduction, TierOneKeepsNoContentOfAnyCapture) {
    size_t checked = 0;
    for (const auto& hook : captured_hooks()) {
        const JsonDocument original = parse(hook.payload);
        const ReducedPayload reduced = reduce(hook.payload, 1);
        EXPECT_EQ(reduced.tier, 1);
        const JsonDocument out = parse(reduced.json);
        std::vector<std::string> kept;
        collect_strings(out, kept);
        for (const std::string& content : content_strings(original)) {
            for (const std::string& s : kept) {
                ASSERT_EQ(s.find(content), std::string::npos)
                    << hook.scenario << " " << hook.event << ": content \"" << content
                    << "\" kept at tier 1 in " << reduced.json;
            }
            ++checked;
        }
        for (const char* gone : {"prompt", "tool_input", "tool_response", "last_assistant_message",
                                 "delta", "error"}) {
            EXPECT_FALSE(out.HasMember(gone)) << hook.scenario << " " << hook.event << " " << gone;
        }
    }
    EXPECT_GT(checked, 100u);
}

TEST(HookReduction, EveryTierKeepsIdsAndTimings) {
    for (const auto& hook : captured_hooks()) {
        const JsonDocument original = parse(hook.payload);
        for (uint8_t tier = 1; tier <= 3; ++tier) {
            const ReducedPayload reduced = reduce(hook.payload, tier);
            EXPECT_EQ(reduced.tier, tier);
            const JsonDocument out = parse(reduced.json);
            for (const char* key : {"session_id", "transcript_path", "cwd", "hook_event_name",
                                    "prompt_id", "tool_use_id", "tool_name", "agent_id",
                                    "agent_type", "permission_mode", "source", "reason", "turn_id",
                                    "message_id", "agent_transcript_path", "file_path", "event"}) {
                if (!original.HasMember(key)) continue;
                ASSERT_TRUE(out.HasMember(key))
                    << hook.event << " tier " << int(tier) << " " << key;
                EXPECT_EQ(view_of(out[key]), view_of(original[key])) << key;
            }
            for (const char* key :
                 {"duration_ms", "index", "final", "stop_hook_active", "is_interrupt",
                  "context_tokens", "estimated_cache_write_usd"}) {
                if (!original.HasMember(key)) continue;
                ASSERT_TRUE(out.HasMember(key)) << hook.event << " " << key;
                EXPECT_TRUE(out[key] == original[key]) << hook.event << " " << key;
            }
        }
    }
}

TEST(HookReduction, TierTwoAddsParametersTierThreeAddsContent) {
    for (const auto& hook : captured_hooks()) {
        const JsonDocument original = parse(hook.payload);
        const JsonDocument two = parse(reduce(hook.payload, 2).json);
        const JsonDocument three = parse(reduce(hook.payload, 3).json);
        for (const char* key : {"tool_input", "prompt"}) {
            if (!original.HasMember(key)) continue;
            ASSERT_TRUE(two.HasMember(key)) << hook.event << " " << key;
            EXPECT_TRUE(two[key] == original[key]) << hook.event << " " << key;
        }
        for (const char* key : {"tool_response", "last_assistant_message", "delta"}) {
            EXPECT_FALSE(two.HasMember(key)) << hook.event << " " << key;
        }
        // Tier 3 drops nothing (the captures hold no secrets to redact).
        for (const auto& m : original.GetObject()) {
            ASSERT_TRUE(three.HasMember(m.name)) << hook.event << " " << view_of(m.name);
            if (view_of(m.name) == "tool_calls") continue;  // each call gains its sizes
            EXPECT_TRUE(three[m.name] == m.value) << hook.event << " " << view_of(m.name);
        }
    }
}

TEST(HookReduction, DerivesMetadataFromContent) {
    bool saw_edit = false;
    bool saw_write = false;
    bool saw_exit = false;
    bool saw_missing = false;
    bool saw_prompt = false;
    for (const auto& hook : captured_hooks()) {
        const JsonDocument original = parse(hook.payload);
        const JsonDocument out = parse(reduce(hook.payload, 1).json);
        const std::string_view tool =
            original.HasMember("tool_name") ? view_of(original["tool_name"]) : "";
        if (hook.event == "PostToolUse" && tool == "Edit") {
            saw_edit = true;
            EXPECT_EQ(out["lines_added"].GetUint64(), 1u);
            EXPECT_EQ(out["lines_removed"].GetUint64(), 1u);
        }
        if (hook.event == "PostToolUse" && tool == "Write") {
            saw_write = true;  // a new one-line file: an empty patch, the content counted
            EXPECT_EQ(out["lines_added"].GetUint64(), 1u);
            EXPECT_EQ(out["lines_removed"].GetUint64(), 0u);
            EXPECT_EQ(view_of(out["tool_response_meta"]["type"]), "create");
        }
        if (hook.event == "PostToolUseFailure" && tool == "Bash") {
            saw_exit = true;
            EXPECT_EQ(view_of(out["error_class"]), "exit_code:3");
            EXPECT_GT(out["error_bytes"].GetUint64(), 10u);
        }
        if (hook.event == "PostToolUseFailure" && tool == "Read") {
            saw_missing = true;
            EXPECT_EQ(view_of(out["error_class"]), "file_not_found");
        }
        if (original.HasMember("tool_input")) {
            EXPECT_GT(out["tool_input_bytes"].GetUint64(), 10u) << hook.event;
        }
        if (hook.event == "UserPromptSubmit") {
            saw_prompt = true;
            EXPECT_EQ(out["prompt_length"].GetUint64(), original["prompt"].GetStringLength());
        }
        if (hook.event == "PostToolBatch") {
            for (const auto& call : out["tool_calls"].GetArray()) {
                std::set<std::string> keys;
                for (const auto& m : call.GetObject()) keys.emplace(view_of(m.name));
                EXPECT_EQ(keys, (std::set<std::string>{"tool_name", "tool_use_id",
                                                       "tool_input_bytes", "tool_response_bytes"}));
            }
        }
    }
    EXPECT_TRUE(saw_edit && saw_write && saw_exit && saw_missing && saw_prompt);
}

TEST(HookReduction, ToolInputBytesIsTheCompactJsonSize) {
    const std::string payload =
        R"({"hook_event_name":"PreToolUse","session_id":"s","tool_name":"Bash",)"
        R"("tool_input":{"command":"echo \"hi\"\n","timeout":1.5,"n":-3,"ok":true,"x":null}})";
    const JsonDocument out = parse(reduce(payload, 1).json);
    const std::string compact =
        R"({"command":"echo \"hi\"\n","timeout":1.5,"n":-3,"ok":true,"x":null})";
    EXPECT_EQ(out["tool_input_bytes"].GetUint64(), compact.size());
}

TEST(HookReduction, ReducingAgainChangesNothing) {
    for (const auto& hook : captured_hooks()) {
        const std::string once = reduce(hook.payload, 1).json;
        EXPECT_EQ(reduce(once, 1).json, once) << hook.event;
        // Tier 3 reduced to tier 1 later (the server's tier below the client's) is the
        // same as tier 1 at once.
        EXPECT_EQ(reduce(reduce(hook.payload, 3).json, 1).json, once) << hook.event;
        EXPECT_EQ(reduce(reduce(hook.payload, 2).json, 1).json, once) << hook.event;
    }
}

TEST(HookReduction, UnknownFieldsStayOnlyWhenTheyLookLikeMetadata) {
    const std::string payload =
        R"({"hook_event_name":"PreModelSwitch","session_id":"s",)"
        R"("future_count":5,"future_ratio":0.25,"future_flag":true,)"
        R"("future_none":null,"future_id":"req_01ABC-x.y","future_kind":"end_turn",)"
        R"("future_text":"hello world","future_command":"ls",)"
        R"("future_path":"/etc/passwd","future_long":")" +
        std::string(200, 'a') +
        R"(","nested":{"a":"b c","id":"x1","n":2,"user_prompt":"go"},)"
        R"("list":["tok",{"status":"ok","body":"zz"},"two words"]})";
    for (uint8_t tier : {1, 2}) {
        const ReducedPayload reduced = reduce(payload, tier);
        const JsonDocument out = parse(reduced.json);
        EXPECT_EQ(out["future_count"].GetInt(), 5);
        EXPECT_EQ(out["future_ratio"].GetDouble(), 0.25);
        EXPECT_TRUE(out["future_flag"].GetBool());
        EXPECT_TRUE(out["future_none"].IsNull());
        EXPECT_EQ(view_of(out["future_id"]), "req_01ABC-x.y");
        EXPECT_EQ(view_of(out["future_kind"]), "end_turn");
        for (const char* gone : {"future_text", "future_command", "future_path", "future_long"}) {
            EXPECT_FALSE(out.HasMember(gone)) << gone;
        }
        EXPECT_EQ(reduced.json.find("hello world"), std::string::npos);
        const auto& nested = out["nested"];
        EXPECT_FALSE(nested.HasMember("a"));
        EXPECT_FALSE(nested.HasMember("user_prompt"));
        EXPECT_EQ(view_of(nested["id"]), "x1");
        EXPECT_EQ(nested["n"].GetInt(), 2);
        ASSERT_EQ(out["list"].Size(), 2u);
        EXPECT_EQ(view_of(out["list"][0]), "tok");
        EXPECT_EQ(view_of(out["list"][1]["status"]), "ok");
        EXPECT_FALSE(out["list"][1].HasMember("body"));
        EXPECT_GT(reduced.dropped_fields, 6u);
    }
    const JsonDocument three = parse(reduce(payload, 3).json);
    EXPECT_EQ(view_of(three["future_text"]), "hello world");
    EXPECT_EQ(view_of(three["nested"]["a"]), "b c");
}

TEST(HookReduction, StopFailureErrorIsAClass) {
    const std::string payload =
        R"({"hook_event_name":"StopFailure","session_id":"s","error":"rate_limit",)"
        R"("error_details":"429 Too Many Requests: slow down","last_assistant_message":"partial"})";
    const JsonDocument out = parse(reduce(payload, 1).json);
    EXPECT_EQ(view_of(out["error"]), "rate_limit");
    EXPECT_EQ(view_of(out["error_class"]), "rate_limit");
    EXPECT_FALSE(out.HasMember("error_details"));
    EXPECT_FALSE(out.HasMember("last_assistant_message"));
}

TEST(HookReduction, RedactsKeptStrings) {
    const std::string payload =
        R"({"hook_event_name":"PreToolUse","session_id":"s","tool_name":"Bash",)"
        R"("cwd":"/home/u/AKIAIOSFODNN7EXAMPLE","tool_input":{"command":)"
        R"("curl -H 'Authorization: Bearer abcdef0123456789xyz' https://u:pw12345@h/x",)"
        R"("ghp_abcdefghijklmnopqrstuvwxyz0123456789":1}})";
    const ReducedPayload one = reduce(payload, 1);
    EXPECT_EQ(one.redactions.total(), 1u);
    EXPECT_NE(one.json.find(R"("cwd":"/home/u/[REDACTED:aws_access_key]")"), std::string::npos);

    const ReducedPayload two = reduce(payload, 2);
    EXPECT_EQ(two.redactions.total(), 4u);
    EXPECT_EQ(two.redactions.of(SecretKind::bearer_token), 1u);
    EXPECT_EQ(two.redactions.of(SecretKind::url_password), 1u);
    EXPECT_EQ(two.redactions.of(SecretKind::github_token), 1u);  // in a member name
    for (const char* secret : {"AKIAIOSFODNN7EXAMPLE", "abcdef0123456789xyz", "pw12345", "ghp_"}) {
        EXPECT_EQ(two.json.find(secret), std::string::npos) << secret;
    }
}

TEST(HookReduction, OmitsRequestedKeysAndClampsTheTier) {
    static constexpr std::string_view kOmit[] = {"session_id", "agent_trace"};
    ReduceOptions options;
    options.tier = 9;
    options.omit_keys = kOmit;
    auto reduced = reduce_hook_payload(
        R"({"hook_event_name":"Stop","session_id":"s","agent_trace":{"tier":3}})", options);
    ASSERT_TRUE(reduced.ok());
    EXPECT_EQ(reduced->tier, 3);
    EXPECT_EQ(reduced->json, R"({"hook_event_name":"Stop"})");
    options.tier = 0;
    EXPECT_EQ(reduce_hook_payload("{}", options)->tier, 1);
}

TEST(HookReduction, RefusesWhatIsNotAPayload) {
    const ReduceOptions options;
    for (const std::string& bad : {std::string("not json"), std::string("[1,2]"),
                                   std::string("\"text\""), std::string("{\"a\":1} trailing"),
                                   std::string("{\"a\":\"\xff\"}"), std::string("{\"a\":1}\0{", 9),
                                   std::string(""), std::string(100, '[') + std::string(100, ']'),
                                   "{\"a\":" + std::string(70, '[') + std::string(70, ']') + "}"}) {
        auto reduced = reduce_hook_payload(bad, options);
        EXPECT_FALSE(reduced.ok()) << bad;
    }
    // Hostile nesting is refused without exhausting the stack.
    const std::string deep =
        "{\"a\":" + std::string(1'000'000, '[') + std::string(1'000'000, ']') + "}";
    EXPECT_FALSE(reduce_hook_payload(deep, options).ok());
}

TEST(HookReduction, HugeWritePayloadAtTierOne) {
    std::string content;
    uint64_t lines = 0;
    for (; content.size() < 5'000'000; ++lines) content += "line " + std::to_string(lines) + "\\n";
    const std::string payload =
        R"({"hook_event_name":"PostToolUse","session_id":"s","tool_name":"Write","tool_input":)"
        R"({"file_path":"/r/big.txt","content":")" +
        content + R"("},"tool_response":{"type":"create","filePath":"/r/big.txt","content":")" +
        content + R"(","structuredPatch":[]},"tool_use_id":"t","duration_ms":9})";
    const ReducedPayload reduced = reduce(payload, 1);
    EXPECT_LT(reduced.json.size(), 1000u);
    const JsonDocument out = parse(reduced.json);
    EXPECT_GT(out["tool_input_bytes"].GetUint64(), 5'000'000u);
    EXPECT_EQ(out["lines_added"].GetUint64(), lines);
}

TEST(HookReduction, ToolErrorClasses) {
    EXPECT_EQ(tool_error_class("Exit code 3\ncat: x", false), "exit_code:3");
    EXPECT_EQ(tool_error_class("Exit code 127", false), "exit_code:127");
    EXPECT_EQ(tool_error_class("Exit code ", false), "error");
    EXPECT_EQ(tool_error_class("anything", true), "interrupted");
    EXPECT_EQ(tool_error_class("<tool_use_error>File has not been read", false), "tool_use_error");
    EXPECT_EQ(tool_error_class("File does not exist.", false), "file_not_found");
    EXPECT_EQ(tool_error_class("bash: /x: Permission denied", false), "permission_denied");
    EXPECT_EQ(tool_error_class("Command timed out after 2m", false), "timeout");
    EXPECT_EQ(tool_error_class("", false), "error");
}

}  // namespace
}  // namespace agent_trace::privacy
