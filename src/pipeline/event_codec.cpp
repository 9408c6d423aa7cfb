#include "pipeline/event_codec.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/json_writer.hpp"

namespace agent_trace {
namespace {

// Binary layout, version 1 (all integers little-endian varints unless noted):
//   u8 version
//   16 bytes event_id
//   u8 source, u8 kind, u8 cost_source, u8 tier, u8 flags (kFlag*)
//   zigzag ts, zigzag ingest_ts
//   17 strings (kStringFields order): varint length + bytes
//   5 zigzag token counts
//   [8 bytes IEEE-754 cost_usd, fixed width]  when kFlagCost
//   [zigzag duration_ms]                       when kFlagDuration
// A record written by a newer version is refused rather than half read.
constexpr uint8_t kVersion = 1;

constexpr uint8_t kFlagSidechain = 1U << 0U;
constexpr uint8_t kFlagCost = 1U << 1U;
constexpr uint8_t kFlagDuration = 1U << 2U;
constexpr uint8_t kFlagHasSuccess = 1U << 3U;
constexpr uint8_t kFlagSuccess = 1U << 4U;
constexpr uint8_t kKnownFlags =
    kFlagSidechain | kFlagCost | kFlagDuration | kFlagHasSuccess | kFlagSuccess;

constexpr auto kMaxSource = static_cast<uint8_t>(Source::git);
constexpr auto kMaxKind = static_cast<uint8_t>(EventKind::api_error);  // the last kind
constexpr auto kMaxCostSource = static_cast<uint8_t>(CostSource::computed);

// The string fields in wire order, shared by encoder and decoder so they cannot drift.
constexpr std::array<std::string Event::*, 17> kStringFields{
    &Event::session_id,  &Event::agent_id,    &Event::prompt_id,   &Event::message_id,
    &Event::request_id,  &Event::tool_use_id, &Event::parent_uuid, &Event::user,
    &Event::host,        &Event::project,     &Event::cwd,         &Event::git_branch,
    &Event::app_version, &Event::model,       &Event::tool_name,   &Event::error,
    &Event::attrs,
};

constexpr std::array<int64_t Event::*, 5> kTokenFields{
    &Event::input_tokens, &Event::output_tokens, &Event::cache_write_5m_tokens,
    &Event::cache_write_1h_tokens, &Event::cache_read_tokens};

void put_varint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7FU) | 0x80U));
        v >>= 7U;
    }
    out.push_back(static_cast<char>(v));
}

uint64_t zigzag(int64_t v) {
    return (static_cast<uint64_t>(v) << 1U) ^ static_cast<uint64_t>(v >> 63);
}

int64_t unzigzag(uint64_t v) {
    return static_cast<int64_t>(v >> 1U) ^ -static_cast<int64_t>(v & 1U);
}

// Reads the wire format with every length checked against what is left.
class Reader {
public:
    explicit Reader(std::string_view bytes) : rest_(bytes) {}

    bool byte(uint8_t& v) {
        if (rest_.empty()) return false;
        v = static_cast<uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        return true;
    }

    bool bytes(void* out, size_t n) {
        if (rest_.size() < n) return false;
        std::memcpy(out, rest_.data(), n);
        rest_.remove_prefix(n);
        return true;
    }

    bool varint(uint64_t& v) {
        v = 0;
        for (unsigned shift = 0; shift < 64; shift += 7) {
            uint8_t b = 0;
            if (!byte(b)) return false;
            // The tenth byte may only carry the top bit of a 64-bit value.
            if (shift == 63 && b > 1) return false;
            v |= static_cast<uint64_t>(b & 0x7FU) << shift;
            if ((b & 0x80U) == 0) return true;
        }
        return false;
    }

    bool signed_varint(int64_t& v) {
        uint64_t u = 0;
        if (!varint(u)) return false;
        v = unzigzag(u);
        return true;
    }

    bool string(std::string& out) {
        uint64_t n = 0;
        if (!varint(n) || n > rest_.size()) return false;
        out.assign(rest_.data(), static_cast<size_t>(n));
        rest_.remove_prefix(static_cast<size_t>(n));
        return true;
    }

    [[nodiscard]] bool done() const { return rest_.empty(); }

private:
    std::string_view rest_;
};

Error truncated(std::string_view what) {
    return make_error(fmt::format("event record: truncated or malformed at {}", what));
}

// Shortest text that parses back to the same double; non-finite values have no JSON form.
std::string json_double(double v) {
    if (!std::isfinite(v)) return "null";
    return fmt::format("{}", v);
}

