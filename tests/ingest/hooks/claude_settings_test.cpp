// The settings merge on JSON values: what init adds, what it keeps, what
// uninstall takes away, and how hook commands are recognised.
#include "ingest/hooks/claude_settings.hpp"

#include <gtest/gtest.h>

#include <string>

#include "../../support/test_support.hpp"

namespace agent_trace {
namespace {

const std::string kFront = "/opt/agent trace/bin/agent-trace";
const std::string kServer = "http://127.0.0.1:8317";

WireRequest request(int tier = 1, bool force = false) {
    WireRequest r;
    r.command =
        hook_handler_command(kFront, tier == 1 ? std::nullopt : std::optional(tier), std::nullopt);
    r.events = events_to_register();
    r.env = telemetry_env(tier, kServer);
    r.force = force;
    return r;
}

SettingsJson parse(const std::string& text) {
    auto parsed = parse_settings(text, "test.json");
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
    return parsed.ok() ? *parsed : SettingsJson::object();
}

// The commands of every handler of one event, in file order.
std::vector<std::string> commands_of(const SettingsJson& settings, const std::string& event) {
    std::vector<std::string> commands;
    for (const auto& group : settings["hooks"][event]) {
        for (const auto& handler : group["hooks"]) {
            commands.push_back(handler.value("command", handler.value("url", "")));
        }
    }
    return commands;
}

TEST(ClaudeSettings, RegistersEveryObservingHookEventButNotWorktreeCreation) {
    const auto events = events_to_register();
    EXPECT_EQ(events.size(), 32U);
    EXPECT_NE(std::find(events.begin(), events.end(), "PreToolUse"), events.end());
    EXPECT_NE(std::find(events.begin(), events.end(), "SessionEnd"), events.end());
    EXPECT_EQ(std::find(events.begin(), events.end(), "WorktreeCreate"), events.end());
    EXPECT_EQ(std::find(events.begin(), events.end(), "WorktreeRemove"), events.end());
}

TEST(ClaudeSettings, QuotesOnlyWhatShNeedsQuoted) {
    EXPECT_EQ(shell_quote("/usr/local/bin/agent-trace"), "/usr/local/bin/agent-trace");
    EXPECT_EQ(shell_quote("/opt/agent trace/agent-trace"), "'/opt/agent trace/agent-trace'");
    EXPECT_EQ(shell_quote("/tmp/it's"), "'/tmp/it'\\''s'");
    EXPECT_EQ(shell_quote(""), "''");
    EXPECT_EQ(hook_handler_command("/a b/agent-trace", 2, std::string("http://127.0.0.1:9")),
              "'/a b/agent-trace' hook-handler --tier 2 --server http://127.0.0.1:9");
}

TEST(ClaudeSettings, RecognisesAgentTraceHookCommandsHoweverWritten) {
    EXPECT_TRUE(is_agent_trace_hook_command("agent-trace hook-handler"));
    EXPECT_TRUE(is_agent_trace_hook_command("/usr/bin/agent-trace hook-handler --tier 2"));
    EXPECT_TRUE(is_agent_trace_hook_command("'/opt/agent trace/agent-trace' hook-handler"));
    EXPECT_TRUE(is_agent_trace_hook_command("\"/opt/x/agent-trace\" hook-handler PreToolUse"));
    EXPECT_TRUE(is_agent_trace_hook_command("AGENT_TRACE_TIER=2 agent-trace hook-handler"));
    EXPECT_TRUE(is_agent_trace_hook_command(hook_handler_command(kFront, 3, kServer)));
    EXPECT_FALSE(is_agent_trace_hook_command("agent-trace import"));
    EXPECT_FALSE(is_agent_trace_hook_command("agent-trace"));
    EXPECT_FALSE(is_agent_trace_hook_command("my-agent-trace hook-handler"));
    EXPECT_FALSE(is_agent_trace_hook_command("echo agent-trace hook-handler"));
    EXPECT_FALSE(is_agent_trace_hook_command("python3 ~/hooks/log.py"));
    EXPECT_FALSE(is_agent_trace_hook_command(""));
    EXPECT_FALSE(is_agent_trace_hook_command("'unterminated agent-trace hook-handler"));
    EXPECT_EQ(hook_command_program("X=1 '/a b/agent-trace' hook-handler"), "/a b/agent-trace");
    EXPECT_EQ(hook_command_option("agent-trace hook-handler --server http://127.0.0.1:9 --tier 2",
                                  "--server"),
              "http://127.0.0.1:9");
    EXPECT_EQ(hook_command_option("agent-trace hook-handler --server='http://[::1]:9'", "--server"),
              "http://[::1]:9");
    EXPECT_EQ(hook_command_option("agent-trace hook-handler --tier 2", "--server"), std::nullopt);
}

TEST(ClaudeSettings, TierTwoTurnsAssistantResponsesOffExplicitly) {
    // Claude Code falls back to OTEL_LOG_USER_PROMPTS for assistant responses when
    // OTEL_LOG_ASSISTANT_RESPONSES is unset: tier 2 must not leak tier-3 content.
    const auto tier1 = telemetry_env(1, kServer);
    const auto tier2 = telemetry_env(2, kServer);
    const auto tier3 = telemetry_env(3, kServer);
    auto value = [](const auto& env, const std::string& key) -> std::optional<std::string> {
        for (const auto& [k, v] : env) {
            if (k == key) return v;
        }
        return std::nullopt;
    };
    EXPECT_EQ(tier1.size(), 5U);
    EXPECT_EQ(value(tier1, "OTEL_EXPORTER_OTLP_ENDPOINT"), kServer);
    EXPECT_EQ(value(tier1, "OTEL_EXPORTER_OTLP_PROTOCOL"), "http/protobuf");
    EXPECT_EQ(value(tier1, "OTEL_LOG_USER_PROMPTS"), std::nullopt);
    EXPECT_EQ(value(tier2, "OTEL_LOG_USER_PROMPTS"), "1");
    EXPECT_EQ(value(tier2, "OTEL_LOG_TOOL_DETAILS"), "1");
    EXPECT_EQ(value(tier2, "OTEL_LOG_ASSISTANT_RESPONSES"), "0");
    EXPECT_EQ(value(tier3, "OTEL_LOG_ASSISTANT_RESPONSES"), "1");
}

TEST(ClaudeSettings, ParseErrorsNameTheFileLineAndColumn) {
    auto bad = parse_settings("{\n  \"a\": 1,\n  \"b\": \n}\n", "/x/settings.json");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("/x/settings.json:4:1: invalid JSON"), std::string::npos)
        << bad.error().message;
    auto array = parse_settings("[1, 2]", "/x/settings.json");
    ASSERT_FALSE(array.ok());
    EXPECT_NE(array.error().message.find("must be a JSON object"), std::string::npos);
    auto blank = parse_settings(" \n\t", "/x/settings.json");
    ASSERT_TRUE(blank.ok());
    EXPECT_TRUE(blank->is_object() && blank->empty());
}

TEST(ClaudeSettings, MergeIntoAnEmptyObjectAddsOneHandlerPerEventAndTheEnv) {
    SettingsJson settings = SettingsJson::object();
    WiringRecord record;
    auto report = merge_wiring(settings, record, request());
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->events_added, 32U);
    EXPECT_EQ(settings["hooks"].size(), 32U);
    const auto& handler = settings["hooks"]["PreToolUse"][0]["hooks"][0];
    EXPECT_EQ(handler["type"], "command");
    EXPECT_EQ(handler["command"], "'/opt/agent trace/bin/agent-trace' hook-handler");
    EXPECT_EQ(handler["timeout"], 10);
    EXPECT_FALSE(settings["hooks"]["PreToolUse"][0].contains("matcher"));
    EXPECT_EQ(settings["env"]["OTEL_EXPORTER_OTLP_ENDPOINT"], kServer);
    EXPECT_EQ(settings["env"]["CLAUDE_CODE_ENABLE_TELEMETRY"], "1");
    EXPECT_TRUE(record.created_hooks_key);
    EXPECT_TRUE(record.created_env_key);
    EXPECT_EQ(record.hooks.size(), 32U);
    EXPECT_EQ(record.env.size(), 5U);

