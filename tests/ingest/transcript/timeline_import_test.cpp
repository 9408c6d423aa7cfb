// The events the importer yields besides model calls (tool calls, prompts,
// subagents, compactions, API errors), from the real Claude Code captures and
// from hand-written files, through a real SQLite store.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../../support/hook_captures.hpp"
#include "../../support/store_support.hpp"
#include "../../support/test_support.hpp"
#include "ingest/transcript/importer.hpp"

namespace agent_trace::transcript {
namespace {

namespace fs = std::filesystem;

using testing_support::append_file;
using testing_support::at;
using testing_support::open_store;
using testing_support::TempDir;
using testing_support::write_file;
using testing_support::write_lines;

const fs::path kCaptures = fs::path(AGENT_TRACE_SOURCE_DIR) / "tests/fixtures/captures";

std::vector<Event> stored_events(Store& store) {
    std::vector<Event> events;
    const Status s = store.scan_events_after(
        0, {}, 1U << 30, [&](int64_t /*seq*/, const Event& e) { events.push_back(e); });
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return events;
}

std::vector<Event> of_kind(const std::vector<Event>& events, EventKind kind) {
    std::vector<Event> out;
    std::copy_if(events.begin(), events.end(), std::back_inserter(out),
                 [&](const Event& e) { return e.kind == kind; });
    return out;
}

ImportSummary run_import(Store& store, const std::vector<std::string>& roots, bool full = false) {
    ImportOptions options;
    options.roots = roots;
    options.threads = 2;
    options.full = full;
    auto result = import_transcripts(options, store, store);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? std::move(*result) : ImportSummary{};
}

// What a capture's transcripts hold, read independently of the importer (with
// simdjson's DOM parser, every line in full).
struct ToolUseTruth {
    std::string name, message_id, request_id, agent_id;
};
struct ToolResultTruth {
    std::string prompt_id;
    bool is_error = false;
    std::string spawned_agent_id;
};
struct CaptureTruth {
    std::map<std::string, ToolUseTruth> tool_uses;
    std::map<std::string, ToolResultTruth> results;
    std::set<std::string> subagents;                // agent ids with a transcript of their own
    std::map<std::string, std::string> spawned_by;  // agent id -> Agent tool_use id
};

// A string member, or "" when it is absent or of another type.
std::string text_of(simdjson::simdjson_result<simdjson::dom::element> e) {
    std::string_view s;
    return e.get_string().get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
}

CaptureTruth read_truth(const fs::path& transcripts) {
    CaptureTruth truth;
    simdjson::dom::parser parser;
    for (const auto& entry : fs::recursive_directory_iterator(transcripts)) {
        if (entry.path().extension() != ".jsonl") continue;
        const std::string stem = entry.path().stem().string();
        if (stem.starts_with("agent-")) truth.subagents.insert(stem.substr(6));
        std::ifstream in(entry.path());
        for (std::string line; std::getline(in, line);) {
            simdjson::dom::element root;
            if (parser.parse(line).get(root) != simdjson::SUCCESS) continue;
            const std::string type = text_of(root["type"]);
            simdjson::dom::array content;
            if (root["message"]["content"].get_array().get(content) != simdjson::SUCCESS) {
                continue;
            }
            for (simdjson::dom::element block : content) {
                const std::string block_type = text_of(block["type"]);
                if (type == "assistant" && block_type == "tool_use" &&
                    text_of(root["message"]["model"]) != "<synthetic>") {
                    truth.tool_uses[text_of(block["id"])] = {
                        text_of(block["name"]), text_of(root["message"]["id"]),
                        text_of(root["requestId"]), text_of(root["agentId"])};
                } else if (type == "user" && block_type == "tool_result") {
                    bool is_error = false;
                    if (block["is_error"].get_bool().get(is_error) != simdjson::SUCCESS) {
                        is_error = false;
                    }
                    const std::string id = text_of(block["tool_use_id"]);
                    const std::string spawned = text_of(root["toolUseResult"]["agentId"]);
                    truth.results[id] = {text_of(root["promptId"]), is_error, spawned};
                    if (!spawned.empty()) truth.spawned_by[spawned] = id;
                }
            }
        }
    }
    return truth;
}

std::multiset<std::string> prompt_ids_submitted(const std::string& scenario) {
    std::multiset<std::string> ids;
    for (const auto& hook : testing_support::captured_hooks()) {
        if (hook.scenario != scenario || hook.event != "UserPromptSubmit") continue;
        simdjson::dom::parser parser;
        simdjson::dom::element payload;
        if (parser.parse(hook.payload).get(payload) == simdjson::SUCCESS) {
            ids.insert(text_of(payload["prompt_id"]));
        }
    }
    return ids;
}

std::vector<std::string> capture_scenarios() {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(kCaptures)) {
        if (fs::exists(entry.path() / "transcripts")) {
            names.push_back(entry.path().filename().string());
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

TEST(TimelineImportCaptures, EveryToolCallPromptAndSubagentOfEveryCapture) {
    const auto scenarios = capture_scenarios();
    ASSERT_GE(scenarios.size(), 8u);
    size_t subagent_starts = 0;
    for (const std::string& scenario : scenarios) {
        SCOPED_TRACE(scenario);
        TempDir dir;
        auto store = open_store(dir.path() / "at.db");
        ASSERT_NE(store, nullptr);
        const fs::path transcripts = kCaptures / scenario / "transcripts";
        const ImportSummary summary = run_import(*store, {transcripts.string()});
        EXPECT_EQ(summary.malformed_lines, 0u);
        const CaptureTruth truth = read_truth(transcripts);
        const auto events = stored_events(*store);
        for (const Event& e : events) {
            EXPECT_TRUE(validate(e).ok()) << to_string(e.kind);
            EXPECT_EQ(e.tier, 1);
            EXPECT_EQ(e.source, Source::transcript);
        }

        // Each tool_use block: exactly one tool_start, naming the call that issued it.
        const auto starts = of_kind(events, EventKind::tool_start);
        EXPECT_EQ(starts.size(), truth.tool_uses.size());
        EXPECT_FALSE(truth.tool_uses.empty());
        for (const auto& [tool_use_id, use] : truth.tool_uses) {
            const std::string& id = tool_use_id;
            const auto n = std::count_if(starts.begin(), starts.end(),
                                         [&](const Event& e) { return e.tool_use_id == id; });
            ASSERT_EQ(n, 1) << id;
            const Event& e = *std::find_if(starts.begin(), starts.end(),
                                           [&](const Event& s) { return s.tool_use_id == id; });
            EXPECT_EQ(e.tool_name, use.name) << id;
            EXPECT_EQ(e.message_id, use.message_id) << id;
            EXPECT_EQ(e.request_id, use.request_id) << id;
            EXPECT_EQ(e.agent_id, use.agent_id) << id;
            EXPECT_EQ(e.is_sidechain, !use.agent_id.empty()) << id;
            EXPECT_FALSE(e.session_id.empty());
            EXPECT_EQ(e.project, "-home-user-agent-trace-e2e-repo");
        }

        // Each tool_result block: one tool_end or tool_error, in the prompt it answered.
        size_t results = 0;
        for (const Event& e : events) {
            if (e.kind != EventKind::tool_end && e.kind != EventKind::tool_error) continue;
            ++results;
            ASSERT_EQ(truth.results.count(e.tool_use_id), 1u) << e.tool_use_id;
            const ToolResultTruth& r = truth.results.at(e.tool_use_id);
            EXPECT_EQ(e.kind == EventKind::tool_error, r.is_error) << e.tool_use_id;
            EXPECT_EQ(e.success, !r.is_error);
            EXPECT_EQ(e.prompt_id, r.prompt_id) << e.tool_use_id;
            EXPECT_FALSE(e.prompt_id.empty());
            EXPECT_EQ(truth.tool_uses.count(e.tool_use_id), 1u) << "a result without a call";
            if (r.is_error) {
                EXPECT_FALSE(e.error.empty());
            }
            if (!r.spawned_agent_id.empty()) {
                EXPECT_EQ(e.attrs, R"({"spawned_agent_id":")" + r.spawned_agent_id + "\"}");
            }
        }
        EXPECT_EQ(results, truth.results.size());

        // Main-thread prompts: exactly those the UserPromptSubmit hook saw.
        std::multiset<std::string> prompt_ids;
        for (const Event& e : of_kind(events, EventKind::user_prompt)) {
            prompt_ids.insert(e.prompt_id);
            EXPECT_TRUE(e.agent_id.empty());
            EXPECT_FALSE(e.is_sidechain);
            EXPECT_TRUE(e.attrs.starts_with(R"({"prompt_length":)")) << e.attrs;
        }
        EXPECT_EQ(prompt_ids, prompt_ids_submitted(scenario));

        // One subagent_start per subagent transcript, linked to the Agent call.
        const auto subagents = of_kind(events, EventKind::subagent_start);
        EXPECT_EQ(subagents.size(), truth.subagents.size());
        for (const Event& e : subagents) {
            ASSERT_EQ(truth.subagents.count(e.agent_id), 1u) << e.agent_id;
            ASSERT_EQ(truth.spawned_by.count(e.agent_id), 1u) << e.agent_id;
            EXPECT_EQ(e.tool_use_id, truth.spawned_by.at(e.agent_id));
            EXPECT_EQ(truth.tool_uses.at(e.tool_use_id).name, "Agent");
            EXPECT_TRUE(e.is_sidechain);
            EXPECT_EQ(e.attrs, R"({"agent_type":"general-purpose","spawn_depth":1})");
            ++subagent_starts;
        }

        // Imported again, in full: the same rows, none added.
        const ImportSummary again = run_import(*store, {transcripts.string()}, true);
        EXPECT_GT(again.events_written, 0u);
        EXPECT_EQ(stored_events(*store).size(), events.size());
    }
    EXPECT_EQ(subagent_starts, 2u);  // subagent and two-models
}

TEST(TimelineImportCaptures, SubagentStartPointsAtTheAgentToolUse) {
    TempDir dir;
    auto store = open_store(dir.path() / "at.db");
    ASSERT_NE(store, nullptr);
    run_import(*store, {(kCaptures / "subagent" / "transcripts").string()});
    const auto starts = of_kind(stored_events(*store), EventKind::subagent_start);
    ASSERT_EQ(starts.size(), 1u);
    EXPECT_EQ(starts[0].agent_id, "a667bcb3871ba1ad8");
    EXPECT_EQ(starts[0].session_id, "a250a2fb-4004-47c9-9810-5d6d31d5c610");
    EXPECT_EQ(starts[0].tool_use_id, "toolu_9ea3af0bdd12f75cd62ce20e");
    EXPECT_EQ(starts[0].ts, at("2026-11-25T20:43:14.531Z"));  // the subagent's first line
}

// A hand-written session exercising what the captures lack.
constexpr const char* kSession = "sess-t";

std::string envelope(const std::string& uuid, const std::string& ts,
                     const std::string& extra = "") {
    return R"("parentUuid":"parent-)" + uuid +
           R"(","isSidechain":false,"cwd":"/w/app","sessionId":")" + kSession +
           R"(","version":"2.1.332","gitBranch":"main","uuid":")" + uuid + R"(","timestamp":")" +
           ts + "\"" + extra;
}

std::string assistant_line(const std::string& uuid, const std::string& ts, const std::string& msg,
                           const std::string& blocks) {
    return "{" + envelope(uuid, ts) + R"(,"requestId":"req-)" + msg + R"(","message":{"id":")" +
           msg + R"(","model":"claude-sonnet-4-5-20250929","role":"assistant","content":[)" +
           blocks + R"(],"usage":{"input_tokens":3,"output_tokens":5}},"type":"assistant"})";
}

std::string tool_use(const std::string& id, const std::string& name) {
    return R"({"type":"tool_use","id":")" + id + R"(","name":")" + name +
           R"(","input":{"command":"ls"}})";
}

