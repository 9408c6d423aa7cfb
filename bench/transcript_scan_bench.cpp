// Transcript line scanning, same data, same run:
//  - the prefilter against glibc memmem (the baseline it replaces), on a line
//    without a type token (the prefilter's worst case: it reads every byte);
//  - decoding a user line that carries a large tool result with the skimming
//    conversation decoder against simdjson's DOM parse of the same line.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstring>
#include <random>
#include <string>

#include "ingest/transcript/conversation_record.hpp"
#include "ingest/transcript/prefilter.hpp"

namespace {

// Tool-output-like text: prose and code with escaped quotes and newlines.
std::string make_text(size_t bytes) {
    static const char* kWords[] = {"the", "parser", "reads",  R"(\"usage\")", "fn", "main()",
                                   "{",   "}",      "return", "assistant",    "0;", "\\n"};
    std::mt19937 rng(7);
    std::string s;
    while (s.size() < bytes) {
        s += kWords[rng() % (sizeof kWords / sizeof *kWords)];
        s += ' ';
    }
    return s;
}

std::string make_progress_line(size_t bytes) {
    return R"({"type":"progress","data":{"content":")" + make_text(bytes) + R"("}})";
}

// A user line as Claude Code writes a tool result: the output twice (the
// result block and toolUseResult), metadata around it. Padded for the parsers.
std::string make_tool_result_line(size_t bytes) {
    const std::string text = make_text(bytes / 2);
    std::string s =
        R"({"parentUuid":"p1","isSidechain":false,"promptId":"pr1","type":"user","message":)"
        R"({"role":"user","content":[{"tool_use_id":"toolu_01abc","type":"tool_result",)"
        R"("content":")" +
        text +
        R"(","is_error":false}]},"uuid":"u1","timestamp":"2026-03-02T10:00:00.000Z",)"
        R"("toolUseResult":{"stdout":")" +
        text +
        R"(","stderr":"","interrupted":false},"sessionId":"s1","version":"2.1.332","cwd":"/w"})";
    return s;
}

void BM_Prefilter(benchmark::State& state) {
    const std::string line = make_progress_line(static_cast<size_t>(state.range(0)));
    for (auto _ : state) {
        benchmark::DoNotOptimize(agent_trace::transcript::find_type_token(line));
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * line.size()));
}

void BM_MemmemBaseline(benchmark::State& state) {
    const std::string line = make_progress_line(static_cast<size_t>(state.range(0)));
    static constexpr char kToken[] = "\"assistant\"";
    for (auto _ : state) {
        benchmark::DoNotOptimize(memmem(line.data(), line.size(), kToken, sizeof kToken - 1) !=
                                 nullptr);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * line.size()));
}

void BM_SkimToolResult(benchmark::State& state) {
    std::string line = make_tool_result_line(static_cast<size_t>(state.range(0)));
    const size_t length = line.size();
    line.append(simdjson::SIMDJSON_PADDING, '\0');
    agent_trace::transcript::ConversationRecord record;
    for (auto _ : state) {
        const auto result =
            agent_trace::transcript::decode_conversation_line(line.data(), length, record);
        if (result.outcome != agent_trace::transcript::ConversationOutcome::user) {
            state.SkipWithError("the line did not decode");
        }
        benchmark::DoNotOptimize(record.result_count);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * length));
}

void BM_DomToolResult(benchmark::State& state) {
    std::string line = make_tool_result_line(static_cast<size_t>(state.range(0)));
    const size_t length = line.size();
    line.append(simdjson::SIMDJSON_PADDING, '\0');
    simdjson::dom::parser parser;
    for (auto _ : state) {
        simdjson::dom::element root;
        if (parser.parse(line.data(), length, false).get(root) != simdjson::SUCCESS) {
            state.SkipWithError("the line did not parse");
        }
        benchmark::DoNotOptimize(root);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * length));
}

BENCHMARK(BM_Prefilter)->Arg(4096)->Arg(1 << 20);
BENCHMARK(BM_MemmemBaseline)->Arg(4096)->Arg(1 << 20);
BENCHMARK(BM_SkimToolResult)->Arg(4096)->Arg(1 << 20);
BENCHMARK(BM_DomToolResult)->Arg(4096)->Arg(1 << 20);

}  // namespace

BENCHMARK_MAIN();
