#pragma once
// Cheap test run on every transcript line before any JSON parsing.
#include <cstdint>
#include <string_view>

namespace agent_trace::transcript {

// The record types the importer decodes, as the quoted token that names them.
enum class TypeToken : uint8_t {
    none,       // no token: the line is none of the three
    assistant,  // "assistant"
    user,       // "user"
    system,     // "system"
};

// The first unescaped token "assistant", "user" or "system" (with its quotes) in
// `line`. Every top-level record of those types carries "type":"<type>"; inside
// JSON strings quotes are escaped, so tool output that merely mentions the words
// never matches. The token found first is a hint, not the type (a key or another
// member's value may come before "type"): the decoders read the real type. `none`
// is exact: a line of one of the three types always holds its token (compact or
// pretty JSON).
TypeToken find_type_token(std::string_view line);

}  // namespace agent_trace::transcript