std::string result_line(const std::string& uuid, const std::string& ts, const std::string& id,
                        bool error, const std::string& prompt) {
    return "{" + envelope(uuid, ts, R"(,"promptId":")" + prompt + "\"") +
           R"(,"type":"user","message":{"role":"user","content":[{"tool_use_id":")" + id +
           R"(","type":"tool_result","content":")" + (error ? "Exit code 2" : "ok") +
           R"(","is_error":)" + (error ? "true" : "false") +
           R"(}]},"toolUseResult":{"stdout":"ok"}})";
}

std::string prompt_line(const std::string& uuid, const std::string& ts, const std::string& prompt,
                        const std::string& text) {
    return "{" + envelope(uuid, ts, R"(,"promptId":")" + prompt + "\"") +
           R"(,"type":"user","message":{"role":"user","content":")" + text + "\"}}";
}

class TimelineImport : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = open_store(dir_.path() / "at.db");
        ASSERT_NE(store_, nullptr);
    }
    ImportSummary import(bool full = false) { return run_import(*store_, {root_.string()}, full); }

    TempDir dir_;
    const fs::path root_ = dir_.path() / "projects";
    const fs::path project_ = root_ / "-w-app";
    const fs::path main_ = project_ / (std::string(kSession) + ".jsonl");
    std::unique_ptr<Store> store_;
};

