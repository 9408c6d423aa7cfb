// `agent-trace init`: wires Claude Code to agent-trace (hooks + OTEL env in its
// settings.json), checks the wiring end to end, and says what it did.
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/init_manifest.hpp"
#include "cli/init_wiring.hpp"
#include "cli/process_probe.hpp"
#include "cli/server_health.hpp"
#include "core/paths.hpp"
#include "ingest/hooks/claude_settings.hpp"

namespace agent_trace::cli {
namespace {

constexpr int kExitFailed = 1;
constexpr auto kServerProbeTimeout = std::chrono::milliseconds(1000);
constexpr auto kHandlerProbeTimeout = std::chrono::milliseconds(5000);

struct InitFlags {
    std::string scope = "user";
    std::optional<int> tier;
    bool dry_run = false;
    bool uninstall = false;
    std::string settings_file;
    std::optional<std::string> server;
    bool yes = false;
    bool force = false;
};

void out(const std::string& text) { std::fputs(text.c_str(), stdout); }
void err(const std::string& text) { std::fputs(text.c_str(), stderr); }

std::string tier_description(int tier) {
    switch (tier) {
        case 1:
            return "metadata only: no prompts, no tool input or output";
        case 2:
            return "metadata + prompts and tool parameters, redacted";
        default:
            return "metadata + prompts, tool parameters and full content, redacted";
    }
}

// The front binary is the hook command. It sits next to this engine, or in
// <prefix>/bin when the engine lives in <prefix>/libexec/agent-trace/.
Result<std::string> locate_front_binary() {
    std::error_code ec;
    const std::filesystem::path engine = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return make_error("cannot read /proc/self/exe: " + ec.message());
    const std::filesystem::path dir = engine.parent_path();
    std::vector<std::filesystem::path> candidates = {dir / "agent-trace"};
    if (dir.filename() == "agent-trace" && dir.parent_path().filename() == "libexec") {
        candidates.push_back(dir.parent_path().parent_path() / "bin" / "agent-trace");
    }
    for (const auto& candidate : candidates) {
        if (std::filesystem::is_regular_file(candidate, ec) &&
            ::access(candidate.c_str(), X_OK) == 0) {
            return candidate.lexically_normal().string();
        }
    }
    std::string looked;
    for (const auto& candidate : candidates) looked += " " + candidate.string();
    return make_error("cannot find the agent-trace binary (looked for:" + looked +
                      "); reinstall agent-trace");
}

bool interactive() { return ::isatty(STDIN_FILENO) == 1 && ::isatty(STDOUT_FILENO) == 1; }

bool ask(const std::string& question) {
    out(question + " [Y/n] ");
    std::fflush(stdout);
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    return answer.empty() || answer == "y" || answer == "Y" || answer == "yes";
}

std::string scope_label(const InitFlags& flags) {
    return flags.settings_file.empty() ? flags.scope + " scope" : "--settings";
}

std::string join(const std::vector<std::string>& items) {
    std::string joined;
    for (const std::string& item : items) joined += (joined.empty() ? "" : ", ") + item;
    return joined;
}

// After the report, so that they are the last thing on the terminal.
void print_warnings(const std::vector<std::string>& warnings) {
    std::fflush(stdout);
    for (const std::string& w : warnings) err("agent-trace init: warning: " + w + "\n");
}

std::string hooks_line(const WiringOutcome& o, size_t events) {
    const MergeReport& m = o.merge;
    std::string what;
    if (m.events_added == 0 && m.events_updated == 0) {
        what = "all present";
    } else {
        std::vector<std::string> parts;
        if (m.events_added > 0) parts.push_back(fmt::format("{} added", m.events_added));
        if (m.events_updated > 0) parts.push_back(fmt::format("{} updated", m.events_updated));
        if (m.events_unchanged > 0) {
            parts.push_back(fmt::format("{} already there", m.events_unchanged));
        }
        what = join(parts);
    }
    return fmt::format("{} hook events ({})", events, what);
}

// Runs the hook command through sh, as Claude Code will (so quoting is checked
// too), with --help appended so that no event is sent.
std::string check_handler(const std::string& command) {
    auto probe = run_probe({"/bin/sh", "-c", command + " --help"}, kHandlerProbeTimeout);
    if (!probe) return "FAILED: " + probe.error().message;
    if (probe->exit_code != 0) {
        const std::string first_line = probe->stderr_text.substr(0, probe->stderr_text.find('\n'));
        return fmt::format("FAILED: `{} --help` exited {}{}", command, probe->exit_code,
                           first_line.empty() ? "" : ": " + first_line);
    }
    return "ok (the hook command runs)";
}

// The handler spools there while the server is down; it creates what is missing.
std::string check_spool(const std::string& data_dir) {
    std::filesystem::path dir = std::filesystem::path(data_dir) / "spool";
    std::error_code ec;
    while (!dir.empty() && !std::filesystem::exists(dir, ec) && dir != dir.root_path()) {
        dir = dir.parent_path();
    }
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
        return fmt::format(
            "NOT WRITABLE: {} ({}); hook events would be lost while the server is "
            "down",
            dir.string(), std::strerror(errno));
    }
    return fmt::format("{}/spool (writable)", data_dir);
}

void print_server_line(const ServerProbe& probe) {
    if (probe.healthy_answer()) {
        std::string detail;
        if (auto v = probe.text("/version")) detail += "agent-trace " + *v;
        if (auto pid = probe.integer("/pid")) {
            detail += fmt::format("{}pid {}", detail.empty() ? "" : ", ", *pid);
        }
        if (auto status = probe.text("/status"); status && *status != "ok") {
            detail += fmt::format("{}status {}", detail.empty() ? "" : ", ", *status);
        }
        out(fmt::format("  server     up at {}{}\n", probe.url,
                        detail.empty() ? "" : " (" + detail + ")"));
        if (probe.flag("/store/available") == false ||
            probe.flag("/writer/store_unavailable") == true) {
            out("             but its store is unavailable: see `agent-trace status`\n");
        }
        return;
    }
    if (probe.reachable) {
        out(fmt::format("  server     something answers at {} but not agent-trace: {}\n", probe.url,
                        probe.error));
        return;
    }
    out(fmt::format("  server     not running at {} ({})\n", probe.url, probe.error));
    out("             start it with: agent-trace serve\n");
    out("             until then hook events wait in the spool and are sent when it is up;\n"
        "             OTEL metrics and logs sent while it is down are lost\n");
}

int run_init(const InitFlags& flags, const GlobalOptions& globals,
             const std::filesystem::path& settings) {
    auto front = locate_front_binary();
    if (!front) {
        err("agent-trace init: " + front.error().message + "\n");
        return kExitFailed;
    }
    auto server = normalize_server_url(flags.server.value_or(default_server_url(globals.data_dir)));
    if (!server) {
        err("agent-trace init: --server " + server.error().message + "\n");
        return kExitFailed;
    }
    const int tier = flags.tier.value_or(1);
    // Claude Code runs hooks with its own environment: a data dir chosen on this
    // command line has to travel in the command itself.
    const std::optional<std::string> data_dir =
        globals.data_dir != default_data_dir() ? std::optional(globals.data_dir) : std::nullopt;

    InitRequest request;
    request.settings_path = settings;
    request.manifest_path = init_manifest_path(globals.config_dir);
    // The server goes into the command only when it is not the handler's own default.
    request.wire.command = hook_handler_command(
        *front, flags.tier, *server != kDefaultServerUrl ? std::optional(*server) : std::nullopt,
        data_dir);
    request.wire.events = events_to_register();
    request.wire.env = telemetry_env(tier, *server);
    request.wire.force = flags.force;
    request.dry_run = flags.dry_run;
    if (!flags.yes && !flags.dry_run && interactive()) {
        request.confirm = [](const WiringOutcome& o) {
            out(fmt::format(
                "agent-trace init will {} {}:\n  {} new hook events, {} env keys set{}\n",
                o.existed ? "change" : "create", o.settings_path.string(),
                o.merge.events_added + o.merge.events_updated, o.merge.env_set.size(),
                o.existed ? " (a backup of the current file is kept)" : ""));
            return ask("Proceed?");
        };
    }

    auto outcome = apply_init(request);
    if (!outcome) {
        err("agent-trace init: " + outcome.error().message + "\n");
        err("agent-trace init: nothing was changed\n");
        return kExitFailed;
    }
    if (flags.dry_run) {
        print_warnings(outcome->merge.warnings);
        if (!outcome->changed) {
            out(fmt::format("{} is already wired; init would change nothing.\n",
                            outcome->settings_path.string()));
        } else {
            out(outcome->diff);
            out("(dry run: nothing was written)\n");
        }
        return 0;
    }
    if (outcome->changed && !outcome->written) {
        out("Nothing was changed.\n");
        return kExitFailed;
    }

    out(outcome->changed
            ? fmt::format("Wired Claude Code to agent-trace ({}).\n", scope_label(flags))
            : fmt::format("Claude Code is already wired to agent-trace ({}); nothing changed.\n",
                          scope_label(flags)));
    out(fmt::format("  settings   {}\n", outcome->settings_path.string()));
    if (outcome->backup) out(fmt::format("  backup     {}\n", outcome->backup->string()));
    out(fmt::format("  hooks      {} -> {}\n", hooks_line(*outcome, request.wire.events.size()),
                    request.wire.command));
    const size_t kept = outcome->merge.warnings.size();
    out(fmt::format(
        "  telemetry  OTEL logs + metrics -> {} (http/protobuf){}\n", *server,
        kept > 0 ? fmt::format("; {} env key(s) kept as you had them, see warnings", kept) : ""));
    out(fmt::format("  tier       {}: {}\n", tier, tier_description(tier)));
    const std::string handler = check_handler(request.wire.command);
    out(fmt::format("  handler    {}\n", handler));
    if (handler.rfind("ok", 0) != 0) {
        err("agent-trace init: warning: the hook command does not run; Claude Code will show a "
            "hook error on every event until this is fixed\n");
    }
    out(fmt::format("  spool      {}\n", check_spool(globals.data_dir)));
    const ServerProbe probe = probe_server(*server, kServerProbeTimeout);
    print_server_line(probe);
    if (tier > 1) {
        out(
            fmt::format("Note: the server stores at most its own tier; start it with "
                        "`agent-trace serve --tier {}`.\n",
                        tier));
    }
    if (flags.scope == "project" && flags.settings_file.empty()) {
        out("Note: .claude/settings.json is usually committed, and the hook command holds "
            "this machine's path; --scope local keeps the wiring to yourself.\n");
    }
    out(outcome->changed ? "New Claude Code sessions are captured; restart running ones to pick "
                           "up the change.\n"
                         : "");
    print_warnings(outcome->merge.warnings);
    return 0;
}

int run_uninstall(const InitFlags& flags, const GlobalOptions& globals,
                  const std::filesystem::path& settings) {
    auto server = normalize_server_url(flags.server.value_or(default_server_url(globals.data_dir)));
    if (!server) {
        err("agent-trace init: --server " + server.error().message + "\n");
        return kExitFailed;
    }
    UninstallRequest request;
    request.settings_path = settings;
    request.manifest_path = init_manifest_path(globals.config_dir);
    request.force = flags.force;
    request.fallback_env = telemetry_env(3, *server);
    request.fallback_env.emplace_back("OTEL_LOG_ASSISTANT_RESPONSES", "0");
    request.dry_run = flags.dry_run;
    if (!flags.yes && !flags.dry_run && interactive()) {
        request.confirm = [](const WiringOutcome& o) {
            out(fmt::format("agent-trace init --uninstall will {} {}\n",
                            o.removed_file ? "remove" : "change", o.settings_path.string()));
            return ask("Proceed?");
        };
    }
    auto outcome = apply_uninstall(request);
    if (!outcome) {
        err("agent-trace init: " + outcome.error().message + "\n");
        err("agent-trace init: nothing was changed\n");
        return kExitFailed;
    }
    print_warnings(outcome->merge.warnings);
    const std::string path = outcome->settings_path.string();
    if (!outcome->existed) {
        out(fmt::format("{} does not exist; nothing to uninstall.\n", path));
        return 0;
    }
    if (!outcome->changed) {
        out(fmt::format("{} holds nothing of agent-trace's; nothing to uninstall.\n", path));
        return 0;
    }
    if (flags.dry_run) {
        out(outcome->diff);
        out("(dry run: nothing was written)\n");
        return 0;
    }
    if (!outcome->written) {
        out("Nothing was changed.\n");
        return kExitFailed;
    }
    out(fmt::format("Removed agent-trace from Claude Code ({}).\n", scope_label(flags)));
    out(fmt::format("  settings   {}{}\n", path,
                    outcome->removed_file        ? " (deleted: init had created it)"
                    : outcome->restored_original ? " (restored byte for byte)"
                                                 : ""));
    if (outcome->backup) out(fmt::format("  backup     {}\n", outcome->backup->string()));
    out(fmt::format("  hooks      {} events removed\n", outcome->merge.events_removed));
    out(fmt::format("  env        {}\n",
                    outcome->merge.env_restored.empty()
                        ? std::string("unchanged")
                        : "restored or removed: " + join(outcome->merge.env_restored)));
    if (!outcome->had_record) {
        out("  note       no record of an earlier init for this file: only agent-trace hook "
            "handlers were removed\n");
    }
    return 0;
}

constexpr std::string_view kInitFooter = R"(Examples:
  agent-trace init                        # wire ~/.claude/settings.json (user scope)
  agent-trace init --dry-run              # show the change as a diff, write nothing
  agent-trace init --scope local          # ./.claude/settings.local.json, this project only
  agent-trace init --tier 2               # also capture prompts and tool parameters (redacted)
  agent-trace init --uninstall            # take out exactly what init added

What it writes: a hook entry running `agent-trace hook-handler` for every hook event Claude
Code supports, and the OTEL env (CLAUDE_CODE_ENABLE_TELEMETRY, OTEL_*_EXPORTER,
OTEL_EXPORTER_OTLP_PROTOCOL/ENDPOINT) pointing at the agent-trace server. Existing keys and
other tools' hooks are kept; an env value you set differently is kept unless --force. A
backup <file>.agent-trace-backup-<time> is written before any change, and a second run
changes nothing. What init added is recorded in <config-dir>/init-manifest.json.

Exit status: 0 wired (or already wired, or a dry run), 1 nothing written (invalid settings
file, declined, or an I/O error). The server being down is not an error: hook events wait
in the spool until `agent-trace serve` runs.)";

}  // namespace