// One parser per thread: it keeps its buffers between documents.
simdjson::dom::parser& thread_parser() {
    thread_local simdjson::dom::parser parser;
    return parser;
}

bool is_json_object(std::string_view text) {
    simdjson::dom::element element;
    if (thread_parser().parse(text.data(), text.size()).get(element) != simdjson::SUCCESS) {
        return false;
    }
    return element.type() == simdjson::dom::element_type::OBJECT;
}

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

Result<int64_t> json_int(const element& value, std::string_view key) {
    int64_t v = 0;
    if (value.get_int64().get(v) == simdjson::SUCCESS) return v;
    uint64_t u = 0;
    if (value.get_uint64().get(u) == simdjson::SUCCESS) {
        return make_error(fmt::format("{} is out of range", key));
    }
    return make_error(fmt::format("{} must be an integer", key));
}

Result<std::string> json_string(const element& value, std::string_view key) {
    std::string_view s;
    if (value.get_string().get(s) != simdjson::SUCCESS) {
        return make_error(fmt::format("{} must be a string", key));
    }
    return std::string(s);
}

// Fills one field of `e` from `key` = `value`; unknown keys are ignored so
// newer writers can add fields.
Status read_json_field(Event& e, std::string_view key, const element& value) {
    if (value.is_null()) return Ok{};  // absent and null mean the same: the default
    static const std::array<std::pair<std::string_view, std::string Event::*>, 16> kStrings{{
        {"session_id", &Event::session_id},
        {"agent_id", &Event::agent_id},
        {"prompt_id", &Event::prompt_id},
        {"message_id", &Event::message_id},
        {"request_id", &Event::request_id},
        {"tool_use_id", &Event::tool_use_id},
        {"parent_uuid", &Event::parent_uuid},
        {"user", &Event::user},
        {"host", &Event::host},
        {"project", &Event::project},
        {"cwd", &Event::cwd},
        {"git_branch", &Event::git_branch},
        {"app_version", &Event::app_version},
        {"model", &Event::model},
        {"tool_name", &Event::tool_name},
        {"error", &Event::error},
    }};
    for (const auto& [name, member] : kStrings) {
        if (key != name) continue;
        auto s = json_string(value, key);
        if (!s) return s.error();
        e.*member = std::move(*s);
        return Ok{};
    }
    static const std::array<std::pair<std::string_view, int64_t Event::*>, 5> kTokens{{
        {"input_tokens", &Event::input_tokens},
        {"output_tokens", &Event::output_tokens},
        {"cache_write_5m_tokens", &Event::cache_write_5m_tokens},
        {"cache_write_1h_tokens", &Event::cache_write_1h_tokens},
        {"cache_read_tokens", &Event::cache_read_tokens},
    }};
    for (const auto& [name, member] : kTokens) {
        if (key != name) continue;
        auto v = json_int(value, key);
        if (!v) return v.error();
        e.*member = *v;
        return Ok{};
    }
    if (key == "event_id") {
        auto s = json_string(value, key);
        if (!s) return s.error();
        auto id = EventId::from_hex(*s);
        if (!id) return make_error("event_id must be 32 hex digits");
        e.event_id = *id;
    } else if (key == "source") {
        auto s = json_string(value, key);
        if (!s) return s.error();
        auto source = parse_source(*s);
        if (!source) return make_error(fmt::format("unknown source \"{}\"", *s));
        e.source = *source;
    } else if (key == "kind") {
        auto s = json_string(value, key);
        if (!s) return s.error();
        auto kind = parse_event_kind(*s);
        if (!kind) return make_error(fmt::format("unknown kind \"{}\"", *s));
        e.kind = *kind;
    } else if (key == "cost_source") {
        auto s = json_string(value, key);
        if (!s) return s.error();
        auto cost_source = parse_cost_source(*s);
        if (!cost_source) return make_error(fmt::format("unknown cost_source \"{}\"", *s));
        e.cost_source = *cost_source;
    } else if (key == "ts" || key == "ingest_ts") {
        auto v = json_int(value, key);
        if (!v) return v.error();
        (key == "ts" ? e.ts : e.ingest_ts) = *v;
    } else if (key == "cost_usd") {
        double v = 0;
        if (value.get_double().get(v) != simdjson::SUCCESS) {
            return make_error("cost_usd must be a number");
        }
        e.cost_usd = v;
    } else if (key == "duration_ms") {
        auto v = json_int(value, key);
        if (!v) return v.error();
        e.duration_ms = *v;
    } else if (key == "success" || key == "is_sidechain") {
        bool v = false;
        if (value.get_bool().get(v) != simdjson::SUCCESS) {
            return make_error(fmt::format("{} must be true or false", key));
        }
        if (key == "success") {
            e.success = v;
        } else {
            e.is_sidechain = v;
        }
    } else if (key == "tier") {
        auto v = json_int(value, key);
        if (!v) return v.error();
        if (*v < 0 || *v > std::numeric_limits<uint8_t>::max()) {
            return make_error("tier is out of range");
        }
        e.tier = static_cast<uint8_t>(*v);
    } else if (key == "attrs") {
        // An object is the normal form; a string holds attrs that were not valid
        // JSON when written out (a poison event keeps its bytes for inspection).
        if (value.type() == element_type::OBJECT) {
            e.attrs = simdjson::minify(value);
        } else {
            auto s = json_string(value, key);
            if (!s) return make_error("attrs must be an object");
            e.attrs = std::move(*s);
        }
    }
    return Ok{};
}

}  // namespace

