// `agent-trace status`: is capture working? The server's own report (GET
// /healthz) when it runs, the local facts (store, spool, dead letters) either
// way, and the wiring found in Claude Code's settings; every problem with its fix.
// The report is query/status_report's, which serve also answers at /api/v1/status;
// this file probes the server and prints it.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "cli/commands.hpp"
#include "cli/server_health.hpp"
#include "core/time.hpp"
#include "ingest/hooks/claude_settings.hpp"
#include "query/status_report.hpp"

namespace agent_trace::cli {
namespace {

constexpr int kExitUnhealthy = 1;
constexpr auto kServerProbeTimeout = std::chrono::milliseconds(500);

using Json = nlohmann::ordered_json;

struct StatusFlags {
    bool json = false;
    std::optional<std::string> server;
};

void out(const std::string& text) { std::fputs(text.c_str(), stdout); }
void err(const std::string& text) { std::fputs(text.c_str(), stderr); }

std::string human_bytes(uint64_t bytes) {
    constexpr double kKiB = 1024.0;
    if (bytes < 1024) return fmt::format("{} B", bytes);
    double value = static_cast<double>(bytes) / kKiB;
    for (const char* unit : {"KiB", "MiB", "GiB"}) {
        if (value < kKiB) return fmt::format("{:.1f} {}", value, unit);
        value /= kKiB;
    }
    return fmt::format("{:.1f} TiB", value);
}

// "2026-03-02T09:15:00Z" (seconds are enough to read).
std::string short_time(TimestampUs ts) {
    const std::string full = format_iso8601_utc(ts);
    return full.size() >= 19 ? full.substr(0, 19) + "Z" : full;
}

std::string ago(TimestampUs ts, TimestampUs now) {
    const int64_t seconds = std::max<int64_t>(0, (now - ts) / 1000000);
    if (seconds < 60) return fmt::format("{} s ago", seconds);
    if (seconds < 3600) return fmt::format("{} min ago", seconds / 60);
    if (seconds < 86400) return fmt::format("{} h ago", seconds / 3600);
    return fmt::format("{} d ago", seconds / 86400);
}

std::string duration(int64_t seconds) {
    if (seconds < 60) return fmt::format("{}s", seconds);
    if (seconds < 3600) return fmt::format("{}m {}s", seconds / 60, seconds % 60);
    if (seconds < 86400) return fmt::format("{}h {}m", seconds / 3600, (seconds % 3600) / 60);
    return fmt::format("{}d {}h", seconds / 86400, (seconds % 86400) / 3600);
}

std::string number_or_unknown(const std::optional<int64_t>& value) {
    return value ? fmt::format("{}", *value) : std::string("?");
}

std::string render_server(const ServerProbe& s) {
    std::string text;
    if (!s.reachable) {
        return fmt::format("Server     DOWN: nothing answers at {} ({})\n", s.url, s.error);
    }
    if (!s.healthy_answer()) {
        return fmt::format("Server     {} answers, but not as agent-trace: {}\n", s.url, s.error);
    }
    std::vector<std::string> about;
    if (auto v = s.text("/version")) about.push_back("agent-trace " + *v);
    if (auto pid = s.integer("/pid")) about.push_back(fmt::format("pid {}", *pid));
    if (auto up = s.integer("/uptime_s")) about.push_back("up " + duration(*up));
    text += fmt::format("Server     {} at {}{}\n", s.text("/status").value_or("up"), s.url,
                        about.empty() ? "" : fmt::format(" ({})", fmt::join(about, ", ")));
    if (const auto listen = s.health->find("listen");
        listen != s.health->end() && listen->is_object()) {
        std::vector<std::string> ports;
        for (const auto& [name, address] : listen->items()) {
            ports.push_back(name + " " +
                            (address.is_string() ? address.get<std::string>() : address.dump()));
        }
        text += fmt::format("  listening  {}\n", fmt::join(ports, ", "));
    }
    if (auto engine = s.text("/store/engine")) {
        const auto available = s.flag("/store/available");
        text +=
            fmt::format("  store      {} {} ({})\n", *engine, s.text("/store/path").value_or("?"),
                        !available   ? "availability unknown"
                        : *available ? "available"
                                     : "UNAVAILABLE");
    }
    text += fmt::format("  queue      {} records ({}) in {} segment(s)\n",
                        number_or_unknown(s.integer("/queue/depth_records")),
                        s.integer("/queue/depth_bytes")
                            ? human_bytes(static_cast<uint64_t>(*s.integer("/queue/depth_bytes")))
                            : std::string("? bytes"),
                        number_or_unknown(s.integer("/queue/segments")));
    if (auto corrupt = s.integer("/queue/corrupt_records"); corrupt && *corrupt > 0) {
        text += fmt::format(
            "             {} corrupt record(s) skipped at recovery, {} torn tail "
            "byte(s) dropped\n",
            *corrupt, number_or_unknown(s.integer("/queue/torn_tail_bytes")));
    }
    text +=
        fmt::format("  writer     {} events stored in {} batches; {} retries; {} dead-lettered\n",
                    number_or_unknown(s.integer("/writer/stored_events")),
                    number_or_unknown(s.integer("/writer/batches")),
                    number_or_unknown(s.integer("/writer/retries")),
                    number_or_unknown(s.integer("/writer/dead_lettered")));
    if (auto last = s.text("/writer/last_error"); last && !last->empty()) {
        text += fmt::format("  last error {}{}\n", *last,
                            s.text("/writer/last_error_at").value_or("").empty()
                                ? ""
                                : " (at " + *s.text("/writer/last_error_at") + ")");
    }
    // One line per ingress that has seen traffic: accepted, rejected and why.
    const std::pair<const char*, std::vector<const char*>> ingresses[] = {
        {"hooks in  ", {"ingest", "hooks"}},
        {"otlp logs ", {"ingest", "otlp", "logs"}},
        {"otlp metr.", {"ingest", "otlp", "metrics"}},
        {"otlp spans", {"ingest", "otlp", "traces"}},
    };
    for (const auto& [label, path] : ingresses) {
        const Json* node = &*s.health;
        for (const char* step : path) {
            if (node == nullptr || !node->is_object()) break;
            const auto it = node->find(step);
            node = it == node->end() ? nullptr : &*it;
        }
        if (node == nullptr || !node->is_object()) continue;
        const auto number = [&](const char* key) -> int64_t {
            const auto it = node->find(key);
            return it != node->end() && it->is_number_integer() ? it->get<int64_t>() : 0;
        };
        if (number("accepted") == 0 && number("rejected") == 0) continue;
        std::string reasons;
        if (const auto it = node->find("rejected_by_reason");
            it != node->end() && it->is_object()) {
            std::vector<std::string> parts;
            for (const auto& [reason, n] : it->items()) {
                parts.push_back(reason + " " + (n.is_number() ? n.dump() : "?"));
            }
            if (!parts.empty()) reasons = fmt::format(" ({})", fmt::join(parts, ", "));
        }
        text += fmt::format("  {} {} accepted, {} rejected{}\n", label, number("accepted"),
                            number("rejected"), reasons);
    }
    if (s.integer("/spool/drained_total").value_or(0) > 0 ||
        s.integer("/spool/malformed").value_or(0) > 0) {
        text += fmt::format("  spool      {} drained so far, {} malformed line(s)\n",
                            number_or_unknown(s.integer("/spool/drained_total")),
                            number_or_unknown(s.integer("/spool/malformed")));
    }
    if (auto imported = s.integer("/imports/sessions_imported")) {
        const std::string last = s.text("/imports/last_import_at").value_or("");
        text += fmt::format("  imports    {} session(s){}; {} error(s)\n", *imported,
                            last.empty() ? "" : ", last at " + last,
                            number_or_unknown(s.integer("/imports/errors")));
    }
    return text;
}

std::string render_text(const StatusReport& r, TimestampUs now) {
    std::string text = render_server(r.server);
    text += "\n";
    if (!r.store.exists) {
        text += fmt::format("Store      none yet at {}\n", r.store.path);
    } else {
        text += fmt::format(
            "Store      {}  {}{}\n", r.store.path, human_bytes(r.store.bytes),
            r.store.wal_bytes > 0 ? fmt::format(" + {} WAL", human_bytes(r.store.wal_bytes)) : "");
        if (r.store.sources.empty() && r.store.error.empty()) {
            text += "  no events stored yet\n";
        } else if (!r.store.sources.empty()) {
            size_t width = 6;
            for (const SourceActivity& a : r.store.sources)
                width = std::max(width, a.source.size());
            text += fmt::format("  {:<{}}  {:>9}  {:>10}  {}\n", "SOURCE", width, "LAST HOUR",
                                "TOTAL", "LAST EVENT");
            for (const SourceActivity& a : r.store.sources) {
                text += fmt::format("  {:<{}}  {:>9}  {:>10}  {}\n", a.source, width,
                                    a.events_since, a.events_total,
                                    a.last_event_ts > 0 ? short_time(a.last_event_ts) + " (" +
                                                              ago(a.last_event_ts, now) + ")"
                                                        : "-");
            }
        }
        const ActiveSessions& active = r.store.active;
        if (active.count > 0) {
            std::vector<std::string> shown(
                active.session_ids.begin(),
                active.session_ids.begin() +
                    static_cast<std::ptrdiff_t>(std::min<size_t>(3, active.session_ids.size())));
            text += fmt::format("  live now   {} session(s) active in the last {} min: {}{}\n",
                                active.count, kActiveWindowSeconds / 60, fmt::join(shown, ", "),
                                active.count > shown.size() ? ", ..." : "");
        }
    }
    text += fmt::format("Spool      {} hook event(s) waiting in {}\n",
                        r.spool.count ? fmt::format("{}", *r.spool.count) : "?", r.spool.dir);
    text += fmt::format("DLQ        {} dead letter(s) in {}\n",
                        r.dlq.count ? fmt::format("{}", *r.dlq.count) : "?", r.dlq.dir);
    text += "\nClaude Code settings\n";
    for (const ScopeWiring& s : r.scopes) {
        std::string state;
        if (!s.exists) {
            state = "no file";
        } else if (!s.error.empty()) {
            state = "INVALID";
        } else {
            state = fmt::format("{}/{} hook events", s.wiring.hooks.events_wired,
                                s.wiring.hooks.events_known);
            if (auto endpoint = telemetry_value(s, "OTEL_EXPORTER_OTLP_ENDPOINT")) {
                const bool on = telemetry_value(s, "CLAUDE_CODE_ENABLE_TELEMETRY") == "1";
                state += fmt::format(", OTEL {}-> {}", on ? "" : "(not enabled) ", *endpoint);
            } else if (!s.wiring.telemetry.empty()) {
                state += ", OTEL partly set";
            } else {
                state += ", no OTEL";
            }
        }
        text += fmt::format("  {:<8} {}  {}\n", scope_name(s.scope), state, s.path);
        for (const std::string& command : s.wiring.hooks.commands) {
            text += fmt::format("           hook: {}\n", command);
        }
    }
    if (!r.warnings.empty()) {
        text += "\nWarnings\n";
        for (const std::string& w : r.warnings) text += "  - " + w + "\n";
    }
    if (r.problems.empty()) {
        text += "\nOK: capture is working.\n";
    } else {
        text += fmt::format("\nProblems ({})\n", r.problems.size());
        for (const StatusProblem& p : r.problems) {
            text += "  - " + p.problem + "\n    fix: " + p.fix + "\n";
        }
    }
    return text;
}

constexpr std::string_view kStatusFooter = R"(Examples:
  agent-trace status
  agent-trace status --json | jq '.problems'
  agent-trace status --server http://127.0.0.1:9317

Shows the server's health (GET /healthz: queue depth, writer retries, last error, ingest
counts), the store (size, events per source in the last hour, last event), the hook spool
and dead letters (read from the data directory even when the server is down), and how
Claude Code's user, project and local settings are wired. The store is opened only if it
exists; status never creates one.

Exit status: 0 healthy; 1 when the server is unreachable, its store is unavailable, no
hooks are wired, or a settings file is unusable (each problem is printed with its fix).)";

}  // namespace

