#pragma once
// Streams transcript trees into canonical events: model calls (api_request), tool
// calls, prompts, compactions, API errors, session and subagent starts.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "pipeline/import_sink.hpp"

namespace agent_trace::transcript {

// Bumped whenever decoding changes what a line yields, so checkpoints written
// by an older decoder are ignored and files are read again (upserts make that safe).
inline constexpr int kDecoderVersion = 2;
// What a usage-only import records (model calls and session markers only). A file
// read by either decoder is done for a usage-only import (version 1 yielded exactly
// that); a timeline import re-reads files a usage-only import left.
inline constexpr int kUsageOnlyDecoderVersion = 1002;
inline constexpr int kLegacyUsageDecoderVersion = 1;

struct ImportOptions {
    std::vector<std::string> roots;
    unsigned threads = 0;                   // 0: one per hardware thread
    bool full = false;                      // ignore checkpoints, read every file from its start
    bool strict = false;                    // fully validate lines the prefilter skips
    // Also store the timeline (prompts, tool calls, subagents, compactions, API errors)
    // besides model calls. Usage-only is what reports need: about 3x fewer rows.
    bool timeline = true;
    uint64_t max_line_bytes = 64ULL << 20;  // longer lines are skipped and counted
    size_t max_problems = 1000;             // line problems kept for --verbose (all are counted)
};

struct LineProblem {
    std::string path;
    uint64_t line = 0;  // 1-based
    std::string kind;   // malformed | oversized | incomplete | unreadable
    std::string detail;
};

struct ImportProgress {
    uint64_t bytes_total = 0;
    uint64_t bytes_done = 0;
    uint64_t files_total = 0;
    uint64_t files_done = 0;
};

struct ImportSummary {
    uint64_t files_seen = 0;
    uint64_t files_read = 0;       // opened and read from some offset
    uint64_t files_unchanged = 0;  // checkpoint matched, nothing new
    uint64_t files_reread = 0;     // rotated, truncated or rewritten: read from the start
    uint64_t files_unreadable = 0;
    uint64_t bytes_read = 0;
    uint64_t lines_read = 0;
    uint64_t assistant_lines = 0;
    uint64_t synthetic_lines = 0;
    uint64_t events_written = 0;    // every kind: model calls, tool calls, prompts, markers, ...
    uint64_t calls_written = 0;     // the api_request events among them (copies merged per file)
    uint64_t malformed_lines = 0;   // in this run
    uint64_t oversized_lines = 0;   // in this run
    uint64_t incomplete_lines = 0;  // files ending in a line still being written
    double discovery_seconds = 0;   // walking the trees
    double scan_seconds = 0;        // reading, decoding and writing
    double commit_seconds = 0;      // the final commit
    std::vector<LineProblem> problems;
    std::vector<std::string> errors;  // roots that could not be walked
};

using ProgressCallback = std::function<void(const ImportProgress&)>;

Result<ImportSummary> import_transcripts(const ImportOptions& options,
                                         CheckpointSource& checkpoints, ImportSink& sink,
                                         const ProgressCallback& on_progress = {});

}  // namespace agent_trace::transcript
