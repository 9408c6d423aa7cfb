#include <cstdio>

#include "cli/commands.hpp"
#include "cli/report_options.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace agent_trace::cli {

void add_report_command(CLI::App& root, const GlobalOptions& globals, int& exit_code) {
    auto* command = root.add_subcommand(
        "report", "Usage and cost grouped by day, month, session, project, model or 5-hour block");
    auto flags = std::make_shared<ReportFlags>();
    add_report_flags(*command, *flags, true);
    command->footer(
        "Every model call is counted once (copies of a response share message.id), subagent\n"
        "usage rolls into its session, cache writes (5m/1h) and reads are kept apart, and a\n"
        "model without a price is listed as unpriced, never as $0.\n\n"
        "Examples:\n"
        "  agent-trace report daily --since 2026-11-01 --tz Europe/Berlin\n"
        "  agent-trace report session --json\n"
        "  agent-trace report blocks           # 5-hour windows, burn rate, projection\n"
        "  agent-trace report model --csv > models.csv");
    command->callback([&globals, &exit_code, flags] {
        auto store = open_sqlite_store(globals.database_path());
        if (!store) {
            std::fprintf(stderr, "agent-trace: %s\n", store.error().message.c_str());
            exit_code = 1;
            return;
        }
        exit_code = print_report(globals, **store, *flags);
    });
}

}  // namespace agent_trace::cli
