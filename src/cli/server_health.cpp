#include "cli/server_health.hpp"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/hook_handler/loopback_http.hpp"

namespace agent_trace::cli {

std::string default_server_url(const std::string& data_dir) {
    if (const char* env = std::getenv("AGENT_TRACE_HOOKS_URL"); env != nullptr && *env != '\0') {
        return env;
    }
    std::ifstream in(data_dir + "/serve.json");
    if (in) {
        std::stringstream text;
        text << in.rdbuf();
        const auto info = nlohmann::json::parse(text.str(), nullptr, false);
        if (info.is_object() && info.contains("hooks_url") && info["hooks_url"].is_string() &&
            info.contains("pid") && info["pid"].is_number_integer()) {
            const auto pid = info["pid"].get<int64_t>();
            // A serve that was killed leaves the file behind: only a live pid counts.
            if (pid > 0 && kill(static_cast<pid_t>(pid), 0) == 0) {
                return info["hooks_url"].get<std::string>();
            }
        }
    }
    return std::string(kDefaultServerUrl);
}

ServerProbe probe_server(const std::string& url, std::chrono::milliseconds timeout) {
    ServerProbe probe;
    probe.url = url;
    auto parsed = parse_loopback_url(url);
    if (!parsed) {
        probe.error = parsed.error().message;
        return probe;
    }
    auto response = http_request(*parsed, "GET", "/healthz", "", "", timeout);
    if (!response) {
        // "connect to <url>: Connection refused": callers print the URL themselves.
        probe.error = response.error().message;
        const std::string prefix = "connect to " + url + ": ";
        if (probe.error.rfind(prefix, 0) == 0) probe.error.erase(0, prefix.size());
        return probe;
    }
    probe.reachable = true;
    probe.http_status = response->status;
    nlohmann::ordered_json body = nlohmann::ordered_json::parse(response->body, nullptr, false);
    if (!body.is_discarded() && body.is_object()) {
        probe.health = std::make_shared<const nlohmann::ordered_json>(std::move(body));
    } else {
        probe.error = "GET /healthz answered " + std::to_string(response->status) +
                      " without a JSON object: is this an agent-trace server?";
        return probe;
    }
    if (response->status != 200) {
        probe.error = "GET /healthz answered " + std::to_string(response->status);
    }
    return probe;
}

}  // namespace agent_trace::cli
