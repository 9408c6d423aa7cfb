#include "cli/init_manifest.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "cli/atomic_file.hpp"
#include "core/file_io.hpp"

namespace agent_trace::cli {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kManifestVersion = 1;

Json record_to_json(const WiringRecord& r) {
    Json j = Json::object();
    j["installed_at"] = r.installed_at;
    j["created_file"] = r.created_file;
    j["created_dirs"] = r.created_dirs;
    j["created_hooks_key"] = r.created_hooks_key;
    j["created_env_key"] = r.created_env_key;
    Json hooks = Json::array();
    for (const AddedHook& h : r.hooks) {
        hooks.push_back({{"event", h.event},
                         {"command", h.command},
                         {"created_event", h.created_event},
                         {"created_group", h.created_group}});
    }
    j["hooks"] = std::move(hooks);
    Json env = Json::array();
    for (const AddedEnv& e : r.env) {
        Json entry = {{"key", e.key}, {"value", e.value}};
        entry["previous"] = e.previous ? Json(*e.previous) : Json(nullptr);
        env.push_back(std::move(entry));
    }
    j["env"] = std::move(env);
    j["original_text"] = r.original_text;
    return j;
}

template <class T>
T member_or(const Json& j, const char* key, T fallback) {
    const auto it = j.find(key);
    if (it == j.end()) return fallback;
    try {
        return it->get<T>();
    } catch (const Json::exception&) {
        return fallback;
    }
}

WiringRecord record_from_json(const std::string& settings_path, const Json& j) {
    WiringRecord r;
    r.settings_path = settings_path;
    r.installed_at = member_or<std::string>(j, "installed_at", "");
    r.created_file = member_or<bool>(j, "created_file", false);
    r.created_dirs = member_or<std::vector<std::string>>(j, "created_dirs", {});
    r.created_hooks_key = member_or<bool>(j, "created_hooks_key", false);
    r.created_env_key = member_or<bool>(j, "created_env_key", false);
    r.original_text = member_or<std::string>(j, "original_text", "");
    if (const auto hooks = j.find("hooks"); hooks != j.end() && hooks->is_array()) {
        for (const Json& h : *hooks) {
            if (!h.is_object()) continue;
            r.hooks.push_back({member_or<std::string>(h, "event", ""),
                               member_or<std::string>(h, "command", ""),
                               member_or<bool>(h, "created_event", false),
                               member_or<bool>(h, "created_group", false)});
        }
    }
    if (const auto env = j.find("env"); env != j.end() && env->is_array()) {
        for (const Json& e : *env) {
            if (!e.is_object()) continue;
            AddedEnv added{member_or<std::string>(e, "key", ""),
                           member_or<std::string>(e, "value", ""), std::nullopt};
            if (const auto prev = e.find("previous"); prev != e.end() && prev->is_string()) {
                added.previous = prev->get<std::string>();
            }
            r.env.push_back(std::move(added));
        }
    }
    return r;
}

}  // namespace

std::string init_manifest_path(const std::string& config_dir) {
    return (std::filesystem::path(config_dir) / "init-manifest.json").string();
}

Result<InitManifest> InitManifest::load(const std::string& path) {
    InitManifest manifest;
    manifest.path_ = path;
    auto text = file_io::read_small_file(path);
    if (!text) return text.error();
    if (!*text) return manifest;
    const Json j = Json::parse(**text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return make_error(path + " is not valid JSON; move it aside to start afresh");
    }
    if (const auto records = j.find("settings"); records != j.end() && records->is_object()) {
        for (const auto& [settings_path, record] : records->items()) {
            if (record.is_object()) {
                manifest.records_[settings_path] = record_from_json(settings_path, record);
            }
        }
    }
    return manifest;
}

std::optional<WiringRecord> InitManifest::find(const std::string& settings_path) const {
    const auto it = records_.find(settings_path);
    if (it == records_.end()) return std::nullopt;
    return it->second;
}

void InitManifest::put(const WiringRecord& record) { records_[record.settings_path] = record; }

void InitManifest::remove(const std::string& settings_path) { records_.erase(settings_path); }

Status InitManifest::save() const {
    if (records_.empty()) {
        if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
            return make_error("cannot remove " + path_ + ": " + std::strerror(errno));
        }
        return Ok{};
    }
    Json j = Json::object();
    j["version"] = kManifestVersion;
    j["note"] =
        "Written by `agent-trace init`: what it added to each Claude Code settings file, so "
        "`agent-trace init --uninstall` removes exactly that.";
    Json records = Json::object();
    for (const auto& [settings_path, record] : records_) {
        records[settings_path] = record_to_json(record);
    }
    j["settings"] = std::move(records);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
    if (ec) {
        return make_error("cannot create " + std::filesystem::path(path_).parent_path().string() +
                          ": " + ec.message());
    }
    return replace_file_atomically(
        path_, j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n", 0600);
}

}  // namespace agent_trace::cli
