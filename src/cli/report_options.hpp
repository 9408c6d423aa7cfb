#pragma once
// Report flags shared by `report` and `import --report`.
#include <CLI/CLI.hpp>
#include <string>

#include "cli/commands.hpp"
#include "store/store.hpp"

namespace agent_trace::cli {

struct ReportFlags {
    std::string kind = "daily";
    bool json = false;
    bool csv = false;
    bool breakdown = false;
    std::string sort = "key";
    std::string tz = "local";
    std::string since;
    std::string until;
    std::string project;
};

// `with_kind`: also register KIND as a positional (the `report` subcommand).
void add_report_flags(CLI::App& command, ReportFlags& flags, bool with_kind);

// Builds and prints the report; returns the process exit code.
int print_report(const GlobalOptions& globals, UsageReader& reader, const ReportFlags& flags);

}  // namespace agent_trace::cli
