// `agent-trace status`: is capture working? The server's own report (GET
// /healthz) when it runs, the local facts (store, spool, dead letters) either
// way, and the wiring found in Claude Code's settings; every problem with its fix.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/atomic_file.hpp"
#include "cli/claude_settings.hpp"
#include "cli/commands.hpp"
#include "cli/server_health.hpp"
#include "core/time.hpp"
#include "pipeline/spool/spool.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace agent_trace::cli {
namespace {

constexpr int kExitUnhealthy = 1;
constexpr auto kServerProbeTimeout = std::chrono::milliseconds(500);
constexpr TimestampUs kHourUs = 3600LL * 1000 * 1000;

using Json = nlohmann::ordered_json;

struct StatusFlags {
    bool json = false;
    std::optional<std::string> server;
};

struct Problem {
    std::string problem;
    std::string fix;
};

struct StoreFacts {
    std::string path;
    bool exists = false;
    uint64_t bytes = 0;
    uint64_t wal_bytes = 0;
    std::vector<SourceActivity> sources;
    std::string error;
};

struct QueueFiles {
    std::string dir;
    std::optional<uint64_t> count;  // nullopt: could not be read
    std::string error;
};

struct ScopeWiring {
    SettingsScope scope = SettingsScope::user;
    std::string path;
    bool exists = false;
    std::string error;  // unreadable or invalid JSON
    SettingsWiring wiring;
    std::vector<std::string> broken_commands;  // hook commands whose program is not executable
};

struct StatusReport {
    ServerProbe server;
    std::string data_dir;
    StoreFacts store;
    QueueFiles spool;
    QueueFiles dlq;
    std::vector<ScopeWiring> scopes;
    std::vector<Problem> problems;
    std::vector<std::string> warnings;
};

void out(const std::string& text) { std::fputs(text.c_str(), stdout); }
void err(const std::string& text) { std::fputs(text.c_str(), stderr); }

uint64_t file_size(const std::string& path, bool& exists) {
    struct stat st {};
    exists = ::stat(path.c_str(), &st) == 0;
    return exists ? static_cast<uint64_t>(st.st_size) : 0;
}

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

StoreFacts store_facts(const GlobalOptions& globals, TimestampUs now) {
    StoreFacts facts;
    facts.path = globals.database_path();
    facts.bytes = file_size(facts.path, facts.exists);
    bool wal_exists = false;
    facts.wal_bytes = file_size(facts.path + "-wal", wal_exists);
    // status never creates a store: only an existing one is opened.
    if (!facts.exists) return facts;
    auto store = open_sqlite_store(facts.path);
    if (!store) {
        facts.error = store.error().message;
        return facts;
    }
    auto activity = (*store)->source_activity(now - kHourUs);
    if (!activity) {
        facts.error = activity.error().message;
        return facts;
    }
    facts.sources = std::move(*activity);
    return facts;
}

QueueFiles spool_facts(const std::string& data_dir) {
    QueueFiles facts;
    facts.dir = data_dir + "/spool";
    auto stats = spool_stats(facts.dir);
    if (!stats) {
        facts.error = stats.error().message;
        return facts;
    }
    facts.count = stats->pending_records;
    return facts;
}

QueueFiles dlq_facts(const std::string& data_dir) {
    QueueFiles facts;
    facts.dir = data_dir + "/dlq";
    std::error_code ec;
    if (!std::filesystem::exists(facts.dir, ec)) {
        facts.count = 0;
        return facts;
    }
    uint64_t count = 0;
    std::filesystem::directory_iterator it(facts.dir, ec);
    for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        if (it->path().extension() == ".json") ++count;
    }
    if (ec) {
        facts.error = "cannot list " + facts.dir + ": " + ec.message();
        return facts;
    }
    facts.count = count;
    return facts;
}

bool program_runs(const std::string& program) {
    // A bare name is looked up in PATH by sh; only paths can be checked here.
    if (program.find('/') == std::string::npos) return true;
    return ::access(program.c_str(), X_OK) == 0;
}

