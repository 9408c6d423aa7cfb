#pragma once
// <config_dir>/init-manifest.json: what `init` added to each settings file, so
// `init --uninstall` removes exactly that. Mode 0600: it keeps the file's
// original text, which may hold the user's env secrets.
#include <map>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "ingest/hooks/claude_settings.hpp"

namespace agent_trace::cli {

class InitManifest {
public:
    // A missing file is an empty manifest; an unreadable or invalid one is an error
    // (we will not overwrite records we cannot read).
    static Result<InitManifest> load(const std::string& path);

    [[nodiscard]] std::optional<WiringRecord> find(const std::string& settings_path) const;
    void put(const WiringRecord& record);
    void remove(const std::string& settings_path);
    [[nodiscard]] bool empty() const { return records_.empty(); }

    // Written atomically; removes the file when no record is left.
    [[nodiscard]] Status save() const;

    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_;
    std::map<std::string, WiringRecord> records_;
};

std::string init_manifest_path(const std::string& config_dir);

}  // namespace agent_trace::cli