    const SettingsWiring wiring = inspect_wiring(settings);
    EXPECT_EQ(wiring.hooks.events_wired, 32U);
    EXPECT_TRUE(wiring.hooks.missing_events.empty());
    ASSERT_EQ(wiring.hooks.commands.size(), 1U);
    EXPECT_EQ(wiring.telemetry.size(), 5U);
}

TEST(ClaudeSettings, OtherToolsHooksAndKeysStayInOrder) {
    SettingsJson settings = parse(R"({
      "model": "opus",
      "hooks": {
        "PreToolUse": [
          {"matcher": "Bash", "hooks": [{"type": "command", "command": "guard.sh"}]},
          {"hooks": [{"type": "command", "command": "log.py", "timeout": 5}]}
        ],
        "Stop": [{"hooks": [{"type": "http", "url": "http://example.test/stop"}]}]
      },
      "env": {"FOO": "bar"},
      "permissions": {"allow": ["WebSearch"]}
    })");
    WiringRecord record;
    ASSERT_TRUE(merge_wiring(settings, record, request()).ok());
    std::vector<std::string> keys;
    for (const auto& [key, value] : settings.items()) keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<std::string>{"model", "hooks", "env", "permissions"}));
    EXPECT_EQ(commands_of(settings, "PreToolUse"),
              (std::vector<std::string>{"guard.sh", "log.py",
                                        "'/opt/agent trace/bin/agent-trace' hook-handler"}));
    EXPECT_EQ(settings["hooks"]["PreToolUse"][0]["matcher"], "Bash");
    EXPECT_EQ(commands_of(settings, "Stop"),
              (std::vector<std::string>{"http://example.test/stop",
                                        "'/opt/agent trace/bin/agent-trace' hook-handler"}));
    EXPECT_EQ(settings["env"]["FOO"], "bar");
    EXPECT_FALSE(record.created_hooks_key);
    EXPECT_FALSE(record.created_env_key);
    // The two pre-existing events were not created by init; the others were.
    for (const AddedHook& h : record.hooks) {
        EXPECT_EQ(h.created_event, h.event != "PreToolUse" && h.event != "Stop") << h.event;
    }
}

