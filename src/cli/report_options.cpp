#include "cli/report_options.hpp"

#include <unistd.h>

#include <cstdio>

#include "cli/report_render.hpp"
#include "core/pricing.hpp"
#include "query/usage_report.hpp"

namespace agent_trace::cli {
namespace {

bool parse_date_flag(const std::string& text, const char* name, std::optional<CivilDate>& out) {
    if (text.empty()) return true;
    // Accept YYYYMMDD (ccusage's form) as well as YYYY-MM-DD.
    std::string normalized = text;
    if (normalized.size() == 8 && normalized.find('-') == std::string::npos) {
        normalized =
            normalized.substr(0, 4) + "-" + normalized.substr(4, 2) + "-" + normalized.substr(6, 2);
    }
    out = parse_civil_date(normalized);
    if (!out) {
        std::fprintf(stderr, "agent-trace: --%s expects a date YYYY-MM-DD, got '%s'\n", name,
                     text.c_str());
        return false;
    }
    return true;
}

}  // namespace

void add_report_flags(CLI::App& command, ReportFlags& flags, bool with_kind) {
    const std::string kinds = "daily|monthly|session|project|model|blocks";
    if (with_kind) {
        command.add_option("kind", flags.kind, "What to group by: " + kinds)
            ->required()
            ->check(CLI::IsMember({"daily", "monthly", "session", "project", "model", "blocks"}));
    } else {
        command.add_option("--report", flags.kind, "After importing, print a report: " + kinds)
            ->check(CLI::IsMember({"daily", "monthly", "session", "project", "model", "blocks"}));
    }
    auto* json =
        command.add_flag("--json", flags.json, "Machine-readable JSON (see docs/reports.md)");
    command.add_flag("--csv", flags.csv, "CSV with a header row")->excludes(json);
    command
        .add_option("--sort", flags.sort,
                    "Row order: key (default; dates are chronological), cost or tokens (largest "
                    "first), last (last activity, most recent last)")
        ->check(CLI::IsMember({"key", "cost", "tokens", "last"}));
    command.add_flag("--breakdown", flags.breakdown,
                     "Split every row by model (JSON: rows[].breakdown; CSV: one line per model)");
    command.add_option("--tz", flags.tz,
                       "Time zone for days and months: IANA name, UTC or local (default)");
    command.add_option("--since", flags.since, "First day to include, YYYY-MM-DD (in --tz)");
    command.add_option("--until", flags.until, "Last day to include, YYYY-MM-DD (in --tz)");
    command.add_option("--project", flags.project,
                       "Only this project (directory name like -home-me-app, or its cwd)");
}

int print_report(const GlobalOptions& globals, UsageReader& reader, const ReportFlags& flags) {
    ReportOptions options;
    const auto kind = parse_report_kind(flags.kind);
    if (!kind) {
        std::fprintf(stderr, "agent-trace: unknown report '%s'\n", flags.kind.c_str());
        return 2;
    }
    options.kind = *kind;
    auto zone = Zone::named(flags.tz);
    if (!zone) {
        std::fprintf(stderr, "agent-trace: %s\n", zone.error().message.c_str());
        return 2;
    }
    options.zone = *zone;
    if (!parse_date_flag(flags.since, "since", options.since) ||
        !parse_date_flag(flags.until, "until", options.until)) {
        return 2;
    }
    options.project = flags.project;
    options.breakdown = flags.breakdown;
    options.sort = parse_report_sort(flags.sort).value_or(ReportSort::key);
    auto pricing = load_pricing(globals.config_dir);
    if (!pricing) {
        std::fprintf(stderr, "agent-trace: %s\n", pricing.error().message.c_str());
        return 1;
    }
    auto report = build_usage_report(reader, *pricing, options);
    if (!report) {
        std::fprintf(stderr, "agent-trace: %s\n", report.error().message.c_str());
        return 1;
    }
    std::string out;
    if (flags.json) {
        out = render_json(*report);
    } else if (flags.csv) {
        out = render_csv(*report, flags.breakdown);
    } else {
        out = render_table(*report, options.zone);
    }
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
        std::fprintf(stderr, "agent-trace: cannot write the report to stdout\n");
        return 1;
    }
    const std::string warnings = render_warnings(*report, globals.config_dir);
    if (!warnings.empty()) std::fputs(warnings.c_str(), stderr);
    return 0;
}

}  // namespace agent_trace::cli
