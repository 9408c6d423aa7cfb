#include "ingest/transcript/assistant_record.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>

#include "../../support/test_support.hpp"

namespace agent_trace::transcript {
namespace {

namespace fs = std::filesystem;

const fs::path kCaptures = fs::path(AGENT_TRACE_SOURCE_DIR) / "tests/fixtures/captures";

// The session file (not a subagent file) of a captured scenario.
fs::path main_transcript(const std::string& scenario) {
    for (const auto& project : fs::directory_iterator(kCaptures / scenario / "transcripts")) {
        for (const auto& entry : fs::directory_iterator(project.path())) {
            if (entry.is_regular_file() && entry.path().extension() == ".jsonl") {
                return entry.path();
            }
        }
    }
    ADD_FAILURE() << "no transcript in " << scenario;
    return {};
}

fs::path subagent_transcript(const std::string& scenario) {
    for (const auto& entry :
         fs::recursive_directory_iterator(kCaptures / scenario / "transcripts")) {
        if (entry.is_regular_file() && entry.path().extension() == ".jsonl" &&
            entry.path().parent_path().filename() == "subagents") {
            return entry.path();
        }
    }
    ADD_FAILURE() << "no subagent transcript in " << scenario;
    return {};
}

// First line of `path` containing every one of `needles`.
std::string line_with(const fs::path& path, std::initializer_list<std::string_view> needles) {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
        bool all = true;
        for (std::string_view n : needles) all = all && line.find(n) != std::string::npos;
        if (all) return line;
    }
    ADD_FAILURE() << "no matching line in " << path;
    return {};
}

struct Decoded {
    LineResult result;
    AssistantRecord record;
};

// Decodes from a padded copy, as the reader provides: SIMDJSON_PADDING readable bytes follow.
Decoded decode(simdjson::dom::parser& parser, const std::string& line) {
    const simdjson::padded_string padded(line);
    Decoded d;
    d.result = decode_assistant_line(parser, padded.data(), padded.size(),
                                     padded.size() + simdjson::SIMDJSON_PADDING, d.record);
    return d;
}

Decoded decode(const std::string& line) {
    simdjson::dom::parser parser;
    return decode(parser, line);
}

using testing_support::at;

// A 1.0.x-style line: no cache_creation breakdown, no cwd/gitBranch.
const std::string kV1Line =
    R"({"parentUuid":"p-1","isSidechain":false,"userType":"external","sessionId":"s-1",)"
    R"("version":"1.0.88","message":{"id":"msg_v1","type":"message","role":"assistant",)"
    R"("model":"claude-sonnet-4-20250514","content":[{"type":"text","text":"hi"}],)"
    R"("stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,)"
    R"("cache_creation_input_tokens":500,"cache_read_input_tokens":7000,"output_tokens":33,)"
    R"("service_tier":"standard"}},"requestId":"req_v1","type":"assistant","uuid":"u-1",)"
    R"("timestamp":"2025-08-01T10:00:00.000Z"})";

TEST(DecodeAssistantLine, CapturedMainLine) {
    const std::string line =
        line_with(main_transcript("basic"), {R"("type":"assistant")", R"("msg_basic_0001")"});
    const Decoded d = decode(line);
    ASSERT_EQ(d.result.outcome, LineOutcome::assistant) << d.result.detail;
    const AssistantRecord& r = d.record;
    EXPECT_EQ(r.message_id, "msg_basic_0001");
    EXPECT_EQ(r.request_id, "req_fake_basic_0001");
    EXPECT_EQ(r.uuid, "81b096bb-8260-4632-aa00-15890b58c08e");
    EXPECT_EQ(r.parent_uuid, "e2e20bd9-24cb-4e22-a3b8-04f77af6b494");
    EXPECT_EQ(r.session_id, "90eb1b36-d9c1-4907-8f64-8aa363e92f2f");
    EXPECT_EQ(r.agent_id, "");
    EXPECT_EQ(r.model, "claude-sonnet-4-5-20250929");
    EXPECT_EQ(r.cwd, "/home/user/agent-trace-e2e/repo");
    EXPECT_EQ(r.git_branch, "main");
    EXPECT_EQ(r.version, "2.1.332");
    EXPECT_EQ(r.speed, "standard");
    EXPECT_EQ(r.inference_geo, "");
    EXPECT_EQ(r.ts, at("2026-11-25T20:42:57.397Z"));
    EXPECT_EQ(r.tokens.input, 1200);
    EXPECT_EQ(r.tokens.output, 45);
    EXPECT_EQ(r.tokens.cache_write_5m, 9000);
    EXPECT_EQ(r.tokens.cache_write_1h, 0);
    EXPECT_EQ(r.tokens.cache_read, 0);
    EXPECT_EQ(r.web_search_requests, 0);
    EXPECT_FALSE(r.is_sidechain);
    EXPECT_TRUE(r.has_usage);
}

