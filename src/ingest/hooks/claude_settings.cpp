#include "ingest/hooks/claude_settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "cli/hook_handler/loopback_http.hpp"
#include "ingest/hooks/hook_events.hpp"

namespace agent_trace {
namespace {

constexpr int kHookTimeoutSeconds = 10;

std::string env_or_empty(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? std::string(value) : std::string();
}

bool is_blank(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

// Line and column (1-based) of the byte at `offset`; columns count bytes.
std::pair<size_t, size_t> line_and_column(std::string_view text, size_t offset) {
    offset = std::min(offset, text.size());
    size_t line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    return {line, offset - line_start + 1};
}

// nlohmann's message without its "[json.exception...] parse error at line L, column C: "
// prefix: we print our own position.
std::string parse_error_reason(const std::string& what) {
    const size_t column = what.find("column ");
    if (column != std::string::npos) {
        const size_t colon = what.find(": ", column);
        if (colon != std::string::npos) return what.substr(colon + 2);
    }
    const size_t bracket = what.find("] ");
    return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

// Shell words of `command`, enough of sh's quoting to find the program and its
// first argument: '...', "..." with \-escapes, and backslashes outside quotes.
std::vector<std::string> shell_words(std::string_view command) {
    std::vector<std::string> words;
    std::string current;
    bool in_word = false;
    for (size_t i = 0; i < command.size(); ++i) {
        const char c = command[i];
        if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word) words.push_back(std::move(current));
            current.clear();
            in_word = false;
            continue;
        }
        // Anything that starts another command ends the first one.
        if (c == ';' || c == '|' || c == '&' || c == '(' || c == ')' || c == '<' || c == '>') {
            if (in_word) words.push_back(current);
            return words;
        }
        in_word = true;
        if (c == '\'') {
            const size_t end = command.find('\'', i + 1);
            if (end == std::string_view::npos) break;
            current.append(command.substr(i + 1, end - i - 1));
            i = end;
        } else if (c == '"') {
            size_t j = i + 1;
            for (; j < command.size() && command[j] != '"'; ++j) {
                if (command[j] == '\\' && j + 1 < command.size()) ++j;
                current += command[j];
            }
            i = j;
        } else if (c == '\\' && i + 1 < command.size()) {
            current += command[++i];
        } else {
            current += c;
        }
    }
    if (in_word && !current.empty()) words.push_back(std::move(current));
    return words;
}

bool is_env_assignment(std::string_view word) {
    const size_t equals = word.find('=');
    if (equals == std::string_view::npos || equals == 0) return false;
    const auto valid = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_';
    };
    return std::all_of(word.begin(), word.begin() + static_cast<std::ptrdiff_t>(equals), valid) &&
           !(word[0] >= '0' && word[0] <= '9');
}

bool is_agent_trace_handler(const SettingsJson& handler) {
    if (!handler.is_object()) return false;
    const auto type = handler.find("type");
    if (type == handler.end() || !type->is_string() || *type != "command") return false;
    const auto command = handler.find("command");
    return command != handler.end() && command->is_string() &&
           is_agent_trace_hook_command(command->get<std::string>());
}

// An http hook posting to our hooks endpoint also feeds agent-trace.
bool is_agent_trace_http_handler(const SettingsJson& handler) {
    if (!handler.is_object()) return false;
    const auto type = handler.find("type");
    const auto url = handler.find("url");
    return type != handler.end() && type->is_string() && *type == "http" && url != handler.end() &&
           url->is_string() && url->get<std::string>().find("/v1/hooks") != std::string::npos;
}

SettingsJson new_handler(const std::string& command) {
    SettingsJson handler = SettingsJson::object();
    handler["type"] = "command";
    handler["command"] = command;
    handler["timeout"] = kHookTimeoutSeconds;
    return handler;
}

// A value as the text a user would compare: strings bare, anything else as JSON.
std::string value_text(const SettingsJson& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

std::optional<std::string> env_value(const SettingsJson& settings, const std::string& key) {
    const auto env = settings.find("env");
    if (env == settings.end() || !env->is_object()) return std::nullopt;
    const auto value = env->find(key);
    if (value == env->end()) return std::nullopt;
    return value_text(*value);
}

// The JSON the key held, so restoring a number puts back a number.
std::optional<std::string> env_json(const SettingsJson& settings, const std::string& key) {
    const auto env = settings.find("env");
    if (env == settings.end() || !env->is_object()) return std::nullopt;
    const auto value = env->find(key);
    if (value == env->end()) return std::nullopt;
    return value->dump();
}

SettingsJson json_from_text(const std::string& text) {
    SettingsJson value = SettingsJson::parse(text, nullptr, false);
    return value.is_discarded() ? SettingsJson(text) : value;
}

Status check_shape(const SettingsJson& settings) {
    if (!settings.is_object()) return make_error("the settings are not a JSON object");
    if (const auto hooks = settings.find("hooks"); hooks != settings.end()) {
        if (!hooks->is_object()) {
            return make_error(std::string("\"hooks\" is a ") + hooks->type_name() +
                              ", not an object; fix it by hand first");
        }
        for (const auto& [event, groups] : hooks->items()) {
            if (!groups.is_array()) {
                return make_error("\"hooks\"." + event + " is a " + groups.type_name() +
                                  ", not an array; fix it by hand first");
            }
        }
    }
    if (const auto env = settings.find("env"); env != settings.end() && !env->is_object()) {
        return make_error(std::string("\"env\" is a ") + env->type_name() +
                          ", not an object; fix it by hand first");
    }
    return Ok{};
}

struct RemovalResult {
    bool removed_any = false;
    bool left_empty = false;  // the array has no groups left
};

// Removes agent-trace handlers from one event's groups. A group that held one
// and is left with no handler and nothing else is dropped when `drop_empty_groups`.
RemovalResult remove_agent_trace_handlers(SettingsJson& groups, bool drop_empty_groups) {
    RemovalResult result;
    for (auto group = groups.begin(); group != groups.end();) {
        bool removed_here = false;
        if (group->is_object()) {
            auto handlers = group->find("hooks");
            if (handlers != group->end() && handlers->is_array()) {
                for (auto h = handlers->begin(); h != handlers->end();) {
                    if (is_agent_trace_handler(*h)) {
                        h = handlers->erase(h);
                        removed_here = true;
                    } else {
                        ++h;
                    }
                }
                if (removed_here && drop_empty_groups && handlers->empty() && group->size() == 1) {
                    group = groups.erase(group);
                    result.removed_any = true;
                    continue;
                }
            }
        }
        result.removed_any = result.removed_any || removed_here;
        ++group;
    }
    result.left_empty = groups.empty();
    return result;
}

void erase_if_empty(SettingsJson& settings, const char* key) {
    const auto it = settings.find(key);
    if (it != settings.end() && it->is_object() && it->empty()) settings.erase(it);
}

}  // namespace

Result<std::string> normalize_server_url(std::string_view url) {
    auto parsed = cli::parse_loopback_url(url);
    if (!parsed) return make_error(std::string(url) + ": " + parsed.error().message);
    // Spelled out in full: OTEL exporters need the scheme, and the hook command and
    // the OTEL endpoint should name the same place the same way.
    std::string normalized = "http://";
    normalized += parsed->ipv6 ? "[" + parsed->host + "]" : parsed->host;
    normalized += ":" + std::to_string(parsed->port);
    normalized += parsed->base_path;
    return normalized;
}

std::string_view scope_name(SettingsScope scope) {
    switch (scope) {
        case SettingsScope::user:
            return "user";
        case SettingsScope::project:
            return "project";
        case SettingsScope::local:
            return "local";
    }
    return "user";
}

std::optional<SettingsScope> parse_scope(std::string_view name) {
    for (SettingsScope s : {SettingsScope::user, SettingsScope::project, SettingsScope::local}) {
        if (scope_name(s) == name) return s;
    }
    return std::nullopt;
}

std::filesystem::path settings_path(SettingsScope scope, const std::filesystem::path& project_dir) {
    switch (scope) {
        case SettingsScope::user: {
            if (const std::string dir = env_or_empty("CLAUDE_CONFIG_DIR"); !dir.empty()) {
                return std::filesystem::path(dir) / "settings.json";
            }
            const std::string home = env_or_empty("HOME");
            return std::filesystem::path(home.empty() ? "." : home) / ".claude" / "settings.json";
        }
        case SettingsScope::project:
            return project_dir / ".claude" / "settings.json";
        case SettingsScope::local:
            return project_dir / ".claude" / "settings.local.json";
    }
    return {};
}

Result<SettingsJson> parse_settings(std::string_view text, const std::string& path_for_errors) {
    if (is_blank(text)) return SettingsJson::object();
    try {
        SettingsJson settings = SettingsJson::parse(text.begin(), text.end());
        if (!settings.is_object()) {
            return make_error(path_for_errors + ": the settings must be a JSON object, found " +
                              settings.type_name());
        }
        return settings;
    } catch (const SettingsJson::parse_error& e) {
        // `byte` is one past the character that failed.
        const size_t offset = e.byte > 0 ? e.byte - 1 : 0;
        const auto [line, column] = line_and_column(text, offset);
        return make_error(path_for_errors + ":" + std::to_string(line) + ":" +
                          std::to_string(column) +
                          ": invalid JSON: " + parse_error_reason(e.what()));
    } catch (const SettingsJson::exception& e) {
        return make_error(path_for_errors + ": invalid JSON: " + parse_error_reason(e.what()));
    }
}

std::string serialize_settings(const SettingsJson& settings) {
    return settings.dump(2, ' ', false, SettingsJson::error_handler_t::replace) + "\n";
}

std::vector<std::string> events_to_register() {
    std::vector<std::string> events;
    for (const hooks::HookEventInfo& info : hooks::known_hook_events()) {
        if (info.registered_by_init) events.emplace_back(info.name);
    }
    return events;
}

std::string shell_quote(std::string_view word) {
    const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
    });
    if (plain) return std::string(word);
    std::string quoted = "'";
    for (char c : word) {
        if (c == '\'') {
            quoted += "'\\''";
        } else {
            quoted += c;
        }
    }
    return quoted + "'";
}