std::vector<ScopeWiring> wiring_facts() {
    std::vector<ScopeWiring> scopes;
    std::error_code ec;
    const std::filesystem::path project_dir = std::filesystem::current_path(ec);
    for (SettingsScope scope :
         {SettingsScope::user, SettingsScope::project, SettingsScope::local}) {
        if (ec && scope != SettingsScope::user) continue;
        ScopeWiring facts;
        facts.scope = scope;
        facts.path = settings_path(scope, project_dir).string();
        auto text = read_small_file(facts.path);
        if (!text) {
            facts.exists = true;
            facts.error = text.error().message;
        } else if (*text) {
            facts.exists = true;
            auto parsed = parse_settings(**text, facts.path);
            if (!parsed) {
                facts.error = parsed.error().message;
            } else {
                facts.wiring = inspect_wiring(*parsed);
                for (const std::string& command : facts.wiring.hooks.commands) {
                    auto program = hook_command_program(command);
                    if (program && !program_runs(*program)) {
                        facts.broken_commands.push_back(command);
                    }
                }
            }
        }
        scopes.push_back(std::move(facts));
    }
    return scopes;
}

std::optional<std::string> telemetry_value(const ScopeWiring& s, std::string_view key) {
    for (const auto& [k, v] : s.wiring.telemetry) {
        if (k == key) return v;
    }
    return std::nullopt;
}

