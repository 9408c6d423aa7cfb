#pragma once
// A request target's query string, decoded and checked against the route's
// parameter list: unknown, repeated or mistyped parameters are errors, never
// ignored. An empty value is the same as leaving the parameter out.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/api_error.hpp"
#include "api/api_routes.hpp"

namespace agent_trace::api {

// "%41+b" -> "A b"; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

struct RequestTarget {
    std::string_view path;
    std::string_view query;  // after '?', without it
};
RequestTarget split_target(std::string_view target);

class QueryParams {
public:
    static ApiResult<QueryParams> parse(std::string_view query);

    // Refuses parameters `route` does not take and values outside a
    // parameter's type, enumeration or bounds.
    [[nodiscard]] std::optional<ApiError> check_against(const ApiRoute& route) const;

    // The decoded value; "" when absent or empty.
    [[nodiscard]] std::string_view get(std::string_view name) const;
    [[nodiscard]] bool has(std::string_view name) const { return !get(name).empty(); }
    // For parameters check_against() accepted as integers / booleans.
    [[nodiscard]] std::optional<int64_t> get_int(std::string_view name) const;
    [[nodiscard]] std::optional<bool> get_bool(std::string_view name) const;

private:
    std::vector<std::pair<std::string, std::string>> values_;
};

std::optional<int64_t> parse_int64(std::string_view text);
std::optional<bool> parse_bool(std::string_view text);

}  // namespace agent_trace::api
