#pragma once
// The few OTLP answers agent-trace writes itself, in both encodings:
// Export*ServiceResponse with partial_success, and google.rpc.Status for errors.
//
// The .proto files of @opentelemetry/otlp-grpc-exporter-base 0.38.0 (the last release
// shipping them) predate partial_success, so the response is encoded here by field
// number (field 1 partial_success {1: rejected count, 2: error_message}): the same
// bytes the newer generated code writes, readable by every OTLP exporter.
#include <cstdint>
#include <string>
#include <string_view>

namespace agent_trace::server {

enum class OtlpSignal : uint8_t { logs, metrics, traces };

std::string_view to_string(OtlpSignal signal);

// Empty when nothing was rejected (an empty response message).
std::string export_response_protobuf(uint64_t rejected, std::string_view error_message);
// {} or {"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"..."}}.
std::string export_response_json(OtlpSignal signal, uint64_t rejected,
                                 std::string_view error_message);

// google.rpc.Status {code, message}: the body of an OTLP/HTTP error answer.
std::string rpc_status_protobuf(int code, std::string_view message);
std::string rpc_status_json(int code, std::string_view message);

}  // namespace agent_trace::server
