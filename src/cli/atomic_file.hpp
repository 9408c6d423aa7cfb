#pragma once
// Whole-file reads and crash-safe replacement for small configuration files
// that other programs (Claude Code, editors, dotfile managers) also touch.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace agent_trace::cli {

// The file's bytes, or nullopt when it does not exist. Refuses anything that is
// not a regular file, and files over `max_bytes`.
Result<std::optional<std::string>> read_small_file(const std::filesystem::path& path,
                                                   size_t max_bytes = 16U << 20U);

// Writes `content` next to `path` in a temporary file, fsyncs it and renames it
// over `path`, then fsyncs the directory. An existing file keeps its mode (and,
// when we may, its owner); a new one gets `new_file_mode` minus the umask.
Status replace_file_atomically(const std::filesystem::path& path, std::string_view content,
                               mode_t new_file_mode = 0666);

// Copies `content` to "<path>.agent-trace-backup-<UTC timestamp>" (a suffix is
// added when that name is taken) with `mode`, and returns the backup's path.
Result<std::filesystem::path> write_backup(const std::filesystem::path& path,
                                           std::string_view content, mode_t mode);

// Follows a symbolic link to the file it names, so a replacement lands in the
// linked file (dotfile managers link settings.json) instead of replacing the link.
Result<std::filesystem::path> resolve_for_writing(const std::filesystem::path& path);

}  // namespace agent_trace::cli