TEST(DecodeAssistantLine, CapturedLineWith5mAnd1hSplit) {
    const std::string line =
        line_with(main_transcript("two-models"),
                  {R"("type":"assistant")", R"("ephemeral_1h_input_tokens":4000)"});
    const Decoded d = decode(line);
    ASSERT_EQ(d.result.outcome, LineOutcome::assistant) << d.result.detail;
    EXPECT_EQ(d.record.message_id, "msg_two_models_0001");
    EXPECT_EQ(d.record.tokens.input, 1400);
    EXPECT_EQ(d.record.tokens.output, 70);
    EXPECT_EQ(d.record.tokens.cache_write_1h, 4000);
    EXPECT_EQ(d.record.tokens.cache_write_5m, 5800);
    EXPECT_EQ(d.record.tokens.cache_write_1h + d.record.tokens.cache_write_5m, 9800);
}

TEST(DecodeAssistantLine, CapturedSubagentLine) {
    const std::string line = line_with(subagent_transcript("subagent"),
                                       {R"("type":"assistant")", R"("msg_subagent_0002")"});
    const Decoded d = decode(line);
    ASSERT_EQ(d.result.outcome, LineOutcome::assistant) << d.result.detail;
    EXPECT_EQ(d.record.agent_id, "a667bcb3871ba1ad8");
    EXPECT_TRUE(d.record.is_sidechain);
    EXPECT_EQ(d.record.session_id, "a250a2fb-4004-47c9-9810-5d6d31d5c610");
    EXPECT_EQ(d.record.tokens.input, 900);
    EXPECT_EQ(d.record.tokens.output, 40);
    EXPECT_EQ(d.record.tokens.cache_write_5m, 6000);
}

TEST(DecodeAssistantLine, CapturedUserLinesAreNotAssistant) {
    const fs::path path = main_transcript("subagent");
    const Decoded prompt = decode(line_with(path, {R"("type":"user")"}));
    EXPECT_EQ(prompt.result.outcome, LineOutcome::not_assistant);
    // A Task tool result carries its own "usage" object: still not a response.
    const Decoded task =
        decode(line_with(path, {R"("type":"user")", "toolUseResult", R"("usage")"}));
    EXPECT_EQ(task.result.outcome, LineOutcome::not_assistant);
}

TEST(DecodeAssistantLine, Version1LineWithoutBreakdownIsAll5m) {
    const Decoded d = decode(kV1Line);
    ASSERT_EQ(d.result.outcome, LineOutcome::assistant) << d.result.detail;
    EXPECT_EQ(d.record.message_id, "msg_v1");
    EXPECT_EQ(d.record.version, "1.0.88");
    EXPECT_EQ(d.record.cwd, "");
    EXPECT_EQ(d.record.tokens.input, 12);
    EXPECT_EQ(d.record.tokens.output, 33);
    EXPECT_EQ(d.record.tokens.cache_read, 7000);
    EXPECT_EQ(d.record.tokens.cache_write_5m, 500);
    EXPECT_EQ(d.record.tokens.cache_write_1h, 0);
}

