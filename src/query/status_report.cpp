#include "query/status_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <system_error>
#include <utility>

#include "core/file_io.hpp"
#include "pipeline/spool/spool.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace agent_trace {
namespace {

constexpr TimestampUs kHourUs = 3600LL * 1000 * 1000;

using Json = nlohmann::ordered_json;

const Json* at_pointer(const std::shared_ptr<const Json>& health, std::string_view pointer) {
    if (!health || !health->is_object()) return nullptr;
    const Json& root = *health;
    try {
        const Json::json_pointer p{std::string(pointer)};
        if (!root.contains(p)) return nullptr;
        return &root.at(p);
    } catch (const Json::exception&) {
        return nullptr;
    }
}

uint64_t file_size(const std::string& path, bool& exists) {
    struct stat st {};
    exists = ::stat(path.c_str(), &st) == 0;
    return exists ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace

std::optional<int64_t> ServerProbe::integer(std::string_view pointer) const {
    const Json* value = at_pointer(health, pointer);
    if (value == nullptr || !value->is_number()) return std::nullopt;
    if (value->is_number_float()) return static_cast<int64_t>(value->get<double>());
    if (value->is_number_unsigned()) return static_cast<int64_t>(value->get<uint64_t>());
    return value->get<int64_t>();
}

std::optional<std::string> ServerProbe::text(std::string_view pointer) const {
    const Json* value = at_pointer(health, pointer);
    if (value == nullptr || !value->is_string()) return std::nullopt;
    return value->get<std::string>();
}

std::optional<bool> ServerProbe::flag(std::string_view pointer) const {
    const Json* value = at_pointer(health, pointer);
    if (value == nullptr || !value->is_boolean()) return std::nullopt;
    return value->get<bool>();
}

ServerProbe in_process_probe(const std::string& hooks_url, const std::string& health_json) {
    ServerProbe probe;
    probe.url = hooks_url;
    probe.reachable = true;
    probe.http_status = 200;
    Json body = Json::parse(health_json, nullptr, false);
    if (!body.is_discarded() && body.is_object()) {
        probe.health = std::make_shared<const Json>(std::move(body));
    } else {
        probe.error = "the server's own health document is not a JSON object";
    }
    return probe;
}

std::optional<std::string> telemetry_value(const ScopeWiring& scope, std::string_view key) {
    for (const auto& [k, v] : scope.wiring.telemetry) {
        if (k == key) return v;
    }
    return std::nullopt;
}

namespace {

StatusStoreFacts store_facts(const StatusInputs& inputs) {
    StatusStoreFacts facts;
    facts.path = inputs.database_path;
    facts.bytes = file_size(facts.path, facts.exists);
    bool wal_exists = false;
    facts.wal_bytes = file_size(facts.path + "-wal", wal_exists);
    // status never creates a store: only an existing one is opened.
    if (!facts.exists) return facts;
    SqliteStoreOptions options;
    options.read_only = inputs.read_only_store;
    auto store = inputs.read_only_store ? open_sqlite_store(facts.path, options)
                                        : open_sqlite_store(facts.path);
    if (!store) {
        facts.error = store.error().message;
        return facts;
    }
    auto activity = (*store)->source_activity(inputs.now - kHourUs);
    if (!activity) {
        facts.error = activity.error().message;
        return facts;
    }
    facts.sources = std::move(*activity);
    auto active = (*store)->active_sessions(inputs.now - kActiveWindowSeconds * 1'000'000,
                                            kActiveSessionIdsShown);
    if (!active) {
        facts.error = active.error().message;
        return facts;
    }
    facts.active = std::move(*active);
    return facts;
}

StatusQueueFiles spool_facts(const std::string& data_dir) {
    StatusQueueFiles facts;
    facts.dir = data_dir + "/spool";
    auto stats = spool_stats(facts.dir);
    if (!stats) {
        facts.error = stats.error().message;
        return facts;
    }
    facts.count = stats->pending_records;
    return facts;
}

StatusQueueFiles dlq_facts(const std::string& data_dir) {
    StatusQueueFiles facts;
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

std::vector<ScopeWiring> wiring_facts(const std::filesystem::path& project_dir) {
    std::vector<ScopeWiring> scopes;
    for (SettingsScope scope :
         {SettingsScope::user, SettingsScope::project, SettingsScope::local}) {
        if (project_dir.empty() && scope != SettingsScope::user) continue;
        ScopeWiring facts;
        facts.scope = scope;
        facts.path = settings_path(scope, project_dir).string();
        auto text = file_io::read_small_file(facts.path);
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

Json count_or_null(const std::optional<uint64_t>& value) {
    return value ? Json(*value) : Json(nullptr);
}

}  // namespace

StatusReport collect_status(const StatusInputs& inputs) {
    StatusReport r;
    r.server = inputs.server;
    r.data_dir = inputs.data_dir;
    r.store = store_facts(inputs);
    r.spool = spool_facts(inputs.data_dir);
    r.dlq = dlq_facts(inputs.data_dir);
    r.scopes = wiring_facts(inputs.project_dir);
    diagnose(r);
    return r;
}

std::string status_report_json(const StatusReport& r, TimestampUs now, StatusJsonStyle style) {
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
    j["active_sessions"] = {{"count", r.store.active.count},
                            {"window_s", kActiveWindowSeconds},
                            {"session_ids", r.store.active.session_ids}};
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
    for (const StatusProblem& p : r.problems)
        problems.push_back({{"problem", p.problem}, {"fix", p.fix}});
    j["problems"] = std::move(problems);
    j["warnings"] = r.warnings;
    j["checked_at"] = format_iso8601_utc(now);
    if (style == StatusJsonStyle::compact) {
        return j.dump(-1, ' ', false, Json::error_handler_t::replace);
    }
    return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace agent_trace