void add_status_command(CLI::App& root, const GlobalOptions& globals, int& exit_code) {
    CLI::App* status = root.add_subcommand(
        "status", "Show whether capture works: server, queue, store, spool, DLQ and wiring");
    auto flags = std::make_shared<StatusFlags>();
    status->add_flag("--json", flags->json, "Print the report as JSON");
    status->add_option("--server", flags->server,
                       "agent-trace server to ask; default " + std::string(kDefaultServerUrl));
    status->footer(std::string(kStatusFooter));
    status->callback([&globals, &exit_code, flags] {
        auto url =
            normalize_server_url(flags->server.value_or(default_server_url(globals.data_dir)));
        if (!url) {
            err("agent-trace status: --server " + url.error().message + "\n");
            exit_code = 2;
            return;
        }
        StatusInputs inputs;
        inputs.now = now_us();
        inputs.server = probe_server(*url, kServerProbeTimeout);
        inputs.data_dir = globals.data_dir;
        inputs.database_path = globals.database_path();
        std::error_code ec;
        inputs.project_dir = std::filesystem::current_path(ec);
        if (ec) inputs.project_dir.clear();
        const StatusReport report = collect_status(inputs);
        out(flags->json ? status_report_json(report, inputs.now) : render_text(report, inputs.now));
        exit_code = report.healthy() ? 0 : kExitUnhealthy;
    });
}

}  // namespace agent_trace::cli
