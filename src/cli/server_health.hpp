#pragma once
// Asks a running `agent-trace serve` how it is (GET /healthz), for `init` and
// `status`. The answer is read tolerantly: a member that is missing or of another
// type is "unknown", never an error, so an older or newer server still reports.
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace agent_trace::cli {

inline constexpr std::string_view kDefaultServerUrl = "http://127.0.0.1:8317";

// The server to talk to when no --server is given: $AGENT_TRACE_HOOKS_URL, else the
// running `serve` of this data directory (it leaves <data_dir>/serve.json while it
// runs), else kDefaultServerUrl.
std::string default_server_url(const std::string& data_dir);

// "http://127.0.0.1:8317/" -> "http://127.0.0.1:8317"; refuses non-loopback hosts,
// which the hook handler would refuse too.
Result<std::string> normalize_server_url(std::string_view url);

struct ServerProbe {
    std::string url;
    bool reachable = false;  // something answered HTTP
    int http_status = 0;
    std::string error;  // why it is unreachable, or what was wrong with the answer
    // The /healthz body when it was a JSON object. Shared and immutable: a probe is
    // copied into reports, and its moves must not throw.
    std::shared_ptr<const nlohmann::ordered_json> health;

    [[nodiscard]] bool healthy_answer() const { return reachable && health != nullptr; }
    [[nodiscard]] std::optional<int64_t> integer(std::string_view pointer) const;
    [[nodiscard]] std::optional<std::string> text(std::string_view pointer) const;
    [[nodiscard]] std::optional<bool> flag(std::string_view pointer) const;
};

ServerProbe probe_server(const std::string& url, std::chrono::milliseconds timeout);

}  // namespace agent_trace::cli