TEST(ClaudeSettings, SecondMergeChangesNothing) {
    SettingsJson settings = SettingsJson::object();
    WiringRecord record;
    ASSERT_TRUE(merge_wiring(settings, record, request(2)).ok());
    const SettingsJson once = settings;
    auto again = merge_wiring(settings, record, request(2));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(settings, once);
    EXPECT_EQ(again->events_added, 0U);
    EXPECT_EQ(again->events_unchanged, 32U);
    EXPECT_TRUE(again->env_set.empty());
}

TEST(ClaudeSettings, ChangingTheTierRewritesInPlaceAndDropsKeysItNoLongerWants) {
    SettingsJson settings = SettingsJson::object();
    WiringRecord record;
    ASSERT_TRUE(merge_wiring(settings, record, request(3)).ok());
    EXPECT_EQ(settings["env"]["OTEL_LOG_ASSISTANT_RESPONSES"], "1");
    auto lower = merge_wiring(settings, record, request(1));
    ASSERT_TRUE(lower.ok());
    EXPECT_EQ(lower->events_updated, 32U);
    EXPECT_EQ(commands_of(settings, "PostToolUse"),
              (std::vector<std::string>{"'/opt/agent trace/bin/agent-trace' hook-handler"}));
    EXPECT_FALSE(settings["env"].contains("OTEL_LOG_USER_PROMPTS"));
    EXPECT_FALSE(settings["env"].contains("OTEL_LOG_ASSISTANT_RESPONSES"));
    EXPECT_EQ(record.env.size(), 5U);
}

