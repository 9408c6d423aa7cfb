#pragma once
// ASCII text helpers for protocol tokens (header values, media types, codings).
// Header-only so the edge binary can use them too.
#include <string>
#include <string_view>

namespace agent_trace {

// "Text/HTML" -> "text/html"; bytes outside A-Z are kept as they are.
inline std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
inline std::string_view trim_blanks(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

}  // namespace agent_trace