void diagnose(StatusReport& r) {
    const ServerProbe& server = r.server;
    if (!server.reachable) {
        r.problems.push_back({"server not reachable at " + server.url + " (" + server.error + ")",
                              "start it: agent-trace serve"});
    } else if (!server.healthy_answer()) {
        r.problems.push_back(
            {"something answers at " + server.url + " but not agent-trace: " + server.error,
             "stop that program, or point agent-trace elsewhere with "
             "`agent-trace serve --hooks-listen` and `agent-trace init --server`"});
    } else {
        const bool store_down = server.flag("/store/available") == false ||
                                server.flag("/writer/store_unavailable") == true;
        if (store_down) {
            const std::string last = server.text("/writer/last_error").value_or("");
            r.problems.push_back(
                {"the server cannot write to its store" + (last.empty() ? "" : ": " + last),
                 "check free disk space and the permissions of " +
                     server.text("/store/path").value_or(r.store.path) +
                     "; the writer retries and events wait in the queue meanwhile"});
        } else if (auto status = server.text("/status"); status && *status != "ok") {
            r.warnings.push_back("the server reports status " + *status);
        }
        if (auto path = server.text("/store/path"); path && *path != r.store.path) {
            r.warnings.push_back("the server uses the store " + *path +
                                 ", this command looked at " + r.store.path +
                                 " (pass the server's --data-dir)");
        }
    }
    if (!r.store.error.empty()) {
        r.problems.push_back({"cannot read the store: " + r.store.error,
                              "check that " + r.store.path + " is readable"});
    }
    if (!r.spool.error.empty()) r.warnings.push_back("spool: " + r.spool.error);
    if (!r.dlq.error.empty()) r.warnings.push_back("dead letters: " + r.dlq.error);
    if (r.dlq.count.value_or(0) > 0) {
        r.warnings.push_back(
            fmt::format("{} dead letter(s): events that could not be stored; "
                        "see `agent-trace dlq list`",
                        *r.dlq.count));
    }
    if (r.spool.count.value_or(0) > 0 && !server.healthy_answer()) {
        r.warnings.push_back(fmt::format(
            "{} hook event(s) wait in the spool; they are delivered when the server runs",
            *r.spool.count));
    }

    // Claude Code merges hooks across scopes and lets the narrower scope's env win
    // (local over project over user): judge the union and the effective values.
    std::set<std::string> wired;
    std::map<std::string, std::pair<std::string, const ScopeWiring*>> effective_env;
    for (const ScopeWiring& s : r.scopes) {
        if (!s.error.empty()) {
            r.problems.push_back(
                {std::string(scope_name(s.scope)) + " settings cannot be used: " + s.error,
                 "fix the file by hand (Claude Code ignores an invalid one)"});
            continue;
        }
        if (!s.exists) continue;
        for (const std::string& event : events_to_register()) {
            const auto& missing = s.wiring.hooks.missing_events;
            if (std::find(missing.begin(), missing.end(), event) == missing.end()) {
                wired.insert(event);
            }
        }
        if (s.wiring.hooks.hooks_disabled) {
            r.problems.push_back({std::string(scope_name(s.scope)) + " settings (" + s.path +
                                      ") set \"disableAllHooks\": true, so no hook runs",
                                  "remove disableAllHooks from that file"});
        }
        for (const std::string& command : s.broken_commands) {
            r.problems.push_back(
                {"the hook command in " + s.path + " names a program that cannot run: " + command,
                 "run `agent-trace init` again to write this install's path"});
        }
        for (const std::string& command : s.wiring.hooks.commands) {
            const std::string target =
                hook_command_option(command, "--server").value_or(std::string(kDefaultServerUrl));
            auto normalized = normalize_server_url(target);
            if (server.url != (normalized ? *normalized : target)) {
                r.warnings.push_back(
                    "the hook command in " + s.path + " sends to " + target + ", not " +
                    server.url +
                    ": its events reach this server only through the spool, when both use the "
                    "same data directory; `agent-trace init --server " +
                    server.url + "` points it here");
            }
        }
        for (const auto& [key, value] : s.wiring.telemetry) effective_env[key] = {value, &s};
    }
    const std::vector<std::string> all_events = events_to_register();
    if (wired.empty()) {
        r.problems.push_back(
            {"no Claude Code hooks run agent-trace (checked user, project and local settings)",
             "agent-trace init"});
        return;
    }
    if (wired.size() < all_events.size()) {
        std::vector<std::string> missing;
        for (const std::string& event : all_events) {
            if (wired.count(event) == 0) missing.push_back(event);
        }
        r.warnings.push_back(
            fmt::format("{} of {} hook events are wired (missing: {}); "
                        "`agent-trace init` adds the rest",
                        wired.size(), all_events.size(), fmt::join(missing, ", ")));
    }

    auto where = [&](const std::string& key) {
        const auto it = effective_env.find(key);
        return it == effective_env.end()
                   ? key + " is not set"
                   : fmt::format("{}={} in {}", key, it->second.first, it->second.second->path);
    };
    auto value = [&](const std::string& key) -> std::optional<std::string> {
        const auto it = effective_env.find(key);
        if (it == effective_env.end()) return std::nullopt;
        return it->second.first;
    };
    const std::string fix = "; `agent-trace init` sets it (--force replaces a value of yours)";
    if (value("CLAUDE_CODE_ENABLE_TELEMETRY") != "1") {
        r.warnings.push_back(
            "Claude Code telemetry (OTEL) is off: " + where("CLAUDE_CODE_ENABLE_TELEMETRY") + fix);
        return;
    }
    for (const char* key : {"OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER"}) {
        if (value(key).value_or("").find("otlp") == std::string::npos) {
            r.warnings.push_back(
                "Claude Code's " +
                std::string(key == std::string_view("OTEL_METRICS_EXPORTER") ? "metrics" : "logs") +
                " do not reach agent-trace: " + where(key) + fix);
        }
    }
    if (const auto protocol = value("OTEL_EXPORTER_OTLP_PROTOCOL");
        protocol != "http/protobuf" && protocol != "http/json") {
        r.warnings.push_back(
            "agent-trace takes OTLP over HTTP: " + where("OTEL_EXPORTER_OTLP_PROTOCOL") + fix);
    }
    if (const auto endpoint = value("OTEL_EXPORTER_OTLP_ENDPOINT")) {
        auto normalized = normalize_server_url(*endpoint);
        if (!normalized || *normalized != server.url) {
            r.warnings.push_back(where("OTEL_EXPORTER_OTLP_ENDPOINT") +
                                 ": OTEL data goes there, not to " + server.url);
        }
    } else {
        r.warnings.push_back("OTEL_EXPORTER_OTLP_ENDPOINT is not set" + fix);
    }
}

