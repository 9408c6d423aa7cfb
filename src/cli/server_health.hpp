#pragma once
// Asks a running `agent-trace serve` how it is (GET /healthz), for `init` and
// `status`. The answer is read tolerantly (query/status_report.hpp ServerProbe):
// a member that is missing or of another type is "unknown", never an error, so an
// older or newer server still reports.
#include <chrono>
#include <string>

#include "ingest/hooks/claude_settings.hpp"
#include "query/status_report.hpp"

namespace agent_trace::cli {

// The server to talk to when no --server is given: $AGENT_TRACE_HOOKS_URL, else the
// running `serve` of this data directory (it leaves <data_dir>/serve.json while it
// runs), else kDefaultServerUrl.
std::string default_server_url(const std::string& data_dir);

ServerProbe probe_server(const std::string& url, std::chrono::milliseconds timeout);

}  // namespace agent_trace::cli
