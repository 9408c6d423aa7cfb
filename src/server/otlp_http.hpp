#pragma once
// OTLP/HTTP on the hooks port: POST /v1/logs, /v1/metrics, /v1/traces with
// Content-Type application/x-protobuf or application/json, optionally gzip-compressed.
// Answers per the OTLP/HTTP spec, in the request's encoding: 200 with an
// Export*ServiceResponse (partial_success when records were refused), 400 with a
// google.rpc.Status for a request that cannot be parsed, 413 too large, 415 for an
// unsupported content type or encoding, 503 + Retry-After when the queue cannot take it.
#include <optional>
#include <string_view>

#include "server/http_server.hpp"
#include "server/otlp_wire.hpp"

namespace agent_trace::server {

class OtlpReceiver;

// The signal a path serves ("/v1/logs" -> logs), if any.
std::optional<OtlpSignal> otlp_signal_for_path(std::string_view path);

// `auth_token`: when not empty, the request must carry "Authorization: Bearer <token>".
void handle_otlp_http(OtlpReceiver& receiver, OtlpSignal signal, HttpRequest&& request,
                      Responder respond, size_t max_body_bytes, const std::string& auth_token);

// The answer to a body over the limit (the listener refused it before the handler),
// as a google.rpc.Status in the request's encoding; counted as too_large.
HttpResponse otlp_too_large(OtlpReceiver& receiver, OtlpSignal signal, const HttpRequest& head,
                            const std::string& message);

}  // namespace agent_trace::server