std::string hook_handler_command(const std::string& front_path, std::optional<int> tier,
                                 const std::optional<std::string>& server_url,
                                 const std::optional<std::string>& data_dir) {
    std::string command = shell_quote(front_path) + " hook-handler";
    if (tier) command += " --tier " + std::to_string(*tier);
    if (server_url) command += " --server " + shell_quote(*server_url);
    if (data_dir) command += " --data-dir " + shell_quote(*data_dir);
    return command;
}

std::optional<std::string> hook_command_program(std::string_view command) {
    const std::vector<std::string> words = shell_words(command);
    for (const std::string& word : words) {
        if (!is_env_assignment(word)) return word;
    }
    return std::nullopt;
}

std::optional<std::string> hook_command_option(std::string_view command, std::string_view flag) {
    const std::vector<std::string> words = shell_words(command);
    for (size_t i = 0; i < words.size(); ++i) {
        const std::string_view word = words[i];
        if (word == flag && i + 1 < words.size()) return words[i + 1];
        if (word.size() > flag.size() && word.substr(0, flag.size()) == flag &&
            word[flag.size()] == '=') {
            return std::string(word.substr(flag.size() + 1));
        }
    }
    return std::nullopt;
}

bool is_agent_trace_hook_command(std::string_view command) {
    const std::vector<std::string> words = shell_words(command);
    size_t i = 0;
    while (i < words.size() && is_env_assignment(words[i])) ++i;
    if (i + 1 >= words.size()) return false;
    const std::string& program = words[i];
    const size_t slash = program.rfind('/');
    const std::string_view name = slash == std::string::npos
                                      ? std::string_view(program)
                                      : std::string_view(program).substr(slash + 1);
    return name == "agent-trace" && words[i + 1] == "hook-handler";
}

