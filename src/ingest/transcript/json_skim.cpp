#include "ingest/transcript/json_skim.hpp"

#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace agent_trace::transcript {
namespace {

// simdjson's limit: deeper nesting is refused rather than walked.
constexpr size_t kMaxDepth = 1024;
constexpr size_t kBlock = 64;

// The bytes of one block (bit k = byte k) that a backslash escapes, without a
// loop over the backslashes (simdjson's escape scanner): runs of backslashes
// are told apart by the parity of the bit they start on. `escape_carry` (0 or
// 1) says the block's first byte is escaped, and comes back set when its last
// byte escapes the next block's first.
inline uint64_t escaped_bytes(uint64_t backslashes, uint64_t& escape_carry) {
    constexpr uint64_t kOddBits = 0xAAAAAAAAAAAAAAAAULL;
    if (backslashes == 0) {
        const uint64_t escaped = escape_carry;
        escape_carry = 0;
        return escaped;
    }
    const uint64_t potential_escape = backslashes & ~escape_carry;
    const uint64_t maybe_escaped = potential_escape << 1;
    const uint64_t escape_and_terminal = ((maybe_escaped | kOddBits) - potential_escape) ^ kOddBits;
    const uint64_t escaped = escape_and_terminal ^ (backslashes | escape_carry);
    const uint64_t escape = escape_and_terminal & backslashes;
    escape_carry = escape >> 63;
    return escaped;
}

// The first unescaped quote of a block, as a bit index, or -1.
inline int closing_quote(uint64_t quotes, uint64_t backslashes, uint64_t& escape_carry) {
    const uint64_t closing = quotes & ~escaped_bytes(backslashes, escape_carry);
    return closing != 0 ? __builtin_ctzll(closing) : -1;
}

#if !defined(__x86_64__)
size_t scalar_string_end(const char* p, size_t from, size_t n) {
    for (size_t i = from; i < n; ++i) {
        if (p[i] == '\\') {
            ++i;
        } else if (p[i] == '"') {
            return i;
        }
    }
    return std::string::npos;
}
#endif

#if defined(__x86_64__)
size_t sse2_string_end(const char* p, size_t from, size_t n) {
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    uint64_t carry = 0;
    for (size_t i = from; i < n; i += kBlock) {
        uint64_t quotes = 0;
        uint64_t backslashes = 0;
        for (size_t part = 0; part < kBlock; part += 16) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + part));
            quotes |= static_cast<uint64_t>(
                          static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote))))
                      << part;
            backslashes |= static_cast<uint64_t>(static_cast<uint32_t>(
                               _mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash))))
                           << part;
        }
        const int bit = closing_quote(quotes, backslashes, carry);
        if (bit >= 0) {
            const size_t at = i + static_cast<size_t>(bit);
            return at < n ? at : std::string::npos;
        }
    }
    return std::string::npos;
}

__attribute__((target("avx2"))) inline uint64_t avx2_mask(__m256i bytes, __m256i c) {
    return static_cast<uint64_t>(
        static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(bytes, c))));
}

__attribute__((target("avx2"))) size_t avx2_string_end(const char* p, size_t from, size_t n) {
    const __m256i quote = _mm256_set1_epi8('"');
    const __m256i backslash = _mm256_set1_epi8('\\');
    uint64_t carry = 0;
    for (size_t i = from; i < n; i += kBlock) {
        const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
        const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 32));
        const uint64_t quotes = avx2_mask(lo, quote) | (avx2_mask(hi, quote) << 32);
        const uint64_t backslashes = avx2_mask(lo, backslash) | (avx2_mask(hi, backslash) << 32);
        const int bit = closing_quote(quotes, backslashes, carry);
        if (bit >= 0) {
            const size_t at = i + static_cast<size_t>(bit);
            return at < n ? at : std::string::npos;
        }
    }
    return std::string::npos;
}

const bool kHasAvx2 = __builtin_cpu_supports("avx2") != 0;
#endif

