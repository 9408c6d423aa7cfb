#pragma once
// Command line and environment of `agent-trace hook-handler`, parsed by hand (the
// edge links no argument library).
#include <cstdint>
#include <string>
#include <vector>

namespace agent_trace::cli {

struct HookHandlerOptions {
    uint8_t tier = 1;
    std::string server;        // base URL of the hooks listener
    std::string data_dir;      // the spool lives in <data_dir>/spool
    int timeout_ms = 300;      // a hung server costs the agent this, once per hook
    bool spool_fsync = false;  // --spool-sync full: fdatasync each spooled record
    std::string event;         // the event name given on the command line, if any
    bool help = false;
    std::string problem;  // the first thing that was wrong (reported on stderr)
};

// Flags win over the environment: AGENT_TRACE_HOOKS_URL (default
// http://127.0.0.1:8317), AGENT_TRACE_TIER (default 1), AGENT_TRACE_DATA_DIR, else
// $XDG_DATA_HOME/agent-trace, else ~/.local/share/agent-trace. A bad value never
// stops the handler: it falls back to the default and notes the problem.
// `argv[0]` is "hook-handler".
HookHandlerOptions parse_hook_handler_options(int argc, char** argv);

extern const char* const kHookHandlerUsage;

}  // namespace agent_trace::cli
