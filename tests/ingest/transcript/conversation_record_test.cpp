#include "ingest/transcript/conversation_record.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "../../support/test_support.hpp"
#include "ingest/transcript/json_skim.hpp"

namespace agent_trace::transcript {
namespace {

using testing_support::at;

struct Decoded {
    ConversationResult result;
    ConversationRecord record;
};

Decoded decode(std::string_view line) {
    std::string padded(line);
    padded.append(kSkimPadding, '"');
    Decoded d;
    d.result = decode_conversation_line(padded.data(), line.size(), d.record);
    return d;
}

constexpr const char* kEnvelope =
    R"("parentUuid":"p1","isSidechain":false,"userType":"external","cwd":"/home/dev/app",)"
    R"("sessionId":"s1","version":"2.1.332","gitBranch":"main","uuid":"u1",)"
    R"("timestamp":"2026-03-02T10:00:00.000Z")";

std::string user_line(const std::string& members) {
    return std::string("{") + kEnvelope + R"(,"type":"user",)" + members + "}";
}

TEST(DecodeConversationLine, TypedPromptWithPromptId) {
    const Decoded d = decode(
        user_line(R"("promptId":"pr1","message":{"role":"user","content":"caf\u00e9 \"ok\""})"));
    ASSERT_EQ(d.result.outcome, ConversationOutcome::user) << d.result.detail;
    const ConversationRecord& r = d.record;
    EXPECT_EQ(r.session_id, "s1");
    EXPECT_EQ(r.uuid, "u1");
    EXPECT_EQ(r.parent_uuid, "p1");
    EXPECT_EQ(r.prompt_id, "pr1");
    EXPECT_EQ(r.cwd, "/home/dev/app");
    EXPECT_EQ(r.git_branch, "main");
    EXPECT_EQ(r.version, "2.1.332");
    EXPECT_EQ(r.ts, at("2026-03-02T10:00:00Z"));
    EXPECT_EQ(r.text_parts, 1u);
    EXPECT_EQ(r.text_length, 9u);  // café "ok"
    EXPECT_EQ(r.result_count, 0u);
    EXPECT_TRUE(is_user_prompt(r));
}

TEST(DecodeConversationLine, WhatIsNotAPrompt) {
    const auto prompt = [](const std::string& members) {
        const Decoded d = decode(user_line(members));
        EXPECT_EQ(d.result.outcome, ConversationOutcome::user) << d.result.detail;
        return is_user_prompt(d.record);
    };
    EXPECT_TRUE(prompt(R"("message":{"content":"no promptId: an older build"})"));
    EXPECT_TRUE(prompt(R"("message":{"content":[{"type":"text","text":"a"},{"type":"image"}]})"));
    EXPECT_FALSE(prompt(R"("isMeta":true,"message":{"content":"<system-reminder>"})"));
    EXPECT_FALSE(prompt(R"("isCompactSummary":true,"message":{"content":"Summary: ..."})"));
    EXPECT_FALSE(prompt(R"("agentId":"a1","message":{"content":"the subagent's task"})"));
    EXPECT_FALSE(prompt(R"("isSidechain":true,"message":{"content":"btw?"})"));
    EXPECT_FALSE(prompt(R"("message":{"content":"[Request interrupted by user]"})"));
    EXPECT_FALSE(
        prompt(R"("message":{"content":"<local-command-stdout>ok</local-command-stdout>"})"));
    EXPECT_FALSE(prompt(R"("message":{"content":[{"type":"image"}]})"));
    EXPECT_FALSE(prompt(R"("message":{"content":[]})"));
    EXPECT_FALSE(prompt(R"("message":{"role":"user"})"));
    EXPECT_FALSE(prompt(R"("message":{"content":[{"type":"text","text":"x"},)"
                        R"({"type":"tool_result","tool_use_id":"t1","content":"ok"}]})"));
}

TEST(DecodeConversationLine, ToolResultsAndTheirStructuredOutput) {
    const Decoded ok = decode(user_line(
        R"("promptId":"pr1","message":{"role":"user","content":[{"tool_use_id":"toolu_1",)"
        R"("type":"tool_result","content":[{"type":"text","text":"done"}],"is_error":false}]},)"
        R"("toolUseResult":{"status":"completed","agentId":"a667","content":[{"type":"text"}],)"
        R"("totalDurationMs":660,"usage":{"input_tokens":5}})"));
    ASSERT_EQ(ok.result.outcome, ConversationOutcome::user) << ok.result.detail;
    ASSERT_EQ(ok.record.result_count, 1u);
    EXPECT_EQ(ok.record.results[0].tool_use_id, "toolu_1");
    EXPECT_FALSE(ok.record.results[0].is_error);
    EXPECT_EQ(ok.record.results[0].error_class, "");
    EXPECT_EQ(ok.record.spawned_agent_id, "a667");
    EXPECT_EQ(ok.record.duration_ms, 660);
    EXPECT_FALSE(is_user_prompt(ok.record));

    // Content before is_error (2.1.332's order), as a string; toolUseResult a string.
    const Decoded failed = decode(user_line(
        R"("message":{"content":[{"type":"tool_result","content":"Exit code 3\ncat: x: No such)"
        R"( file","is_error":true,"tool_use_id":"toolu_2"},{"type":"tool_result",)"
        R"("tool_use_id":"toolu_3","is_error":true,"content":[{"type":"image"},)"
        R"({"type":"text","text":"<tool_use_error>File does not exist.</tool_use_error>"}]}]},)"
        R"("toolUseResult":"Error: Exit code 3")"));
    ASSERT_EQ(failed.result.outcome, ConversationOutcome::user) << failed.result.detail;
    ASSERT_EQ(failed.record.result_count, 2u);
    EXPECT_EQ(failed.record.results[0].tool_use_id, "toolu_2");
    EXPECT_TRUE(failed.record.results[0].is_error);
    EXPECT_EQ(failed.record.results[0].error_class, "exit_code:3");
    EXPECT_EQ(failed.record.results[1].tool_use_id, "toolu_3");
    EXPECT_EQ(failed.record.results[1].error_class, "tool_use_error");
    EXPECT_EQ(failed.record.spawned_agent_id, "");
    EXPECT_FALSE(failed.record.duration_ms.has_value());

    const Decoded plain = decode(user_line(
        R"("message":{"content":[{"type":"tool_result","tool_use_id":"t","content":"x"}]},)"
        R"("toolUseResult":{"durationMs":12.4})"));
    EXPECT_EQ(plain.record.duration_ms, 12);
}

TEST(DecodeConversationLine, KeyOrderDoesNotMatter) {
    const Decoded d = decode(
        R"({"message":{"content":[{"is_error":true,"tool_use_id":"t9","type":"tool_result"}]},)"
        R"("timestamp":"2026-03-02T10:00:00Z","uuid":"u","sessionId":"s","type":"user"})");
    ASSERT_EQ(d.result.outcome, ConversationOutcome::user) << d.result.detail;
    ASSERT_EQ(d.record.result_count, 1u);
    EXPECT_EQ(d.record.results[0].tool_use_id, "t9");
    EXPECT_TRUE(d.record.results[0].is_error);
    EXPECT_EQ(d.record.results[0].error_class, "error");
}

TEST(DecodeConversationLine, CompactBoundary) {
    const Decoded d =
        decode(R"({"parentUuid":null,"logicalParentUuid":"l1","isSidechain":false,"type":"system",)"
               R"("subtype":"compact_boundary","content":"Conversation compacted","isMeta":false,)"
               R"("timestamp":"2026-03-02T11:00:00.000Z","uuid":"c1","level":"info",)"
               R"("compactMetadata":{"trigger":"auto","preTokens":187654},"sessionId":"s1"})");
    ASSERT_EQ(d.result.outcome, ConversationOutcome::system) << d.result.detail;
    EXPECT_EQ(d.record.subtype, "compact_boundary");
    EXPECT_EQ(d.record.parent_uuid, "");
    EXPECT_EQ(d.record.logical_parent_uuid, "l1");
    EXPECT_EQ(d.record.compact_trigger, "auto");
    EXPECT_EQ(d.record.pre_tokens, 187654);
    EXPECT_EQ(d.record.ts, at("2026-03-02T11:00:00Z"));
}

TEST(DecodeConversationLine, ApiError) {
    const Decoded d = decode(
        R"({"parentUuid":"p","isSidechain":false,"type":"system","subtype":"api_error",)"
        R"("level":"error","error":{"message":"529 {\"type\":\"error\"}","status":529,)"
        R"("requestId":"req_1","formatted":"529 Overloaded","connection":null},"retryInMs":603,)"
        R"("retryAttempt":1,"maxRetries":10,"timestamp":"2026-03-02T11:00:00Z","uuid":"e1",)"
        R"("sessionId":"s1"})");
    ASSERT_EQ(d.result.outcome, ConversationOutcome::system) << d.result.detail;
    EXPECT_EQ(d.record.subtype, "api_error");
    EXPECT_EQ(d.record.status_code, 529);
    EXPECT_EQ(d.record.error_request_id, "req_1");
    EXPECT_EQ(d.record.retry_attempt, 1);
    EXPECT_EQ(d.record.max_retries, 10);

    const Decoded text = decode(R"({"type":"system","subtype":"api_error","error":{"status":)"
                                R"("overloaded"},"uuid":"e2","timestamp":"2026-03-02T11:00:00Z"})");
    EXPECT_FALSE(text.record.status_code.has_value());
    EXPECT_EQ(text.record.status_text, "overloaded");
}

TEST(DecodeConversationLine, OtherTypesAndMalformedLines) {
    EXPECT_EQ(decode(R"({"type":"assistant","message":{}})").result.outcome,
              ConversationOutcome::assistant);
    EXPECT_EQ(decode(R"({"type":"attachment","renderedRole":"user"})").result.outcome,
              ConversationOutcome::other);
    EXPECT_EQ(decode(R"({"renderedRole":"user"})").result.outcome, ConversationOutcome::other);
    for (const char* bad : {
             R"({"type":"user","message":{"content":"torn)",
             R"({"type":"user","message":{"content":[{"type":"tool_result"}})",
             R"({"type":"user"} trailing})",
             R"(["type","user"])",
             R"({"type":"user","cwd":"bad \x escape"})",
             "{\"type\":\"user\",\"cwd\":\"\xff\xfe\"}",
         }) {
        const Decoded d = decode(bad);
        EXPECT_EQ(d.result.outcome, ConversationOutcome::malformed) << bad;
        EXPECT_FALSE(d.result.detail.empty()) << bad;
    }
}

TEST(DecodeConversationLine, MembersOfAnotherTypeCountAsAbsent) {
    const Decoded d =
        decode(R"({"type":"user","promptId":7,"isMeta":"yes","uuid":null,"timestamp":5,)"
               R"("message":{"content":[{"type":"tool_result","tool_use_id":["x"],"is_error":1}]},)"
               R"("toolUseResult":{"agentId":1,"totalDurationMs":"5"}})");
    ASSERT_EQ(d.result.outcome, ConversationOutcome::user) << d.result.detail;
    EXPECT_EQ(d.record.prompt_id, "");
    EXPECT_FALSE(d.record.is_meta);
    EXPECT_EQ(d.record.uuid, "");
    EXPECT_EQ(d.record.ts, 0);
    ASSERT_EQ(d.record.result_count, 1u);
    EXPECT_EQ(d.record.results[0].tool_use_id, "");
    EXPECT_FALSE(d.record.results[0].is_error);
    EXPECT_EQ(d.record.spawned_agent_id, "");
    EXPECT_FALSE(d.record.duration_ms.has_value());
}

TEST(DecodeConversationLine, RecordIsResetBetweenLines) {
    ConversationRecord record;
    std::string first =
        user_line(R"("promptId":"pr","agentId":"a","message":{"content":[{"type":"tool_result",)"
                  R"("tool_use_id":"t","is_error":true,"content":"Exit code 1"}]},)"
                  R"("toolUseResult":{"agentId":"x","durationMs":3})");
    first.append(kSkimPadding, ' ');
    ASSERT_EQ(decode_conversation_line(first.data(), first.size() - kSkimPadding, record).outcome,
              ConversationOutcome::user);
    std::string second = R"({"type":"system","subtype":"informational","timestamp":"x"})";
    second.append(kSkimPadding, ' ');
    ASSERT_EQ(decode_conversation_line(second.data(), second.size() - kSkimPadding, record).outcome,
              ConversationOutcome::system);
    EXPECT_EQ(record.session_id, "");
    EXPECT_EQ(record.prompt_id, "");
    EXPECT_EQ(record.agent_id, "");
    EXPECT_EQ(record.result_count, 0u);
    EXPECT_EQ(record.spawned_agent_id, "");
    EXPECT_FALSE(record.duration_ms.has_value());
    EXPECT_EQ(record.ts, 0);
    EXPECT_EQ(record.subtype, "informational");
}

}  // namespace
}  // namespace agent_trace::transcript