TEST_F(TimelineImport, CompactionsApiErrorsAndEveryBlockOfALine) {
    const std::string compact_boundary =
        R"({"parentUuid":null,"logicalParentUuid":"u5","isSidechain":false,"type":"system",)"
        R"("subtype":"compact_boundary","content":"Conversation compacted","isMeta":false,)"
        R"("timestamp":"2026-03-02T10:05:00.000Z","uuid":"c1","level":"info",)"
        R"("compactMetadata":{"trigger":"manual","preTokens":150123},"sessionId":"sess-t"})";
    const std::string compact_summary =
        "{" + envelope("u6", "2026-03-02T10:05:01.000Z", R"(,"promptId":"p1")") +
        R"(,"type":"user","isCompactSummary":true,"isVisibleInTranscriptOnly":true,)"
        R"("message":{"role":"user","content":"This session is being continued..."}})";
    const std::string api_error =
        R"({"parentUuid":"u6","isSidechain":false,"type":"system","subtype":"api_error",)"
        R"("level":"error","error":{"status":529,"requestId":"req_err_1","formatted":"529 x"},)"
        R"("retryInMs":603,"retryAttempt":2,"maxRetries":10,"source":"request_retry",)"
        R"("timestamp":"2026-03-02T10:06:00.000Z","uuid":"e1","sessionId":"sess-t"})";
    const std::string informational =
        R"({"type":"system","subtype":"informational","content":"x","uuid":"i1",)"
        R"("timestamp":"2026-03-02T10:06:30.000Z","sessionId":"sess-t"})";
    write_lines(main_,
                {
                    prompt_line("u1", "2026-03-02T10:00:00.000Z", "p1", "fix the build"),
                    // Two tool_use blocks on one line, then the same response's text block.
                    assistant_line("u2", "2026-03-02T10:00:01.000Z", "msg_1",
                                   tool_use("toolu_a", "Bash") + "," + tool_use("toolu_b", "Read")),
                    assistant_line("u3", "2026-03-02T10:00:01.500Z", "msg_1",
                                   R"({"type":"text","text":"running"})"),
                    result_line("u4", "2026-03-02T10:00:02.000Z", "toolu_a", false, "p1"),
                    result_line("u5", "2026-03-02T10:00:03.000Z", "toolu_b", true, "p1"),
                    compact_boundary,
                    compact_summary,
                    api_error,
                    informational,
                    prompt_line("u7", "2026-03-02T10:07:00.000Z", "p2", "thanks"),
                });
    const ImportSummary summary = import();
    EXPECT_EQ(summary.malformed_lines, 0u);
    EXPECT_EQ(summary.calls_written, 1u);
    EXPECT_EQ(summary.events_written, 10u);
    const auto events = stored_events(*store_);

    const auto starts = of_kind(events, EventKind::tool_start);
    ASSERT_EQ(starts.size(), 2u);
    for (const Event& e : starts) {
        EXPECT_EQ(e.message_id, "msg_1");
        EXPECT_EQ(e.request_id, "req-msg_1");
        EXPECT_EQ(e.ts, at("2026-03-02T10:00:01Z"));
        EXPECT_EQ(e.session_id, kSession);
        EXPECT_EQ(e.cwd, "/w/app");
        EXPECT_EQ(e.project, "-w-app");
        EXPECT_EQ(e.event_id, hash_event_id({"transcript", "tool_use", e.tool_use_id}));
    }
    EXPECT_EQ(starts[0].tool_name == "Bash" ? starts[1].tool_name : starts[0].tool_name, "Read");
    // The tool uses stay out of the model call: it is stored once, as before.
    ASSERT_EQ(of_kind(events, EventKind::api_request).size(), 1u);
    EXPECT_EQ(of_kind(events, EventKind::api_request)[0].attrs, "{}");

    const auto ends = of_kind(events, EventKind::tool_end);
    ASSERT_EQ(ends.size(), 1u);
    EXPECT_EQ(ends[0].tool_use_id, "toolu_a");
    EXPECT_EQ(ends[0].prompt_id, "p1");
    EXPECT_EQ(ends[0].success, true);
    EXPECT_EQ(ends[0].event_id, hash_event_id({"transcript", "tool_result", "toolu_a"}));
    const auto errors = of_kind(events, EventKind::tool_error);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].tool_use_id, "toolu_b");
    EXPECT_EQ(errors[0].success, false);
    EXPECT_EQ(errors[0].error, "exit_code:2");
    EXPECT_EQ(errors[0].ts, at("2026-03-02T10:00:03Z"));

    const auto compacts = of_kind(events, EventKind::compact);
    ASSERT_EQ(compacts.size(), 1u);
    EXPECT_EQ(compacts[0].attrs, R"({"trigger":"manual","pre_tokens":150123})");
    EXPECT_EQ(compacts[0].ts, at("2026-03-02T10:05:00Z"));
    EXPECT_EQ(compacts[0].parent_uuid, "u5");
    EXPECT_EQ(compacts[0].event_id, hash_event_id({"transcript", "line", kSession, "c1"}));

    const auto api_errors = of_kind(events, EventKind::api_error);
    ASSERT_EQ(api_errors.size(), 1u);
    EXPECT_EQ(api_errors[0].attrs, R"({"status":529,"retry_attempt":2,"max_retries":10})");
    EXPECT_EQ(api_errors[0].request_id, "req_err_1");
    EXPECT_EQ(api_errors[0].error, "http_529");
    EXPECT_EQ(api_errors[0].event_id, hash_event_id({"transcript", "line", kSession, "e1"}));

    // The compaction summary is not a prompt; the two typed prompts are.
    const auto prompts = of_kind(events, EventKind::user_prompt);
    ASSERT_EQ(prompts.size(), 2u);
    EXPECT_EQ(prompts[0].prompt_id, "p1");
    EXPECT_EQ(prompts[0].attrs, R"({"prompt_length":13})");
    EXPECT_EQ(prompts[0].parent_uuid, "parent-u1");
    EXPECT_EQ(prompts[0].event_id, hash_event_id({"transcript", "line", kSession, "u1"}));
    EXPECT_EQ(prompts[1].prompt_id, "p2");
    // Tier 1: no prompt text anywhere.
    for (const Event& e : events) EXPECT_EQ(e.attrs.find("fix the build"), std::string::npos);

    EXPECT_EQ(of_kind(events, EventKind::session_start).size(), 1u);
    EXPECT_EQ(events.size(), 2u + 1u + 1u + 1u + 1u + 1u + 2u + 1u);
}

