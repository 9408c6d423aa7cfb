#include "pipeline/privacy/hook_reduction.hpp"

#include <rapidjson/internal/dtoa.h>
#include <rapidjson/internal/itoa.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "pipeline/privacy/hook_fields.hpp"
#include "pipeline/privacy/utf8.hpp"

namespace agent_trace::privacy {
namespace {

// Depth of the deepest value, walking with an explicit stack so hostile nesting
// cannot exhaust the call stack; stops counting past `limit`. The reducer recurses
// only into payloads that passed this check.
int nesting_depth(const JsonValue& root, int limit) {
    std::vector<std::pair<const JsonValue*, int>> stack{{&root, 1}};
    int deepest = 0;
    while (!stack.empty()) {
        const auto [value, depth] = stack.back();
        stack.pop_back();
        deepest = std::max(deepest, depth);
        if (deepest > limit) return deepest;
        if (value->IsObject()) {
            for (const auto& m : value->GetObject()) stack.emplace_back(&m.value, depth + 1);
        } else if (value->IsArray()) {
            for (const auto& v : value->GetArray()) stack.emplace_back(&v, depth + 1);
        }
    }
    return deepest;
}

// Extra bytes RapidJSON's writer spends on a byte in a string: \n, \" ... or \u00XX.
constexpr std::array<uint8_t, 256> kEscapeExtra = [] {
    std::array<uint8_t, 256> t{};
    for (int b = 0; b < 0x20; ++b) t[b] = 5;
    for (const unsigned char c : {'"', '\\', '\b', '\f', '\n', '\r', '\t'}) t[c] = 1;
    return t;
}();

uint64_t escaped_extra(char c) { return kEscapeExtra[static_cast<unsigned char>(c)]; }

// Bytes of `text` once written as a JSON string body (RapidJSON's escapes). Eight
// bytes at a time: a word with no control character, quote or backslash (the usual
// case) costs a few instructions.
uint64_t escaped_size(std::string_view text) {
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    constexpr uint64_t kHigh = 0x8080808080808080ULL;
    auto has_zero_byte = [](uint64_t x) { return ((x - kOnes) & ~x & kHigh) != 0; };
    uint64_t size = text.size();
    size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        uint64_t word = 0;
        std::memcpy(&word, text.data() + i, sizeof word);
        // Bytes below 0x20 (ASCII only: bytes >= 0x80 have the high bit and pass).
        const bool control = ((word - kOnes * 0x20) & ~word & kHigh) != 0;
        if (!control && !has_zero_byte(word ^ (kOnes * '"')) &&
            !has_zero_byte(word ^ (kOnes * '\\'))) {
            continue;
        }
        for (size_t k = i; k < i + 8; ++k) size += escaped_extra(text[k]);
    }
    for (; i < text.size(); ++i) size += escaped_extra(text[i]);
    return size;
}

// Size of a value as compact JSON text (what it weighed in the payload).
uint64_t json_size(const JsonValue& value) {
    std::array<char, 32> digits{};
    switch (value.GetType()) {
        case rapidjson::kNullType:
            return 4;
        case rapidjson::kFalseType:
            return 5;
        case rapidjson::kTrueType:
            return 4;
        case rapidjson::kStringType:
            return 2 + escaped_size(view_of(value));
        case rapidjson::kNumberType: {
            const char* end = nullptr;
            if (value.IsInt64()) {
                end = rapidjson::internal::i64toa(value.GetInt64(), digits.data());
            } else if (value.IsUint64()) {
                end = rapidjson::internal::u64toa(value.GetUint64(), digits.data());
            } else {
                end = rapidjson::internal::dtoa(value.GetDouble(), digits.data());
            }
            return static_cast<uint64_t>(end - digits.data());
        }
        case rapidjson::kObjectType: {
            uint64_t size = 2;
            for (const auto& m : value.GetObject()) {
                size += 3 + escaped_size(view_of(m.name)) + json_size(m.value);  // "k":v
            }
            return size + (value.MemberCount() > 0 ? value.MemberCount() - 1 : 0);
        }
        case rapidjson::kArrayType: {
            uint64_t size = 2;
            for (const auto& v : value.GetArray()) size += json_size(v);
            return size + (value.Size() > 0 ? value.Size() - 1 : 0);
        }
    }
    return 0;
}

// The size reported for a content field: a string's UTF-8 bytes, else its JSON size.
uint64_t content_size(const JsonValue& value) {
    return value.IsString() ? value.GetStringLength() : json_size(value);
}

const JsonValue* member(const JsonValue& object, std::string_view key) {
    if (!object.IsObject()) return nullptr;
    const auto it = object.FindMember(
        rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size())));
    return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string_view string_member(const JsonValue& object, std::string_view key) {
    const JsonValue* v = member(object, key);
    return v != nullptr && v->IsString() ? view_of(*v) : std::string_view{};
}