TEST(DecodeAssistantLine, SyntheticModel) {
    const std::string line =
        R"({"parentUuid":"p","isSidechain":false,"sessionId":"s","version":"2.0.30",)"
        R"("message":{"id":"4c0e0000-0000-0000-0000-000000000000","model":"<synthetic>",)"
        R"("role":"assistant","type":"message","content":[{"type":"text","text":"No response requested."}],)"
        R"("usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,)"
        R"("cache_read_input_tokens":0}},"type":"assistant","uuid":"u","timestamp":"2026-03-02T09:15:00.000Z"})";
    EXPECT_EQ(decode(line).result.outcome, LineOutcome::synthetic);
}

TEST(DecodeAssistantLine, TornLineIsMalformed) {
    const std::string full =
        line_with(main_transcript("basic"), {R"("type":"assistant")", R"("msg_basic_0001")"});
    for (const size_t cut : {full.size() / 3, full.size() / 2, full.size() - 1}) {
        const Decoded d = decode(full.substr(0, cut));
        EXPECT_EQ(d.result.outcome, LineOutcome::malformed) << "cut at " << cut;
        EXPECT_FALSE(d.result.detail.empty());
    }
    EXPECT_EQ(decode("not json at all \"assistant\"").result.outcome, LineOutcome::malformed);
    EXPECT_EQ(decode(R"(["type","assistant"])").result.outcome, LineOutcome::malformed);
}

TEST(DecodeAssistantLine, MissingOrBadTimestampIsMalformed) {
    std::string no_ts = kV1Line;
    const std::string field = R"(,"timestamp":"2025-08-01T10:00:00.000Z")";
    no_ts.erase(no_ts.find(field), field.size());
    const Decoded missing = decode(no_ts);
    EXPECT_EQ(missing.result.outcome, LineOutcome::malformed);
    EXPECT_NE(missing.result.detail.find("timestamp"), std::string::npos) << missing.result.detail;

    std::string bad_ts = kV1Line;
    bad_ts.replace(bad_ts.find("2025-08-01T10:00:00.000Z"), 24, "yesterday");
    EXPECT_EQ(decode(bad_ts).result.outcome, LineOutcome::malformed);

    std::string numeric_ts = kV1Line;
    numeric_ts.replace(numeric_ts.find("\"2025-08-01T10:00:00.000Z\""), 26, "1754042400");
    EXPECT_EQ(decode(numeric_ts).result.outcome, LineOutcome::malformed);
}

TEST(DecodeAssistantLine, AssistantWithoutAnyIdIsMalformed) {
    const std::string line =
        R"({"type":"assistant","timestamp":"2026-03-02T09:15:00Z","sessionId":"s",)"
        R"("message":{"model":"claude-sonnet-4-5","usage":{"input_tokens":1,"output_tokens":2}}})";
    EXPECT_EQ(decode(line).result.outcome, LineOutcome::malformed);
}

TEST(DecodeAssistantLine, AssistantWithoutUsageIsNotCounted) {
    const std::string null_usage =
        R"({"type":"assistant","timestamp":"2026-03-02T09:15:00Z","sessionId":"s","uuid":"u",)"
        R"("message":{"id":"m","model":"claude-sonnet-4-5","usage":null}})";
    EXPECT_EQ(decode(null_usage).result.outcome, LineOutcome::not_assistant);
    const std::string no_message =
        R"({"type":"assistant","timestamp":"2026-03-02T09:15:00Z","sessionId":"s","uuid":"u"})";
    EXPECT_EQ(decode(no_message).result.outcome, LineOutcome::not_assistant);
}