TEST_F(TimelineImport, CallAndResultSplitAcrossImports) {
    write_lines(main_, {prompt_line("u1", "2026-03-02T10:00:00Z", "p1", "go"),
                        assistant_line("u2", "2026-03-02T10:00:01Z", "msg_1",
                                       tool_use("toolu_a", "Bash"))});
    import();
    append_file(
        main_,
        assistant_line("u3", "2026-03-02T10:00:01.2Z", "msg_1", tool_use("toolu_b", "Grep")) +
            "\n" + result_line("u4", "2026-03-02T10:00:02Z", "toolu_a", false, "p1") + "\n");
    const ImportSummary second = import();
    EXPECT_EQ(second.files_read, 1u);
    auto events = stored_events(*store_);
    EXPECT_EQ(of_kind(events, EventKind::tool_start).size(), 2u);
    EXPECT_EQ(of_kind(events, EventKind::tool_end).size(), 1u);
    EXPECT_EQ(of_kind(events, EventKind::user_prompt).size(), 1u);
    EXPECT_EQ(of_kind(events, EventKind::api_request).size(), 1u);

    // Nothing new: nothing read. Read again in full: nothing added.
    EXPECT_EQ(import().events_written, 0u);
    import(true);
    EXPECT_EQ(stored_events(*store_).size(), events.size());
}

