#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "cli/commands.hpp"
#include "cli/report_options.hpp"
#include "ingest/transcript/discovery.hpp"
#include "ingest/transcript/importer.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace agent_trace::cli {
namespace {

struct ImportFlags {
    std::vector<std::string> paths;
    unsigned threads = 0;
    bool full = false;
    bool strict = false;
    bool usage_only = false;
    bool verbose = false;
    bool quiet = false;
    uint64_t max_line_mb = 64;
    ReportFlags report;
};

void draw_progress(const transcript::ImportProgress& p) {
    const double fraction =
        p.bytes_total == 0 ? 1.0
                           : static_cast<double>(p.bytes_done) / static_cast<double>(p.bytes_total);
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kWidth - filled), '.');
    std::fprintf(stderr, "\rimporting [%s] %3d%%  %llu/%llu files  %.1f/%.1f MB", bar.c_str(),
                 static_cast<int>(fraction * 100), static_cast<unsigned long long>(p.files_done),
                 static_cast<unsigned long long>(p.files_total),
                 static_cast<double>(p.bytes_done) / 1e6, static_cast<double>(p.bytes_total) / 1e6);
    std::fflush(stderr);
}

int run_import(const GlobalOptions& globals, const ImportFlags& flags) {
    transcript::ImportOptions options;
    options.roots = flags.paths;
    if (options.roots.empty()) {
        options.roots = transcript::default_transcript_roots();
        if (options.roots.empty()) {
            std::fprintf(stderr,
                         "agent-trace: no Claude Code transcripts found (looked in "
                         "$CLAUDE_CONFIG_DIR/projects, ~/.config/claude/projects and "
                         "~/.claude/projects); pass a PATH to import from elsewhere\n");
        }
    }
    options.threads = flags.threads;
    options.full = flags.full;
    options.strict = flags.strict;
    options.timeline = !flags.usage_only;
    options.max_line_bytes = flags.max_line_mb << 20;
    options.max_problems = flags.verbose ? 100000 : 0;

    auto store = open_sqlite_store(globals.database_path());
    if (!store) {
        std::fprintf(stderr, "agent-trace: %s\n", store.error().message.c_str());
        return 1;
    }
    const bool terminal = isatty(STDERR_FILENO) == 1 && !flags.quiet;
    transcript::ProgressCallback progress;
    if (terminal) progress = draw_progress;
    const auto started = std::chrono::steady_clock::now();
    auto summary = transcript::import_transcripts(options, **store, **store, progress);
    if (terminal) std::fputs("\r\033[K", stderr);
    if (!summary) {
        std::fprintf(stderr, "agent-trace: import failed: %s\n", summary.error().message.c_str());
        return 1;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (const auto& error : summary->errors) {
        std::fprintf(stderr, "agent-trace: %s\n", error.c_str());
    }
    if (summary->files_seen == 0 && !options.roots.empty() && !flags.quiet) {
        std::string where;
        for (const auto& root : options.roots) where += (where.empty() ? "" : ", ") + root;
        std::fprintf(stderr, "agent-trace: no transcript files (*.jsonl) under %s\n",
                     where.c_str());
    }
    if (flags.verbose) {
        for (const auto& p : summary->problems) {
            std::fprintf(stderr, "%s:%llu: %s: %s\n", p.path.c_str(),
                         static_cast<unsigned long long>(p.line), p.kind.c_str(), p.detail.c_str());
        }
    }
    if (terminal || flags.verbose) {
        std::fprintf(stderr,
                     "imported %llu model calls (%llu events) from %llu files (%llu unchanged, "
                     "%llu re-read, %.1f MB) in %.2f s; skipped %llu malformed, %llu oversized, "
                     "%llu unreadable, %llu still being written\n",
                     static_cast<unsigned long long>(summary->calls_written),
                     static_cast<unsigned long long>(summary->events_written),
                     static_cast<unsigned long long>(summary->files_read),
                     static_cast<unsigned long long>(summary->files_unchanged),
                     static_cast<unsigned long long>(summary->files_reread),
                     static_cast<double>(summary->bytes_read) / 1e6, seconds,
                     static_cast<unsigned long long>(summary->malformed_lines),
                     static_cast<unsigned long long>(summary->oversized_lines),
                     static_cast<unsigned long long>(summary->files_unreadable),
                     static_cast<unsigned long long>(summary->incomplete_lines));
    }
    if (flags.verbose) {
        std::fprintf(stderr, "timing: discovery %.3f s, read+decode+write %.3f s, commit %.3f s\n",
                     summary->discovery_seconds, summary->scan_seconds, summary->commit_seconds);
    }
    if (!flags.report.kind.empty()) return print_report(globals, **store, flags.report);
    return summary->errors.empty() ? 0 : 1;
}

}  // namespace

void add_import_command(CLI::App& root, const GlobalOptions& globals, int& exit_code) {
    auto* command = root.add_subcommand(
        "import", "Import Claude Code transcripts (JSONL) into the store, incrementally");
    auto flags = std::make_shared<ImportFlags>();
    flags->report.kind.clear();
    command->add_option("paths", flags->paths,
                        "Files or directories to import (default: $CLAUDE_CONFIG_DIR/projects, "
                        "~/.config/claude/projects, ~/.claude/projects)");
    command->add_option("--threads", flags->threads, "Worker threads (default: one per core)");
    command->add_flag("--full", flags->full,
                      "Ignore checkpoints and read every file from the start (safe: idempotent)");
    command->add_flag("--strict", flags->strict,
                      "Also fully validate lines that cannot hold usage (slower)");
    command->add_flag("--usage-only", flags->usage_only,
                      "Store model calls only, not the timeline (prompts, tool calls, subagents, "
                      "compactions): what reports need, about 2.5x faster; replay then shows "
                      "calls without their tools until a full import or serve reads the files");
    command->add_flag("-v,--verbose", flags->verbose,
                      "List every skipped line with file and line number, and a summary");
    command->add_flag("-q,--quiet", flags->quiet, "No progress bar or summary");
    command
        ->add_option("--max-line-mb", flags->max_line_mb,
                     "Longest line read, in MiB; longer lines are skipped and counted")
        ->capture_default_str();
    add_report_flags(*command, flags->report, false);
    command->footer(
        "Files are streamed through a bounded buffer and read in parallel; a checkpoint per\n"
        "file (device, inode, size, offset, head fingerprint) makes the next run read only\n"
        "new bytes. A last line still being written is left for the next run.\n\n"
        "Examples:\n"
        "  agent-trace import\n"
        "  agent-trace import ~/backup/claude/projects --verbose\n"
        "  agent-trace import --report daily --json --tz UTC");
    command->callback([&globals, &exit_code, flags] { exit_code = run_import(globals, *flags); });
}

}  // namespace agent_trace::cli
