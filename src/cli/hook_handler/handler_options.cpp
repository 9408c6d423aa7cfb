#include "cli/hook_handler/handler_options.hpp"

#include <charconv>
#include <cstdlib>
#include <string_view>

#include "core/paths.hpp"

namespace agent_trace::cli {
namespace {

constexpr std::string_view kDefaultServer = "http://127.0.0.1:8317";
constexpr int kMaxTimeoutMs = 600'000;

const char* env(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? value : nullptr;
}

bool parse_int(std::string_view text, int& out) {
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && ptr == text.data() + text.size();
}

void note(HookHandlerOptions& options, std::string problem) {
    if (options.problem.empty()) options.problem = std::move(problem);
}

void set_tier(HookHandlerOptions& options, std::string_view text, std::string_view origin) {
    int tier = 0;
    if (parse_int(text, tier) && tier >= 1 && tier <= 3) {
        options.tier = static_cast<uint8_t>(tier);
    } else {
        options.tier = 1;
        note(options, std::string(origin) + " must be 1, 2 or 3 (using 1): " + std::string(text));
    }
}

}  // namespace

const char* const kHookHandlerUsage =
    "Usage: agent-trace hook-handler [--tier N] [--server URL] [--data-dir DIR]\n"
    "                                [--timeout-ms N] [--spool-sync writeback|full]\n"
    "                                [EVENT_NAME]\n"
    "\n"
    "Claude Code runs this for every hook event, with the event JSON on stdin. It\n"
    "reduces the payload to the privacy tier, redacts secrets, POSTs it to\n"
    "<server>/v1/hooks and, when the server cannot take it, appends it to\n"
    "<data-dir>/spool/hooks.spool for `agent-trace serve` to pick up later.\n"
    "It always exits 0 and never writes to stdout.\n"
    "\n"
    "  --tier N        1 metadata only (default), 2 + prompts and tool input,\n"
    "                  3 + tool output and assistant text   [AGENT_TRACE_TIER]\n"
    "  --server URL    loopback hooks listener, default http://127.0.0.1:8317\n"
    "                                                       [AGENT_TRACE_HOOKS_URL]\n"
    "  --data-dir DIR  default $XDG_DATA_HOME/agent-trace or\n"
    "                  ~/.local/share/agent-trace           [AGENT_TRACE_DATA_DIR]\n"
    "  --timeout-ms N  deadline for the POST, default 300 (then the event spools)\n"
    "  --spool-sync M  writeback (default): a spooled record is in the page cache and\n"
    "                  being written out when the handler exits (safe against any\n"
    "                  process crash); full: fdatasync it first (also safe against a\n"
    "                  power cut, at the cost of a disk flush on the agent's path)\n"
    "  EVENT_NAME      recorded with the event (hook_event_name is in the payload)\n"
    "\n"
    "See docs/hooks.md and docs/privacy.md.\n";

HookHandlerOptions parse_hook_handler_options(int argc, char** argv) {
    HookHandlerOptions options;
    options.server = env("AGENT_TRACE_HOOKS_URL") != nullptr ? env("AGENT_TRACE_HOOKS_URL")
                                                             : std::string(kDefaultServer);
    if (const char* tier = env("AGENT_TRACE_TIER")) set_tier(options, tier, "AGENT_TRACE_TIER");
    std::string data_dir;

    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        std::string_view name = arg;
        std::string_view value;
        bool has_value = false;
        if (arg.starts_with("--")) {
            if (const size_t eq = arg.find('='); eq != std::string_view::npos) {
                name = arg.substr(0, eq);
                value = arg.substr(eq + 1);
                has_value = true;
            }
        }
        auto take_value = [&]() -> bool {
            if (has_value) return true;
            if (i + 1 < argc) {
                value = argv[++i];
                return true;
            }
            note(options, std::string(name) + " needs a value");
            return false;
        };
        if (name == "--help" || name == "-h") {
            options.help = true;
        } else if (name == "--tier") {
            if (take_value()) set_tier(options, value, "--tier");
        } else if (name == "--server") {
            if (take_value()) options.server = std::string(value);
        } else if (name == "--data-dir") {
            if (take_value()) data_dir = std::string(value);
        } else if (name == "--spool-sync") {
            if (take_value()) {
                if (value == "full") {
                    options.spool_fsync = true;
                } else if (value == "writeback") {
                    options.spool_fsync = false;
                } else {
                    note(options, "--spool-sync must be writeback or full: " + std::string(value));
                }
            }
        } else if (name == "--timeout-ms") {
            int ms = 0;
            if (take_value()) {
                if (parse_int(value, ms) && ms >= 1 && ms <= kMaxTimeoutMs) {
                    options.timeout_ms = ms;
                } else {
                    note(options, "--timeout-ms must be 1.." + std::to_string(kMaxTimeoutMs) +
                                      ": " + std::string(value));
                }
            }
        } else if (arg.starts_with("-") && arg.size() > 1) {
            note(options, "unknown option " + std::string(arg));
        } else {
            options.event = std::string(arg);  // the harness appends the event name last
        }
    }
    options.data_dir = data_dir.empty() ? default_data_dir() : data_dir;
    return options;
}

}  // namespace agent_trace::cli
