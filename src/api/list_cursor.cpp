#include "api/list_cursor.hpp"

#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <vector>

#include "core/base64.hpp"
#include "core/ids.hpp"

namespace agent_trace::api {
namespace {

constexpr std::string_view kVersion = "c1";
constexpr std::string_view kFailureVersion = "f1";
constexpr char kSeparator = '\n';
// A session id is the last field and may hold anything; this bounds the rest.
constexpr size_t kMaxCursorBytes = 1024;

std::string hex_u64(uint64_t value) {
    std::array<char, 16> buf{};
    const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value, 16);
    (void)ec;  // 16 hex digits always fit
    return {buf.data(), end};
}

std::optional<uint64_t> parse_hex_u64(std::string_view text) {
    uint64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value, 16);
    if (text.empty() || text.size() > 16 || ec != std::errc{} || ptr != end) return std::nullopt;
    return value;
}

std::string_view sort_token(SessionSort sort) {
    switch (sort) {
        case SessionSort::last_activity:
            return "last";
        case SessionSort::first_activity:
            return "first";
        case SessionSort::cost:
            return "cost";
        case SessionSort::tokens:
            return "tokens";
        case SessionSort::calls:
            return "calls";
        case SessionSort::duration:
            return "duration";
    }
    return "last";
}

std::optional<SessionSort> parse_sort_token(std::string_view token) {
    for (const SessionSort sort :
         {SessionSort::last_activity, SessionSort::first_activity, SessionSort::cost,
          SessionSort::tokens, SessionSort::calls, SessionSort::duration}) {
        if (sort_token(sort) == token) return sort;
    }
    return std::nullopt;
}

// The first `count` fields split off `text`; the rest is the last field.
std::optional<std::vector<std::string_view>> split_fields(std::string_view text, size_t count) {
    std::vector<std::string_view> fields;
    for (size_t i = 0; i < count; ++i) {
        const size_t at = text.find(kSeparator);
        if (at == std::string_view::npos) return std::nullopt;
        fields.push_back(text.substr(0, at));
        text.remove_prefix(at + 1);
    }
    fields.push_back(text);
    return fields;
}

}  // namespace

std::string encode_list_cursor(const ListCursor& cursor) {
    std::string payload;
    payload += kVersion;
    payload += kSeparator;
    payload += sort_token(cursor.sort);
    payload += kSeparator;
    payload += cursor.descending ? "desc" : "asc";
    payload += kSeparator;
    payload += cursor.filter_fingerprint;
    payload += kSeparator;
    // The exact bits: a decimal rendering could land beside the stored value.
    payload += hex_u64(std::bit_cast<uint64_t>(cursor.position.value));
    payload += kSeparator;
    payload += cursor.position.session_id;
    return base64url_encode(payload);
}

std::optional<ListCursor> decode_list_cursor(std::string_view text) {
    if (text.empty() || text.size() > kMaxCursorBytes) return std::nullopt;
    const auto payload = base64url_decode(text);
    if (!payload) return std::nullopt;
    const auto fields = split_fields(*payload, 5);
    if (!fields || (*fields)[0] != kVersion) return std::nullopt;
    ListCursor cursor;
    const auto sort = parse_sort_token((*fields)[1]);
    if (!sort) return std::nullopt;
    cursor.sort = *sort;
    if ((*fields)[2] == "desc") {
        cursor.descending = true;
    } else if ((*fields)[2] == "asc") {
        cursor.descending = false;
    } else {
        return std::nullopt;
    }
    cursor.filter_fingerprint = std::string((*fields)[3]);
    const auto bits = parse_hex_u64((*fields)[4]);
    if (!bits) return std::nullopt;
    cursor.position.value = std::bit_cast<double>(*bits);
    if (cursor.position.value != cursor.position.value) return std::nullopt;  // NaN
    cursor.position.session_id = std::string((*fields)[5]);
    if (cursor.position.session_id.empty()) return std::nullopt;
    return cursor;
}

std::string session_filter_fingerprint(const SessionListQuery& query) {
    const auto optional_ts = [](const std::optional<TimestampUs>& ts) {
        return ts ? std::to_string(*ts) : std::string("-");
    };
    const std::string since = optional_ts(query.since);
    const std::string until = optional_ts(query.until);
    const std::string_view errors =
        !query.has_errors ? "-" : (*query.has_errors ? "true" : "false");
    // The first 64 bits of a 128-bit hash are plenty to tell two queries apart.
    return hash_event_id({"session-list-filter", query.project, query.user, query.model, since,
                          until, errors, query.text})
        .hex()
        .substr(0, 16);
}

namespace {

std::string optional_ts(const std::optional<TimestampUs>& ts) {
    return ts ? std::to_string(*ts) : std::string("-");
}

}  // namespace

std::string encode_failure_cursor(const ToolFailureListCursor& cursor) {
    std::string payload;
    payload += kFailureVersion;
    payload += kSeparator;
    payload += cursor.filter_fingerprint;
    payload += kSeparator;
    payload += hex_u64(static_cast<uint64_t>(cursor.position.ts));
    payload += kSeparator;
    payload += hex_u64(static_cast<uint64_t>(cursor.position.row));
    return base64url_encode(payload);
}

std::optional<ToolFailureListCursor> decode_failure_cursor(std::string_view text) {
    if (text.empty() || text.size() > kMaxCursorBytes) return std::nullopt;
    const auto payload = base64url_decode(text);
    if (!payload) return std::nullopt;
    const auto fields = split_fields(*payload, 3);
    if (!fields || (*fields)[0] != kFailureVersion) return std::nullopt;
    const auto ts = parse_hex_u64((*fields)[2]);
    const auto row = parse_hex_u64((*fields)[3]);
    if (!ts || !row) return std::nullopt;
    ToolFailureListCursor cursor;
    cursor.filter_fingerprint = std::string((*fields)[1]);
    cursor.position.ts = static_cast<TimestampUs>(*ts);
    cursor.position.row = static_cast<int64_t>(*row);
    return cursor;
}

std::string failure_filter_fingerprint(const ToolFailureQuery& query) {
    const AnalyticsFilter& f = query.filter;
    return hash_event_id({"tool-failure-filter", optional_ts(f.since), optional_ts(f.until),
                          f.project, f.user, f.session_id, query.tool_name, query.result})
        .hex()
        .substr(0, 16);
}

}  // namespace agent_trace::api