TEST_F(TimelineImport, CheckpointOfAnOlderDecoderReadsTheFileAgain) {
    write_lines(main_, {prompt_line("u1", "2026-03-02T10:00:00Z", "p1", "go"),
                        assistant_line("u2", "2026-03-02T10:00:01Z", "msg_1",
                                       tool_use("toolu_a", "Bash"))});
    import();
    const auto before = stored_events(*store_);
    // As a decoder that knew only model calls left it.
    auto checkpoints = testing_support::checkpoints_by_path(*store_);
    ASSERT_EQ(checkpoints.size(), 1u);
    FileCheckpoint old = checkpoints.begin()->second;
    old.decoder_version = kDecoderVersion - 1;
    ASSERT_TRUE(testing_support::commit_batch(*store_, {}, {old}).ok());

    const ImportSummary again = import();
    EXPECT_EQ(again.files_read, 1u);
    EXPECT_EQ(again.files_unchanged, 0u);
    EXPECT_EQ(stored_events(*store_).size(), before.size());
    EXPECT_EQ(testing_support::checkpoints_by_path(*store_).begin()->second.decoder_version,
              kDecoderVersion);
}

TEST_F(TimelineImport, SubagentsWithAndWithoutSidecar) {
    write_lines(main_, {prompt_line("u1", "2026-03-02T10:00:00Z", "p1", "go")});
    const fs::path subagents = project_ / kSession / "subagents";
    const auto subagent_lines = [](const std::string& agent) {
        return std::vector<std::string>{
            R"({"parentUuid":null,"isSidechain":true,"promptId":"p1","agentId":")" + agent +
                R"(","type":"user","message":{"role":"user","content":"count lines"},"uuid":"s-)" +
                agent + R"(","timestamp":"2026-03-02T10:00:02.000Z","sessionId":"sess-t"})",
            R"({"parentUuid":"s","isSidechain":true,"agentId":")" + agent +
                R"(","message":{"id":"msg_)" + agent +
                R"(","model":"claude-haiku-4-5","role":"assistant","content":[{"type":"tool_use",)"
                R"("id":"toolu_)" +
                agent +
                R"(","name":"Bash","input":{}}],"usage":{"input_tokens":1,)"
                R"("output_tokens":1}},"type":"assistant","uuid":"a-)" +
                agent + R"(","timestamp":"2026-03-02T10:00:03.000Z","sessionId":"sess-t"})"};
    };
    write_lines(subagents / "agent-a1.jsonl", subagent_lines("a1"));
    write_file(subagents / "agent-a1.meta.json",
               R"({"agentType":"Explore","toolUseId":"toolu_spawn","spawnDepth":2})");
    write_lines(subagents / "agent-a2.jsonl", subagent_lines("a2"));
    write_file(subagents / "agent-a2.meta.json", "not json");
    write_lines(subagents / "agent-a3.jsonl", subagent_lines("a3"));  // no sidecar
    // 2.0.x: beside the session, no session in the path.
    write_lines(project_ / "agent-1a2b3c4d.jsonl", subagent_lines("1a2b3c4d"));
    write_lines(
        subagents / "agent-aside_question-0f3a.jsonl",
        {R"({"parentUuid":null,"isSidechain":true,"type":"user","message":{"content":"btw?"},)"
         R"("uuid":"b1","timestamp":"2026-03-02T10:01:00Z","sessionId":"sess-t"})"});
    write_lines(subagents / "agent-empty.jsonl", {});

    const ImportSummary summary = import();
    EXPECT_EQ(summary.malformed_lines, 0u);
    const auto events = stored_events(*store_);
    std::map<std::string, Event> starts;
    for (const Event& e : of_kind(events, EventKind::subagent_start)) starts[e.agent_id] = e;
    ASSERT_EQ(starts.size(), 5u);  // the empty file yields nothing until it has lines
    EXPECT_EQ(starts.at("a1").tool_use_id, "toolu_spawn");
    EXPECT_EQ(starts.at("a1").attrs, R"({"agent_type":"Explore","spawn_depth":2})");
    EXPECT_EQ(starts.at("a1").ts, at("2026-03-02T10:00:02Z"));
    EXPECT_EQ(starts.at("a1").event_id, hash_event_id({"transcript", "subagent", kSession, "a1"}));
    for (const char* agent : {"a2", "a3", "1a2b3c4d"}) {
        EXPECT_EQ(starts.at(agent).tool_use_id, "") << agent;
        EXPECT_EQ(starts.at(agent).attrs, "{}") << agent;
        EXPECT_EQ(starts.at(agent).session_id, kSession) << agent;
    }
    EXPECT_EQ(starts.at("aside_question-0f3a").attrs, R"({"agent_type":"aside_question"})");

    // A subagent's first user line is its task, not a prompt; its tool calls are its own.
    const auto prompts = of_kind(events, EventKind::user_prompt);
    ASSERT_EQ(prompts.size(), 1u);
    EXPECT_EQ(prompts[0].agent_id, "");
    for (const Event& e : of_kind(events, EventKind::tool_start)) {
        EXPECT_EQ(e.tool_use_id, "toolu_" + e.agent_id);
        EXPECT_TRUE(e.is_sidechain);
    }

    // Once the empty file has lines, its start is recorded, once.
    write_lines(subagents / "agent-empty.jsonl", subagent_lines("empty"));
    import();
    EXPECT_EQ(of_kind(stored_events(*store_), EventKind::subagent_start).size(), 6u);
    import(true);
    EXPECT_EQ(of_kind(stored_events(*store_), EventKind::subagent_start).size(), 6u);
}

