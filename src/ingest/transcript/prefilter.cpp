#include "ingest/transcript/prefilter.hpp"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace agent_trace::transcript {
namespace {

constexpr std::string_view kToken = "\"assistant\"";
// Two bytes of the token, 8 apart, compared a vector at a time: a quote
// followed by an 'n' eight bytes later is rare enough to make verification cheap.
constexpr size_t kSecondProbe = 8;

bool verify(const char* at) { return std::memcmp(at, kToken.data(), kToken.size()) == 0; }

bool scalar_contains(const char* p, size_t n, size_t from) {
    for (size_t i = from; i + kToken.size() <= n; ++i) {
        if (p[i] == '"' && p[i + kSecondProbe] == 'n' && verify(p + i)) return true;
    }
    return false;
}

#if defined(__x86_64__)
// Checks candidate bits of a mask whose bit k stands for position base + k.
bool any_match(const char* p, size_t n, size_t base, unsigned mask) {
    while (mask != 0) {
        const size_t at = base + static_cast<size_t>(__builtin_ctz(mask));
        if (at + kToken.size() <= n && verify(p + at)) return true;
        mask &= mask - 1;
    }
    return false;
}

bool sse2_contains(const char* p, size_t n) {
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i letter_n = _mm_set1_epi8('n');
    size_t i = 0;
    // Loads at i and i+8 stay inside the line while i + 8 + 16 <= n.
    for (; i + kSecondProbe + 16 <= n; i += 16) {
        const __m128i first = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        const __m128i second =
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + kSecondProbe));
        const auto mask = static_cast<unsigned>(_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(first, quote), _mm_cmpeq_epi8(second, letter_n))));
        if (mask != 0 && any_match(p, n, i, mask)) return true;
    }
    return scalar_contains(p, n, i);
}

__attribute__((target("avx2"))) bool avx2_contains(const char* p, size_t n) {
    const __m256i quote = _mm256_set1_epi8('"');
    const __m256i letter_n = _mm256_set1_epi8('n');
    size_t i = 0;
    for (; i + kSecondProbe + 32 <= n; i += 32) {
        const __m256i first = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
        const __m256i second =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + kSecondProbe));
        const auto mask = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_and_si256(
            _mm256_cmpeq_epi8(first, quote), _mm256_cmpeq_epi8(second, letter_n))));
        if (mask != 0 && any_match(p, n, i, mask)) return true;
    }
    return scalar_contains(p, n, i);
}

const bool kHasAvx2 = __builtin_cpu_supports("avx2") != 0;
#endif

}  // namespace

bool may_be_assistant_line(std::string_view line) {
    if (line.size() < kToken.size()) return false;
#if defined(__x86_64__)
    return kHasAvx2 ? avx2_contains(line.data(), line.size())
                    : sse2_contains(line.data(), line.size());
#else
    return scalar_contains(line.data(), line.size(), 0);
#endif
}

}  // namespace agent_trace::transcript
