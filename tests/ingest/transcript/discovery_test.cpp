#include "ingest/transcript/discovery.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "../../support/test_support.hpp"

namespace agent_trace::transcript {
namespace {

namespace fs = std::filesystem;

using testing_support::ScopedEnv;
using testing_support::TempDir;
using testing_support::write_file;

const TranscriptFile* find(const DiscoveryResult& r, const fs::path& path) {
    for (const auto& f : r.files) {
        if (f.path == path.string()) return &f;
    }
    return nullptr;
}

// ------------------------------------------------------------------ describe

void expect_described(const std::string& path, const char* project, const char* session_hint,
                      const char* agent_hint) {
    const TranscriptFile f = describe_transcript_path(path);
    EXPECT_EQ(f.project, project) << path;
    EXPECT_EQ(f.session_hint, session_hint) << path;
    EXPECT_EQ(f.agent_hint, agent_hint) << path;
}

TEST(DescribeTranscriptPath, SessionFile) {
    expect_described(
        "/home/u/.claude/projects/-home-u-src-app/1b2c3d4e-0000-4000-8000-000000000001.jsonl",
        "-home-u-src-app", "1b2c3d4e-0000-4000-8000-000000000001", "");
}

TEST(DescribeTranscriptPath, SubagentFile) {
    expect_described("/p/projects/-home-u-src-app/sess-1/subagents/agent-a667bcb3871ba1ad8.jsonl",
                     "-home-u-src-app", "sess-1", "a667bcb3871ba1ad8");
    expect_described("/p/projects/-home-u-src-app/sess-1/subagents/agent-aside_question-0f3a.jsonl",
                     "-home-u-src-app", "sess-1", "aside_question-0f3a");
}

TEST(DescribeTranscriptPath, NestedBelowSubagents) {
    expect_described("/p/projects/-home-u-src-app/sess-2/subagents/deeper/still/agent-abc.jsonl",
                     "-home-u-src-app", "sess-2", "abc");
}

TEST(DescribeTranscriptPath, LegacyAgentFile) {
    // No session in the path: the lines carry the parent sessionId.
    expect_described("/p/projects/-home-u-src-app/agent-1a2b3c4d.jsonl", "-home-u-src-app", "",
                     "1a2b3c4d");
}

TEST(DescribeTranscriptPath, RelativePath) {
    expect_described("-home-u-x/sess.jsonl", "-home-u-x", "sess", "");
}

// ------------------------------------------------------------------ discover

TEST(DiscoverTranscripts, WalksTreeAndIgnoresOtherFiles) {
    TempDir dir;
    const fs::path root = dir.path() / "projects";
    const fs::path session = root / "-home-u-app" / "s1.jsonl";
    const fs::path sub = root / "-home-u-app" / "s1" / "subagents" / "agent-x1.jsonl";
    const fs::path legacy = root / "-home-u-old" / "agent-0a1b2c3d.jsonl";
    write_file(session, "{}\n");
    write_file(sub, "{}\n{}\n");
    write_file(legacy, "");
    write_file(root / "-home-u-app" / "s1" / "subagents" / "agent-x1.meta.json", "{}");
    write_file(root / "-home-u-app" / "notes.txt", "x");
    write_file(root / "-home-u-app" / "s1.jsonl.bak", "x");
    fs::create_directories(root / "-home-u-app" / "dir.jsonl");  // a directory, not a file

    const DiscoveryResult r = discover_transcripts({root.string()});
    EXPECT_TRUE(r.errors.empty());
    ASSERT_EQ(r.files.size(), 3u);
    const TranscriptFile* s = find(r, session);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->size, 3u);
    EXPECT_EQ(s->project, "-home-u-app");
    EXPECT_EQ(s->session_hint, "s1");
    const TranscriptFile* a = find(r, sub);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->size, 6u);
    EXPECT_EQ(a->session_hint, "s1");
    EXPECT_EQ(a->agent_hint, "x1");
    const TranscriptFile* l = find(r, legacy);
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->size, 0u);
    EXPECT_EQ(l->project, "-home-u-old");
}

TEST(DiscoverTranscripts, SingleFileRoot) {
    TempDir dir;
    const fs::path file = dir.path() / "-home-u-app" / "s9.jsonl";
    write_file(file, "abc\n");
    const DiscoveryResult r = discover_transcripts({file.string()});
    EXPECT_TRUE(r.errors.empty());
    ASSERT_EQ(r.files.size(), 1u);
    EXPECT_EQ(r.files[0].path, file.string());
    EXPECT_EQ(r.files[0].size, 4u);
    EXPECT_EQ(r.files[0].session_hint, "s9");
    EXPECT_EQ(r.files[0].project, "-home-u-app");
}

TEST(DiscoverTranscripts, MissingRootIsReported) {
    TempDir dir;
    const fs::path present = dir.path() / "projects";
    write_file(present / "p" / "s.jsonl", "{}\n");
    const fs::path missing = dir.path() / "nope";
    const DiscoveryResult r = discover_transcripts({missing.string(), present.string()});
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].find(missing.string()), std::string::npos) << r.errors[0];
    EXPECT_EQ(r.files.size(), 1u);  // the other root is still walked
}

