#include "core/paths.hpp"

#include <cstdlib>

namespace agent_trace {
namespace {

std::string from_env(const char* own, const char* xdg, const char* fallback) {
    if (const char* v = std::getenv(own); v != nullptr && *v != '\0') return v;
    if (const char* v = std::getenv(xdg); v != nullptr && *v != '\0') {
        return std::string(v) + "/agent-trace";
    }
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : ".") + "/" + fallback + "/agent-trace";
}

}  // namespace

std::string default_data_dir() {
    return from_env("AGENT_TRACE_DATA_DIR", "XDG_DATA_HOME", ".local/share");
}

std::string default_config_dir() {
    return from_env("AGENT_TRACE_CONFIG_DIR", "XDG_CONFIG_HOME", ".config");
}

}  // namespace agent_trace
