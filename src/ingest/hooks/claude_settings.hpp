#pragma once
// Claude Code's settings.json as `init` and `status` see it: where each scope's
// file lives, how our hook commands and telemetry env are recognised, and the
// merge that adds them (and takes exactly them away again) without disturbing
// anything else in the file.
#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace agent_trace {

// Key order matters to the people who read these files: keep it as written.
using SettingsJson = nlohmann::ordered_json;

enum class SettingsScope { user, project, local };

std::string_view scope_name(SettingsScope scope);
std::optional<SettingsScope> parse_scope(std::string_view name);

// user: $CLAUDE_CONFIG_DIR/settings.json, else $HOME/.claude/settings.json;
// project: <project_dir>/.claude/settings.json; local: <project_dir>/.claude/settings.local.json.
std::filesystem::path settings_path(SettingsScope scope, const std::filesystem::path& project_dir);

// Empty (or all-whitespace) text is an empty object, so a freshly touched file can
// be wired. Anything else must be a JSON object; the error names `path_for_errors`,
// the line and the column.
Result<SettingsJson> parse_settings(std::string_view text, const std::string& path_for_errors);

// Two-space indent, UTF-8 kept as is, trailing newline.
std::string serialize_settings(const SettingsJson& settings);

// ---- what agent-trace puts in the file ------------------------------------------------

// Where hook-handler sends when its command names no --server.
inline constexpr std::string_view kDefaultServerUrl = "http://127.0.0.1:8317";

// "http://127.0.0.1:8317/" -> "http://127.0.0.1:8317"; refuses non-loopback hosts,
// which the hook handler would refuse too.
Result<std::string> normalize_server_url(std::string_view url);

// The events `init` registers: every known one that only observes.
std::vector<std::string> events_to_register();

// Quoted for `sh -c` only when it has to be, so the common path stays readable.
std::string shell_quote(std::string_view word);

// "<front> hook-handler[ --tier N][ --server URL][ --data-dir DIR]".
std::string hook_handler_command(const std::string& front_path, std::optional<int> tier,
                                 const std::optional<std::string>& server_url,
                                 const std::optional<std::string>& data_dir = std::nullopt);

// True for a command that runs `agent-trace hook-handler`, whatever the path,
// quoting or flags.
bool is_agent_trace_hook_command(std::string_view command);

// The program a hook command runs (its first word after VAR=value assignments).
std::optional<std::string> hook_command_program(std::string_view command);

// The value of `flag` ("--server") in a hook command, as "--server URL" or "--server=URL".
std::optional<std::string> hook_command_option(std::string_view command, std::string_view flag);

// The OTEL variables that point Claude Code at `endpoint`, in the order written.
std::vector<std::pair<std::string, std::string>> telemetry_env(int tier,
                                                               const std::string& endpoint);

// Every key telemetry_env may write, for any tier.
const std::vector<std::string>& telemetry_env_keys();

// ---- inspection (status) --------------------------------------------------------------

struct HookWiring {
    size_t events_known = 0;  // events init registers
    size_t events_wired = 0;  // of those, how many carry an agent-trace handler
    std::vector<std::string> missing_events;
    std::vector<std::string> commands;  // distinct agent-trace handler commands, in file order
    bool hooks_disabled = false;        // "disableAllHooks": true
};

struct SettingsWiring {
    HookWiring hooks;
    // Telemetry-related env keys found in "env" (CLAUDE_CODE_ENABLE_TELEMETRY, OTEL_*), as written.
    std::vector<std::pair<std::string, std::string>> telemetry;
};

SettingsWiring inspect_wiring(const SettingsJson& settings);

// ---- the merge ------------------------------------------------------------------------

// What one `init` added to one settings file, kept so `init --uninstall` can take
// exactly that away and put back what it replaced.
struct AddedHook {
    std::string event;
    std::string command;         // the command last written
    bool created_event = false;  // the event's array did not exist before
    bool created_group = false;  // our handler sits in a group init appended
};

struct AddedEnv {
    std::string key;
    std::string value;                    // what init wrote
    std::optional<std::string> previous;  // what was there before (as JSON text), if anything
};

struct WiringRecord {
    std::string settings_path;  // absolute, symlinks resolved
    std::string installed_at;   // ISO 8601, first init
    bool created_file = false;
    std::vector<std::string> created_dirs;  // deepest last
    bool created_hooks_key = false;
    bool created_env_key = false;
    std::vector<AddedHook> hooks;
    std::vector<AddedEnv> env;
    std::string original_text;  // the file's bytes before the first init
};

struct WireRequest {
    std::string command;                                   // hook_handler_command(...)
    std::vector<std::string> events;                       // events_to_register()
    std::vector<std::pair<std::string, std::string>> env;  // telemetry_env(...)
    bool force = false;  // overwrite env values the user set to something else
};

struct MergeReport {
    size_t events_added = 0;
    size_t events_updated = 0;  // an agent-trace handler with another command was rewritten
    size_t events_unchanged = 0;
    size_t events_removed = 0;
    std::vector<std::string> env_set;       // keys written (added or changed)
    std::vector<std::string> env_restored;  // keys put back to the user's earlier value or removed
    std::vector<std::string> warnings;      // conflicts kept, edits left alone
};

// Adds the request's hooks and env to `settings` in place. `record` is the
// previous init's record for this file (empty for a first init) and is updated.
// Fails, leaving `settings` unusable for writing, when the file's shape is not
// what Claude Code accepts (e.g. "hooks" is not an object).
Result<MergeReport> merge_wiring(SettingsJson& settings, WiringRecord& record,
                                 const WireRequest& request);

// Removes what `record` says init added, keeping everything the user changed or
// added since. Without a record (nullopt), removes every agent-trace hook handler
// (and the groups and event arrays left empty by that) but no env key unless
// `force`, in which case env keys still holding exactly the values init writes
// (`fallback_env`) are removed too.
Result<MergeReport> unmerge_wiring(
    SettingsJson& settings, const std::optional<WiringRecord>& record, bool force,
    const std::vector<std::pair<std::string, std::string>>& fallback_env);

}  // namespace agent_trace
