#pragma once
// The hook payloads of the real Claude Code captures (tests/fixtures/captures/*/
// hooks.jsonl: one {"event", "received_at", "payload"} per line), for the hook edge's
// tests. Test files include this by a relative path.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pipeline/privacy/json_dom.hpp"

namespace agent_trace::testing_support {

struct CapturedHook {
    std::string scenario;  // the capture directory, e.g. "tool-failure"
    std::string event;     // hook_event_name
    std::string payload;   // exactly what Claude Code sent on stdin (compact JSON)
};

inline std::vector<CapturedHook> captured_hooks() {
    std::vector<CapturedHook> hooks;
    const std::filesystem::path root =
        std::filesystem::path(AGENT_TRACE_SOURCE_DIR) / "tests/fixtures/captures";
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(root)) {
        if (std::filesystem::exists(entry.path() / "hooks.jsonl")) {
            files.push_back(entry.path() / "hooks.jsonl");
        }
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        std::ifstream in(file);
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty()) continue;
            privacy::JsonDocument doc;
            doc.Parse(line.c_str());
            if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("payload")) {
                ADD_FAILURE() << "unreadable capture line in " << file;
                continue;
            }
            rapidjson::StringBuffer buffer;
            privacy::JsonWriter writer(buffer);
            doc["payload"].Accept(writer);
            hooks.push_back({file.parent_path().filename().string(),
                             doc["payload"]["hook_event_name"].GetString(),
                             std::string(buffer.GetString(), buffer.GetSize())});
        }
    }
    EXPECT_GT(hooks.size(), 100u) << "captures missing under " << root;
    return hooks;
}

}  // namespace agent_trace::testing_support
