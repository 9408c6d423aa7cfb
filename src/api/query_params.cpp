#include "api/query_params.hpp"

#include <algorithm>
#include <charconv>

namespace agent_trace::api {
namespace {

// Longer values are no filter anyone types; refusing them bounds the work.
constexpr size_t kMaxValueBytes = 4096;

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string join_values(const std::vector<std::string_view>& values) {
    std::string out;
    for (const auto value : values) {
        if (!out.empty()) out += ", ";
        out += value;
    }
    return out;
}

std::optional<ApiError> check_value(const ApiParam& param, std::string_view value) {
    const std::string name(param.name);
    switch (param.type) {
        case ParamType::integer: {
            const auto number = parse_int64(value);
            if (!number) return bad_param(name, name + " must be an integer");
            if ((param.minimum && *number < *param.minimum) ||
                (param.maximum && *number > *param.maximum)) {
                return bad_param(name, name + " must be between " +
                                           std::to_string(param.minimum.value_or(INT64_MIN)) +
                                           " and " +
                                           std::to_string(param.maximum.value_or(INT64_MAX)));
            }
            return std::nullopt;
        }
        case ParamType::boolean:
            if (!parse_bool(value)) return bad_param(name, name + " must be true or false");
            return std::nullopt;
        case ParamType::string:
            if (!param.enum_values.empty() &&
                std::find(param.enum_values.begin(), param.enum_values.end(), value) ==
                    param.enum_values.end()) {
                return bad_param(name, name + " must be one of: " + join_values(param.enum_values));
            }
            return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            const int hi = hex_digit(text[i + 1]);
            const int lo = hex_digit(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out.push_back(static_cast<char>((hi << 4) | lo));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

RequestTarget split_target(std::string_view target) {
    const size_t question = target.find('?');
    if (question == std::string_view::npos) return {target, {}};
    return {target.substr(0, question), target.substr(question + 1)};
}

ApiResult<QueryParams> QueryParams::parse(std::string_view query) {
    QueryParams params;
    while (!query.empty()) {
        const size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) continue;
        const size_t eq = pair.find('=');
        auto name = percent_decode(pair.substr(0, eq), true);
        auto value = percent_decode(
            eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
        if (!name || !value) {
            return bad_param(name.value_or(""), "malformed percent-encoding in the query string");
        }
        if (value->find('\0') != std::string::npos) {
            // No filter holds one, and C APIs below would read it as the end.
            return bad_param(*name, *name + " contains a NUL byte");
        }
        if (value->size() > kMaxValueBytes) {
            return bad_param(
                *name, *name + " is longer than " + std::to_string(kMaxValueBytes) + " bytes");
        }
        const bool repeated = std::any_of(params.values_.begin(), params.values_.end(),
                                          [&](const auto& kv) { return kv.first == *name; });
        if (repeated) return bad_param(*name, *name + " is given more than once");
        params.values_.emplace_back(std::move(*name), std::move(*value));
    }
    return params;
}

std::optional<ApiError> QueryParams::check_against(const ApiRoute& route) const {
    for (const auto& [name, value] : values_) {
        const ApiParam* param = route.find_param(name);
        if (param == nullptr || param->in != ParamIn::query) {
            return bad_param(name, "unknown parameter " + name + " for " + std::string(route.path));
        }
        if (value.empty()) continue;
        if (auto error = check_value(*param, value)) return error;
    }
    return std::nullopt;
}

std::string_view QueryParams::get(std::string_view name) const {
    for (const auto& [key, value] : values_) {
        if (key == name) return value;
    }
    return {};
}

std::optional<int64_t> QueryParams::get_int(std::string_view name) const {
    const std::string_view value = get(name);
    if (value.empty()) return std::nullopt;
    return parse_int64(value);
}

std::optional<bool> QueryParams::get_bool(std::string_view name) const {
    const std::string_view value = get(name);
    if (value.empty()) return std::nullopt;
    return parse_bool(value);
}

std::optional<int64_t> parse_int64(std::string_view text) {
    int64_t number = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, number);
    if (ec != std::errc{} || ptr != end || text.empty()) return std::nullopt;
    return number;
}

std::optional<bool> parse_bool(std::string_view text) {
    if (text == "true") return true;
    if (text == "false") return false;
    return std::nullopt;
}

}  // namespace agent_trace::api