std::vector<std::string_view> EncodedBatch::views() const {
    std::vector<std::string_view> out(ends_.size());
    const std::string_view all(bytes_);
    for (size_t i = 0, begin = 0; i < ends_.size(); begin = ends_[i], ++i) {
        out[i] = all.substr(begin, ends_[i] - begin);
    }
    return out;
}

void encode_event(const Event& event, std::string& out) {
    out.push_back(static_cast<char>(kVersion));
    out.append(reinterpret_cast<const char*>(event.event_id.bytes.data()),
               event.event_id.bytes.size());
    out.push_back(static_cast<char>(event.source));
    out.push_back(static_cast<char>(event.kind));
    out.push_back(static_cast<char>(event.cost_source));
    out.push_back(static_cast<char>(event.tier));
    uint8_t flags = 0;
    if (event.is_sidechain) flags |= kFlagSidechain;
    if (event.cost_usd) flags |= kFlagCost;
    if (event.duration_ms) flags |= kFlagDuration;
    if (event.success) {
        flags |= kFlagHasSuccess;
        if (*event.success) flags |= kFlagSuccess;
    }
    out.push_back(static_cast<char>(flags));
    put_varint(out, zigzag(event.ts));
    put_varint(out, zigzag(event.ingest_ts));
    for (auto member : kStringFields) {
        const std::string& s = event.*member;
        put_varint(out, s.size());
        out.append(s);
    }
    for (auto member : kTokenFields) put_varint(out, zigzag(event.*member));
    if (event.cost_usd) {
        const auto bits = std::bit_cast<uint64_t>(*event.cost_usd);
        for (unsigned i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8U * i)));
    }
    if (event.duration_ms) put_varint(out, zigzag(*event.duration_ms));
}

Result<Event> decode_event(std::string_view bytes) {
    Reader in(bytes);
    uint8_t version = 0;
    if (!in.byte(version)) return make_error("event record: empty");
    if (version != kVersion) {
        return make_error(fmt::format("event record: unknown format version {}", version));
    }
    Event e;
    if (!in.bytes(e.event_id.bytes.data(), e.event_id.bytes.size())) return truncated("event_id");
    uint8_t source = 0;
    uint8_t kind = 0;
    uint8_t cost_source = 0;
    uint8_t flags = 0;
    if (!in.byte(source) || !in.byte(kind) || !in.byte(cost_source) || !in.byte(e.tier) ||
        !in.byte(flags)) {
        return truncated("the header");
    }
    if (source > kMaxSource) return make_error(fmt::format("event record: source {}", source));
    if (kind > kMaxKind) return make_error(fmt::format("event record: kind {}", kind));
    if (cost_source > kMaxCostSource) {
        return make_error(fmt::format("event record: cost_source {}", cost_source));
    }
    if ((flags & ~kKnownFlags) != 0) {
        return make_error(fmt::format("event record: unknown flags {:#x}", flags));
    }
    e.source = static_cast<Source>(source);
    e.kind = static_cast<EventKind>(kind);
    e.cost_source = static_cast<CostSource>(cost_source);
    e.is_sidechain = (flags & kFlagSidechain) != 0;
    if ((flags & kFlagHasSuccess) != 0) e.success = (flags & kFlagSuccess) != 0;
    if (!in.signed_varint(e.ts) || !in.signed_varint(e.ingest_ts)) return truncated("ts");
    for (auto member : kStringFields) {
        if (!in.string(e.*member)) return truncated("a string field");
    }
    for (auto member : kTokenFields) {
        if (!in.signed_varint(e.*member)) return truncated("token counts");
    }
    if ((flags & kFlagCost) != 0) {
        std::array<uint8_t, 8> raw{};
        if (!in.bytes(raw.data(), raw.size())) return truncated("cost_usd");
        uint64_t bits = 0;
        for (unsigned i = 0; i < 8; ++i) bits |= static_cast<uint64_t>(raw[i]) << (8U * i);
        e.cost_usd = std::bit_cast<double>(bits);
    }
    if ((flags & kFlagDuration) != 0) {
        int64_t duration = 0;
        if (!in.signed_varint(duration)) return truncated("duration_ms");
        e.duration_ms = duration;
    }
    if (!in.done()) return make_error("event record: trailing bytes");
    return e;
}

