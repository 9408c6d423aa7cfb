// init and uninstall on real files: creation, byte-identical re-runs, backups,
// dry runs, invalid files left untouched, exact restoration.
#include "cli/init_wiring.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../support/test_support.hpp"
#include "cli/init_manifest.hpp"

namespace agent_trace::cli {
namespace {

using testing_support::TempDir;
using testing_support::write_file;

std::string read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::vector<std::filesystem::path> backups_of(const std::filesystem::path& file) {
    std::vector<std::filesystem::path> found;
    const std::string prefix = file.filename().string() + ".agent-trace-backup-";
    for (const auto& entry : std::filesystem::directory_iterator(file.parent_path())) {
        if (entry.path().filename().string().rfind(prefix, 0) == 0) found.push_back(entry.path());
    }
    return found;
}

// Only the settings file, its backups and the manifest may appear: no temp files left over.
std::vector<std::string> names_in(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

mode_t mode_of(const std::filesystem::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
}

class InitWiring : public ::testing::Test {
protected:
    TempDir dir;
    std::filesystem::path claude = dir.path() / "home" / ".claude";
    std::filesystem::path settings = claude / "settings.json";
    std::string manifest = (dir.path() / "config" / "init-manifest.json").string();

    [[nodiscard]] InitRequest init_request(int tier = 1, bool force = false) const {
        InitRequest r;
        r.settings_path = settings;
        r.manifest_path = manifest;
        r.wire.command =
            hook_handler_command("/usr/local/bin/agent-trace",
                                 tier == 1 ? std::nullopt : std::optional(tier), std::nullopt);
        r.wire.events = events_to_register();
        r.wire.env = telemetry_env(tier, "http://127.0.0.1:8317");
        r.wire.force = force;
        return r;
    }

    [[nodiscard]] UninstallRequest uninstall_request() const {
        UninstallRequest r;
        r.settings_path = settings;
        r.manifest_path = manifest;
        r.fallback_env = telemetry_env(3, "http://127.0.0.1:8317");
        return r;
    }

    WiringOutcome init(const InitRequest& r) {
        auto outcome = apply_init(r);
        EXPECT_TRUE(outcome.ok()) << (outcome.ok() ? "" : outcome.error().message);
        return outcome.ok() ? *outcome : WiringOutcome{};
    }
    WiringOutcome init() { return init(init_request()); }

    WiringOutcome uninstall(const UninstallRequest& r) {
        auto outcome = apply_uninstall(r);
        EXPECT_TRUE(outcome.ok()) << (outcome.ok() ? "" : outcome.error().message);
        return outcome.ok() ? *outcome : WiringOutcome{};
    }
    WiringOutcome uninstall() { return uninstall(uninstall_request()); }

    [[nodiscard]] SettingsJson parsed() const {
        auto json = parse_settings(read(settings), settings.string());
        EXPECT_TRUE(json.ok());
        return json.ok() ? *json : SettingsJson();
    }
};

TEST_F(InitWiring, NoFileCreatesItAndUninstallRemovesItAndTheDirectory) {
    std::filesystem::create_directories(dir.path() / "home");
    const WiringOutcome first = init();
    EXPECT_FALSE(first.existed);
    EXPECT_TRUE(first.written);
    EXPECT_FALSE(first.backup.has_value());
    EXPECT_EQ(first.diff.rfind("--- /dev/null\n", 0), 0U) << first.diff;
    const std::string text = read(settings);
    EXPECT_EQ(text.back(), '\n');
    EXPECT_EQ(text.rfind("{\n  \"hooks\": {\n    \"SessionStart\": [", 0), 0U) << text;
    EXPECT_EQ(parsed()["hooks"].size(), 32U);
    EXPECT_TRUE(std::filesystem::exists(manifest));
    EXPECT_EQ(mode_of(manifest), 0600U);

    const WiringOutcome removed = uninstall();
    EXPECT_TRUE(removed.removed_file);
    EXPECT_FALSE(std::filesystem::exists(settings));
    EXPECT_FALSE(std::filesystem::exists(claude));
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "home"));  // not created by init
    EXPECT_FALSE(std::filesystem::exists(manifest));
}

TEST_F(InitWiring, EmptyFileAndEmptyObjectComeBackByteForByte) {
    for (const std::string& original : {std::string(), std::string("{}"), std::string("{ }\n")}) {
        write_file(settings, original);
        const WiringOutcome first = init();
        EXPECT_TRUE(first.existed);
        EXPECT_TRUE(first.written);
        ASSERT_TRUE(first.backup.has_value());
        EXPECT_EQ(read(*first.backup), original);
        EXPECT_EQ(parsed()["hooks"].size(), 32U);

        const WiringOutcome removed = uninstall();
        EXPECT_TRUE(removed.restored_original);
        EXPECT_FALSE(removed.removed_file);
        EXPECT_EQ(read(settings), original);
        for (const auto& backup : backups_of(settings)) std::filesystem::remove(backup);
    }
}

TEST_F(InitWiring, SecondRunIsByteIdenticalAndWritesNoBackup) {
    write_file(settings, R"({"model": "opus"})");
    init();
    const std::string once = read(settings);
    ASSERT_EQ(backups_of(settings).size(), 1U);
    const WiringOutcome again = init();
    EXPECT_FALSE(again.changed);
    EXPECT_FALSE(again.written);
    EXPECT_TRUE(again.diff.empty());
    EXPECT_EQ(read(settings), once);
    EXPECT_EQ(backups_of(settings).size(), 1U);
}

TEST_F(InitWiring, OtherToolsHooksSurviveAndUninstallRestoresTheOriginalBytes) {
    // Four-space indent and odd spacing: a re-serialisation could not reproduce it.
    const std::string original = R"({
    "model": "opus",
    "hooks": {
        "PreToolUse": [
            { "matcher": "Bash", "hooks": [ { "type": "command", "command": "guard.sh" } ] },
            { "hooks": [ { "type": "command", "command": "log.py", "timeout": 5 } ] }
        ],
        "Stop": [ { "hooks": [ { "type": "command", "command": "notify-send done" } ] } ]
    },
    "env": { "FOO": "bar" }
}
)";
    write_file(settings, original);
    init();
    const SettingsJson wired = parsed();
    ASSERT_EQ(wired["hooks"]["PreToolUse"].size(), 3U);
    EXPECT_EQ(wired["hooks"]["PreToolUse"][0]["matcher"], "Bash");
    EXPECT_EQ(wired["hooks"]["PreToolUse"][1]["hooks"][0]["command"], "log.py");
    EXPECT_EQ(wired["hooks"]["PreToolUse"][2]["hooks"][0]["command"],
              "/usr/local/bin/agent-trace hook-handler");
    EXPECT_EQ(wired["hooks"]["Stop"][0]["hooks"][0]["command"], "notify-send done");
    EXPECT_EQ(wired["env"]["FOO"], "bar");
    EXPECT_EQ(wired.begin().key(), "model");

    uninstall();
    EXPECT_EQ(read(settings), original);
}

