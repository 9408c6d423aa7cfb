#pragma once
// UTF-8 validation for untrusted input (hook payloads are forwarded as JSON, which
// must be UTF-8; a payload that is not is sent on raw and rejected by the server).
#include <string_view>

namespace agent_trace::privacy {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points
// above U+10FFFF). ASCII runs are checked eight bytes at a time.
bool is_valid_utf8(std::string_view text);

// Number of code points in valid UTF-8 text (bytes that are not continuation bytes).
size_t utf8_length(std::string_view text);

}  // namespace agent_trace::privacy
