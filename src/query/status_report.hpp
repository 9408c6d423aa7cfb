#pragma once
// Is capture working? The report `agent-trace status` prints and serve answers at
// GET /api/v1/status: the server's health, the store (size, WAL, events per
// source, sessions live now), the hook spool and dead letters, Claude Code's
// wiring in its user, project and local settings, and every problem with its fix.
// One builder for both: the CLI hands it the health it probed over HTTP, serve
// the health it has in-process; everything else the builder reads itself.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "ingest/hooks/claude_settings.hpp"
#include "store/store.hpp"

namespace agent_trace {

// What a server said about itself (its /healthz document), read tolerantly: a
// member that is missing or of another type is "unknown", never an error, so an
// older or newer server still reports.
struct ServerProbe {
    std::string url;         // where hooks go: "http://127.0.0.1:8317"
    bool reachable = false;  // something answered HTTP
    int http_status = 0;
    std::string error;  // why it is unreachable, or what was wrong with the answer
    // The /healthz body when it was a JSON object. Shared and immutable: a probe is
    // copied into reports, and its moves must not throw.
    std::shared_ptr<const nlohmann::ordered_json> health;

    [[nodiscard]] bool healthy_answer() const { return reachable && health != nullptr; }
    [[nodiscard]] std::optional<int64_t> integer(std::string_view pointer) const;
    [[nodiscard]] std::optional<std::string> text(std::string_view pointer) const;
    [[nodiscard]] std::optional<bool> flag(std::string_view pointer) const;
};

// A probe of the server this process is: its own health document, at `hooks_url`.
ServerProbe in_process_probe(const std::string& hooks_url, const std::string& health_json);

// Sessions count as live when their last event is this recent (and they did not end).
inline constexpr int64_t kActiveWindowSeconds = 300;
inline constexpr size_t kActiveSessionIdsShown = 20;

struct StatusProblem {
    std::string problem;
    std::string fix;
};

struct StatusStoreFacts {
    std::string path;
    bool exists = false;
    uint64_t bytes = 0;
    uint64_t wal_bytes = 0;
    std::vector<SourceActivity> sources;
    ActiveSessions active;
    std::string error;
};

struct StatusQueueFiles {
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
    StatusStoreFacts store;
    StatusQueueFiles spool;
    StatusQueueFiles dlq;
    std::vector<ScopeWiring> scopes;
    std::vector<StatusProblem> problems;
    std::vector<std::string> warnings;
    [[nodiscard]] bool healthy() const { return problems.empty(); }
};

struct StatusInputs {
    ServerProbe server;  // the facts the builder cannot gather itself
    std::string data_dir;
    std::string database_path;
    // Where the project and local settings are looked for (the working directory);
    // empty: the user settings only.
    std::filesystem::path project_dir;
    // Open the store read-only (serve, whose writer owns it); otherwise an existing
    // store is opened as `status` always did. A missing store is never created.
    bool read_only_store = false;
    TimestampUs now = 0;
};

StatusReport collect_status(const StatusInputs& inputs);

// The report as JSON: pretty-printed with a final newline for `agent-trace status
// --json`, on one line for GET /api/v1/status.
enum class StatusJsonStyle : uint8_t { pretty, compact };
std::string status_report_json(const StatusReport& report, TimestampUs now,
                               StatusJsonStyle style = StatusJsonStyle::pretty);

// The value `key` has in a scope's settings env, if set there.
std::optional<std::string> telemetry_value(const ScopeWiring& scope, std::string_view key);

}  // namespace agent_trace
