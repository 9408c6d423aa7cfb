#include "ingest/transcript/discovery.hpp"

#include <cstdlib>
#include <filesystem>
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

TranscriptFile describe_transcript_path(const std::string& path) {
    TranscriptFile file;
    file.path = path;
    const fs::path p(path);
    const std::string stem = p.stem().string();
    if (stem.rfind("agent-", 0) == 0) file.agent_hint = stem.substr(6);
    // <project>/<session>/subagents/[nested/]agent-<id>.jsonl
    fs::path dir = p.parent_path();
    for (fs::path probe = dir; !probe.empty() && probe != probe.root_path();
         probe = probe.parent_path()) {
        if (probe.filename() == "subagents") {
            file.session_hint = probe.parent_path().filename().string();
            file.project = probe.parent_path().parent_path().filename().string();
            return file;
        }
    }
    // <project>/<session>.jsonl, or the legacy <project>/agent-<id>.jsonl
    file.project = dir.filename().string();
    if (file.agent_hint.empty()) file.session_hint = stem;
    return file;
}

DiscoveryResult discover_transcripts(const std::vector<std::string>& roots) {
    DiscoveryResult result;
    std::set<std::string> seen;
    // Roots are made canonical once so overlapping roots list a file once.
    auto add_file = [&](const fs::path& p, uint64_t size) {
        std::string key = p.lexically_normal().string();
        if (!seen.insert(key).second) return;
        TranscriptFile file = describe_transcript_path(key);
        file.size = size;
        result.files.push_back(std::move(file));
    };
    for (const std::string& given_root : roots) {
        std::error_code ec;
        fs::path canonical_root = fs::weakly_canonical(given_root, ec);
        const std::string root = ec ? given_root : canonical_root.string();
        ec.clear();
        const fs::file_status status = fs::status(root, ec);
        if (ec || !fs::exists(status)) {
            result.errors.push_back(root + ": no such file or directory");
            continue;
        }
        if (fs::is_regular_file(status)) {
            add_file(root, fs::file_size(root, ec));
            continue;
        }
        fs::recursive_directory_iterator it(
            root, fs::directory_options::skip_permission_denied, ec);
        if (ec) {
            result.errors.push_back(root + ": " + ec.message());
            continue;
        }
        for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
            if (ec) {
                result.errors.push_back(root + ": " + ec.message());
                ec.clear();
                continue;
            }
            const fs::directory_entry& entry = *it;
            std::error_code entry_ec;
            if (!entry.is_regular_file(entry_ec)) continue;
            const std::string name = entry.path().filename().string();
            if (!ends_with(name, ".jsonl")) continue;
            add_file(entry.path(), entry.file_size(entry_ec));
        }
    }
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
