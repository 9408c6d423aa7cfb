#include "ingest/otlp/otlp_attributes.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>

#include "core/ascii_text.hpp"
#include "core/hex.hpp"
#include "opentelemetry/proto/common/v1/common.pb.h"
#include "pipeline/privacy/hook_fields.hpp"
#include "pipeline/privacy/otel_fields.hpp"
#include "pipeline/privacy/redaction.hpp"

namespace agent_trace::otlp {
namespace {

constexpr int kMaxDepth = 8;  // nested arrays/maps deeper than this are cut

// Whether an attribute this version does not know may be kept at `max_tier`.
template <class Value>
bool keep_unknown(std::string_view key, const Value& value, uint8_t max_tier) {
    if (max_tier >= 3) return true;
    switch (value.value_case()) {
        case Value::kBoolValue:
        case Value::kIntValue:
        case Value::kDoubleValue:
            return true;
        case Value::kStringValue:
            return privacy::looks_like_metadata_string(key, value.string_value());
        default:
            return false;  // arrays, maps, bytes: may hold anything
    }
}

// Keys agent-trace writes into attrs itself; an attribute of the same name is kept as "attr.<key>".
constexpr std::array<std::string_view, 20> kReservedKeys{
    "signal",         "event",    "scope",  "sequence",    "severity", "trace_id",    "span_id",
    "parent_span_id", "resource", "metric", "metric_type", "value",    "unit",        "temporality",
    "monotonic",      "start_ts", "series", "count",       "span",     "span_status",
};

// Lengths and first letters of the reserved keys: most keys are ruled out by these.
constexpr uint32_t kReservedLengths = [] {
    uint32_t mask = 0;
    for (const std::string_view reserved : kReservedKeys) mask |= 1U << reserved.size();
    return mask;
}();
constexpr std::array<bool, 256> kReservedFirst = [] {
    std::array<bool, 256> first{};
    for (const std::string_view reserved : kReservedKeys) {
        first[static_cast<unsigned char>(reserved.front())] = true;
    }
    return first;
}();

bool is_reserved_key(std::string_view key) {
    if (key.empty() || key.size() >= 32 || ((kReservedLengths >> key.size()) & 1U) == 0 ||
        !kReservedFirst[static_cast<unsigned char>(key.front())]) {
        return false;
    }
    for (const std::string_view reserved : kReservedKeys) {
        if (key == reserved) return true;
    }
    return false;
}

}  // namespace

std::string scalar_text(const AnyValue& value) {
    switch (value.value_case()) {
        case AnyValue::kStringValue:
            return value.string_value();
        case AnyValue::kBoolValue:
            return value.bool_value() ? "true" : "false";
        case AnyValue::kIntValue:
            return std::to_string(value.int_value());
        case AnyValue::kDoubleValue:
            return fmt::format("{}", value.double_value());
        default:
            return {};
    }
}

std::string_view as_view(const AnyValue& value) {
    return value.value_case() == AnyValue::kStringValue ? std::string_view(value.string_value())
                                                        : std::string_view{};
}

namespace {

// A whole double as an int64 (rounded), if it is finite and well inside int64's range.
std::optional<int64_t> rounded(double d) {
    if (!std::isfinite(d) || std::fabs(d) >= 9.0e18) return std::nullopt;
    return static_cast<int64_t>(std::llround(d));
}

// The whole of `s` as a finite double.
std::optional<double> parse_double(std::string_view s) {
    double d = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc() && end == s.data() + s.size() && std::isfinite(d)) return d;
    return std::nullopt;
}

template <class Value>
std::optional<int64_t> int_of(const Value& value) {
    switch (value.value_case()) {
        case Value::kIntValue:
            return value.int_value();
        case Value::kDoubleValue:
            return rounded(value.double_value());
        case Value::kStringValue: {
            const std::string_view s = trim_blanks(value.string_value());
            int64_t n = 0;
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
            if (ec == std::errc() && end == s.data() + s.size()) return n;
            const auto d = parse_double(s);
            return d ? rounded(*d) : std::nullopt;
        }
        default:
            return std::nullopt;
    }
}

template <class Value>
std::optional<double> double_of(const Value& value) {
    switch (value.value_case()) {
        case Value::kDoubleValue:
            return std::isfinite(value.double_value()) ? std::optional(value.double_value())
                                                       : std::nullopt;
        case Value::kIntValue:
            return static_cast<double>(value.int_value());
        case Value::kStringValue:
            return parse_double(trim_blanks(value.string_value()));
        default:
            return std::nullopt;
    }
}

template <class Value>
std::optional<bool> bool_of(const Value& value) {
    switch (value.value_case()) {
        case Value::kBoolValue:
            return value.bool_value();
        case Value::kIntValue:
            return value.int_value() != 0;
        case Value::kStringValue: {
            const std::string_view s = trim_blanks(value.string_value());
            if (s == "true" || s == "True" || s == "TRUE" || s == "1") return true;
            if (s == "false" || s == "False" || s == "FALSE" || s == "0") return false;
            return std::nullopt;
        }
        default:
            return std::nullopt;
    }
}

}  // namespace