TEST(DecodeAssistantLine, OddCountsAndExtras) {
    const std::string line =
        R"({"type":"assistant","timestamp":"2026-03-02T09:15:00+09:00","sessionId":"s",)"
        R"("requestId":"r","isSidechain":"yes","message":{"id":"m","model":"claude-opus-4-6",)"
        R"("usage":{"input_tokens":-5,"output_tokens":12.9,"cache_read_input_tokens":null,)"
        R"("cache_creation_input_tokens":"100","server_tool_use":{"web_search_requests":3},)"
        R"("inference_geo":"us","speed":"fast"}}})";
    const Decoded d = decode(line);
    ASSERT_EQ(d.result.outcome, LineOutcome::assistant) << d.result.detail;
    EXPECT_EQ(d.record.ts, at("2026-03-02T00:15:00Z"));
    EXPECT_EQ(d.record.tokens.input, 0);    // negative counts as 0
    EXPECT_EQ(d.record.tokens.output, 12);  // doubles are truncated
    EXPECT_EQ(d.record.tokens.cache_read, 0);
    EXPECT_EQ(d.record.tokens.cache_write_5m, 0);  // a string is not a count
    EXPECT_EQ(d.record.web_search_requests, 3);
    EXPECT_EQ(d.record.inference_geo, "us");
    EXPECT_EQ(d.record.speed, "fast");
    EXPECT_FALSE(d.record.is_sidechain);  // not a bool: ignored
}

// count_of promises "a non-negative token count": counts too large for int64
// must not wrap negative (the store rejects negative counts, failing the import).
TEST(DecodeAssistantLine, HugeCountsStayNonNegative) {
    const std::string line =
        R"({"type":"assistant","timestamp":"2026-03-02T09:15:00Z","sessionId":"s","uuid":"u",)"
        R"("message":{"id":"m","model":"claude-sonnet-4-5","usage":{)"
        R"("output_tokens":18446744073709551615,"input_tokens":1e300,)"
        R"("cache_read_input_tokens":9223372036854775808}}})";
    const Decoded d = decode(line);
    ASSERT_EQ(d.result.outcome, LineOutcome::assistant) << d.result.detail;
    EXPECT_GE(d.record.tokens.output, 0);
    EXPECT_GE(d.record.tokens.input, 0);
    EXPECT_GE(d.record.tokens.cache_read, 0);
}

TEST(DecodeAssistantLine, RecordIsResetBetweenLines) {
    simdjson::dom::parser parser;
    const Decoded sub = decode(parser, line_with(subagent_transcript("subagent"),
                                                 {R"("type":"assistant")", R"("agentId")"}));
    ASSERT_EQ(sub.result.outcome, LineOutcome::assistant);
    ASSERT_FALSE(sub.record.agent_id.empty());

    // Reuse one record, as the importer does.
    AssistantRecord record = sub.record;
    const simdjson::padded_string padded(kV1Line);
    const LineResult r = decode_assistant_line(parser, padded.data(), padded.size(),
                                               padded.size() + simdjson::SIMDJSON_PADDING, record);
    ASSERT_EQ(r.outcome, LineOutcome::assistant);
    EXPECT_EQ(record.agent_id, "");
    EXPECT_EQ(record.cwd, "");
    EXPECT_EQ(record.git_branch, "");
    EXPECT_FALSE(record.is_sidechain);
    EXPECT_EQ(record.message_id, "msg_v1");
}

TEST(IsValidJsonObject, Cases) {
    simdjson::dom::parser parser;
    auto check = [&](const std::string& text) {
        const simdjson::padded_string padded(text);
        return is_valid_json_object(parser, padded.data(), padded.size(),
                                    padded.size() + simdjson::SIMDJSON_PADDING);
    };
    EXPECT_TRUE(check("{}"));
    EXPECT_TRUE(check(R"({"type":"summary","summary":"x","leafUuid":"y"})"));
    EXPECT_FALSE(check("[]"));
    EXPECT_FALSE(check("42"));
    EXPECT_FALSE(check(R"({"type":"user")"));
    EXPECT_FALSE(check("{\"bad\":\"\xFF\"}"));
}

}  // namespace
}  // namespace agent_trace::transcript