TEST_F(TimelineImport, OddLinesAreCountedAndNeverStopTheImport) {
    std::string huge_result = result_line("u9", "2026-03-02T10:00:09Z", "toolu_huge", false, "p1");
    huge_result.insert(huge_result.find("\"ok\"") + 1, std::string(3 << 20, 'x'));
    const std::string no_timestamp =
        R"({"type":"user","uuid":"x","message":{"content":[{"type":"tool_result",)"
        R"("tool_use_id":"toolu_nots"}]},"sessionId":"sess-t"})";
    const std::string trailing =
        R"({"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"toolu_x"}]})"
        R"( trailing})";
    write_lines(
        main_,
        {
            prompt_line("u1", "2026-03-02T10:00:00Z", "p1", "go"),
            R"({"type":"user","message":{"content":"torn)",                         // 2: malformed
            R"({"type":"user","message":{"content":[{"type":"tool_result"}}})",     // 3: malformed
            no_timestamp,                                                           // 4
            R"({"type":"attachment","renderedRole":"user","attachment":{"x":1}})",  // fine
            R"({"type":"system","subtype":"compact_boundary","sessionId":"sess-t"})",  // no uuid
            trailing,                                                                  // 7
            "{\"type\":\"user\",\"cwd\":\"\xff\"}",  // 8: not UTF-8
            huge_result,
            R"({"type":"queue-operation","operation":"enqueue","content":"\"user\""})",
        });
    const ImportSummary summary = import();
    EXPECT_EQ(summary.malformed_lines, 5u);
    std::set<uint64_t> lines;
    for (const auto& p : summary.problems) {
        EXPECT_EQ(p.kind, "malformed");
        lines.insert(p.line);
    }
    EXPECT_EQ(lines, (std::set<uint64_t>{2, 3, 4, 7, 8}));
    const auto events = stored_events(*store_);
    const auto ends = of_kind(events, EventKind::tool_end);
    ASSERT_EQ(ends.size(), 1u);
    EXPECT_EQ(ends[0].tool_use_id, "toolu_huge");
    EXPECT_EQ(of_kind(events, EventKind::user_prompt).size(), 1u);
    EXPECT_TRUE(of_kind(events, EventKind::compact).empty());
}

}  // namespace
}  // namespace agent_trace::transcript