TEST(ClaudeSettings, AnEnvValueTheUserSetIsKeptWithAWarningUnlessForced) {
    const std::string text = R"({"env": {"OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel.example.test",
                                          "OTEL_METRICS_EXPORTER": "otlp"}})";
    SettingsJson settings = parse(text);
    WiringRecord record;
    auto report = merge_wiring(settings, record, request());
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(settings["env"]["OTEL_EXPORTER_OTLP_ENDPOINT"], "https://otel.example.test");
    ASSERT_EQ(report->warnings.size(), 1U);
    EXPECT_NE(report->warnings[0].find("--force"), std::string::npos);
    // A key already holding our value is the user's: not recorded, so uninstall keeps it.
    for (const AddedEnv& e : record.env) EXPECT_NE(e.key, "OTEL_METRICS_EXPORTER");

    SettingsJson forced = parse(text);
    WiringRecord forced_record;
    auto forced_report = merge_wiring(forced, forced_record, request(1, true));
    ASSERT_TRUE(forced_report.ok());
    EXPECT_TRUE(forced_report->warnings.empty());
    EXPECT_EQ(forced["env"]["OTEL_EXPORTER_OTLP_ENDPOINT"], kServer);
    auto removed = unmerge_wiring(forced, forced_record, false, {});
    ASSERT_TRUE(removed.ok());
    EXPECT_EQ(forced, parse(text));
}

TEST(ClaudeSettings, UninstallKeepsWhatTheUserAddedAfterInit) {
    SettingsJson settings = parse(R"({"hooks": {"PreToolUse": [
        {"matcher": "Bash", "hooks": [{"type": "command", "command": "guard.sh"}]}]}})");
    WiringRecord record;
    ASSERT_TRUE(merge_wiring(settings, record, request()).ok());
    // The user edits by hand: a hook of theirs inside our group, another group, a key.
    settings["hooks"]["Stop"][0]["hooks"].push_back({{"type", "command"}, {"command", "notify"}});
    settings["hooks"]["PostToolUse"].push_back(
        {{"hooks", SettingsJson::array({{{"type", "command"}, {"command", "fmt.sh"}}})}});
    settings["theme"] = "dark";
    settings["env"]["MY_VAR"] = "1";
    settings["env"]["OTEL_LOGS_EXPORTER"] = "console";  // theirs now

    auto removed = unmerge_wiring(settings, record, false, {});
    ASSERT_TRUE(removed.ok());
    EXPECT_EQ(settings["theme"], "dark");
    EXPECT_EQ(commands_of(settings, "PreToolUse"), (std::vector<std::string>{"guard.sh"}));
    EXPECT_EQ(commands_of(settings, "Stop"), (std::vector<std::string>{"notify"}));
    EXPECT_EQ(commands_of(settings, "PostToolUse"), (std::vector<std::string>{"fmt.sh"}));
    EXPECT_FALSE(settings["hooks"].contains("SessionStart"));
    EXPECT_EQ(settings["env"], (SettingsJson{{"OTEL_LOGS_EXPORTER", "console"}, {"MY_VAR", "1"}}));
    ASSERT_EQ(removed->warnings.size(), 1U);
    EXPECT_NE(removed->warnings[0].find("OTEL_LOGS_EXPORTER"), std::string::npos);
    EXPECT_EQ(inspect_wiring(settings).hooks.events_wired, 0U);
}