bool is_number_byte(char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The UTF-16 unit of "\uXXXX" at raw[at] (the backslash), or -1.
int32_t escaped_unit(std::string_view raw, size_t at) {
    if (at + 6 > raw.size() || raw[at] != '\\' || raw[at + 1] != 'u') return -1;
    int32_t unit = 0;
    for (size_t k = 2; k < 6; ++k) {
        const int h = hex_value(raw[at + k]);
        if (h < 0) return -1;
        unit = unit * 16 + h;
    }
    return unit;
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// A "\u" escape at raw[at]: its code point (a surrogate pair joined, a lone
// surrogate as U+FFFD) and its length in raw bytes; length 0 when malformed.
std::pair<uint32_t, size_t> unicode_escape(std::string_view raw, size_t at) {
    const int32_t unit = escaped_unit(raw, at);
    if (unit < 0) return {0, 0};
    if (unit >= 0xD800 && unit <= 0xDBFF) {
        const int32_t low = escaped_unit(raw, at + 6);
        if (low >= 0xDC00 && low <= 0xDFFF) {
            return {0x10000 + ((static_cast<uint32_t>(unit) - 0xD800) << 10) +
                        (static_cast<uint32_t>(low) - 0xDC00),
                    12};
        }
        return {0xFFFD, 6};
    }
    if (unit >= 0xDC00 && unit <= 0xDFFF) return {0xFFFD, 6};
    return {static_cast<uint32_t>(unit), 6};
}

}  // namespace

size_t find_string_end(const char* text, size_t from, size_t size) {
#if defined(__x86_64__)
    return kHasAvx2 ? avx2_string_end(text, from, size) : sse2_string_end(text, from, size);
#else
    return scalar_string_end(text, from, size);
#endif
}

void JsonSkim::skip_whitespace() {
    while (at_ < n_ && (p_[at_] == ' ' || p_[at_] == '\t' || p_[at_] == '\n' || p_[at_] == '\r')) {
        ++at_;
    }
}

bool JsonSkim::fail(const char* why) {
    if (error_ == nullptr) error_ = why;
    return false;
}

bool JsonSkim::expect(char c, const char* why) {
    skip_whitespace();
    if (at_ >= n_ || p_[at_] != c) return fail(why);
    ++at_;
    return true;
}

JsonKind JsonSkim::peek() {
    skip_whitespace();
    if (!ok() || at_ >= n_) return JsonKind::invalid;
    switch (p_[at_]) {
        case '{':
            return JsonKind::object;
        case '[':
            return JsonKind::array;
        case '"':
            return JsonKind::string;
        case 't':
        case 'f':
            return JsonKind::boolean;
        case 'n':
            return JsonKind::null;
        default:
            return (p_[at_] == '-' || (p_[at_] >= '0' && p_[at_] <= '9')) ? JsonKind::number
                                                                          : JsonKind::invalid;
    }
}

bool JsonSkim::enter_object() {
    if (!ok() || !expect('{', "expected an object")) return false;
    first_ = true;
    return true;
}

bool JsonSkim::enter_array() {
    if (!ok() || !expect('[', "expected an array")) return false;
    first_ = true;
    return true;
}

bool JsonSkim::next_member(std::string_view& key) {
    if (!ok()) return false;
    skip_whitespace();
    if (at_ >= n_) return fail("unexpected end inside an object");
    if (p_[at_] == '}') {
        ++at_;
        first_ = false;
        return false;
    }
    if (!first_ && !expect(',', "expected ',' or '}' in an object")) return false;
    first_ = false;
    skip_whitespace();
    if (at_ >= n_ || p_[at_] != '"') return fail("expected a member name");
    if (!string_raw(key)) return false;
    return expect(':', "expected ':' after a member name");
}

bool JsonSkim::next_element() {
    if (!ok()) return false;
    skip_whitespace();
    if (at_ >= n_) return fail("unexpected end inside an array");
    if (p_[at_] == ']') {
        ++at_;
        first_ = false;
        return false;
    }
    if (!first_ && !expect(',', "expected ',' or ']' in an array")) return false;
    first_ = false;
    skip_whitespace();
    if (at_ >= n_ || p_[at_] == ']') return fail("expected a value in an array");
    return true;
}

bool JsonSkim::string_raw(std::string_view& raw) {
    skip_whitespace();
    if (!ok() || at_ >= n_ || p_[at_] != '"') return fail("expected a string");
    const size_t begin = at_ + 1;
    const size_t end = find_string_end(p_, begin, n_);
    if (end == std::string::npos) return fail("unterminated string");
    raw = std::string_view(p_ + begin, end - begin);
    at_ = end + 1;
    return true;
}

bool JsonSkim::boolean(bool& value) {
    skip_whitespace();
    if (!ok()) return false;
    if (n_ - at_ >= 4 && std::memcmp(p_ + at_, "true", 4) == 0) {
        value = true;
        at_ += 4;
        return true;
    }
    if (n_ - at_ >= 5 && std::memcmp(p_ + at_, "false", 5) == 0) {
        value = false;
        at_ += 5;
        return true;
    }
    return fail("expected true or false");
}

bool JsonSkim::integer(int64_t& value) {
    skip_whitespace();
    if (!ok()) return false;
    size_t end = at_;
    while (end < n_ && is_number_byte(p_[end])) ++end;
    const char* first = p_ + at_;
    const char* last = p_ + end;
    if (first == last || *first == '+') return fail("expected a number");
    int64_t whole = 0;
    if (auto [ptr, ec] = std::from_chars(first, last, whole); ec == std::errc() && ptr == last) {
        value = whole;
        at_ = end;
        return true;
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(first, last, d);
    if (ptr != last || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
        return fail("malformed number");
    }
    if (std::isnan(d)) return fail("malformed number");
    if (d >= 9.2e18) {
        value = INT64_MAX;
    } else if (d <= -9.2e18) {
        value = INT64_MIN;
    } else {
        value = std::llround(d);
    }
    at_ = end;
    return true;
}

bool JsonSkim::skip_container() {
    // Iterative, with the open brackets as bits (1 = object), so no input can
    // exhaust the stack.
    uint64_t open[kMaxDepth / 64] = {};
    size_t depth = 0;
    while (at_ < n_) {
        const char c = p_[at_];
        if (c == '"') {
            const size_t end = find_string_end(p_, at_ + 1, n_);
            if (end == std::string::npos) return fail("unterminated string");
            at_ = end + 1;
            continue;
        }
        ++at_;
        if (c == '{' || c == '[') {
            if (depth == kMaxDepth) return fail("nested too deeply");
            const uint64_t bit = uint64_t{1} << (depth % 64);
            if (c == '{') {
                open[depth / 64] |= bit;
            } else {
                open[depth / 64] &= ~bit;
            }
            ++depth;
        } else if (c == '}' || c == ']') {
            if (depth == 0) return fail("unbalanced brackets");
            --depth;
            const bool object = ((open[depth / 64] >> (depth % 64)) & 1) != 0;
            if (object != (c == '}')) return fail("mismatched brackets");
            if (depth == 0) return true;
        }
    }
    return fail("unexpected end inside a container");
}

bool JsonSkim::skip() {
    std::string_view ignored;
    bool flag = false;
    int64_t number = 0;
    switch (peek()) {
        case JsonKind::object:
        case JsonKind::array:
            return skip_container();
        case JsonKind::string:
            return string_raw(ignored);
        case JsonKind::boolean:
            return boolean(flag);
        case JsonKind::number:
            return integer(number);
        case JsonKind::null:
            if (n_ - at_ >= 4 && std::memcmp(p_ + at_, "null", 4) == 0) {
                at_ += 4;
                return true;
            }
            return fail("expected null");
        case JsonKind::invalid:
            break;
    }
    return fail(at_ >= n_ ? "unexpected end of the text" : "unexpected character");
}

bool JsonSkim::finish() {
    skip_whitespace();
    if (!ok()) return false;
    return at_ == n_ || fail("trailing characters after the value");
}

bool decode_json_string(std::string_view raw, std::string& out) {
    out.clear();
    size_t i = 0;
    while (i < raw.size()) {
        const size_t escape = raw.find('\\', i);
        if (escape == std::string_view::npos) {
            out.append(raw.substr(i));
            break;
        }
        out.append(raw.substr(i, escape - i));
        if (escape + 1 >= raw.size()) return false;
        const char kind = raw[escape + 1];
        i = escape + 2;
        switch (kind) {
            case '"':
            case '\\':
            case '/':
                out += kind;
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                const auto [cp, length] = unicode_escape(raw, escape);
                if (length == 0) return false;
                append_utf8(out, cp);
                i = escape + length;
                break;
            }
            default:
                return false;
        }
    }
    return true;
}

uint64_t decoded_length(std::string_view raw) {
    uint64_t count = 0;
    size_t i = 0;
    while (i < raw.size()) {
        const auto c = static_cast<unsigned char>(raw[i]);
        if (c == '\\') {
            const auto [cp, length] = unicode_escape(raw, i);
            i += length != 0 ? length : 2;
            ++count;
        } else {
            count += (c & 0xC0) != 0x80 ? 1 : 0;
            ++i;
        }
    }
    return count;
}

}  // namespace agent_trace::transcript
