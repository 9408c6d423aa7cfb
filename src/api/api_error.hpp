#pragma once
// The API's error answer: {"error":{"code":…, "message":…, "param":…}}, with
// an HTTP status chosen by the code.
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "server/http_server.hpp"

namespace agent_trace::api {

// Every code the API answers with (docs/api.md, openapi.json ErrorCode).
enum class ApiErrorCode : uint8_t {
    bad_request,         // 400: a parameter is malformed, out of range or unknown
    invalid_cursor,      // 400: the cursor is not one this API issued for this query
    unauthorized,        // 401: serve --auth-token is set and the bearer token is missing or wrong
    not_found,           // 404: no such route or session
    method_not_allowed,  // 405: anything but GET
    internal,            // 500: the store failed
};

std::string_view to_string(ApiErrorCode code);
int http_status(ApiErrorCode code);

struct ApiError {
    ApiErrorCode code = ApiErrorCode::bad_request;
    std::string message;
    std::string param;  // the query or path parameter at fault; "" when none
};

server::HttpResponse error_response(const ApiError& error);

// A value or the error to answer with.
template <class T>
class [[nodiscard]] ApiResult {
public:
    ApiResult(T value) : data_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
    ApiResult(ApiError error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
    [[nodiscard]] bool ok() const { return std::holds_alternative<T>(data_); }
    [[nodiscard]] T& value() & { return std::get<T>(data_); }
    [[nodiscard]] const T& value() const& { return std::get<T>(data_); }
    [[nodiscard]] T&& value() && { return std::get<T>(std::move(data_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    [[nodiscard]] const ApiError& error() const { return std::get<ApiError>(data_); }

private:
    std::variant<T, ApiError> data_;
};

inline ApiError bad_param(std::string param, std::string message) {
    return ApiError{ApiErrorCode::bad_request, std::move(message), std::move(param)};
}

}  // namespace agent_trace::api