TEST_F(InitWiring, HandEditsBetweenInitAndUninstallAreKept) {
    write_file(settings, R"({"model": "opus"})");
    init();
    SettingsJson edited = parsed();
    edited["model"] = "sonnet";
    edited["hooks"]["PreToolUse"].push_back(
        {{"matcher", "Edit"},
         {"hooks", SettingsJson::array({{{"type", "command"}, {"command", "fmt.sh"}}})}});
    edited["hooks"]["Stop"][0]["hooks"].push_back({{"type", "command"}, {"command", "ding"}});
    write_file(settings, serialize_settings(edited));

    const WiringOutcome removed = uninstall();
    EXPECT_FALSE(removed.restored_original);
    const SettingsJson after = parsed();
    EXPECT_EQ(after["model"], "sonnet");
    EXPECT_EQ(after["hooks"].size(), 2U);
    ASSERT_EQ(after["hooks"]["PreToolUse"].size(), 1U);
    EXPECT_EQ(after["hooks"]["PreToolUse"][0]["hooks"][0]["command"], "fmt.sh");
    ASSERT_EQ(after["hooks"]["Stop"][0]["hooks"].size(), 1U);
    EXPECT_EQ(after["hooks"]["Stop"][0]["hooks"][0]["command"], "ding");
    EXPECT_FALSE(after.contains("env"));
}

TEST_F(InitWiring, ForcedEnvValueIsRestoredOnUninstall) {
    const std::string original =
        "{\n  \"env\": {\n    \"OTEL_EXPORTER_OTLP_ENDPOINT\": \"http://collector:4318\"\n  }\n}\n";
    write_file(settings, original);
    const WiringOutcome kept = init();
    ASSERT_EQ(kept.merge.warnings.size(), 1U);
    EXPECT_EQ(parsed()["env"]["OTEL_EXPORTER_OTLP_ENDPOINT"], "http://collector:4318");

    const WiringOutcome forced = init(init_request(1, true));
    EXPECT_TRUE(forced.written);
    EXPECT_EQ(parsed()["env"]["OTEL_EXPORTER_OTLP_ENDPOINT"], "http://127.0.0.1:8317");

    uninstall();
    EXPECT_EQ(read(settings), original);
}

