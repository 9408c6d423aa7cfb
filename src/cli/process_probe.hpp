#pragma once
// Runs a short command the way a checker does: no stdin, stdout discarded,
// stderr kept (first few KiB) for the message, killed by PID at the deadline.
#include <chrono>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace agent_trace::cli {

struct ProbeResult {
    int exit_code = -1;  // 128 + signal when killed by one
    std::string stderr_text;
};

// Fails when the program cannot be started or does not finish within `timeout`.
Result<ProbeResult> run_probe(const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout);

}  // namespace agent_trace::cli
