// Untrusted bytes never crash the decoders or the line reader: real assistant,
// user and system lines from the captures, mutated many ways (deterministic
// seed, bounded).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "../../support/test_support.hpp"
#include "ingest/transcript/assistant_record.hpp"
#include "ingest/transcript/conversation_record.hpp"
#include "ingest/transcript/prefilter.hpp"

namespace agent_trace::transcript {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> capture_lines(TypeToken wanted) {
    std::vector<std::string> lines;
    const fs::path root = fs::path(AGENT_TRACE_SOURCE_DIR) / "tests/fixtures/captures";
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".jsonl" ||
            entry.path().string().find("/transcripts/") == std::string::npos) {
            continue;
        }
        std::ifstream in(entry.path(), std::ios::binary);
        for (std::string line; std::getline(in, line);) {
            if (find_type_token(line) == wanted) lines.push_back(line);
        }
    }
    return lines;
}

std::string mutate(const std::string& line, std::mt19937& rng) {
    std::string s = line;
    const auto pick = [&](size_t n) { return n == 0 ? 0 : rng() % n; };
    switch (rng() % 6) {
        case 0:
            s.resize(pick(s.size() + 1));
            break;  // torn
        case 1:
            for (int i = 0; i < 8 && !s.empty(); ++i) s[pick(s.size())] = static_cast<char>(rng());
            break;  // binary garbage
        case 2:
            s.insert(pick(s.size() + 1), 1, "\"{}[]:,\\"[pick(8)]);
            break;  // structure
        case 3: {   // a number where a string was, or the reverse
            const size_t at = s.find(R"("output_tokens":)");
            if (at != std::string::npos) s.insert(at + 16, R"("x","y":)");
            break;
        }
        case 4: {  // huge and negative counts
            const size_t at = s.find("\"input_tokens\":");
            if (at != std::string::npos)
                s.insert(at + 15, pick(2) ? "-1e309," : "99999999999999999999999,");
            break;
        }
        default:
            s = s.substr(pick(s.size() + 1)) + s.substr(0, pick(s.size() + 1));  // spliced
    }
    return s;
}

TEST(HostileInput, MutatedAssistantLinesNeverCrashTheDecoder) {
    const auto lines = capture_lines(TypeToken::assistant);
    ASSERT_GT(lines.size(), 20u);
    std::mt19937 rng(20261125);
    simdjson::dom::parser parser;
    AssistantRecord record;
    int malformed = 0;
    int decoded = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string line = mutate(lines[static_cast<size_t>(i) % lines.size()], rng);
        const size_t length = line.size();
        line.append(simdjson::SIMDJSON_PADDING, '\0');
        const LineResult r =
            decode_assistant_line(parser, line.data(), length, line.size(), record);
        if (r.outcome == LineOutcome::malformed) {
            ++malformed;
            EXPECT_FALSE(r.detail.empty());
        } else if (r.outcome == LineOutcome::assistant) {
            ++decoded;
            EXPECT_GE(record.tokens.input, 0);
            EXPECT_GE(record.tokens.output, 0);
            EXPECT_GE(record.tokens.cache_write_5m, 0);
            EXPECT_GE(record.tokens.cache_write_1h, 0);
            EXPECT_GE(record.tokens.cache_read, 0);
        }
    }
    // Both paths were exercised: the mutations are not all fatal, nor all harmless.
    EXPECT_GT(malformed, 1000);
    EXPECT_GT(decoded, 1000);
}

TEST(HostileInput, MutatedUserAndSystemLinesNeverCrashTheConversationDecoder) {
    auto lines = capture_lines(TypeToken::user);
    const auto system = capture_lines(TypeToken::system);
    lines.insert(lines.end(), system.begin(), system.end());
    ASSERT_GT(lines.size(), 20u);
    std::mt19937 rng(20261126);
    ConversationRecord record;
    int malformed = 0;
    int decoded = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string line = mutate(lines[static_cast<size_t>(i) % lines.size()], rng);
        const size_t length = line.size();
        // Padding the decoder may read but must never interpret: quotes and backslashes.
        line.append(simdjson::SIMDJSON_PADDING, (i % 2) != 0 ? '"' : '\\');
        const ConversationResult r = decode_conversation_line(line.data(), length, record);
        if (r.outcome == ConversationOutcome::malformed) {
            ++malformed;
            EXPECT_FALSE(r.detail.empty());
        } else if (r.outcome == ConversationOutcome::user ||
                   r.outcome == ConversationOutcome::system) {
            ++decoded;
            EXPECT_LE(record.result_count, record.results.size());
            for (size_t k = 0; k < record.result_count; ++k) {
                EXPECT_LT(record.results[k].tool_use_id.size(), length);
            }
        }
    }
    EXPECT_GT(malformed, 1000);
    EXPECT_GT(decoded, 1000);
}

}  // namespace
}  // namespace agent_trace::transcript