std::string event_to_json(const Event& event) {
    JsonWriter w;
    w.begin_object();
    w.key("event_id").value(event.event_id.hex());
    w.key("source").value(to_string(event.source));
    w.key("kind").value(to_string(event.kind));
    w.key("ts").value(event.ts);
    w.key("ingest_ts").value(event.ingest_ts);
    w.key("session_id").value(event.session_id);
    w.key("agent_id").value(event.agent_id);
    w.key("prompt_id").value(event.prompt_id);
    w.key("message_id").value(event.message_id);
    w.key("request_id").value(event.request_id);
    w.key("tool_use_id").value(event.tool_use_id);
    w.key("parent_uuid").value(event.parent_uuid);
    w.key("user").value(event.user);
    w.key("host").value(event.host);
    w.key("project").value(event.project);
    w.key("cwd").value(event.cwd);
    w.key("git_branch").value(event.git_branch);
    w.key("app_version").value(event.app_version);
    w.key("model").value(event.model);
    w.key("input_tokens").value(event.input_tokens);
    w.key("output_tokens").value(event.output_tokens);
    w.key("cache_write_5m_tokens").value(event.cache_write_5m_tokens);
    w.key("cache_write_1h_tokens").value(event.cache_write_1h_tokens);
    w.key("cache_read_tokens").value(event.cache_read_tokens);
    w.key("cost_usd");
    if (event.cost_usd) {
        w.raw(json_double(*event.cost_usd));
    } else {
        w.null();
    }
    w.key("cost_source").value(to_string(event.cost_source));
    w.key("tool_name").value(event.tool_name);
    w.key("duration_ms");
    if (event.duration_ms) {
        w.value(*event.duration_ms);
    } else {
        w.null();
    }
    w.key("success");
    if (event.success) {
        w.value(*event.success);
    } else {
        w.null();
    }
    w.key("error").value(event.error);
    w.key("is_sidechain").value(event.is_sidechain);
    w.key("tier").value(static_cast<int64_t>(event.tier));
    w.key("attrs");
    // Embedded as an object when it is one; otherwise as a string, so the
    // document stays valid JSON whatever the event carried.
    if (is_json_object(event.attrs)) {
        w.raw(event.attrs);
    } else {
        w.value(event.attrs);
    }
    w.end_object();
    return w.take();
}

Result<Event> event_from_json(std::string_view json) {
    element root;
    if (auto error = thread_parser().parse(json.data(), json.size()).get(root);
        error != simdjson::SUCCESS) {
        return make_error(fmt::format("event JSON: {}", simdjson::error_message(error)));
    }
    object fields;
    if (root.get_object().get(fields) != simdjson::SUCCESS) {
        return make_error("event JSON: not an object");
    }
    Event e;
    bool has_id = false;
    bool has_source = false;
    bool has_kind = false;
    bool has_ts = false;
    for (const auto field : fields) {
        const std::string_view key = field.key;
        if (auto s = read_json_field(e, key, field.value); !s) {
            return make_error("event JSON: " + s.error().message);
        }
        has_id = has_id || (key == "event_id" && !field.value.is_null());
        has_source = has_source || (key == "source" && !field.value.is_null());
        has_kind = has_kind || (key == "kind" && !field.value.is_null());
        has_ts = has_ts || (key == "ts" && !field.value.is_null());
    }
    if (!has_id) return make_error("event JSON: event_id is missing");
    if (!has_source) return make_error("event JSON: source is missing");
    if (!has_kind) return make_error("event JSON: kind is missing");
    if (!has_ts) return make_error("event JSON: ts is missing");
    return e;
}

}  // namespace agent_trace