TEST(ClaudeSettings, UninstallWithoutARecordRemovesOnlyUnmistakablyOurs) {
    SettingsJson settings = parse(R"({
      "hooks": {
        "PreToolUse": [{"hooks": [{"type": "command", "command": "agent-trace hook-handler"}]},
                       {"hooks": [{"type": "command", "command": "guard.sh"}]}],
        "Stop": [{"hooks": [{"type": "command", "command": "/x/agent-trace hook-handler"},
                            {"type": "command", "command": "notify"}]}],
        "SessionEnd": [{"hooks": [{"type": "command", "command": "agent-trace hook-handler"}]}]
      },
      "env": {"OTEL_LOGS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:8317"}
    })");
    const auto fallback = telemetry_env(3, kServer);
    SettingsJson kept_env = settings;
    auto removed = unmerge_wiring(kept_env, std::nullopt, false, fallback);
    ASSERT_TRUE(removed.ok());
    EXPECT_EQ(commands_of(kept_env, "PreToolUse"), (std::vector<std::string>{"guard.sh"}));
    EXPECT_EQ(commands_of(kept_env, "Stop"), (std::vector<std::string>{"notify"}));
    EXPECT_FALSE(kept_env["hooks"].contains("SessionEnd"));
    EXPECT_EQ(kept_env["env"].size(), 2U);
    EXPECT_EQ(removed->warnings.size(), 1U);

    auto forced = unmerge_wiring(settings, std::nullopt, true, fallback);
    ASSERT_TRUE(forced.ok());
    EXPECT_TRUE(settings["env"].empty());
}

TEST(ClaudeSettings, RefusesShapesClaudeCodeWouldNotAccept) {
    for (const char* text : {R"({"hooks": []})", R"({"hooks": {"Stop": {}}})", R"({"env": 1})"}) {
        SettingsJson settings = parse(text);
        const SettingsJson before = settings;
        WiringRecord record;
        auto report = merge_wiring(settings, record, request());
        EXPECT_FALSE(report.ok()) << text;
        EXPECT_EQ(settings, before) << text;
    }
}

TEST(ClaudeSettings, InspectionCountsHttpHooksAndSeesDisabledHooks) {
    SettingsJson settings = parse(R"({
      "disableAllHooks": true,
      "hooks": {"PreToolUse": [{"hooks": [{"type": "http", "url": "http://127.0.0.1:8317/v1/hooks"}]}],
                "Stop": [{"hooks": [{"type": "command", "command": "agent-trace hook-handler"}]}]},
      "env": {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:8317", "OTHER": "x"}
    })");
    const SettingsWiring wiring = inspect_wiring(settings);
    EXPECT_EQ(wiring.hooks.events_wired, 2U);
    EXPECT_EQ(wiring.hooks.missing_events.size(), 30U);
    EXPECT_TRUE(wiring.hooks.hooks_disabled);
    ASSERT_EQ(wiring.telemetry.size(), 1U);
    EXPECT_EQ(wiring.telemetry[0].first, "OTEL_EXPORTER_OTLP_ENDPOINT");
}

TEST(ClaudeSettings, OddEntriesInsideAnEventArrayAreKeptAndSkipped) {
    const std::string text = R"({"hooks": {"Stop": [1, "x", null, {"hooks": 5},
        {"hooks": [7, {"type": "command"}, {"type": "command", "command": 3}]}]}})";
    SettingsJson settings = parse(text);
    WiringRecord record;
    auto merged = merge_wiring(settings, record, request());
    ASSERT_TRUE(merged.ok()) << merged.error().message;
    ASSERT_EQ(settings["hooks"]["Stop"].size(), 6U);
    EXPECT_EQ(settings["hooks"]["Stop"][5]["hooks"][0]["command"],
              "'/opt/agent trace/bin/agent-trace' hook-handler");
    EXPECT_EQ(inspect_wiring(settings).hooks.events_wired, 32U);
    auto removed = unmerge_wiring(settings, record, false, {});
    ASSERT_TRUE(removed.ok());
    EXPECT_EQ(settings, parse(text));
}

}  // namespace
}  // namespace agent_trace
