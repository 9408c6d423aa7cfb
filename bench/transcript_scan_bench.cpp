// Prefilter throughput against glibc memmem (the baseline it replaces), same data, same run.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <string>

#include "ingest/transcript/prefilter.hpp"

namespace {

// A tool-result-like line: prose and code with escaped quotes, no assistant token.
std::string make_line(size_t bytes) {
    static const char* kWords[] = {"the", "parser", "reads",  R"(\"usage\")", "fn", "main()",
                                   "{",   "}",      "return", "assistant",    "0;", "\\n"};
    std::mt19937 rng(7);
    std::string s = R"({"type":"user","message":{"role":"user","content":")";
    while (s.size() < bytes) {
        s += kWords[rng() % (sizeof kWords / sizeof *kWords)];
        s += ' ';
    }
    s += R"("}})";
    return s;
}

void BM_Prefilter(benchmark::State& state) {
    const std::string line = make_line(static_cast<size_t>(state.range(0)));
    for (auto _ : state) {
        benchmark::DoNotOptimize(agent_trace::transcript::may_be_assistant_line(line));
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * line.size()));
}

void BM_MemmemBaseline(benchmark::State& state) {
    const std::string line = make_line(static_cast<size_t>(state.range(0)));
    static constexpr char kToken[] = "\"assistant\"";
    for (auto _ : state) {
        benchmark::DoNotOptimize(memmem(line.data(), line.size(), kToken, sizeof kToken - 1) !=
                                 nullptr);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * line.size()));
}

BENCHMARK(BM_Prefilter)->Arg(4096)->Arg(1 << 20);
BENCHMARK(BM_MemmemBaseline)->Arg(4096)->Arg(1 << 20);

}  // namespace

BENCHMARK_MAIN();
