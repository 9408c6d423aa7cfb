#pragma once
// OTLP/JSON (the http/json protocol) into the protobuf messages the decoders read.
// Differences from protobuf's canonical JSON that OTLP specifies, handled here:
// trace/span ids are hex, not base64; enums may be integers; unknown fields are
// ignored (a newer sender must not be refused).
#include <string_view>

#include "core/result.hpp"

namespace google::protobuf {
class Message;
}

namespace agent_trace::otlp {

Status parse_otlp_json(std::string_view json, google::protobuf::Message& out);

}  // namespace agent_trace::otlp
