#include "cli/server_health.hpp"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/hook_handler/loopback_http.hpp"

namespace agent_trace::cli {
namespace {

const nlohmann::ordered_json* at_pointer(
    const std::shared_ptr<const nlohmann::ordered_json>& health, std::string_view pointer) {
    if (!health || !health->is_object()) return nullptr;
    const nlohmann::ordered_json& root = *health;
    try {
        const nlohmann::ordered_json::json_pointer p{std::string(pointer)};
        if (!root.contains(p)) return nullptr;
        return &root.at(p);
    } catch (const nlohmann::ordered_json::exception&) {
        return nullptr;
    }
}

}  // namespace

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

Result<std::string> normalize_server_url(std::string_view url) {
    auto parsed = parse_loopback_url(url);
    if (!parsed) return make_error(std::string(url) + ": " + parsed.error().message);
    // Spelled out in full: OTEL exporters need the scheme, and the hook command and
    // the OTEL endpoint should name the same place the same way.
    std::string normalized = "http://";
    normalized += parsed->ipv6 ? "[" + parsed->host + "]" : parsed->host;
    normalized += ":" + std::to_string(parsed->port);
    normalized += parsed->base_path;
    return normalized;
}

std::optional<int64_t> ServerProbe::integer(std::string_view pointer) const {
    const nlohmann::ordered_json* value = at_pointer(health, pointer);
    if (value == nullptr || !value->is_number()) return std::nullopt;
    if (value->is_number_float()) return static_cast<int64_t>(value->get<double>());
    if (value->is_number_unsigned()) return static_cast<int64_t>(value->get<uint64_t>());
    return value->get<int64_t>();
}

std::optional<std::string> ServerProbe::text(std::string_view pointer) const {
    const nlohmann::ordered_json* value = at_pointer(health, pointer);
    if (value == nullptr || !value->is_string()) return std::nullopt;
    return value->get<std::string>();
}

std::optional<bool> ServerProbe::flag(std::string_view pointer) const {
    const nlohmann::ordered_json* value = at_pointer(health, pointer);
    if (value == nullptr || !value->is_boolean()) return std::nullopt;
    return value->get<bool>();
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
