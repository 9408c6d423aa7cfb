#include "server/gzip.hpp"

#include <zlib.h>

#include <array>

namespace agent_trace::server {

InflateResult inflate_body(std::string_view compressed, size_t max_bytes) {
    InflateResult result;
    z_stream stream{};
    // 15 + 32: zlib or gzip header, detected automatically.
    if (inflateInit2(&stream, 15 + 32) != Z_OK) {
        result.code = InflateResult::Code::corrupt;
        result.message = "cannot initialise the decompressor";
        return result;
    }
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    stream.avail_in = static_cast<uInt>(compressed.size());
    std::array<char, size_t{64} * 1024> chunk{};
    int rc = Z_OK;
    while (true) {
        if (rc == Z_STREAM_END) {
            // Concatenated gzip members (RFC 1952 allows them) make one body.
            if (stream.avail_in == 0) break;
            if (inflateReset(&stream) != Z_OK) {
                result.code = InflateResult::Code::corrupt;
                result.message = "corrupt compressed body: bad member";
                break;
            }
        }
        stream.next_out = reinterpret_cast<Bytef*>(chunk.data());
        stream.avail_out = static_cast<uInt>(chunk.size());
        rc = inflate(&stream, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            result.code = InflateResult::Code::corrupt;
            result.message = std::string("corrupt compressed body: ") +
                             (stream.msg != nullptr ? stream.msg : "truncated");
            break;
        }
        const size_t produced = chunk.size() - stream.avail_out;
        if (result.data.size() + produced > max_bytes) {
            result.code = InflateResult::Code::too_large;
            result.message = "decompressed body exceeds " + std::to_string(max_bytes) + " bytes";
            break;
        }
        result.data.append(chunk.data(), produced);
        if (rc == Z_OK && produced == 0 && stream.avail_in == 0) {
            result.code = InflateResult::Code::corrupt;
            result.message = "corrupt compressed body: truncated";
            break;
        }
    }
    inflateEnd(&stream);
    if (result.code != InflateResult::Code::ok) result.data.clear();
    return result;
}

std::string gzip_compress(std::string_view data, int level) {
    z_stream stream{};
    // 15 + 16: gzip framing.
    if (deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return {};
    }
    std::string out(deflateBound(&stream, static_cast<uLong>(data.size())) + 32, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&stream, Z_FINISH);
    out.resize(rc == Z_STREAM_END ? stream.total_out : 0);
    deflateEnd(&stream);
    return out;
}

}  // namespace agent_trace::server