std::vector<std::pair<std::string, std::string>> telemetry_env(int tier,
                                                               const std::string& endpoint) {
    std::vector<std::pair<std::string, std::string>> env = {
        {"CLAUDE_CODE_ENABLE_TELEMETRY", "1"},
        {"OTEL_METRICS_EXPORTER", "otlp"},
        {"OTEL_LOGS_EXPORTER", "otlp"},
        {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"},
        {"OTEL_EXPORTER_OTLP_ENDPOINT", endpoint},
    };
    if (tier >= 2) {
        env.emplace_back("OTEL_LOG_USER_PROMPTS", "1");
        env.emplace_back("OTEL_LOG_TOOL_DETAILS", "1");
        // Unset, Claude Code falls back to OTEL_LOG_USER_PROMPTS and would send
        // assistant text (tier 3 content) at tier 2.
        env.emplace_back("OTEL_LOG_ASSISTANT_RESPONSES", tier >= 3 ? "1" : "0");
    }
    return env;
}

const std::vector<std::string>& telemetry_env_keys() {
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> all;
        for (const auto& [key, value] : telemetry_env(3, "")) all.push_back(key);
        return all;
    }();
    return keys;
}

SettingsWiring inspect_wiring(const SettingsJson& settings) {
    SettingsWiring wiring;
    if (!settings.is_object()) return wiring;
    if (const auto off = settings.find("disableAllHooks"); off != settings.end()) {
        wiring.hooks.hooks_disabled = off->is_boolean() && off->get<bool>();
    }
    const auto hooks = settings.find("hooks");
    for (const std::string& event : events_to_register()) {
        ++wiring.hooks.events_known;
        bool wired = false;
        if (hooks != settings.end() && hooks->is_object()) {
            const auto groups = hooks->find(event);
            if (groups != hooks->end() && groups->is_array()) {
                for (const auto& group : *groups) {
                    if (!group.is_object()) continue;
                    const auto handlers = group.find("hooks");
                    if (handlers == group.end() || !handlers->is_array()) continue;
                    for (const auto& handler : *handlers) {
                        if (is_agent_trace_handler(handler)) {
                            wired = true;
                            const std::string command = handler["command"].get<std::string>();
                            auto& seen = wiring.hooks.commands;
                            if (std::find(seen.begin(), seen.end(), command) == seen.end()) {
                                seen.push_back(command);
                            }
                        } else if (is_agent_trace_http_handler(handler)) {
                            wired = true;
                        }
                    }
                }
            }
        }
        if (wired) {
            ++wiring.hooks.events_wired;
        } else {
            wiring.hooks.missing_events.push_back(event);
        }
    }
    if (const auto env = settings.find("env"); env != settings.end() && env->is_object()) {
        for (const auto& [key, value] : env->items()) {
            if (key == "CLAUDE_CODE_ENABLE_TELEMETRY" || key.rfind("OTEL_", 0) == 0) {
                wiring.telemetry.emplace_back(key, value_text(value));
            }
        }
    }
    return wiring;
}

