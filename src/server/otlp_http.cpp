#include "server/otlp_http.hpp"

#include <google/protobuf/message.h>

#include <memory>

#include "core/ascii_text.hpp"
#include "ingest/otlp/otlp_json.hpp"
#include "server/gzip.hpp"
#include "server/otlp_receiver.hpp"

namespace agent_trace::server {
namespace {

enum class Encoding : unsigned char { protobuf, json };

constexpr std::string_view kProtobufType = "application/x-protobuf";
constexpr std::string_view kJsonType = "application/json";

std::string lower_media_type(std::string_view content_type) {
    const size_t semicolon = content_type.find(';');
    std::string_view media = content_type.substr(0, semicolon);
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    while (!media.empty() && media.front() == ' ') media.remove_prefix(1);
    return ascii_lower(media);
}

// gRPC status codes used in google.rpc.Status bodies.
constexpr int kInvalidArgument = 3;
constexpr int kResourceExhausted = 8;
constexpr int kUnimplemented = 12;
constexpr int kUnavailable = 14;
constexpr int kUnauthenticated = 16;

// Errors are answered in the request's encoding when it has a known one, else JSON.
Encoding encoding_of(std::string_view content_type) {
    const std::string media = lower_media_type(content_type);
    return media == kProtobufType || media == "application/protobuf" ? Encoding::protobuf
                                                                     : Encoding::json;
}

HttpResponse status_response(int http_status, Encoding encoding, int rpc_code,
                             std::string_view message) {
    HttpResponse response;
    response.status = http_status;
    if (encoding == Encoding::protobuf) {
        response.content_type = std::string(kProtobufType);
        response.body = rpc_status_protobuf(rpc_code, message);
    } else {
        response.content_type = std::string(kJsonType);
        response.body = rpc_status_json(rpc_code, message);
    }
    return response;
}

}  // namespace

std::optional<OtlpSignal> otlp_signal_for_path(std::string_view path) {
    if (path == "/v1/logs") return OtlpSignal::logs;
    if (path == "/v1/metrics") return OtlpSignal::metrics;
    if (path == "/v1/traces") return OtlpSignal::traces;
    return std::nullopt;
}

HttpResponse otlp_too_large(OtlpReceiver& receiver, OtlpSignal signal, const HttpRequest& head,
                            const std::string& message) {
    receiver.refused(signal, "too_large");
    return status_response(413, encoding_of(head.content_type), kResourceExhausted, message);
}

void handle_otlp_http(OtlpReceiver& receiver, OtlpSignal signal, HttpRequest&& request,
                      Responder respond, size_t max_body_bytes, const std::string& auth_token) {
    if (!auth_token.empty() && request.authorization != "Bearer " + auth_token) {
        receiver.refused(signal, "unauthorized");
        respond(status_response(401, encoding_of(request.content_type), kUnauthenticated,
                                "missing or wrong bearer token"));
        return;
    }
    if (request.method != "POST") {
        receiver.refused(signal, "wrong_method");
        respond(status_response(405, Encoding::json, kUnimplemented,
                                "use POST for OTLP/HTTP " + std::string(to_string(signal))));
        return;
    }
    const std::string media = lower_media_type(request.content_type);
    Encoding encoding = Encoding::json;
    if (media == kProtobufType || media == "application/protobuf") {
        encoding = Encoding::protobuf;
    } else if (media != kJsonType) {
        receiver.refused(signal, "unsupported_content_type");
        respond(status_response(415, Encoding::json, kUnimplemented,
                                "unsupported Content-Type \"" + request.content_type +
                                    "\": use application/x-protobuf or application/json"));
        return;
    }
    const std::string encoding_name = lower_media_type(request.content_encoding);
    std::string body = std::move(request.body);
    if (encoding_name == "gzip" || encoding_name == "deflate" || encoding_name == "x-gzip") {
        InflateResult inflated = inflate_body(body, max_body_bytes);
        if (inflated.code == InflateResult::Code::too_large) {
            receiver.refused(signal, "too_large");
            respond(status_response(413, encoding, kResourceExhausted, inflated.message));
            return;
        }
        if (inflated.code == InflateResult::Code::corrupt) {
            receiver.refused(signal, "bad_compression");
            respond(status_response(400, encoding, kInvalidArgument, inflated.message));
            return;
        }
        body = std::move(inflated.data);
    } else if (!encoding_name.empty() && encoding_name != "identity") {
        receiver.refused(signal, "unsupported_content_encoding");
        respond(status_response(
            415, encoding, kUnimplemented,
            "unsupported Content-Encoding \"" + request.content_encoding + "\": use gzip or none"));
        return;
    }
    OtlpParse parse = [&body, encoding](google::protobuf::Message& message) -> Status {
        if (encoding == Encoding::json) return otlp::parse_otlp_json(body, message);
        if (!message.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
            return make_error("malformed protobuf: not a valid " + message.GetTypeName());
        }
        return Ok{};
    };
    receiver.ingest(
        signal, parse,
        [signal, encoding, respond = std::move(respond)](const OtlpOutcome& outcome) {
            switch (outcome.code) {
                case OtlpOutcome::Code::invalid_argument:
                    respond(status_response(400, encoding, kInvalidArgument, outcome.message));
                    return;
                case OtlpOutcome::Code::unavailable: {
                    auto response = status_response(503, encoding, kUnavailable, outcome.message);
                    response.retry_after = "1";
                    respond(std::move(response));
                    return;
                }
                case OtlpOutcome::Code::ok: {
                    HttpResponse response;
                    if (encoding == Encoding::protobuf) {
                        response.content_type = std::string(kProtobufType);
                        response.body = export_response_protobuf(outcome.rejected, outcome.message);
                    } else {
                        response.content_type = std::string(kJsonType);
                        response.body =
                            export_response_json(signal, outcome.rejected, outcome.message);
                    }
                    respond(std::move(response));
                    return;
                }
            }
        },
        encoding == Encoding::protobuf ? std::string_view(body) : std::string_view{});
}

}  // namespace agent_trace::server
