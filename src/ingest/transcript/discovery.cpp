#include "ingest/transcript/discovery.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <string_view>
#include <system_error>

namespace agent_trace::transcript {
namespace fs = std::filesystem;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void add_root_if_dir(std::vector<std::string>& out, const fs::path& p) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) out.push_back(p.string());
}

}  // namespace

int64_t mtime_ns(const struct stat& st) {
    return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

TranscriptFile describe_transcript_path(const std::string& path) {
    // Plain string work: this runs for every file of every import.
    TranscriptFile file;
    file.path = path;
    const std::string_view p = path;
    const auto component_before = [&](size_t end) -> std::pair<std::string_view, size_t> {
        // The component ending just before `end` (a '/' position or p.size()).
        const size_t slash = end == 0 ? std::string_view::npos : p.rfind('/', end - 1);
        const size_t begin = slash == std::string_view::npos ? 0 : slash + 1;
        return {p.substr(begin, end - begin), slash == std::string_view::npos ? 0 : slash};
    };
    auto [name, name_slash] = component_before(p.size());
    std::string_view stem = name;
    if (const size_t dot = stem.rfind('.'); dot != std::string_view::npos && dot != 0) {
        stem = stem.substr(0, dot);
    }
    if (stem.substr(0, 6) == "agent-") file.agent_hint = std::string(stem.substr(6));
    // <project>/<session>/subagents/[nested/]agent-<id>.jsonl
    size_t end = name_slash;
    while (end > 0) {
        auto [dir, dir_slash] = component_before(end);
        if (dir == "subagents") {
            auto [session, session_slash] = component_before(dir_slash);
            auto [project, project_slash] = component_before(session_slash);
            file.session_hint = std::string(session);
            file.project = std::string(project);
            return file;
        }
        end = dir_slash;
    }
    // <project>/<session>.jsonl, or the legacy <project>/agent-<id>.jsonl
    file.project = std::string(component_before(name_slash).first);
    if (file.agent_hint.empty()) file.session_hint = std::string(stem);
    return file;
}

namespace {

TranscriptFile describe_stat(const std::string& path, const struct stat& st) {
    TranscriptFile file = describe_transcript_path(path);
    file.size = static_cast<uint64_t>(st.st_size);
    file.device = st.st_dev;
    file.inode = st.st_ino;
    file.mtime_ns = transcript::mtime_ns(st);
    return file;
}

// Walks `dir` with openat/fstatat: one stat per entry, no path re-parsing.
// Directories already walked, by (device, inode): symlinked loops and overlapping
// roots are listed once.
using Visited = std::set<std::pair<uint64_t, uint64_t>>;

void walk(int dir_fd, const std::string& path, DiscoveryResult& result, int depth,
          Visited& visited) {
    struct stat self {};
    if (::fstat(dir_fd, &self) != 0 || !visited.emplace(self.st_dev, self.st_ino).second) {
        ::close(dir_fd);
        return;
    }
    if (depth > 64) {
        result.errors.push_back(path + ": directory tree too deep");
        ::close(dir_fd);
        return;
    }
    DIR* dir = ::fdopendir(dir_fd);
    if (dir == nullptr) {
        result.errors.push_back(path + ": " + std::strerror(errno));
        ::close(dir_fd);
        return;
    }
    const std::unique_ptr<DIR, int (*)(DIR*)> owner(dir, ::closedir);
    while (const dirent* entry = ::readdir(dir)) {
        const std::string_view name = entry->d_name;
        if (name == "." || name == "..") continue;
        const bool maybe_dir =
            entry->d_type == DT_DIR || entry->d_type == DT_UNKNOWN || entry->d_type == DT_LNK;
        const bool jsonl = ends_with(name, ".jsonl");
        if (!maybe_dir && !jsonl) continue;
        struct stat st {};
        if (::fstatat(dir_fd, entry->d_name, &st, 0) != 0) continue;  // dangling link
        std::string child = path + "/" + std::string(name);
        if (S_ISDIR(st.st_mode)) {
            const int child_fd =
                ::openat(dir_fd, entry->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (child_fd < 0) {
                result.errors.push_back(child + ": " + std::strerror(errno));
                continue;
            }
            walk(child_fd, child, result, depth + 1, visited);
        } else if (S_ISREG(st.st_mode) && jsonl) {
            result.files.push_back(describe_stat(child, st));
        }
    }
}

}  // namespace

DiscoveryResult discover_transcripts(const std::vector<std::string>& roots) {
    DiscoveryResult result;
    std::set<std::string> seen_roots;
    Visited visited;
    for (const std::string& given_root : roots) {
        std::error_code ec;
        const fs::path canonical = fs::weakly_canonical(given_root, ec);
        std::string root = ec ? given_root : canonical.string();
        while (root.size() > 1 && root.back() == '/') root.pop_back();
        if (!seen_roots.insert(root).second) continue;
        struct stat st {};
        if (::stat(root.c_str(), &st) != 0) {
            result.errors.push_back(given_root + ": no such file or directory");
            continue;
        }
        if (S_ISREG(st.st_mode)) {
            result.files.push_back(describe_stat(root, st));
            continue;
        }
        const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            result.errors.push_back(given_root + ": " + std::strerror(errno));
            continue;
        }
        walk(fd, root, result, 0, visited);
    }
    // Overlapping roots (a tree and a folder inside it) list a file once.
    std::sort(result.files.begin(), result.files.end(),
              [](const TranscriptFile& a, const TranscriptFile& b) { return a.path < b.path; });
    result.files.erase(std::unique(result.files.begin(), result.files.end(),
                                   [](const TranscriptFile& a, const TranscriptFile& b) {
                                       return a.path == b.path;
                                   }),
                       result.files.end());
    return result;
}

std::vector<std::string> default_transcript_roots() {
    std::vector<std::string> roots;
    if (const char* config = std::getenv("CLAUDE_CONFIG_DIR"); config != nullptr && *config) {
        std::string_view list = config;
        while (!list.empty()) {
            const size_t comma = list.find(',');
            const std::string_view item = list.substr(0, comma);
            if (!item.empty()) add_root_if_dir(roots, fs::path(std::string(item)) / "projects");
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
    }
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') return roots;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg) {
        add_root_if_dir(roots, fs::path(xdg) / "claude" / "projects");
    } else {
        add_root_if_dir(roots, fs::path(home) / ".config" / "claude" / "projects");
    }
    add_root_if_dir(roots, fs::path(home) / ".claude" / "projects");
    return roots;
}

}  // namespace agent_trace::transcript
