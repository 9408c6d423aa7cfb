// agent-trace: local-first observability for agentic coding. main only dispatches.
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.hpp"
#include "core/paths.hpp"

namespace {

int run(int argc, char** argv) {
    using namespace agent_trace;
    // Imports allocate and free batches of events in a loop; keeping freed memory
    // instead of returning it to the kernel avoids re-faulting (zeroing) pages.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
    CLI::App app{"agent-trace: local-first observability for Claude Code sessions", "agent-trace"};
    app.set_version_flag("--version", "agent-trace 0.1.0");
    app.require_subcommand(1);
    app.footer(
        "Examples:\n"
        "  agent-trace init                      # wire Claude Code's hooks and OTEL here\n"
        "  agent-trace status                    # is capture working? (exit 1 if not)\n"
        "  agent-trace import                    # backfill ~/.claude/projects\n"
        "  agent-trace report daily --since 2026-11-01\n"
        "  agent-trace report session --json\n"
        "  agent-trace metrics --by day          # Claude Code's own OTEL counters\n"
        "  agent-trace replay 90eb1b36           # one session: prompts, calls, tools, cost\n"
        "  agent-trace pricing list");
    cli::GlobalOptions globals;
    globals.data_dir = default_data_dir();
    globals.config_dir = default_config_dir();
    app.add_option("--data-dir", globals.data_dir,
                   "Data directory (store, checkpoints); env AGENT_TRACE_DATA_DIR")
        ->capture_default_str();
    app.add_option("--config-dir", globals.config_dir,
                   "Configuration directory (pricing.json override); env AGENT_TRACE_CONFIG_DIR")
        ->capture_default_str();
    int exit_code = 0;
    cli::add_import_command(app, globals, exit_code);
    cli::add_report_command(app, globals, exit_code);
    cli::add_pricing_command(app, globals, exit_code);
    cli::add_serve_command(app, globals, exit_code);
    cli::add_hook_handler_command(app, exit_code);
    cli::add_dlq_command(app, globals, exit_code);
    cli::add_init_command(app, globals, exit_code);
    cli::add_status_command(app, globals, exit_code);
    cli::add_metrics_command(app, globals, exit_code);
    cli::add_replay_command(app, globals, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "agent-trace: %s\n", e.what());
        return 1;
    }
    return exit_code;
}

}  // namespace

// The one boundary where an exception may end up: report it, never crash.
int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "agent-trace: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "agent-trace: unexpected error\n");
    }
    return 1;
}
