#include "api/api_error.hpp"

#include "core/json_writer.hpp"

namespace agent_trace::api {

std::string_view to_string(ApiErrorCode code) {
    switch (code) {
        case ApiErrorCode::bad_request:
            return "bad_request";
        case ApiErrorCode::invalid_cursor:
            return "invalid_cursor";
        case ApiErrorCode::unauthorized:
            return "unauthorized";
        case ApiErrorCode::not_found:
            return "not_found";
        case ApiErrorCode::method_not_allowed:
            return "method_not_allowed";
        case ApiErrorCode::internal:
            return "internal";
    }
    return "internal";
}

int http_status(ApiErrorCode code) {
    switch (code) {
        case ApiErrorCode::bad_request:
        case ApiErrorCode::invalid_cursor:
            return 400;
        case ApiErrorCode::unauthorized:
            return 401;
        case ApiErrorCode::not_found:
            return 404;
        case ApiErrorCode::method_not_allowed:
            return 405;
        case ApiErrorCode::internal:
            return 500;
    }
    return 500;
}

server::HttpResponse error_response(const ApiError& error) {
    JsonWriter w;
    w.begin_object().key("error").begin_object();
    w.key("code").value(to_string(error.code));
    w.key("message").value(error.message);
    if (!error.param.empty()) w.key("param").value(error.param);
    w.end_object().end_object();
    server::HttpResponse response;
    response.status = http_status(error.code);
    response.body = w.take();
    return response;
}

}  // namespace agent_trace::api
