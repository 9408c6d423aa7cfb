#include "ingest/transcript/prefilter.hpp"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace agent_trace::transcript {
namespace {

// Each token is probed by its opening quote, one letter and its closing quote,
// compared a vector at a time; a candidate is then verified in full. The probe
// letters (the 'n' of "assistant", the 'r' of "user", the 'm' of "system") make
// candidates rare, and an escaped token can never match: its closing quote is
// one byte further, behind a backslash.
struct Token {
    std::string_view text;
    size_t letter_at;
    TypeToken type;
};
constexpr Token kAssistant{"\"assistant\"", 8, TypeToken::assistant};
constexpr Token kUser{"\"user\"", 4, TypeToken::user};
constexpr Token kSystem{"\"system\"", 6, TypeToken::system};
// The furthest byte a vector step reads past its start: the closing quote of "assistant".
constexpr size_t kReach = 10;

bool at_token(const char* p, size_t n, size_t at, const Token& token) {
    return at + token.text.size() <= n &&
           std::memcmp(p + at, token.text.data(), token.text.size()) == 0;
}

TypeToken scalar_find(const char* p, size_t n, size_t from) {
    for (size_t i = from; i < n; ++i) {
        if (p[i] != '"') continue;
        for (const Token* token : {&kAssistant, &kUser, &kSystem}) {
            if (at_token(p, n, i, *token)) return token->type;
        }
    }
    return TypeToken::none;
}

#if defined(__x86_64__)
// Candidate bits of one step (bit k stands for position base + k), lowest first.
TypeToken first_match(const char* p, size_t n, size_t base, unsigned assistant, unsigned user,
                      unsigned system) {
    unsigned any = assistant | user | system;
    while (any != 0) {
        const unsigned bit = any & (0U - any);
        const size_t at = base + static_cast<size_t>(__builtin_ctz(any));
        if ((assistant & bit) != 0 && at_token(p, n, at, kAssistant)) return TypeToken::assistant;
        if ((user & bit) != 0 && at_token(p, n, at, kUser)) return TypeToken::user;
        if ((system & bit) != 0 && at_token(p, n, at, kSystem)) return TypeToken::system;
        any &= any - 1;
    }
    return TypeToken::none;
}

TypeToken sse2_find(const char* p, size_t n) {
    const auto load = [p](size_t at) {
        return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
    };
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i letter_n = _mm_set1_epi8('n');
    const __m128i letter_r = _mm_set1_epi8('r');
    const __m128i letter_m = _mm_set1_epi8('m');
    const auto mask = [](__m128i v) { return static_cast<unsigned>(_mm_movemask_epi8(v)); };
    size_t i = 0;
    for (; i + kReach + 16 <= n; i += 16) {
        const __m128i open = _mm_cmpeq_epi8(load(i), quote);
        const unsigned assistant =
            mask(_mm_and_si128(open, _mm_and_si128(_mm_cmpeq_epi8(load(i + 8), letter_n),
                                                   _mm_cmpeq_epi8(load(i + 10), quote))));
        const unsigned user =
            mask(_mm_and_si128(open, _mm_and_si128(_mm_cmpeq_epi8(load(i + 4), letter_r),
                                                   _mm_cmpeq_epi8(load(i + 5), quote))));
        const unsigned system =
            mask(_mm_and_si128(open, _mm_and_si128(_mm_cmpeq_epi8(load(i + 6), letter_m),
                                                   _mm_cmpeq_epi8(load(i + 7), quote))));
        if ((assistant | user | system) != 0) {
            const TypeToken found = first_match(p, n, i, assistant, user, system);
            if (found != TypeToken::none) return found;
        }
    }
    return scalar_find(p, n, i);
}

__attribute__((target("avx2"))) inline __m256i load32(const char* at) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
}

__attribute__((target("avx2"))) TypeToken avx2_find(const char* p, size_t n) {
    const __m256i quote = _mm256_set1_epi8('"');
    const __m256i letter_n = _mm256_set1_epi8('n');
    const __m256i letter_r = _mm256_set1_epi8('r');
    const __m256i letter_m = _mm256_set1_epi8('m');
    size_t i = 0;
    for (; i + kReach + 32 <= n; i += 32) {
        const __m256i open = _mm256_cmpeq_epi8(load32(p + i), quote);
        const __m256i assistant =
            _mm256_and_si256(open, _mm256_and_si256(_mm256_cmpeq_epi8(load32(p + i + 8), letter_n),
                                                    _mm256_cmpeq_epi8(load32(p + i + 10), quote)));
        const __m256i user =
            _mm256_and_si256(open, _mm256_and_si256(_mm256_cmpeq_epi8(load32(p + i + 4), letter_r),
                                                    _mm256_cmpeq_epi8(load32(p + i + 5), quote)));
        const __m256i system =
            _mm256_and_si256(open, _mm256_and_si256(_mm256_cmpeq_epi8(load32(p + i + 6), letter_m),
                                                    _mm256_cmpeq_epi8(load32(p + i + 7), quote)));
        const __m256i any = _mm256_or_si256(assistant, _mm256_or_si256(user, system));
        if (_mm256_testz_si256(any, any) == 0) {
            const TypeToken found =
                first_match(p, n, i, static_cast<unsigned>(_mm256_movemask_epi8(assistant)),
                            static_cast<unsigned>(_mm256_movemask_epi8(user)),
                            static_cast<unsigned>(_mm256_movemask_epi8(system)));
            if (found != TypeToken::none) return found;
        }
    }
    return scalar_find(p, n, i);
}

const bool kHasAvx2 = __builtin_cpu_supports("avx2") != 0;
#endif

}  // namespace

TypeToken find_type_token(std::string_view line) {
#if defined(__x86_64__)
    return kHasAvx2 ? avx2_find(line.data(), line.size()) : sse2_find(line.data(), line.size());
#else
    return scalar_find(line.data(), line.size(), 0);
#endif
}

}  // namespace agent_trace::transcript
