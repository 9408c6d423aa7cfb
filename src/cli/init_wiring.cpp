#include "cli/init_wiring.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cli/atomic_file.hpp"
#include "cli/init_manifest.hpp"
#include "cli/text_diff.hpp"
#include "core/file_io.hpp"
#include "core/time.hpp"

namespace agent_trace::cli {
namespace {

constexpr mode_t kNewDirectoryMode = 0755;

struct LoadedSettings {
    std::filesystem::path path;
    std::optional<std::string> text;  // nullopt: no file
    SettingsJson json = SettingsJson::object();
};

Result<LoadedSettings> load_settings(const std::filesystem::path& requested) {
    LoadedSettings loaded;
    auto target = resolve_for_writing(requested);
    if (!target) return target.error();
    loaded.path = *target;
    auto text = file_io::read_small_file(loaded.path);
    if (!text) return text.error();
    loaded.text = std::move(*text);
    if (loaded.text) {
        auto json = parse_settings(*loaded.text, loaded.path.string());
        if (!json) return json.error();
        loaded.json = std::move(*json);
    }
    return loaded;
}

// Another program (Claude Code's /config, an editor) may have saved the file
// while we worked; writing our copy would silently undo that.
Status ensure_unchanged(const LoadedSettings& loaded) {
    auto now = file_io::read_small_file(loaded.path);
    if (!now) return now.error();
    if (*now != loaded.text) {
        return make_error(loaded.path.string() +
                          " was changed by another program while init ran; nothing was written, "
                          "run the command again");
    }
    return Ok{};
}

mode_t file_mode(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return 0600;
    return st.st_mode & 07777;
}

// The directories above `file` that do not exist yet, outermost first.
std::vector<std::string> missing_directories(const std::filesystem::path& file) {
    std::vector<std::string> missing;
    std::error_code ec;
    for (std::filesystem::path dir = file.parent_path();
         !dir.empty() && dir != dir.root_path() && !std::filesystem::exists(dir, ec);
         dir = dir.parent_path()) {
        missing.insert(missing.begin(), dir.string());
    }
    return missing;
}

Status create_directories(const std::vector<std::string>& dirs) {
    for (const std::string& dir : dirs) {
        if (::mkdir(dir.c_str(), kNewDirectoryMode) != 0 && errno != EEXIST) {
            return make_error("cannot create " + dir + ": " + std::strerror(errno));
        }
    }
    return Ok{};
}

std::string label(const LoadedSettings& loaded) { return loaded.path.string(); }

}  // namespace

Result<WiringOutcome> apply_init(const InitRequest& request) {
    auto loaded = load_settings(request.settings_path);
    if (!loaded) return loaded.error();
    auto manifest = InitManifest::load(request.manifest_path);
    if (!manifest) return manifest.error();

    WiringOutcome outcome;
    outcome.settings_path = loaded->path;
    outcome.existed = loaded->text.has_value();

    // A record for a file that has since disappeared describes nothing that is left.
    std::optional<WiringRecord> previous = manifest->find(loaded->path.string());
    outcome.had_record = previous.has_value();
    WiringRecord record;
    if (previous && outcome.existed) {
        record = *previous;
    } else {
        record.settings_path = loaded->path.string();
        record.installed_at = format_iso8601_utc(now_us());
        record.created_file = !outcome.existed;
        record.original_text = loaded->text.value_or("");
    }
    const std::vector<std::string> new_dirs = missing_directories(loaded->path);
    if (!outcome.existed) record.created_dirs = new_dirs;

    SettingsJson settings = loaded->json;
    auto merged = merge_wiring(settings, record, request.wire);
    if (!merged) return make_error(label(*loaded) + ": " + merged.error().message);
    outcome.merge = std::move(*merged);
    outcome.changed = !outcome.existed || settings != loaded->json;
    if (!outcome.changed) return outcome;

    const std::string new_text = serialize_settings(settings);
    outcome.diff = unified_diff(loaded->text.value_or(""), new_text,
                                outcome.existed ? label(*loaded) : "/dev/null", label(*loaded));
    if (request.dry_run) return outcome;
    if (request.confirm && !request.confirm(outcome)) return outcome;

    if (auto s = create_directories(new_dirs); !s) return s.error();
    if (auto s = ensure_unchanged(*loaded); !s) return s.error();
    if (outcome.existed) {
        auto backup = write_backup(loaded->path, *loaded->text, file_mode(loaded->path));
        if (!backup) return backup.error();
        outcome.backup = *backup;
    }
    // The record first: if writing the settings then fails, it only names
    // things uninstall will not find, which it skips.
    manifest->put(record);
    if (auto s = manifest->save(); !s) return s.error();
    if (auto s = replace_file_atomically(loaded->path, new_text); !s) return s.error();
    outcome.written = true;
    return outcome;
}

Result<WiringOutcome> apply_uninstall(const UninstallRequest& request) {
    auto loaded = load_settings(request.settings_path);
    if (!loaded) return loaded.error();
    auto manifest = InitManifest::load(request.manifest_path);
    if (!manifest) return manifest.error();

    WiringOutcome outcome;
    outcome.settings_path = loaded->path;
    outcome.existed = loaded->text.has_value();
    const std::optional<WiringRecord> record = manifest->find(loaded->path.string());
    outcome.had_record = record.has_value();
    auto forget_record = [&]() -> Status {
        if (!record || request.dry_run) return Ok{};
        manifest->remove(loaded->path.string());
        return manifest->save();
    };
    if (!outcome.existed) {
        if (auto s = forget_record(); !s) return s.error();
        return outcome;
    }

    SettingsJson settings = loaded->json;
    auto removed = unmerge_wiring(settings, record, request.force, request.fallback_env);
    if (!removed) return make_error(label(*loaded) + ": " + removed.error().message);
    outcome.merge = std::move(*removed);

    const bool emptied = settings.is_object() && settings.empty();
    outcome.removed_file = record && record->created_file && emptied;
    outcome.changed = outcome.removed_file || settings != loaded->json;
    if (!outcome.changed) {
        if (auto s = forget_record(); !s) return s.error();
        return outcome;
    }
    std::string new_text = serialize_settings(settings);
    if (record && !outcome.removed_file) {
        // Nothing but our additions changed since init: the user's exact bytes come back.
        auto original = parse_settings(record->original_text, label(*loaded));
        if (original && *original == settings) {
            new_text = record->original_text;
            outcome.restored_original = true;
        }
    }
    outcome.diff = unified_diff(*loaded->text, outcome.removed_file ? "" : new_text, label(*loaded),
                                outcome.removed_file ? "/dev/null" : label(*loaded));
    if (request.dry_run) return outcome;
    if (request.confirm && !request.confirm(outcome)) return outcome;

    if (auto s = ensure_unchanged(*loaded); !s) return s.error();
    if (outcome.removed_file) {
        // No backup: the file held nothing but what init put there.
        if (::unlink(loaded->path.c_str()) != 0 && errno != ENOENT) {
            return make_error("cannot remove " + label(*loaded) + ": " + std::strerror(errno));
        }
        // Deepest first. A directory that holds anything else now is the user's; it stays.
        std::vector<std::string> dirs = record->created_dirs;
        std::reverse(dirs.begin(), dirs.end());
        for (const std::string& dir : dirs) {
            if (::rmdir(dir.c_str()) != 0 && errno != ENOTEMPTY && errno != EEXIST &&
                errno != ENOENT) {
                outcome.merge.warnings.push_back("cannot remove " + dir + ": " +
                                                 std::strerror(errno));
                break;
            }
        }
    } else {
        auto backup = write_backup(loaded->path, *loaded->text, file_mode(loaded->path));
        if (!backup) return backup.error();
        outcome.backup = *backup;
        if (auto s = replace_file_atomically(loaded->path, new_text); !s) return s.error();
    }
    outcome.written = true;
    if (auto s = forget_record(); !s) return s.error();
    return outcome;
}

}  // namespace agent_trace::cli
