#pragma once
// Each subcommand lives in its own file and registers itself on the root app.
#include <CLI/CLI.hpp>
#include <string>

namespace agent_trace::cli {

struct GlobalOptions {
    std::string data_dir;    // --data-dir / AGENT_TRACE_DATA_DIR / $XDG_DATA_HOME/agent-trace
    std::string config_dir;  // --config-dir / AGENT_TRACE_CONFIG_DIR / $XDG_CONFIG_HOME/agent-trace
    [[nodiscard]] std::string database_path() const { return data_dir + "/agent-trace.db"; }
};

// `exit_code` is set by the command's callback; main returns it.
void add_import_command(CLI::App& root, const GlobalOptions& globals, int& exit_code);
void add_report_command(CLI::App& root, const GlobalOptions& globals, int& exit_code);
void add_pricing_command(CLI::App& root, const GlobalOptions& globals, int& exit_code);
void add_hook_handler_command(CLI::App& root, int& exit_code);
void add_serve_command(CLI::App& root, const GlobalOptions& globals, int& exit_code);
void add_dlq_command(CLI::App& root, const GlobalOptions& globals, int& exit_code);
void add_init_command(CLI::App& root, const GlobalOptions& globals, int& exit_code);
void add_status_command(CLI::App& root, const GlobalOptions& globals, int& exit_code);
void add_metrics_command(CLI::App& root, const GlobalOptions& globals, int& exit_code);
void add_replay_command(CLI::App& root, const GlobalOptions& globals, int& exit_code);

}  // namespace agent_trace::cli
