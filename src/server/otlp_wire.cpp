#include "server/otlp_wire.hpp"

#include "core/json_writer.hpp"

namespace agent_trace::server {
namespace {

void put_varint(std::string& out, uint64_t n) {
    while (n >= 0x80) {
        out += static_cast<char>((n & 0x7f) | 0x80);
        n >>= 7;
    }
    out += static_cast<char>(n);
}

// Protobuf wire types: 0 varint, 2 length-delimited.
void put_tag(std::string& out, uint32_t field, uint32_t wire_type) {
    put_varint(out, (static_cast<uint64_t>(field) << 3) | wire_type);
}

void put_bytes(std::string& out, uint32_t field, std::string_view bytes) {
    put_tag(out, field, 2);
    put_varint(out, bytes.size());
    out.append(bytes);
}

}  // namespace

std::string_view to_string(OtlpSignal signal) {
    switch (signal) {
        case OtlpSignal::logs:
            return "logs";
        case OtlpSignal::metrics:
            return "metrics";
        case OtlpSignal::traces:
            return "traces";
    }
    return "unknown";
}

std::string export_response_protobuf(uint64_t rejected, std::string_view error_message) {
    if (rejected == 0 && error_message.empty()) return {};
    std::string partial;
    if (rejected != 0) {
        put_tag(partial, 1, 0);
        put_varint(partial, rejected);
    }
    if (!error_message.empty()) put_bytes(partial, 2, error_message);
    std::string out;
    put_bytes(out, 1, partial);
    return out;
}

std::string export_response_json(OtlpSignal signal, uint64_t rejected,
                                 std::string_view error_message) {
    if (rejected == 0 && error_message.empty()) return "{}";
    const char* count_field = signal == OtlpSignal::logs      ? "rejectedLogRecords"
                              : signal == OtlpSignal::metrics ? "rejectedDataPoints"
                                                              : "rejectedSpans";
    JsonWriter w;
    w.begin_object().key("partialSuccess").begin_object();
    // int64 is a string in protobuf's JSON mapping.
    w.key(count_field).value(std::to_string(rejected));
    if (!error_message.empty()) w.key("errorMessage").value(error_message);
    w.end_object().end_object();
    return w.take();
}

std::string rpc_status_protobuf(int code, std::string_view message) {
    std::string out;
    if (code != 0) {
        put_tag(out, 1, 0);
        put_varint(out, static_cast<uint64_t>(static_cast<uint32_t>(code)));
    }
    if (!message.empty()) put_bytes(out, 2, message);
    return out;
}

std::string rpc_status_json(int code, std::string_view message) {
    JsonWriter w;
    w.begin_object().key("code").value(code).key("message").value(message).end_object();
    return w.take();
}

}  // namespace agent_trace::server
