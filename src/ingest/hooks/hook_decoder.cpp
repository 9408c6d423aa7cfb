#include "ingest/hooks/hook_decoder.hpp"

#include <rapidjson/error/en.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <span>

#include "core/hex.hpp"
#include "ingest/hooks/hook_events.hpp"
#include "pipeline/privacy/hook_reduction.hpp"
#include "pipeline/privacy/json_dom.hpp"
#include "pipeline/privacy/redaction.hpp"
#include "pipeline/privacy/utf8.hpp"

namespace agent_trace::hooks {
namespace {

using privacy::JsonValue;
using privacy::view_of;

constexpr std::string_view kEnvelopeKey = "agent_trace";

// Fields promoted to Event columns and therefore left out of attrs. hook_event_name
// and transcript_path stay in attrs too (the server reads them back from there).
// `model` is promoted only when it is a string (see kPromotedWithoutModel).
constexpr std::array<std::string_view, 10> kPromoted{
    kEnvelopeKey, "session_id", "agent_id",    "prompt_id",   "tool_use_id",
    "cwd",        "tool_name",  "duration_ms", "error_class", "model",
};
constexpr std::span<const std::string_view> kPromotedWithoutModel{kPromoted.data(),
                                                                  kPromoted.size() - 1};

const JsonValue* member(const JsonValue& object, std::string_view key) {
    const auto it = object.FindMember(
        rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size())));
    return it == object.MemberEnd() ? nullptr : &it->value;
}

// An optional string field: absent or null is empty; any other non-string is an error.
Result<std::string_view> optional_string(const JsonValue& object, std::string_view key) {
    const JsonValue* v = member(object, key);
    if (v == nullptr || v->IsNull()) return std::string_view{};
    if (!v->IsString()) return make_error(std::string(key) + " must be a string");
    return view_of(*v);
}

Result<std::string_view> required_string(const JsonValue& object, std::string_view key) {
    const JsonValue* v = member(object, key);
    if (v == nullptr) return make_error(std::string(key) + " is missing");
    if (!v->IsString()) return make_error(std::string(key) + " must be a string");
    if (v->GetStringLength() == 0) return make_error(std::string(key) + " is empty");
    return view_of(*v);
}

std::string hex_of(const XXH128_canonical_t& canonical) {
    return to_hex({reinterpret_cast<const char*>(canonical.digest), sizeof canonical.digest});
}

// A raw payload has no id of its own: hash its compact serialization, so the same
// payload (re)sent alone or in a batch, with any whitespace, is one event.
EventId derived_event_id(const JsonValue& payload) {
    rapidjson::StringBuffer buffer;
    privacy::JsonWriter writer(buffer);
    payload.Accept(writer);  // depth already bounded by the reduction
    const XXH128_hash_t hash = XXH3_128bits(buffer.GetString(), buffer.GetSize());
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, hash);
    return hash_event_id({"hook", hex_of(canonical)});
}

struct Envelope {
    std::optional<EventId> event_id;
    std::optional<TimestampUs> captured_at_us;
    std::optional<uint8_t> tier;
};

Result<Envelope> read_envelope(const JsonValue& payload) {
    Envelope envelope;
    const JsonValue* v = member(payload, kEnvelopeKey);
    if (v == nullptr) return envelope;
    if (!v->IsObject()) return make_error("agent_trace must be an object");
    if (const JsonValue* bytes = member(*v, "invalid_payload_bytes")) {
        const JsonValue* reason = member(*v, "invalid_reason");
        return make_error("agent_trace.invalid_payload_bytes: hook-handler received " +
                          std::to_string(bytes->IsUint64() ? bytes->GetUint64() : 0) +
                          " bytes that were not a hook payload" +
                          (reason != nullptr && reason->IsString()
                               ? " (" + std::string(view_of(*reason)) + ")"
                               : std::string{}));
    }
    if (const JsonValue* id = member(*v, "event_id")) {
        if (!id->IsString()) return make_error("agent_trace.event_id must be a string");
        envelope.event_id = EventId::from_hex(view_of(*id));
        if (!envelope.event_id || *envelope.event_id == EventId{}) {
            return make_error("agent_trace.event_id must be 32 hex digits, not all zero");
        }
    }
    if (const JsonValue* ts = member(*v, "captured_at_us")) {
        if (!ts->IsInt64()) return make_error("agent_trace.captured_at_us must be an integer");
        envelope.captured_at_us = ts->GetInt64();
    }
    if (const JsonValue* tier = member(*v, "tier")) {
        if (!tier->IsUint() || tier->GetUint() < privacy::kMinTier ||
            tier->GetUint() > privacy::kMaxTier) {
            return make_error("agent_trace.tier must be 1, 2 or 3");
        }
        envelope.tier = static_cast<uint8_t>(tier->GetUint());
    }
    return envelope;
}

// The directory holding the transcript, which Claude Code names after the encoded cwd.
std::string project_of(std::string_view transcript_path, std::string_view cwd) {
    const size_t file_slash = transcript_path.rfind('/');
    if (file_slash != std::string_view::npos && file_slash > 0) {
        const std::string_view dir = transcript_path.substr(0, file_slash);
        const std::string_view name = dir.substr(dir.rfind('/') + 1);  // npos + 1 == 0
        if (!name.empty()) return std::string(name);
    }
    return cwd.empty() ? std::string{} : encode_project_dir(cwd);
}

class ElementDecoder {
public:
    explicit ElementDecoder(const HookDecodeOptions& options) : options_(options) {}