uint64_t count_lines(std::string_view text) {
    if (text.empty()) return 0;
    const auto newlines = static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
    return newlines + (text.back() == '\n' ? 0 : 1);
}

struct LineCounts {
    uint64_t added = 0;
    uint64_t removed = 0;
};

// Lines changed by an edit, from tool_response.structuredPatch (hunk lines starting
// with '+' or '-'); a file created by Write has an empty patch and counts its content.
std::optional<LineCounts> changed_lines(const JsonValue& tool_response) {
    const JsonValue* patch = member(tool_response, "structuredPatch");
    if (patch == nullptr || !patch->IsArray()) return std::nullopt;
    LineCounts counts;
    for (const auto& hunk : patch->GetArray()) {
        const JsonValue* lines = member(hunk, "lines");
        if (lines == nullptr || !lines->IsArray()) continue;
        for (const auto& line : lines->GetArray()) {
            if (!line.IsString() || line.GetStringLength() == 0) continue;
            if (line.GetString()[0] == '+') ++counts.added;
            if (line.GetString()[0] == '-') ++counts.removed;
        }
    }
    if (patch->Empty() && string_member(tool_response, "type") == "create") {
        counts.added = count_lines(string_member(tool_response, "content"));
    }
    return counts;
}

bool is_error_class_token(std::string_view text) {
    return !text.empty() && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.' || c == ':';
    });
}

// What a reduction adds after the kept members (each only if the payload does not
// already carry it, so reducing a reduced payload again changes nothing).
struct Derived {
    std::vector<std::pair<std::string, uint64_t>> sizes;  // <field>_bytes
    std::optional<uint64_t> prompt_length;
    std::optional<std::string> error_class;
    std::optional<LineCounts> lines;
    const JsonValue* tool_response = nullptr;  // for tool_response_meta below tier 3
};

class Reducer {
public:
    Reducer(uint8_t tier, JsonWriter& writer, ReducedPayload& result)
        : tier_(tier), writer_(writer), result_(result) {}

    // A hook payload, or one element of PostToolBatch's tool_calls.
    void payload(const JsonValue& object, const ReduceOptions* top) {
        const std::string_view event = string_member(object, "hook_event_name");
        Derived derived;
        writer_.StartObject();
        for (const auto& m : object.GetObject()) {
            const std::string_view key = view_of(m.name);
            if (top != nullptr && omitted(key, *top)) continue;
            reduce_member(key, m.value, event, object, derived);
        }
        write_derived(object, derived);
        writer_.EndObject();
    }

private:
    static bool omitted(std::string_view key, const ReduceOptions& options) {
        return std::find(options.omit_keys.begin(), options.omit_keys.end(), key) !=
               options.omit_keys.end();
    }

    void reduce_member(std::string_view key, const JsonValue& value, std::string_view event,
                       const JsonValue& object, Derived& derived) {
        const FieldClass field_class = classify_hook_field(key);
        const bool kept = tier_ >= minimum_tier(field_class);
        switch (field_class) {
            case FieldClass::metadata:
            case FieldClass::derived:
                write_member(key, value, /*as_metadata=*/tier_ < 3);
                return;
            case FieldClass::unknown:
                if (kept) {
                    write_member(key, value, false);
                } else {
                    write_metadata_member(key, value);
                }
                return;
            case FieldClass::parameters:
            case FieldClass::content:
            case FieldClass::tool_input:
                derived.sizes.emplace_back(std::string(key) + "_bytes", content_size(value));
                if (key == "prompt" && value.IsString()) {
                    derived.prompt_length = utf8_length(view_of(value));
                }
                keep_or_drop(key, value, kept);
                return;
            case FieldClass::tool_response:
                derived.sizes.emplace_back("tool_response_bytes", content_size(value));
                derived.lines = changed_lines(value);
                if (!kept) derived.tool_response = &value;
                keep_or_drop(key, value, kept);
                return;
            case FieldClass::tool_calls:
                tool_calls(key, value);
                return;
            case FieldClass::error:
                error(key, value, event, object, derived);
                return;
        }
    }

