#include "ingest/otlp/otlp_json.hpp"

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>

#include "core/base64.hpp"

namespace agent_trace::otlp {
namespace {

constexpr int kMaxDepth = 64;

bool is_id_key(std::string_view key) {
    return key == "traceId" || key == "spanId" || key == "parentSpanId" || key == "trace_id" ||
           key == "span_id" || key == "parent_span_id";
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Rewrites hex ids to the base64 protobuf's JSON parser expects. Returns an error
// for an id that is not hex: OTLP/JSON allows nothing else there.
Status rewrite_ids(rapidjson::Value& value, rapidjson::Document::AllocatorType& alloc, int depth) {
    if (depth > kMaxDepth) return make_error("JSON nested deeper than 64 levels");
    if (value.IsArray()) {
        for (auto& item : value.GetArray()) {
            if (auto s = rewrite_ids(item, alloc, depth + 1); !s) return s;
        }
        return Ok{};
    }
    if (!value.IsObject()) return Ok{};
    for (auto& member : value.GetObject()) {
        const std::string_view key(member.name.GetString(), member.name.GetStringLength());
        if (is_id_key(key) && member.value.IsString()) {
            const std::string_view hex(member.value.GetString(), member.value.GetStringLength());
            if (hex.size() % 2 != 0) return make_error(std::string(key) + " is not hex");
            std::string bytes;
            bytes.reserve(hex.size() / 2);
            for (size_t i = 0; i < hex.size(); i += 2) {
                const int hi = hex_digit(hex[i]);
                const int lo = hex_digit(hex[i + 1]);
                if (hi < 0 || lo < 0) return make_error(std::string(key) + " is not hex");
                bytes += static_cast<char>((hi << 4) | lo);
            }
            const std::string encoded = base64_encode(bytes);
            member.value.SetString(encoded.data(), static_cast<rapidjson::SizeType>(encoded.size()),
                                   alloc);
            continue;
        }
        if (auto s = rewrite_ids(member.value, alloc, depth + 1); !s) return s;
    }
    return Ok{};
}

}  // namespace

Status parse_otlp_json(std::string_view json, google::protobuf::Message& out) {
    rapidjson::Document document;
    // Full precision: the document is written back when ids are rewritten, and the
    // default (fast) parse is one ULP off for about a fifth of all doubles (cost_usd).
    document.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
    if (document.HasParseError()) {
        return make_error(std::string("invalid JSON at offset ") +
                          std::to_string(document.GetErrorOffset()) + ": " +
                          rapidjson::GetParseError_En(document.GetParseError()));
    }
    if (!document.IsObject()) return make_error("an OTLP/JSON request must be a JSON object");
    std::string text;
    if (json.find("Id\"") != std::string_view::npos ||
        json.find("_id\"") != std::string_view::npos) {
        if (auto s = rewrite_ids(document, document.GetAllocator(), 0); !s) return s;
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        document.Accept(writer);
        text.assign(buffer.GetString(), buffer.GetSize());
    } else {
        text.assign(json);
    }
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    const auto status = google::protobuf::util::JsonStringToMessage(text, &out, options);
    if (!status.ok())
        return make_error("not an OTLP/JSON request: " + std::string(status.message()));
    return Ok{};
}

}  // namespace agent_trace::otlp
