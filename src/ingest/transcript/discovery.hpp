#pragma once
// Finds transcript files and what their place in the tree says about them.
#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <vector>

namespace agent_trace::transcript {

struct TranscriptFile {
    std::string path;
    std::string project;       // Claude Code's project directory name (the encoded cwd)
    std::string session_hint;  // session id implied by the path, used when lines lack one
    std::string agent_hint;    // subagent id implied by the file name
    uint64_t size = 0;
    // From the directory walk's stat, so an unchanged file is skipped unopened.
    uint64_t device = 0;
    uint64_t inode = 0;
    int64_t mtime_ns = 0;
};

struct DiscoveryResult {
    std::vector<TranscriptFile> files;
    std::vector<std::string> errors;  // unreadable directories or missing roots
};

// Walks each root recursively for *.jsonl. A root may also be a single file.
DiscoveryResult discover_transcripts(const std::vector<std::string>& roots);

// `$CLAUDE_CONFIG_DIR/projects` (comma-separated list allowed) and also
// `~/.config/claude/projects` and `~/.claude/projects`: a relocated config dir
// does not hide older history (copies are counted once); only those that exist.
std::vector<std::string> default_transcript_roots();

// A stat's modification time in nanoseconds, as checkpoints record it.
int64_t mtime_ns(const struct stat& st);

// What the path says: project dir, session id, agent id.
TranscriptFile describe_transcript_path(const std::string& path);

}  // namespace agent_trace::transcript
