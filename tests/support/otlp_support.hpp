#pragma once
// OTLP test helpers: the export requests of the real Claude Code captures
// (tests/fixtures/captures/<scenario>/otlp/otlp-<signal>.jsonl, one OTLP/JSON export
// request per line; basic-protobuf holds base64 protobuf bodies), attribute builders
// for requests made in the tests, and reading an event's attrs JSON.
// Test files include this by a relative path.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../support/test_support.hpp"
#include "ingest/otlp/otlp_decoded.hpp"
#include "opentelemetry/proto/common/v1/common.pb.h"

namespace agent_trace::testing_support {

struct CapturedExport {
    std::string scenario;  // the capture directory, e.g. "tool-failure"
    std::string body;      // one export request: OTLP/JSON, or protobuf bytes for raw captures
};

// Decode options the OTLP tests share: a fixed host and ingest time.
inline otlp::OtlpDecodeOptions otlp_options(uint8_t tier = 1) {
    otlp::OtlpDecodeOptions o;
    o.max_tier = tier;
    o.host = "devbox";
    o.now = at("2026-11-25T21:00:00Z");
    return o;
}

inline std::filesystem::path captures_root() {
    return std::filesystem::path(AGENT_TRACE_SOURCE_DIR) / "tests/fixtures/captures";
}

inline std::vector<std::string> nonempty_lines(const std::filesystem::path& file) {
    std::vector<std::string> lines;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

// Every OTLP/JSON export request of `signal` ("logs" or "metrics"), scenario by scenario.
inline std::vector<CapturedExport> captured_otlp_json(std::string_view signal) {
    std::vector<std::filesystem::path> dirs;
    for (const auto& entry : std::filesystem::directory_iterator(captures_root())) {
        dirs.push_back(entry.path());
    }
    std::sort(dirs.begin(), dirs.end());
    std::vector<CapturedExport> out;
    for (const auto& dir : dirs) {
        const auto file = dir / "otlp" / ("otlp-" + std::string(signal) + ".jsonl");
        if (!std::filesystem::exists(file)) continue;
        for (auto& line : nonempty_lines(file)) {
            out.push_back({dir.filename().string(), std::move(line)});
        }
    }
    EXPECT_GE(out.size(), 7u) << "OTLP captures missing under " << captures_root();
    return out;
}

inline std::string base64_decode(std::string_view text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+' || c == '-') return 62;
        if (c == '/' || c == '_') return 63;
        return -1;
    };
    std::string out;
    uint32_t bits = 0;
    int count = 0;
    for (const char c : text) {
        const int v = value(c);
        if (v < 0) continue;  // padding, line breaks
        bits = (bits << 6) | static_cast<uint32_t>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> count) & 0xff);
        }
    }
    return out;
}

// The protobuf export requests Claude Code sent with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
// (captures/basic-protobuf: {"content_type", "encoding": "base64", "body"} per line).
inline std::vector<std::string> captured_otlp_protobuf(std::string_view signal) {
    const auto file = captures_root() / "basic-protobuf" / "otlp" /
                      ("otlp-" + std::string(signal) + ".raw.jsonl");
    std::vector<std::string> out;
    for (const auto& line : nonempty_lines(file)) {
        rapidjson::Document doc;
        doc.Parse(line.c_str());
        if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("body")) {
            ADD_FAILURE() << "unreadable line in " << file;
            continue;
        }
        EXPECT_STREQ(doc["encoding"].GetString(), "base64");
        out.push_back(base64_decode(doc["body"].GetString()));
    }
    EXPECT_FALSE(out.empty()) << "no protobuf capture in " << file;
    return out;
}

// ---- attributes ----

namespace otlp_common = opentelemetry::proto::common::v1;
using KeyValues = google::protobuf::RepeatedPtrField<otlp_common::KeyValue>;

inline const otlp_common::AnyValue* find_attribute(const KeyValues& attributes,
                                                   std::string_view key) {
    for (const auto& kv : attributes) {
        if (kv.key() == key) return &kv.value();
    }
    return nullptr;
}

inline std::string attribute_text(const KeyValues& attributes, std::string_view key) {
    const auto* v = find_attribute(attributes, key);
    return v != nullptr && v->has_string_value() ? v->string_value() : std::string{};
}

// The number an attribute states, however Claude Code typed it (int, double or string).
inline std::optional<double> attribute_number(const KeyValues& attributes, std::string_view key) {
    const auto* v = find_attribute(attributes, key);
    if (v == nullptr) return std::nullopt;
    if (v->has_int_value()) return static_cast<double>(v->int_value());
    if (v->has_double_value()) return v->double_value();
    if (v->has_string_value()) return std::stod(v->string_value());
    return std::nullopt;
}

inline void add_string(KeyValues& attributes, std::string key, std::string value) {
    auto* kv = attributes.Add();
    kv->set_key(std::move(key));
    kv->mutable_value()->set_string_value(std::move(value));
}

inline void add_int(KeyValues& attributes, std::string key, int64_t value) {
    auto* kv = attributes.Add();
    kv->set_key(std::move(key));
    kv->mutable_value()->set_int_value(value);
}

inline void add_double(KeyValues& attributes, std::string key, double value) {
    auto* kv = attributes.Add();
    kv->set_key(std::move(key));
    kv->mutable_value()->set_double_value(value);
}

inline void add_bool(KeyValues& attributes, std::string key, bool value) {
    auto* kv = attributes.Add();
    kv->set_key(std::move(key));
    kv->mutable_value()->set_bool_value(value);
}

// ---- attrs JSON ----

inline rapidjson::Document parse_attrs(const std::string& attrs) {
    rapidjson::Document doc;
    doc.Parse(attrs.c_str());
    EXPECT_TRUE(!doc.HasParseError() && doc.IsObject()) << attrs;
    if (doc.HasParseError() || !doc.IsObject()) doc.SetObject();
    return doc;
}

inline bool has_key(const rapidjson::Value& object, const char* key) {
    return object.IsObject() && object.HasMember(key);
}

inline std::string string_at(const rapidjson::Value& object, const char* key) {
    if (!has_key(object, key) || !object[key].IsString()) return {};
    return {object[key].GetString(), object[key].GetStringLength()};
}

}  // namespace agent_trace::testing_support
