#pragma once
// Where agent-trace keeps its data and reads its configuration.
#include <string>

namespace agent_trace {

// AGENT_TRACE_DATA_DIR, else $XDG_DATA_HOME/agent-trace, else ~/.local/share/agent-trace.
std::string default_data_dir();
// AGENT_TRACE_CONFIG_DIR, else $XDG_CONFIG_HOME/agent-trace, else ~/.config/agent-trace.
std::string default_config_dir();

}  // namespace agent_trace
