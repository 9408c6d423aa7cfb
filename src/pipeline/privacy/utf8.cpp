#include "pipeline/privacy/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace agent_trace::privacy {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// Length of the well-formed sequence starting at text[i] (a non-ASCII lead byte),
// or 0. Table 3-7 of the Unicode standard.
size_t sequence_length(const unsigned char* p, size_t available) {
    const unsigned char b0 = p[0];
    auto cont = [&](size_t k) { return k < available && (p[k] & 0xC0) == 0x80; };
    if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        if (available < 3) return 0;
        const unsigned char b1 = p[1];
        if (b0 == 0xE0 && b1 < 0xA0) return 0;  // overlong
        if (b0 == 0xED && b1 > 0x9F) return 0;  // UTF-16 surrogate
        return cont(1) && cont(2) ? 3 : 0;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        if (available < 4) return 0;
        const unsigned char b1 = p[1];
        if (b0 == 0xF0 && b1 < 0x90) return 0;  // overlong
        if (b0 == 0xF4 && b1 > 0x8F) return 0;  // above U+10FFFF
        return cont(1) && cont(2) && cont(3) ? 4 : 0;
    }
    return 0;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t word = 0;
            std::memcpy(&word, p + i, sizeof word);
            if ((word & kHighBits) == 0) {
                i += 8;
                continue;
            }
        }
        if (p[i] < 0x80) {
            ++i;
            continue;
        }
        const size_t len = sequence_length(p + i, n - i);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

size_t utf8_length(std::string_view text) {
    size_t count = 0;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
    }
    return count;
}

}  // namespace agent_trace::privacy
