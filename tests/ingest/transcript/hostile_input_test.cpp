// Untrusted bytes never crash the decoder or the line reader: real assistant
// lines from the captures, mutated many ways (deterministic seed, bounded).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "../../support/test_support.hpp"
#include "ingest/transcript/assistant_record.hpp"
#include "ingest/transcript/prefilter.hpp"

namespace agent_trace::transcript {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> capture_assistant_lines() {
    std::vector<std::string> lines;
    const fs::path root = fs::path(AGENT_TRACE_SOURCE_DIR) / "tests/fixtures/captures";
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".jsonl" ||
            entry.path().string().find("/transcripts/") == std::string::npos) {
            continue;
        }
        std::ifstream in(entry.path(), std::ios::binary);
        for (std::string line; std::getline(in, line);) {
            if (may_be_assistant_line(line)) lines.push_back(line);
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
    const auto lines = capture_assistant_lines();
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

}  // namespace
}  // namespace agent_trace::transcript
