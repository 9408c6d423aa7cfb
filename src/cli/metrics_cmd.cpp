// `agent-trace metrics`: what Claude Code's own OpenTelemetry counters add up to.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "core/json_writer.hpp"
#include "query/otel_metrics.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace agent_trace::cli {
namespace {

struct MetricsFlags {
    std::string by = "none";
    std::string since;
    std::string until;
    std::string session;
    std::string tz = "local";
    bool json = false;
};

// The first instant of `text` (YYYY-MM-DD) in `zone`, or of the day after it.
std::optional<TimestampUs> day_start(const Zone& zone, const std::string& text, bool next_day) {
    const auto day = parse_civil_date(text);
    if (!day) return std::nullopt;
    return next_day ? zone.start_of_next_day(*day) : zone.start_of_day(*day);
}

std::string format_value(const MetricTotal& total) {
    if (total.metric.ends_with("cost.usage")) return fmt::format("${:.6f}", total.value);
    if (total.value == static_cast<double>(static_cast<int64_t>(total.value))) {
        return fmt::format("{}", static_cast<int64_t>(total.value));
    }
    return fmt::format("{:.3f}", total.value);
}

int run_metrics(const GlobalOptions& globals, const MetricsFlags& flags) {
    MetricTotalsOptions options;
    const auto group = parse_metric_group(flags.by);
    if (!group) {
        std::fprintf(stderr, "agent-trace metrics: --by expects none|day|session|model\n");
        return 2;
    }
    options.group = *group;
    auto zone = Zone::named(flags.tz);
    if (!zone) {
        std::fprintf(stderr, "agent-trace metrics: --tz: %s\n", zone.error().message.c_str());
        return 2;
    }
    options.zone = *zone;
    if (!flags.since.empty()) {
        options.since = day_start(options.zone, flags.since, false);
        if (!options.since) {
            std::fprintf(stderr, "agent-trace metrics: --since expects YYYY-MM-DD, got '%s'\n",
                         flags.since.c_str());
            return 2;
        }
    }
    if (!flags.until.empty()) {
        options.until = day_start(options.zone, flags.until, true);  // the until day is included
        if (!options.until) {
            std::fprintf(stderr, "agent-trace metrics: --until expects YYYY-MM-DD, got '%s'\n",
                         flags.until.c_str());
            return 2;
        }
    }
    options.session_id = flags.session;
    auto store = open_sqlite_store(globals.database_path());
    if (!store) {
        std::fprintf(stderr, "agent-trace: %s\n", store.error().message.c_str());
        return 1;
    }
    auto totals = otel_metric_totals(**store, options);
    if (!totals) {
        std::fprintf(stderr, "agent-trace metrics: %s\n", totals.error().message.c_str());
        return 1;
    }
    if (flags.json) {
        JsonWriter w;
        w.begin_object().key("group_by").value(flags.by).key("zone").value(options.zone.name());
        w.key("metrics").begin_array();
        for (const MetricTotal& t : *totals) {
            w.begin_object().key("metric").value(t.metric);
            if (options.group != MetricGroup::none) w.key("group").value(t.group);
            if (!t.type.empty()) w.key("type").value(t.type);
            w.key("value").raw(fmt::format("{}", t.value)).key("points").value(t.points);
            w.end_object();
        }
        w.end_array().end_object();
        std::printf("%s\n", w.str().c_str());
        return 0;
    }
    if (totals->empty()) {
        std::printf(
            "No OpenTelemetry metrics stored yet. Point Claude Code at `agent-trace serve`\n"
            "(agent-trace init wires CLAUDE_CODE_ENABLE_TELEMETRY and the OTLP endpoint).\n");
        return 0;
    }
    const bool grouped = options.group != MetricGroup::none;
    std::vector<std::array<std::string, 5>> rows;
    rows.push_back(
        {"METRIC", grouped ? fmt::format("{}", flags.by) : "", "TYPE", "TOTAL", "POINTS"});
    for (const MetricTotal& t : *totals) {
        std::string name = t.metric;
        if (name.starts_with("claude_code.")) name = name.substr(12);
        rows.push_back({name, t.group, t.type, format_value(t), std::to_string(t.points)});
    }
    for (char& c : rows.front()[1])
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::array<size_t, 5> width{};
    for (const auto& row : rows) {
        for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    }
    for (const auto& row : rows) {
        std::string line = fmt::format("{:<{}}  ", row[0], width[0]);
        if (grouped) line += fmt::format("{:<{}}  ", row[1], width[1]);
        line += fmt::format("{:<{}}  {:>{}}  {:>{}}", row[2], width[2], row[3], width[3], row[4],
                            width[4]);
        std::printf("%s\n", line.c_str());
    }
    return 0;
}

}  // namespace

void add_metrics_command(CLI::App& root, const GlobalOptions& globals, int& exit_code) {
    auto* command = root.add_subcommand(
        "metrics", "Totals of Claude Code's own OpenTelemetry counters (cost, tokens, lines...)");
    auto flags = std::make_shared<MetricsFlags>();
    command->add_option("--by", flags->by, "Group by none|day|session|model")
        ->check(CLI::IsMember({"none", "day", "session", "model"}))
        ->capture_default_str();
    command->add_option("--since", flags->since, "First day to include, YYYY-MM-DD (in --tz)");
    command->add_option("--until", flags->until, "Last day to include, YYYY-MM-DD (in --tz)");
    command->add_option("--session", flags->session, "Only this session id");
    command->add_option("--tz", flags->tz, "Time zone for days: an IANA name, UTC or local")
        ->capture_default_str();
    command->add_flag("--json", flags->json, "Machine-readable output");
    command->footer(
        "Sums the metric data points Claude Code exported over OTLP (claude_code.cost.usage,\n"
        "token.usage by type, session.count, lines_of_code.count, commit.count,\n"
        "pull_request.count, code_edit_tool.decision, active_time.total). Delta points are\n"
        "added; cumulative points count by their increments, so either temporality gives the\n"
        "same totals. These are Claude Code's own figures; `report` prices the transcripts.\n\n"
        "Examples:\n"
        "  agent-trace metrics\n"
        "  agent-trace metrics --by day --since 2026-11-01 --tz Europe/Berlin\n"
        "  agent-trace metrics --by model --json");
    command->callback([&globals, &exit_code, flags] { exit_code = run_metrics(globals, *flags); });
}

}  // namespace agent_trace::cli
