#pragma once
// The one place RapidJSON is included, so every translation unit (edge and engine)
// sees the same configuration macros: one definition of each template (ODR).
// SIMD string scanning in the reader and the writer. Its aligned 16-byte loads may
// read past the end of a buffer (never past a page, so harmlessly), which
// AddressSanitizer reports: sanitizer builds scan byte by byte.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AGENT_TRACE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define AGENT_TRACE_ASAN 1
#endif
#if defined(__SSE2__) && !defined(RAPIDJSON_SSE2) && !defined(AGENT_TRACE_ASAN)
#define RAPIDJSON_SSE2
#endif
#ifndef RAPIDJSON_HAS_STDSTRING
#define RAPIDJSON_HAS_STDSTRING 1
#endif

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string_view>

namespace agent_trace::privacy {

using JsonValue = rapidjson::Value;
using JsonDocument = rapidjson::Document;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Iterative parsing keeps hostile nesting off the call stack; full precision keeps
// doubles (costs, ratios) exact through a reduce/rewrite.
inline constexpr unsigned kJsonParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseFullPrecisionFlag;

// Values nested deeper than this are not hook payloads; walkers refuse them, which
// bounds their recursion.
inline constexpr int kMaxJsonDepth = 64;

inline std::string_view view_of(const JsonValue& string_value) {
    return {string_value.GetString(), string_value.GetStringLength()};
}

}  // namespace agent_trace::privacy
