#pragma once
// Crash-safe replacement for small configuration files that other programs
// (Claude Code, editors, dotfile managers) also touch; they are read with
// file_io::read_small_file().
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace agent_trace::cli {

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
