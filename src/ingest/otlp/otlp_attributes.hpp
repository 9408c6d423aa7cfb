#pragma once
// OTLP attribute values (AnyValue) read tolerantly — Claude Code sends numbers and
// booleans sometimes as strings ("123", "true") — and written into an event's attrs
// JSON after the privacy filter (pipeline/privacy/otel_fields.hpp) and redaction.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/json_writer.hpp"
#include "ingest/otlp/otlp_decoded.hpp"
#include "ingest/otlp/otlp_view.hpp"

namespace opentelemetry::proto::common::v1 {
class AnyValue;
class KeyValue;
}  // namespace opentelemetry::proto::common::v1

namespace agent_trace::otlp {

using AnyValue = opentelemetry::proto::common::v1::AnyValue;

// The string form of a scalar value ("" for arrays, maps and unset values).
std::string scalar_text(const AnyValue& value);
// Each reader takes a generated AnyValue or an AnyView of the wire bytes alike.
std::optional<int64_t> as_int(const AnyValue& value);
std::optional<int64_t> as_int(const AnyView& value);
std::optional<double> as_double(const AnyValue& value);
std::optional<double> as_double(const AnyView& value);
std::optional<bool> as_bool(const AnyValue& value);
std::optional<bool> as_bool(const AnyView& value);
// A string value as a view (empty for non-strings): no copy on the hot path.
std::string_view as_view(const AnyValue& value);
inline std::string_view as_view(const AnyView& value) { return value.string_value(); }

// Redacts the attribute values a decoder promoted to the event's string columns (the
// attrs copy is redacted by AttributeWriter); counts into `decoded`.
void redact_columns(Event& event, OtlpDecoded& decoded);

// Writes kept attributes into an open JSON object, dropping what is above the tier
// and redacting secrets in every kept string; counts both into `decoded`.
class AttributeWriter {
public:
    AttributeWriter(JsonWriter& out, uint8_t max_tier, OtlpDecoded& decoded)
        : out_(out), max_tier_(max_tier), decoded_(decoded) {}

    void write(std::string_view key, const AnyValue& value);
    void write(std::string_view key, const AnyView& value);

private:
    template <class Value>
    void write_kept(std::string_view key, const Value& value);
    template <class Value>
    void write_value(const Value& value, int depth);
    void write_string(std::string_view text);

    JsonWriter& out_;
    uint8_t max_tier_;
    OtlpDecoded& decoded_;
    std::string scratch_;
};

// Writes a number with the shortest text that reads back as the same double.
void write_number(JsonWriter& out, double value);

// Hex of an OTLP bytes id (trace_id, span_id); empty stays empty.
std::string id_hex(std::string_view bytes);

}  // namespace agent_trace::otlp