StatusReport collect(const GlobalOptions& globals, const std::string& server_url) {
    StatusReport r;
    const TimestampUs now = now_us();
    r.server = probe_server(server_url, kServerProbeTimeout);
    r.data_dir = globals.data_dir;
    r.store = store_facts(globals, now);
    r.spool = spool_facts(globals.data_dir);
    r.dlq = dlq_facts(globals.data_dir);
    r.scopes = wiring_facts();
    diagnose(r);
    return r;
}

Json count_or_null(const std::optional<uint64_t>& value) {
    return value ? Json(*value) : Json(nullptr);
}

std::string render_json(const StatusReport& r, TimestampUs now) {
    Json j = Json::object();
    j["healthy"] = r.problems.empty();
    Json server = Json::object();
    server["url"] = r.server.url;
    server["reachable"] = r.server.reachable;
    server["http_status"] = r.server.http_status;
    server["error"] = r.server.error;
    server["health"] = r.server.health ? *r.server.health : Json(nullptr);
    j["server"] = std::move(server);
    j["data_dir"] = r.data_dir;
    Json store = Json::object();
    store["path"] = r.store.path;
    store["exists"] = r.store.exists;
    store["bytes"] = r.store.bytes;
    store["wal_bytes"] = r.store.wal_bytes;
    store["error"] = r.store.error;
    Json sources = Json::array();
    for (const SourceActivity& a : r.store.sources) {
        Json s = Json::object();
        s["source"] = a.source;
        s["events_last_hour"] = a.events_since;
        s["events_total"] = a.events_total;
        s["last_event_at"] =
            a.last_event_ts > 0 ? Json(format_iso8601_utc(a.last_event_ts)) : Json(nullptr);
        s["last_ingest_at"] =
            a.last_ingest_ts > 0 ? Json(format_iso8601_utc(a.last_ingest_ts)) : Json(nullptr);
        sources.push_back(std::move(s));
    }
    store["sources"] = std::move(sources);
    j["store"] = std::move(store);
    j["spool"] = {{"dir", r.spool.dir}, {"pending_records", count_or_null(r.spool.count)}};
    j["dlq"] = {{"dir", r.dlq.dir}, {"count", count_or_null(r.dlq.count)}};
    Json scopes = Json::array();
    for (const ScopeWiring& s : r.scopes) {
        Json e = Json::object();
        e["scope"] = scope_name(s.scope);
        e["path"] = s.path;
        e["exists"] = s.exists;
        e["error"] = s.error;
        e["hook_events_wired"] = s.wiring.hooks.events_wired;
        e["hook_events_known"] = s.wiring.hooks.events_known;
        e["missing_events"] = s.wiring.hooks.missing_events;
        e["hook_commands"] = s.wiring.hooks.commands;
        e["hooks_disabled"] = s.wiring.hooks.hooks_disabled;
        Json telemetry = Json::object();
        for (const auto& [key, value] : s.wiring.telemetry) telemetry[key] = value;
        e["telemetry"] = std::move(telemetry);
        scopes.push_back(std::move(e));
    }
    j["claude_code"] = std::move(scopes);
    Json problems = Json::array();
    for (const Problem& p : r.problems)
        problems.push_back({{"problem", p.problem}, {"fix", p.fix}});
    j["problems"] = std::move(problems);
    j["warnings"] = r.warnings;
    j["checked_at"] = format_iso8601_utc(now);
    return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
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
        for (const Problem& p : r.problems) {
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
        const TimestampUs now = now_us();
        const StatusReport report = collect(globals, *url);
        out(flags->json ? render_json(report, now) : render_text(report, now));
        exit_code = report.problems.empty() ? 0 : kExitUnhealthy;
    });
}

}  // namespace agent_trace::cli
