#pragma once
// Inflating request bodies (Content-Encoding: gzip / deflate) with a hard cap on the
// inflated size, so a small compressed body cannot expand into gigabytes; and
// gzip for what serve sends compressed (the dashboard's files).
#include <cstddef>
#include <string>
#include <string_view>

namespace agent_trace::server {

struct InflateResult {
    enum class Code : unsigned char { ok, too_large, corrupt };
    Code code = Code::ok;
    std::string data;
    std::string message;
};

// `gzip` and `deflate` (zlib) framing are both detected from the header.
InflateResult inflate_body(std::string_view compressed, size_t max_bytes);

// gzip-compress (level 1-9; -1: zlib's default). "" when zlib fails.
std::string gzip_compress(std::string_view data, int level = -1);

}  // namespace agent_trace::server
