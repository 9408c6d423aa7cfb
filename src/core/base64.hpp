#pragma once
// Base64 (RFC 4648): the standard alphabet with '=' padding (what protobuf's JSON
// form wants for bytes) and the unpadded URL-safe one (opaque tokens in URLs).
#include <optional>
#include <string>
#include <string_view>

namespace agent_trace {

// A-Z a-z 0-9 + /, padded with '=' to a multiple of 4.
std::string base64_encode(std::string_view bytes);
// A-Z a-z 0-9 - _, no padding.
std::string base64url_encode(std::string_view bytes);
// Unpadded base64url only, in canonical form (the unused low bits of the last
// character are zero); nullopt on anything else.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace agent_trace
