#pragma once
// `agent-trace hook-handler`: the command Claude Code runs for every hook event.
// Edge code: libc, libstdc++, RapidJSON and xxhash only (see CMakeLists.txt).

namespace agent_trace::cli {

// argv[0] is "hook-handler". Always returns 0 and never writes to stdout.
int run_hook_handler(int argc, char** argv);

}  // namespace agent_trace::cli