Result<MergeReport> merge_wiring(SettingsJson& settings, WiringRecord& record,
                                 const WireRequest& request) {
    if (auto shape = check_shape(settings); !shape) return shape.error();
    MergeReport report;

    // Hooks: one handler per event; an existing agent-trace handler is rewritten in
    // place rather than joined by a second one.
    if (!request.events.empty() && !settings.contains("hooks")) {
        settings["hooks"] = SettingsJson::object();
        record.created_hooks_key = true;
    }
    for (const std::string& event : request.events) {
        SettingsJson& hooks = settings["hooks"];
        const bool event_existed = hooks.contains(event);
        SettingsJson& groups = hooks[event];
        if (!event_existed) groups = SettingsJson::array();
        auto recorded = std::find_if(record.hooks.begin(), record.hooks.end(),
                                     [&](const AddedHook& h) { return h.event == event; });
        bool found = false;
        bool rewritten = false;
        for (auto& group : groups) {
            if (!group.is_object()) continue;
            auto handlers = group.find("hooks");
            if (handlers == group.end() || !handlers->is_array()) continue;
            for (auto& handler : *handlers) {
                if (!is_agent_trace_handler(handler)) continue;
                found = true;
                if (handler["command"] != request.command) {
                    handler["command"] = request.command;
                    rewritten = true;
                }
            }
        }
        if (!found) {
            SettingsJson group = SettingsJson::object();
            group["hooks"] = SettingsJson::array({new_handler(request.command)});
            groups.push_back(std::move(group));
            ++report.events_added;
            if (recorded == record.hooks.end()) {
                record.hooks.push_back({event, request.command, !event_existed, true});
            } else {
                // Recorded before but removed by hand since: ours again.
                recorded->command = request.command;
                recorded->created_event = recorded->created_event || !event_existed;
                recorded->created_group = true;
            }
            continue;
        }
        if (rewritten) {
            ++report.events_updated;
        } else {
            ++report.events_unchanged;
        }
        if (recorded != record.hooks.end()) {
            recorded->command = request.command;
        } else if (rewritten) {
            record.hooks.push_back({event, request.command, false, false});
        }
    }

    // Env: values the user set to something else are theirs unless --force.
    std::vector<std::string> wanted_keys;
    for (const auto& wanted : request.env) {
        const std::string& key = wanted.first;
        const std::string& value = wanted.second;
        wanted_keys.push_back(key);
        const std::optional<std::string> current = env_value(settings, key);
        auto recorded = std::find_if(record.env.begin(), record.env.end(),
                                     [&](const AddedEnv& e) { return e.key == key; });
        if (current == value) {
            if (recorded != record.env.end()) recorded->value = value;
            continue;
        }
        const bool ours = recorded != record.env.end() && current == recorded->value;
        if (current && !ours && !request.force) {
            report.warnings.push_back(
                fmt::format("kept env {}={} (yours; agent-trace would set {}); rerun with --force "
                            "to replace it",
                            key, *current, value));
            continue;
        }
        if (!settings.contains("env")) {
            settings["env"] = SettingsJson::object();
            record.created_env_key = true;
        }
        if (recorded == record.env.end()) {
            record.env.push_back({key, value, env_json(settings, key)});
        } else {
            // A user value replaced with --force after init: uninstall restores it.
            if (current && !ours) recorded->previous = env_json(settings, key);
            recorded->value = value;
        }
        settings["env"][key] = value;
        report.env_set.push_back(key);
    }
    // Keys an earlier init set that this one does not want (a lower tier).
    for (auto recorded = record.env.begin(); recorded != record.env.end();) {
        if (std::find(wanted_keys.begin(), wanted_keys.end(), recorded->key) != wanted_keys.end()) {
            ++recorded;
            continue;
        }
        const std::optional<std::string> current = env_value(settings, recorded->key);
        if (current == recorded->value) {
            if (recorded->previous) {
                settings["env"][recorded->key] = json_from_text(*recorded->previous);
            } else {
                settings["env"].erase(recorded->key);
            }
            report.env_restored.push_back(recorded->key);
        }
        recorded = record.env.erase(recorded);
    }
    if (record.created_env_key) erase_if_empty(settings, "env");
    return report;
}

