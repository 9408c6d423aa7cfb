#include "cli/hook_handler/hook_handler.hpp"

namespace agent_trace::cli {

int run_hook_handler(int /*argc*/, char** /*argv*/) { return 0; }

}  // namespace agent_trace::cli