TEST(DiscoverTranscripts, OverlappingRootsListAFileOnce) {
    TempDir dir;
    const fs::path root = dir.path() / "projects";
    const fs::path file = root / "p" / "s.jsonl";
    write_file(file, "{}\n");
    write_file(root / "q" / "t.jsonl", "{}\n");
    const DiscoveryResult r = discover_transcripts({
        root.string(),
        (root / "p").string(),
        file.string(),
        (root / "p" / ".." / "p" / "s.jsonl").string(),
        root.string() + "/",
    });
    EXPECT_TRUE(r.errors.empty());
    ASSERT_EQ(r.files.size(), 2u);
    EXPECT_NE(find(r, file), nullptr);
    EXPECT_NE(find(r, root / "q" / "t.jsonl"), nullptr);
}

TEST(DiscoverTranscripts, SymlinkedRootListsFileOnce) {
    TempDir dir;
    const fs::path root = dir.path() / "projects";
    write_file(root / "p" / "s.jsonl", "{}\n");
    const fs::path link = dir.path() / "link";
    fs::create_directory_symlink(root, link);
    const DiscoveryResult r = discover_transcripts({root.string(), link.string()});
    EXPECT_EQ(r.files.size(), 1u);
}

// A symlink back up the tree is walked once, not 64 levels deep.
TEST(DiscoverTranscripts, SymlinkLoopIsWalkedOnce) {
    TempDir dir;
    const fs::path root = dir.path() / "projects";
    write_file(root / "p" / "s.jsonl", "{}\n");
    write_file(root / "p" / "s" / "subagents" / "agent-a1.jsonl", "{}\n");
    fs::create_directory_symlink(root, root / "p" / "s" / "loop");
    const DiscoveryResult r = discover_transcripts({root.string()});
    EXPECT_EQ(r.files.size(), 2u);
    EXPECT_TRUE(r.errors.empty()) << r.errors.front();
}

// ------------------------------------------------------------------ default roots

// default_transcript_roots() under HOME=`home`, with XDG_CONFIG_HOME and
// CLAUDE_CONFIG_DIR set to the values given (nullopt: unset).
std::vector<std::string> roots_with(const fs::path& home, const std::optional<std::string>& xdg,
                                    const std::optional<std::string>& claude_config_dir) {
    ScopedEnv h("HOME", home.string());
    ScopedEnv x("XDG_CONFIG_HOME", xdg);
    ScopedEnv c("CLAUDE_CONFIG_DIR", claude_config_dir);
    return default_transcript_roots();
}

TEST(DefaultTranscriptRoots, HomeDefaults) {
    TempDir dir;
    const fs::path home = dir.path() / "home";
    fs::create_directories(home / ".claude" / "projects");
    fs::create_directories(home / ".config" / "claude" / "projects");
    const auto roots = roots_with(home, std::nullopt, std::nullopt);
    ASSERT_EQ(roots.size(), 2u);
    EXPECT_EQ(roots[0], (home / ".config" / "claude" / "projects").string());
    EXPECT_EQ(roots[1], (home / ".claude" / "projects").string());
}

TEST(DefaultTranscriptRoots, OnlyExistingDirectories) {
    TempDir dir;
    const fs::path home = dir.path() / "home";
    fs::create_directories(home / ".claude" / "projects");
    const auto roots = roots_with(home, std::nullopt, std::nullopt);
    ASSERT_EQ(roots.size(), 1u);
    EXPECT_EQ(roots[0], (home / ".claude" / "projects").string());
}

TEST(DefaultTranscriptRoots, ClaudeConfigDirCommaList) {
    TempDir dir;
    const fs::path home = dir.path() / "home";  // no Claude directories here
    fs::create_directories(home);
    const fs::path a = dir.path() / "cfg-a";
    const fs::path b = dir.path() / "cfg-b";
    const fs::path no_projects = dir.path() / "cfg-c";
    fs::create_directories(a / "projects");
    fs::create_directories(b / "projects");
    fs::create_directories(no_projects);
    const auto roots =
        roots_with(home, std::nullopt, a.string() + "," + no_projects.string() + ",," + b.string());
    ASSERT_EQ(roots.size(), 2u);
    EXPECT_EQ(roots[0], (a / "projects").string());
    EXPECT_EQ(roots[1], (b / "projects").string());
}

// The header: "$CLAUDE_CONFIG_DIR/projects (comma-separated list allowed), else
// ~/.config/claude/projects and ~/.claude/projects". Pointing Claude Code at
// another config dir must not also import the home directory's transcripts.
// A relocated config dir does not hide the history kept under HOME: both are
// read (copies are counted once), the configured one first.
TEST(DefaultTranscriptRoots, ClaudeConfigDirComesFirstAndHomeHistoryStays) {
    TempDir dir;
    const fs::path home = dir.path() / "home";
    fs::create_directories(home / ".claude" / "projects");
    fs::create_directories(home / ".config" / "claude" / "projects");
    const fs::path cfg = dir.path() / "cfg";
    fs::create_directories(cfg / "projects");
    const auto roots = roots_with(home, std::nullopt, cfg.string());
    ASSERT_EQ(roots.size(), 3u);
    EXPECT_EQ(roots[0], (cfg / "projects").string());
    EXPECT_EQ(roots[1], (home / ".config" / "claude" / "projects").string());
    EXPECT_EQ(roots[2], (home / ".claude" / "projects").string());
}

TEST(DefaultTranscriptRoots, XdgConfigHome) {
    TempDir dir;
    const fs::path home = dir.path() / "home";
    const fs::path xdg = dir.path() / "xdg";
    fs::create_directories(home);
    fs::create_directories(xdg / "claude" / "projects");
    const auto roots = roots_with(home, xdg.string(), std::nullopt);
    ASSERT_EQ(roots.size(), 1u);
    EXPECT_EQ(roots[0], (xdg / "claude" / "projects").string());
}

}  // namespace
}  // namespace agent_trace::transcript
