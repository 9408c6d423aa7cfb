#pragma once
// The file side of `agent-trace init`: read a Claude Code settings file, merge
// (or take out) agent-trace's hooks and env, and write the result safely:
// backup first, atomic replacement, a manifest of what was added. Nothing is
// written when nothing changes, so a second run leaves the file byte-identical.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "ingest/hooks/claude_settings.hpp"

namespace agent_trace::cli {

struct WiringOutcome {
    std::filesystem::path settings_path;  // the file actually written (symlinks followed)
    bool existed = false;                 // the file existed before
    bool changed = false;                 // the merge changes the file
    bool written = false;                 // ... and it was written (not a dry run, confirmed)
    std::string diff;                     // unified diff of the change, empty when unchanged
    std::optional<std::filesystem::path> backup;
    MergeReport merge;
    bool had_record = false;         // the manifest knew this file (uninstall)
    bool removed_file = false;       // uninstall deleted the file init had created
    bool restored_original = false;  // uninstall put the original bytes back
};

// Asked once the change is known and before anything is written; false aborts.
using ConfirmChange = std::function<bool(const WiringOutcome&)>;

struct InitRequest {
    std::filesystem::path settings_path;
    std::string manifest_path;  // init_manifest_path(config_dir)
    WireRequest wire;
    bool dry_run = false;
    ConfirmChange confirm;  // empty: no question
};

Result<WiringOutcome> apply_init(const InitRequest& request);

struct UninstallRequest {
    std::filesystem::path settings_path;
    std::string manifest_path;
    bool force = false;
    // Without a manifest record, env keys holding exactly these values count as ours (--force).
    std::vector<std::pair<std::string, std::string>> fallback_env;
    bool dry_run = false;
    ConfirmChange confirm;
};

Result<WiringOutcome> apply_uninstall(const UninstallRequest& request);

}  // namespace agent_trace::cli
