#pragma once
// The three layers of a real Claude Code capture (tests/fixtures/captures/<scenario>)
// put through the real decoders: hook payloads (hooks.jsonl, with their capture time),
// OTLP log and metric exports (JSON, or the base64 protobuf bodies of basic-protobuf)
// and the transcript tree, imported by the real importer. Test files include this by
// a relative path.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../support/otlp_support.hpp"
#include "ingest/hooks/hook_decoder.hpp"
#include "ingest/otlp/otlp_json.hpp"
#include "ingest/otlp/otlp_logs.hpp"
#include "ingest/otlp/otlp_metrics.hpp"
#include "ingest/transcript/importer.hpp"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "store/store.hpp"

namespace agent_trace::testing_support {

// Scenarios with all three layers.
inline std::vector<std::string> full_capture_scenarios() {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(captures_root())) {
        const auto dir = entry.path();
        if (std::filesystem::exists(dir / "hooks.jsonl") &&
            std::filesystem::exists(dir / "transcripts") && std::filesystem::exists(dir / "otlp")) {
            out.push_back(dir.filename().string());
        }
    }
    std::sort(out.begin(), out.end());
    EXPECT_GE(out.size(), 7u) << "captures missing under " << captures_root();
    return out;
}

inline std::filesystem::path capture_dir(const std::string& scenario) {
    return captures_root() / scenario;
}

// hooks.jsonl as hook-handler would have sent it: the payload plus the capture time.
inline std::vector<Event> capture_hook_events(const std::string& scenario) {
    std::vector<Event> out;
    for (const std::string& line : nonempty_lines(capture_dir(scenario) / "hooks.jsonl")) {
        rapidjson::Document doc;
        doc.Parse(line.c_str());
        if (doc.HasParseError() || !doc.HasMember("payload")) {
            ADD_FAILURE() << "bad hooks.jsonl line in " << scenario;
            continue;
        }
        rapidjson::Value& payload = doc["payload"];
        rapidjson::Value envelope(rapidjson::kObjectType);
        const auto captured = static_cast<int64_t>(doc["received_at"].GetDouble() * 1e6);
        envelope.AddMember("captured_at_us", captured, doc.GetAllocator());
        payload.AddMember("agent_trace", envelope, doc.GetAllocator());
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        payload.Accept(writer);
        hooks::HookDecodeOptions options;
        options.max_tier = 1;
        options.now = captured;
        options.host = "devbox";
        auto decoded = hooks::decode_hook_body({buffer.GetString(), buffer.GetSize()}, options);
        if (!decoded) {
            ADD_FAILURE() << scenario << ": " << decoded.error().message;
            continue;
        }
        for (auto& element : *decoded) {
            if (element) out.push_back(std::move(*element));
        }
    }
    return out;
}

inline void append_decoded(std::vector<Event>& out, otlp::OtlpDecoded decoded) {
    for (Event& e : decoded.events) out.push_back(std::move(e));
}

// Every OTLP log record and metric point of the capture, decoded.
inline std::vector<Event> capture_otel_events(const std::string& scenario) {
    namespace logs = opentelemetry::proto::collector::logs::v1;
    namespace metrics = opentelemetry::proto::collector::metrics::v1;
    std::vector<Event> out;
    const auto dir = capture_dir(scenario) / "otlp";
    for (const char* signal : {"logs", "metrics"}) {
        const bool is_logs = std::string_view(signal) == "logs";
        const auto json_file = dir / ("otlp-" + std::string(signal) + ".jsonl");
        const auto raw_file = dir / ("otlp-" + std::string(signal) + ".raw.jsonl");
        std::vector<std::string> bodies;
        bool protobuf = false;
        if (std::filesystem::exists(json_file)) {
            bodies = nonempty_lines(json_file);
        } else if (std::filesystem::exists(raw_file)) {
            protobuf = true;
            for (const std::string& line : nonempty_lines(raw_file)) {
                rapidjson::Document doc;
                doc.Parse(line.c_str());
                if (!doc.HasParseError() && doc.HasMember("body")) {
                    bodies.push_back(base64_decode(doc["body"].GetString()));
                }
            }
        }
        for (const std::string& body : bodies) {
            if (is_logs) {
                logs::ExportLogsServiceRequest request;
                const bool ok = protobuf ? request.ParseFromString(body)
                                         : otlp::parse_otlp_json(body, request).ok();
                EXPECT_TRUE(ok) << scenario;
                append_decoded(out, otlp::decode_logs(request, otlp_options()));
            } else {
                metrics::ExportMetricsServiceRequest request;
                const bool ok = protobuf ? request.ParseFromString(body)
                                         : otlp::parse_otlp_json(body, request).ok();
                EXPECT_TRUE(ok) << scenario;
                append_decoded(out, otlp::decode_metrics(request, otlp_options()));
            }
        }
    }
    return out;
}

inline void import_capture_transcripts(const std::string& scenario, Store& store) {
    transcript::ImportOptions options;
    options.roots = {(capture_dir(scenario) / "transcripts").string()};
    options.threads = 1;
    auto summary = transcript::import_transcripts(options, store, store);
    ASSERT_TRUE(summary.ok()) << summary.error().message;
    EXPECT_EQ(summary->malformed_lines, 0u) << scenario;
}

inline void write_live(Store& store, const std::vector<Event>& events) {
    // The live writer's batches are small; a few hundred at a time is realistic.
    for (size_t i = 0; i < events.size(); i += 256) {
        const size_t end = std::min(events.size(), i + 256);
        auto s = store.write_events(std::span<const Event>(events.data() + i, end - i));
        ASSERT_TRUE(s.ok()) << s.error().message;
    }
}

}  // namespace agent_trace::testing_support