void add_init_command(CLI::App& root, const GlobalOptions& globals, int& exit_code) {
    CLI::App* init = root.add_subcommand(
        "init", "Wire Claude Code to agent-trace: hooks and OTEL env in its settings.json");
    auto flags = std::make_shared<InitFlags>();
    init->add_option("--scope", flags->scope,
                     "Which settings file: user (~/.claude/settings.json or "
                     "$CLAUDE_CONFIG_DIR/settings.json), project (./.claude/settings.json) or "
                     "local (./.claude/settings.local.json)")
        ->check(CLI::IsMember({"user", "project", "local"}))
        ->capture_default_str();
    init->add_option("--tier", flags->tier,
                     "Privacy tier 1-3: 1 metadata only (default), 2 + prompts and tool "
                     "parameters, 3 + full content; always redacted")
        ->check(CLI::Range(1, 3));
    init->add_flag("--dry-run", flags->dry_run,
                   "Print the change as a unified diff; write nothing");
    init->add_flag("--uninstall", flags->uninstall, "Remove what init added, and nothing else");
    init->add_option("--settings", flags->settings_file,
                     "Settings file to change instead of the scope's");
    init->add_option("--server", flags->server,
                     "agent-trace server (loopback) for hooks and OTEL; default " +
                         std::string(kDefaultServerUrl));
    init->add_flag("--yes,-y", flags->yes, "Do not ask for confirmation on a terminal");
    init->add_flag("--force", flags->force,
                   "Replace env values you set differently (init), or remove matching env keys "
                   "without a record of init (--uninstall)");
    init->footer(std::string(kInitFooter));
    init->callback([&globals, &exit_code, flags] {
        std::filesystem::path settings;
        if (!flags->settings_file.empty()) {
            settings = flags->settings_file;
        } else {
            std::error_code ec;
            const std::filesystem::path project_dir = std::filesystem::current_path(ec);
            if (ec) {
                err("agent-trace init: cannot read the current directory: " + ec.message() + "\n");
                exit_code = kExitFailed;
                return;
            }
            settings =
                settings_path(parse_scope(flags->scope).value_or(SettingsScope::user), project_dir);
        }
        exit_code = flags->uninstall ? run_uninstall(*flags, globals, settings)
                                     : run_init(*flags, globals, settings);
    });
}

}  // namespace agent_trace::cli
