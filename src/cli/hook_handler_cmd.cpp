// `hook-handler` as the engine sees it: the front binary runs it before the engine
// is ever started, so this entry exists for `agent-trace --help` and for anyone who
// runs agent-trace-engine directly; both end in the same edge code.
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/hook_handler/hook_handler.hpp"

namespace agent_trace::cli {

void add_hook_handler_command(CLI::App& root, int& exit_code) {
    auto* command = root.add_subcommand(
        "hook-handler",
        "What Claude Code runs for each hook event: reads stdin, never blocks or prints");
    command->prefix_command();  // its flags are the edge's own: see `hook-handler --help`
    command->set_help_flag();
    command->callback([command, &exit_code] {
        std::vector<std::string> args = {"hook-handler"};
        for (const std::string& a : command->remaining()) args.push_back(a);
        std::vector<char*> argv;
        argv.reserve(args.size());
        for (std::string& a : args) argv.push_back(a.data());
        exit_code = run_hook_handler(static_cast<int>(argv.size()), argv.data());
    });
}

}  // namespace agent_trace::cli
