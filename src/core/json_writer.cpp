#include "core/json_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace agent_trace {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
size_t utf8_sequence_length(std::string_view s, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char c = byte(0);
    if (c < 0x80) return 1;
    size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    if (byte(1) < lo || byte(1) > hi) return 0;
    for (size_t k = 2; k < len; ++k) {
        if ((byte(k) >> 6) != 0x2) return 0;
    }
    return len;
}

bool plain_byte(unsigned char b) { return b >= 0x20 && b < 0x80 && b != '"' && b != '\\'; }

// Flags (top bit of each byte) the bytes of w that are not plain_byte()s. SWAR: a
// byte can be flagged wrongly only above a rightly flagged one, so the lowest flag is
// always the first byte that needs escaping or a UTF-8 check.
uint64_t special_bytes(uint64_t w) {
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    constexpr uint64_t kHigh = 0x8080808080808080ULL;
    const auto zero_byte = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
    const uint64_t control = (w - kOnes * 0x20) & ~w & kHigh;  // < 0x20
    const uint64_t quote = zero_byte(w ^ (kOnes * '"'));
    const uint64_t backslash = zero_byte(w ^ (kOnes * '\\'));
    return (w & kHigh) | control | quote | backslash;
}

// How many bytes at the start of `text` are copied as they are (printable ASCII other
// than '"' and '\\'), eight at a time.
size_t plain_prefix(std::string_view text) {
    if constexpr (std::endian::native == std::endian::little) {
        const char* p = text.data();
        const size_t n = text.size();
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            uint64_t w = 0;
            std::memcpy(&w, p + i, sizeof w);
            if (const uint64_t flags = special_bytes(w); flags != 0) {
                return i + static_cast<size_t>(std::countr_zero(flags)) / 8;
            }
        }
        if (i == n) return n;
        // The last 1-7 bytes in the low end of a word, zeros above them (flagged only
        // after the real bytes): an overlapping load when the text is long enough.
        const size_t rest = n - i;
        uint64_t w = 0;
        if (n >= 8) {
            std::memcpy(&w, p + n - 8, sizeof w);
            w >>= 8 * (8 - rest);
        } else {
            for (size_t k = 0; k < rest; ++k) {
                w |= static_cast<uint64_t>(static_cast<unsigned char>(p[k])) << (8 * k);
            }
        }
        const uint64_t flags = special_bytes(w);
        return flags == 0 ? n : std::min(n, i + static_cast<size_t>(std::countr_zero(flags)) / 8);
    } else {
        size_t i = 0;
        while (i < text.size() && plain_byte(static_cast<unsigned char>(text[i]))) ++i;
        return i;
    }
}

// Appends the escaped form of `text` (no quotes).
void append_escaped(std::string& out, std::string_view text) {
    for (size_t i = 0; i < text.size();) {
        const size_t run = i + plain_prefix(text.substr(i));
        if (run != i) {
            out.append(text.data() + i, run - i);
            i = run;
            if (i == text.size()) break;
        }
        const auto c = static_cast<unsigned char>(text[i]);
        switch (c) {
            case '"':
                out += "\\\"";
                ++i;
                continue;
            case '\\':
                out += "\\\\";
                ++i;
                continue;
            case '\n':
                out += "\\n";
                ++i;
                continue;
            case '\r':
                out += "\\r";
                ++i;
                continue;
            case '\t':
                out += "\\t";
                ++i;
                continue;
            default:
                break;
        }
        if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
            ++i;
            continue;
        }
        const size_t len = utf8_sequence_length(text, i);
        if (len == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
            continue;
        }
        out.append(text.substr(i, len));
        i += len;
    }
}

// '"' + text escaped + '"', then `suffix` unless it is '\0'. A short text that needs no
// escaping (most keys and values) goes in with a single append.
void append_quoted(std::string& out, std::string_view text, char suffix) {
    constexpr size_t kShort = 64;
    const size_t plain = plain_prefix(text);
    if (plain == text.size() && text.size() <= kShort) {
        char buffer[kShort + 3];
        buffer[0] = '"';
        std::memcpy(buffer + 1, text.data(), text.size());
        size_t n = text.size() + 1;
        buffer[n++] = '"';
        if (suffix != '\0') buffer[n++] = suffix;
        out.append(buffer, n);
        return;
    }
    out.push_back('"');
    out.append(text.data(), plain);
    append_escaped(out, text.substr(plain));
    out.push_back('"');
    if (suffix != '\0') out.push_back(suffix);
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) { append_quoted(out, text, '\0'); }

void JsonWriter::separate() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!first_in_scope_.empty()) {
        if (!first_in_scope_.back()) out_.push_back(',');
        first_in_scope_.back() = 0;
    }
}

JsonWriter& JsonWriter::begin_object() {
    separate();
    out_.push_back('{');
    first_in_scope_.push_back(1);
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    out_.push_back('}');
    first_in_scope_.pop_back();
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    separate();
    out_.push_back('[');
    first_in_scope_.push_back(1);
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    out_.push_back(']');
    first_in_scope_.pop_back();
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
    separate();
    append_quoted(out_, name, ':');
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
    separate();
    append_json_string(out_, text);
    return *this;
}

JsonWriter& JsonWriter::value(int64_t number) {
    separate();
    out_ += std::to_string(number);
    return *this;
}

JsonWriter& JsonWriter::value(uint64_t number) {
    separate();
    out_ += std::to_string(number);
    return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
    separate();
    out_ += flag ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::value(double number, int decimals) {
    separate();
    if (!std::isfinite(number)) {
        out_ += "null";
        return *this;
    }
    out_ += fmt::format("{:.{}f}", number, decimals);
    return *this;
}

JsonWriter& JsonWriter::null() {
    separate();
    out_ += "null";
    return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
    separate();
    out_.append(json);
    return *this;
}

}  // namespace agent_trace