TEST_F(InitWiring, InvalidJsonIsLeftUntouchedWithThePosition) {
    const std::string broken = "{\n  \"model\": \"opus\",\n  \"hooks\": {\n}\n";
    write_file(settings, broken);
    auto outcome = apply_init(init_request());
    ASSERT_FALSE(outcome.ok());
    EXPECT_NE(outcome.error().message.find(settings.string() + ":5:1: invalid JSON"),
              std::string::npos)
        << outcome.error().message;
    EXPECT_EQ(read(settings), broken);
    EXPECT_TRUE(backups_of(settings).empty());
    EXPECT_FALSE(std::filesystem::exists(manifest));

    auto removal = apply_uninstall(uninstall_request());
    ASSERT_FALSE(removal.ok());
    EXPECT_EQ(read(settings), broken);
}

TEST_F(InitWiring, BackupHoldsThePreviousBytesAndMode) {
    write_file(settings, "{\"theme\": \"dark\"}\n");
    ASSERT_EQ(::chmod(settings.c_str(), 0640), 0);
    const WiringOutcome outcome = init();
    ASSERT_TRUE(outcome.backup.has_value());
    EXPECT_EQ(read(*outcome.backup), "{\"theme\": \"dark\"}\n");
    EXPECT_EQ(mode_of(*outcome.backup), 0640U);
    EXPECT_EQ(mode_of(settings), 0640U);  // the rewritten file keeps its mode
    const std::string backup_name = outcome.backup->filename().string();
    EXPECT_EQ(names_in(claude), (std::vector<std::string>{"settings.json", backup_name}));
}

TEST_F(InitWiring, DryRunWritesNothingAndShowsTheDiff) {
    write_file(settings, "{\"theme\": \"dark\"}\n");
    InitRequest r = init_request();
    r.dry_run = true;
    const WiringOutcome outcome = init(r);
    EXPECT_TRUE(outcome.changed);
    EXPECT_FALSE(outcome.written);
    EXPECT_EQ(read(settings), "{\"theme\": \"dark\"}\n");
    EXPECT_TRUE(backups_of(settings).empty());
    EXPECT_FALSE(std::filesystem::exists(manifest));
    EXPECT_NE(outcome.diff.find("-{\"theme\": \"dark\"}\n"), std::string::npos) << outcome.diff;
    EXPECT_NE(
        outcome.diff.find("+            \"command\": \"/usr/local/bin/agent-trace hook-handler\""),
        std::string::npos);

    init();
    UninstallRequest u = uninstall_request();
    u.dry_run = true;
    const std::string wired = read(settings);
    const WiringOutcome preview = uninstall(u);
    EXPECT_TRUE(preview.changed);
    EXPECT_FALSE(preview.written);
    EXPECT_EQ(read(settings), wired);
    EXPECT_TRUE(std::filesystem::exists(manifest));
}

TEST_F(InitWiring, DeclinedConfirmationWritesNothing) {
    write_file(settings, "{}");
    InitRequest r = init_request();
    bool asked = false;
    r.confirm = [&asked](const WiringOutcome& o) {
        asked = true;
        EXPECT_EQ(o.merge.events_added, 32U);
        return false;
    };
    const WiringOutcome outcome = init(r);
    EXPECT_TRUE(asked);
    EXPECT_FALSE(outcome.written);
    EXPECT_EQ(read(settings), "{}");
    EXPECT_TRUE(backups_of(settings).empty());
}

TEST_F(InitWiring, ASymlinkedSettingsFileStaysALink) {
    const std::filesystem::path real = dir.path() / "dotfiles" / "claude-settings.json";
    write_file(real, "{\"theme\": \"dark\"}\n");
    std::filesystem::create_directories(claude);
    std::filesystem::create_symlink(real, settings);
    const WiringOutcome outcome = init();
    EXPECT_EQ(outcome.settings_path, real);
    EXPECT_TRUE(std::filesystem::is_symlink(settings));
    EXPECT_EQ(parsed()["hooks"].size(), 32U);
    uninstall();
    EXPECT_TRUE(std::filesystem::is_symlink(settings));
    EXPECT_EQ(read(real), "{\"theme\": \"dark\"}\n");
}

TEST_F(InitWiring, UninstallOfAFileInitNeverTouchedChangesNothing) {
    const std::string original =
        R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "x"}]}]}})";
    write_file(settings, original);
    const WiringOutcome outcome = uninstall();
    EXPECT_FALSE(outcome.changed);
    EXPECT_EQ(read(settings), original);
    EXPECT_TRUE(backups_of(settings).empty());
}

TEST_F(InitWiring, AnUnreadableManifestStopsInitBeforeAnyChange) {
    write_file(manifest, "not json");
    write_file(settings, "{}");
    auto outcome = apply_init(init_request());
    ASSERT_FALSE(outcome.ok());
    EXPECT_NE(outcome.error().message.find("init-manifest.json"), std::string::npos);
    EXPECT_EQ(read(settings), "{}");
}

}  // namespace
}  // namespace agent_trace::cli