    // PostToolBatch: [{tool_name, tool_use_id, tool_input, tool_response}], each call
    // reduced like a payload (names and ids at tier 1, inputs at 2, responses at 3).
    void tool_calls(std::string_view key, const JsonValue& value) {
        if (!value.IsArray()) {
            keep_or_drop(key, value, tier_ >= 3);
            return;
        }
        write_key(key);
        writer_.StartArray();
        for (const auto& call : value.GetArray()) {
            if (call.IsObject()) {
                payload(call, nullptr);
            } else if (tier_ >= 3) {
                write_value(call);
            } else {
                ++result_.dropped_fields;
            }
        }
        writer_.EndArray();
    }

    // A StopFailure's error is already a class ("rate_limit"): kept as metadata. A tool
    // failure's is the tool's output ("Exit code 3\n..."): tier 3, classified for tier 1.
    void error(std::string_view key, const JsonValue& value, std::string_view event,
               const JsonValue& object, Derived& derived) {
        derived.error_class = hook_error_class(object);
        if (event == "StopFailure" && value.IsString() && is_error_class_token(view_of(value))) {
            write_member(key, value, false);
            return;
        }
        derived.sizes.emplace_back(std::string(key) + "_bytes", content_size(value));
        keep_or_drop(key, value, tier_ >= 3);
    }

    void keep_or_drop(std::string_view key, const JsonValue& value, bool kept) {
        if (kept) {
            write_member(key, value, false);
        } else {
            ++result_.dropped_fields;
        }
    }

    void write_derived(const JsonValue& object, const Derived& derived) {
        auto absent = [&](std::string_view key) { return member(object, key) == nullptr; };
        for (const auto& [name, size] : derived.sizes) {
            if (!absent(name)) continue;
            write_key(name);
            writer_.Uint64(size);
        }
        if (derived.prompt_length && absent("prompt_length")) {
            write_key("prompt_length");
            writer_.Uint64(*derived.prompt_length);
        }
        if (derived.lines && absent("lines_added") && absent("lines_removed")) {
            write_key("lines_added");
            writer_.Uint64(derived.lines->added);
            write_key("lines_removed");
            writer_.Uint64(derived.lines->removed);
        }
        if (derived.error_class && absent("error_class")) {
            write_key("error_class");
            write_string(*derived.error_class);
        }
        if (derived.tool_response != nullptr && derived.tool_response->IsObject() &&
            absent("tool_response_meta")) {
            tool_response_meta(*derived.tool_response);
        }
    }

    void tool_response_meta(const JsonValue& response) {
        bool any = false;
        for (const auto& m : response.GetObject()) {
            const std::string_view key = view_of(m.name);
            if (!is_tool_response_metadata(key)) continue;
            if (!any) {
                write_key("tool_response_meta");
                writer_.StartObject();
                any = true;
            }
            write_metadata_member(key, m.value, /*name_checked=*/true);
        }
        if (any) writer_.EndObject();
    }

    // Writes `key: value`; with `as_metadata`, structured values keep only what looks
    // like metadata (a known metadata field holding an object: effort, background_tasks).
    void write_member(std::string_view key, const JsonValue& value, bool as_metadata) {
        if (as_metadata && (value.IsObject() || value.IsArray())) {
            write_metadata_member(key, value, /*name_checked=*/true);
            return;
        }
        write_key(key);
        write_value(value);
    }

    void write_value(const JsonValue& value) {
        switch (value.GetType()) {
            case rapidjson::kNullType:
                writer_.Null();
                return;
            case rapidjson::kFalseType:
                writer_.Bool(false);
                return;
            case rapidjson::kTrueType:
                writer_.Bool(true);
                return;
            case rapidjson::kStringType:
                write_string(view_of(value));
                return;
            case rapidjson::kNumberType:
                write_number(value);
                return;
            case rapidjson::kObjectType:
                writer_.StartObject();
                for (const auto& m : value.GetObject()) {
                    write_key(view_of(m.name));
                    write_value(m.value);
                }
                writer_.EndObject();
                return;
            case rapidjson::kArrayType:
                writer_.StartArray();
                for (const auto& v : value.GetArray()) write_value(v);
                writer_.EndArray();
                return;
        }
    }

    // Below tier 3, a field nothing vouches for: numbers, booleans and null stay;
    // strings stay when id-like; objects and arrays are searched for the same.
    void write_metadata_member(std::string_view key, const JsonValue& value,
                               bool name_checked = false) {
        if (!metadata_worthy(key, value, name_checked)) {
            ++result_.dropped_fields;
            return;
        }
        write_key(key);
        write_metadata_value(key, value);
    }

    static bool metadata_worthy(std::string_view key, const JsonValue& value, bool name_checked) {
        if (value.IsString()) {
            return name_checked ? looks_like_metadata_string({}, view_of(value))
                                : looks_like_metadata_string(key, view_of(value));
        }
        if (value.IsObject() || value.IsArray()) return name_checked || may_hold_metadata(key);
        return true;
    }