    Result<Event> decode(const JsonValue& payload) {
        if (!payload.IsObject()) return make_error("an event must be a JSON object");
        auto envelope = read_envelope(payload);
        if (!envelope) return envelope.error();
        auto event_name = required_string(payload, "hook_event_name");
        if (!event_name) return event_name.error();
        const std::optional<HookEventInfo> info = find_hook_event(*event_name);
        if (!info) {
            return make_error("hook_event_name: unknown event \"" +
                              std::string(event_name->substr(0, 64)) + "\"");
        }
        auto session_id = required_string(payload, "session_id");
        if (!session_id) return session_id.error();

        Event event;
        event.source = Source::hook;
        event.kind = parse_event_kind(info->kind).value_or(EventKind::other);
        event.ingest_ts = options_.now;
        event.ts = envelope->captured_at_us.value_or(options_.now);
        event.host = options_.host;
        event.user = options_.user;
        const uint8_t server_tier =
            std::clamp(options_.max_tier, privacy::kMinTier, privacy::kMaxTier);
        event.tier = std::min(envelope->tier.value_or(server_tier), server_tier);
        // A SessionStart's model is a name today; anything else stays in attrs rather
        // than costing the event.
        const JsonValue* model = member(payload, "model");
        const bool model_promoted = model == nullptr || model->IsString();

        // Re-reduce whatever the sender claims: a client's tier is not trusted
        // beyond ours, and reducing a reduced payload changes nothing.
        privacy::ReduceOptions reduce;
        reduce.tier = event.tier;
        reduce.omit_keys =
            model_promoted ? std::span<const std::string_view>(kPromoted) : kPromotedWithoutModel;
        auto reduced = privacy::reduce_hook_object(payload, reduce);
        if (!reduced) return reduced.error();
        event.attrs = std::move(reduced->json);
        event.event_id = envelope->event_id ? *envelope->event_id : derived_event_id(payload);

        event.session_id = redact(*session_id);
        for (auto [key, field] :
             {std::pair{"agent_id", &event.agent_id}, std::pair{"prompt_id", &event.prompt_id},
              std::pair{"tool_use_id", &event.tool_use_id}, std::pair{"cwd", &event.cwd},
              std::pair{"tool_name", &event.tool_name}}) {
            auto value = optional_string(payload, key);
            if (!value) return value.error();
            *field = redact(*value);
        }
        if (model != nullptr && model->IsString()) event.model = redact(view_of(*model));
        auto transcript = optional_string(payload, "transcript_path");
        if (!transcript) return transcript.error();
        event.project = project_of(redact(*transcript), event.cwd);

        if (auto duration = duration_ms(payload); !duration) {
            return duration.error();
        } else {
            event.duration_ms = *duration;
        }
        if (*event_name == "PostToolUse") event.success = true;
        if (*event_name == "PostToolUseFailure") event.success = false;
        if (auto error_class = privacy::hook_error_class(payload)) event.error = *error_class;

        if (auto valid = validate(event); !valid) {
            if (envelope->captured_at_us && valid.error().message.starts_with("ts ")) {
                return make_error("agent_trace.captured_at_us: " + valid.error().message);
            }
            return valid.error();
        }
        return event;
    }

private:
    std::string redact(std::string_view text) { return privacy::redacted(text, counts_); }

    static Result<std::optional<int64_t>> duration_ms(const JsonValue& payload) {
        const JsonValue* v = member(payload, "duration_ms");
        if (v == nullptr || v->IsNull()) return std::optional<int64_t>{};
        if (v->IsInt64() && v->GetInt64() >= 0) return std::optional<int64_t>{v->GetInt64()};
        if (v->IsDouble() && v->GetDouble() >= 0 && v->GetDouble() < 9.0e15) {
            return std::optional<int64_t>{static_cast<int64_t>(v->GetDouble())};
        }
        return make_error("duration_ms must be a non-negative number");
    }

    const HookDecodeOptions& options_;
    privacy::RedactionCounts counts_;
};

}  // namespace

std::string encode_project_dir(std::string_view cwd) {
    std::string out(cwd);
    for (char& c : out) {
        const bool alnum =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum) c = '-';
    }
    return out;
}

Result<std::vector<Result<Event>>> decode_hook_body(std::string_view body,
                                                    const HookDecodeOptions& options) {
    if (std::memchr(body.data(), '\0', body.size()) != nullptr) {
        return make_error("the body holds a NUL byte");
    }
    if (!privacy::is_valid_utf8(body)) return make_error("the body is not valid UTF-8");
    const std::string text(body);  // the fast reader wants a NUL-terminated buffer
    privacy::JsonDocument document;
    document.Parse<privacy::kJsonParseFlags>(text.c_str());
    if (document.HasParseError()) {
        return make_error(std::string("the body is not JSON: ") +
                          rapidjson::GetParseError_En(document.GetParseError()) + " at byte " +
                          std::to_string(document.GetErrorOffset()));
    }
    const JsonValue* elements = nullptr;
    if (document.IsArray()) {
        elements = &document;
    } else if (document.IsObject()) {
        const JsonValue* events = member(document, "events");
        if (events != nullptr && member(document, "hook_event_name") == nullptr) {
            if (!events->IsArray()) return make_error("events must be an array");
            elements = events;
        }
    } else {
        return make_error("the body must be a JSON object or array");
    }

    ElementDecoder decoder(options);
    std::vector<Result<Event>> out;
    if (elements == nullptr) {
        out.push_back(decoder.decode(document));
        return out;
    }
    out.reserve(elements->Size());
    for (const auto& element : elements->GetArray()) out.push_back(decoder.decode(element));
    return out;
}

}  // namespace agent_trace::hooks