Result<MergeReport> unmerge_wiring(
    SettingsJson& settings, const std::optional<WiringRecord>& record, bool force,
    const std::vector<std::pair<std::string, std::string>>& fallback_env) {
    if (auto shape = check_shape(settings); !shape) return shape.error();
    MergeReport report;
    const auto hooks = settings.find("hooks");

    if (record) {
        if (hooks != settings.end()) {
            for (const AddedHook& added : record->hooks) {
                const auto groups = hooks->find(added.event);
                if (groups == hooks->end()) continue;
                const RemovalResult removal =
                    remove_agent_trace_handlers(*groups, added.created_group);
                if (removal.removed_any) ++report.events_removed;
                if (removal.left_empty && added.created_event) hooks->erase(groups);
            }
            if (record->created_hooks_key) erase_if_empty(settings, "hooks");
        }
        for (const AddedEnv& added : record->env) {
            const std::optional<std::string> current = env_value(settings, added.key);
            if (!current) continue;
            if (*current != added.value) {
                report.warnings.push_back("left env " + added.key + "=" + *current +
                                          " alone: it was changed after init");
                continue;
            }
            if (added.previous) {
                settings["env"][added.key] = json_from_text(*added.previous);
            } else {
                settings["env"].erase(added.key);
            }
            report.env_restored.push_back(added.key);
        }
        if (record->created_env_key) erase_if_empty(settings, "env");
        return report;
    }

    // No record of what init did: only what is unmistakably ours goes.
    if (hooks != settings.end()) {
        for (auto event = hooks->begin(); event != hooks->end();) {
            const RemovalResult removal = remove_agent_trace_handlers(*event, true);
            if (removal.removed_any) ++report.events_removed;
            if (removal.removed_any && removal.left_empty) {
                event = hooks->erase(event);
            } else {
                ++event;
            }
        }
    }
    std::vector<std::string> matching;
    for (const auto& [key, value] : fallback_env) {
        if (env_value(settings, key) == value) matching.push_back(key);
    }
    if (!matching.empty() && !force) {
        std::string keys;
        for (const std::string& key : matching) keys += (keys.empty() ? "" : ", ") + key;
        report.warnings.push_back(
            "no record of what init added here, so the env keys that match agent-trace's "
            "values were left in place (" +
            keys + "); rerun with --force to remove them");
    } else {
        for (const std::string& key : matching) {
            settings["env"].erase(key);
            report.env_restored.push_back(key);
        }
    }
    return report;
}

}  // namespace agent_trace