    void write_metadata_value(std::string_view key, const JsonValue& value) {
        if (value.IsObject()) {
            writer_.StartObject();
            for (const auto& m : value.GetObject()) {
                write_metadata_member(view_of(m.name), m.value);
            }
            writer_.EndObject();
        } else if (value.IsArray()) {
            writer_.StartArray();
            for (const auto& v : value.GetArray()) {
                if (metadata_worthy(key, v, false)) {
                    write_metadata_value(key, v);
                } else {
                    ++result_.dropped_fields;
                }
            }
            writer_.EndArray();
        } else {
            write_value(value);
        }
    }

    void write_number(const JsonValue& value) {
        if (value.IsInt64()) {
            writer_.Int64(value.GetInt64());
        } else if (value.IsUint64()) {
            writer_.Uint64(value.GetUint64());
        } else {
            writer_.Double(value.GetDouble());
        }
    }

    void write_key(std::string_view key) {
        const std::string_view text = redact_text(key);
        writer_.Key(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    }

    void write_string(std::string_view value) {
        const std::string_view text = redact_text(value);
        writer_.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    }

    // The text to write: `text` itself, or its redacted copy in scratch_ (valid until
    // the next call).
    std::string_view redact_text(std::string_view text) {
        if (redact(text, scratch_, result_.redactions)) return scratch_;
        return text;
    }

    uint8_t tier_;
    JsonWriter& writer_;
    ReducedPayload& result_;
    std::string scratch_;
};

}  // namespace

Result<ReducedPayload> reduce_hook_object(const JsonValue& object, const ReduceOptions& options) {
    if (!object.IsObject()) return make_error("a hook payload must be a JSON object");
    if (nesting_depth(object, kMaxJsonDepth) > kMaxJsonDepth) {
        return make_error("the payload is nested deeper than " + std::to_string(kMaxJsonDepth));
    }
    ReducedPayload result;
    result.tier = std::clamp(options.tier, kMinTier, kMaxTier);
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    Reducer(result.tier, writer, result).payload(object, &options);
    result.json.assign(buffer.GetString(), buffer.GetSize());
    return result;
}

Result<ReducedPayload> reduce_hook_payload(const std::string& json, const ReduceOptions& options) {
    if (json.find('\0') != std::string::npos) {
        return make_error("the payload holds a NUL byte");
    }
    if (!is_valid_utf8(json)) return make_error("the payload is not valid UTF-8");
    JsonDocument document;
    document.Parse<kJsonParseFlags>(json.c_str());
    if (document.HasParseError()) {
        return make_error("the payload is not JSON (error at byte " +
                          std::to_string(document.GetErrorOffset()) + ")");
    }
    return reduce_hook_object(document, options);
}

std::optional<std::string> hook_error_class(const JsonValue& payload) {
    if (!payload.IsObject()) return std::nullopt;
    const std::string_view recorded = string_member(payload, "error_class");
    if (!recorded.empty()) return std::string(recorded);
    const JsonValue* error = member(payload, "error");
    if (error == nullptr || error->IsNull()) return std::nullopt;
    const std::string_view text = error->IsString() ? view_of(*error) : std::string_view{};
    if (string_member(payload, "hook_event_name") == "StopFailure") {
        return is_error_class_token(text) ? std::string(text) : std::string("error");
    }
    const JsonValue* interrupt = member(payload, "is_interrupt");
    return tool_error_class(text,
                            interrupt != nullptr && interrupt->IsBool() && interrupt->GetBool());
}

std::string tool_error_class(std::string_view error, bool is_interrupt) {
    if (is_interrupt) return "interrupted";
    constexpr std::string_view kExit = "Exit code ";
    if (error.starts_with(kExit)) {
        size_t end = kExit.size();
        if (end < error.size() && error[end] == '-') ++end;
        while (end < error.size() && end < kExit.size() + 12 && error[end] >= '0' &&
               error[end] <= '9') {
            ++end;
        }
        if (end > kExit.size())
            return "exit_code:" + std::string(error.substr(kExit.size(), end - kExit.size()));
    }
    if (error.starts_with("<tool_use_error>")) return "tool_use_error";
    if (error.starts_with("File does not exist")) return "file_not_found";
    if (error.find("ermission denied") != std::string_view::npos) return "permission_denied";
    if (error.find("timed out") != std::string_view::npos) return "timeout";
    if (error.find("nterrupted") != std::string_view::npos) return "interrupted";
    return "error";
}

}  // namespace agent_trace::privacy
