// agent-trace front: runs `hook-handler` in this small static binary (Claude Code
// waits for it on every tool call) and hands every other command to
// agent-trace-engine, which links the heavy libraries.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "cli/hook_handler/hook_handler.hpp"

namespace {

std::string directory_of_self() {
    std::string buffer(4096, '\0');
    const ssize_t n = readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
    if (n <= 0) return {};
    buffer.resize(static_cast<size_t>(n));
    const size_t slash = buffer.rfind('/');
    return slash == std::string::npos ? std::string{} : buffer.substr(0, slash);
}

// AGENT_TRACE_ENGINE, else next to this binary, else ../libexec/agent-trace/.
std::string locate_engine() {
    if (const char* env = std::getenv("AGENT_TRACE_ENGINE"); env != nullptr && *env != '\0') {
        return env;
    }
    const std::string dir = directory_of_self();
    for (const std::string& candidate :
         {dir + "/agent-trace-engine", dir + "/../libexec/agent-trace/agent-trace-engine"}) {
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return dir + "/agent-trace-engine";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && std::string_view(argv[1]) == "hook-handler") {
        return agent_trace::cli::run_hook_handler(argc - 1, argv + 1);
    }
    const std::string engine = locate_engine();
    execv(engine.c_str(), argv);
    std::fprintf(stderr, "agent-trace: cannot run %s: %s\n", engine.c_str(), std::strerror(errno));
    return 127;
}