std::optional<int64_t> as_int(const AnyValue& value) { return int_of(value); }
std::optional<int64_t> as_int(const AnyView& value) { return int_of(value); }
std::optional<double> as_double(const AnyValue& value) { return double_of(value); }
std::optional<double> as_double(const AnyView& value) { return double_of(value); }
std::optional<bool> as_bool(const AnyValue& value) { return bool_of(value); }
std::optional<bool> as_bool(const AnyView& value) { return bool_of(value); }

void redact_columns(Event& event, OtlpDecoded& decoded) {
    std::string scratch;
    for (std::string* column : {&event.session_id, &event.agent_id, &event.prompt_id,
                                &event.request_id, &event.tool_use_id, &event.user, &event.host,
                                &event.app_version, &event.model, &event.tool_name, &event.error}) {
        if (column->empty()) continue;
        privacy::RedactionCounts counts;
        if (privacy::redact(*column, scratch, counts)) {
            decoded.redactions += counts.total();
            column->swap(scratch);
        }
    }
}

void write_number(JsonWriter& out, double value) {
    if (!std::isfinite(value)) {
        out.null();
        return;
    }
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.raw(ec == std::errc() ? std::string_view(buffer, end - buffer) : std::string_view("0"));
}

std::string id_hex(std::string_view bytes) { return to_hex(bytes); }

void AttributeWriter::write(std::string_view key, const AnyValue& value) { write_kept(key, value); }

void AttributeWriter::write(std::string_view key, const AnyView& value) { write_kept(key, value); }

template <class Value>
void AttributeWriter::write_kept(std::string_view key, const Value& value) {
    const uint8_t tier = privacy::otel_attribute_tier(key);
    const bool keep = tier == 0 ? keep_unknown(key, value, max_tier_) : tier <= max_tier_;
    if (!keep) {
        ++decoded_.dropped_attributes;
        return;
    }
    // Names agent-trace itself writes into attrs stay unambiguous.
    if (is_reserved_key(key)) {
        out_.key("attr." + std::string(key));
    } else {
        out_.key(key);
    }
    write_value(value, 0);
}

void AttributeWriter::write_string(std::string_view text) {
    privacy::RedactionCounts counts;
    if (privacy::redact(text, scratch_, counts)) {
        decoded_.redactions += counts.total();
        out_.value(std::string_view(scratch_));
    } else {
        out_.value(text);
    }
}

template <class Value>
void AttributeWriter::write_value(const Value& value, int depth) {
    switch (value.value_case()) {
        case Value::kStringValue:
            write_string(value.string_value());
            return;
        case Value::kBoolValue:
            out_.value(value.bool_value());
            return;
        case Value::kIntValue:
            out_.value(static_cast<int64_t>(value.int_value()));
            return;
        case Value::kDoubleValue:
            write_number(out_, value.double_value());
            return;
        case Value::kBytesValue:
            out_.value(to_hex(value.bytes_value()));
            return;
        case Value::kArrayValue:
            if (depth >= kMaxDepth) {
                out_.null();
                return;
            }
            out_.begin_array();
            for (const auto& item : value.array_value().values()) write_value(item, depth + 1);
            out_.end_array();
            return;
        case Value::kKvlistValue:
            if (depth >= kMaxDepth) {
                out_.null();
                return;
            }
            out_.begin_object();
            for (const auto& kv : value.kvlist_value().values()) {
                out_.key(kv.key());
                write_value(kv.value(), depth + 1);
            }
            out_.end_object();
            return;
        case Value::VALUE_NOT_SET:
            out_.null();
            return;
    }
    out_.null();
}

}  // namespace agent_trace::otlp
