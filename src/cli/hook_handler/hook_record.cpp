#include "cli/hook_handler/hook_record.hpp"

#include "pipeline/privacy/hook_reduction.hpp"
#include "pipeline/privacy/json_dom.hpp"
#include "pipeline/privacy/utf8.hpp"

namespace agent_trace::cli {
namespace {

constexpr std::string_view kEnvelopeKey = "agent_trace";

// The envelope object; `invalid_reason` non-empty marks a stub for unusable input.
std::string envelope_json(const HookCapture& capture, uint32_t redactions,
                          std::string_view invalid_reason, uint64_t invalid_bytes) {
    rapidjson::StringBuffer buffer;
    privacy::JsonWriter w(buffer);
    w.StartObject();
    w.Key("event_id");
    const std::string id = capture.event_id.hex();
    w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
    w.Key("captured_at_us");
    w.Int64(capture.captured_at_us);
    w.Key("tier");
    w.Uint(capture.tier);
    // An event name that is not UTF-8 cannot go into JSON; it is in the payload anyway.
    if (!capture.event.empty() && privacy::is_valid_utf8(capture.event) &&
        capture.event.size() <= 256) {
        w.Key("event");
        w.String(capture.event.data(), static_cast<rapidjson::SizeType>(capture.event.size()));
    }
    if (redactions > 0) {
        w.Key("redactions");
        w.Uint(redactions);
    }
    if (!invalid_reason.empty()) {
        w.Key("invalid_payload_bytes");
        w.Uint64(invalid_bytes);
        w.Key("invalid_reason");
        w.String(invalid_reason.data(), static_cast<rapidjson::SizeType>(invalid_reason.size()));
    }
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

HookRecord build_hook_record(const std::string& input, const HookCapture& capture) {
    HookRecord record;
    static constexpr std::string_view kOmit[] = {kEnvelopeKey};
    privacy::ReduceOptions options;
    options.tier = capture.tier;
    options.omit_keys = kOmit;
    auto reduced = privacy::reduce_hook_payload(input, options);
    if (!reduced) {
        record.body = input;
        const std::string stub = envelope_json(capture, 0, reduced.error().message, input.size());
        record.invalid_stub = "{\"agent_trace\":" + stub + "}";
        return record;
    }
    record.payload_valid = true;
    record.redactions = reduced->redactions.total();
    // Splice the envelope in as the last member: {...} -> {...,"agent_trace":{...}}.
    std::string& body = reduced->json;
    body.pop_back();
    if (body.size() > 1) body.push_back(',');
    body.append("\"agent_trace\":").append(envelope_json(capture, record.redactions, {}, 0));
    body.push_back('}');
    record.body = std::move(body);
    return record;
}

}  // namespace agent_trace::cli
