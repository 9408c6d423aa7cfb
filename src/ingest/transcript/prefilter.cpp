#include "ingest/transcript/prefilter.hpp"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace agent_trace::transcript {
namespace {

constexpr std::string_view kToken = "\"assistant\"";
// Two bytes of the token, 8 apart, compared 16 positions at a time: a quote
// followed by an 'n' eight bytes later is rare enough to make verification cheap.
constexpr size_t kSecondProbe = 8;

bool scalar_contains(std::string_view hay, size_t from) {
    if (hay.size() < kToken.size()) return false;
    for (size_t i = from; i + kToken.size() <= hay.size(); ++i) {
        if (hay[i] == '"' && hay[i + kSecondProbe] == 'n' &&
            std::memcmp(hay.data() + i, kToken.data(), kToken.size()) == 0) {
            return true;
        }
    }
    return false;
}

}  // namespace

bool may_be_assistant_line(std::string_view line) {
    const size_t n = line.size();
    if (n < kToken.size()) return false;
    size_t i = 0;
#if defined(__SSE2__)
    const char* p = line.data();
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i letter_n = _mm_set1_epi8('n');
    // Loads at i and i+8 stay inside the line while i + 8 + 16 <= n.
    for (; i + kSecondProbe + 16 <= n; i += 16) {
        const __m128i first = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        const __m128i second =
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + kSecondProbe));
        auto mask = static_cast<unsigned>(_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(first, quote), _mm_cmpeq_epi8(second, letter_n))));
        while (mask != 0) {
            const size_t at = i + static_cast<size_t>(__builtin_ctz(mask));
            if (at + kToken.size() <= n && std::memcmp(p + at, kToken.data(), kToken.size()) == 0) {
                return true;
            }
            mask &= mask - 1;
        }
    }
#endif
    return scalar_contains(line, i);
}

}  // namespace agent_trace::transcript
