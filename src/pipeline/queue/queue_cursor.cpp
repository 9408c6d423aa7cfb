#include "pipeline/queue/queue_cursor.hpp"

#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "core/file_io.hpp"

namespace agent_trace::queue_format {
namespace {

constexpr std::string_view kMagic = "ATQCURSR";
constexpr size_t kCursorBytes = 24;

}  // namespace

Result<CursorLoad> load_cursor(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        if (ec) return make_error("cannot stat " + path + ": " + ec.message());
        return CursorLoad{};
    }
    auto content = file_io::read_whole_file(path);
    if (!content) return content.error();
    CursorLoad load;
    const std::string& c = *content;
    if (c.size() != kCursorBytes || std::string_view(c).substr(0, kMagic.size()) != kMagic) {
        load.damaged = true;
        return load;
    }
    uint32_t stored = 0;
    for (unsigned i = 0; i < 4; ++i) {
        stored |= static_cast<uint32_t>(static_cast<unsigned char>(c[20 + i])) << (8U * i);
    }
    if (stored != XXH32(c.data(), 20, 0)) {
        load.damaged = true;
        return load;
    }
    for (unsigned i = 0; i < 8; ++i) {
        load.acknowledged_lsn |= static_cast<uint64_t>(static_cast<unsigned char>(c[8 + i]))
                                 << (8U * i);
    }
    return load;
}

Status save_cursor(const std::string& path, uint64_t acknowledged_lsn, bool durable) {
    std::string c(kCursorBytes, '\0');
    std::memcpy(c.data(), kMagic.data(), kMagic.size());
    for (unsigned i = 0; i < 8; ++i) c[8 + i] = static_cast<char>(acknowledged_lsn >> (8U * i));
    const uint32_t sum = XXH32(c.data(), 20, 0);
    for (unsigned i = 0; i < 4; ++i) c[20 + i] = static_cast<char>(sum >> (8U * i));
    return file_io::replace_file(path, c, durable);
}

}  // namespace agent_trace::queue_format
