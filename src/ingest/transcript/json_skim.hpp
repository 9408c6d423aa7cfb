#pragma once
// Walks one JSON text without building a DOM: the caller reads the members it
// needs and skips the rest. Strings are skipped a vector at a time and never
// copied, so a user line carrying megabytes of tool output costs one pass over
// its bytes and no allocation. Skipped values are checked for structure
// (brackets, string ends), not for full validity (escapes, UTF-8, numbers).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace agent_trace::transcript {

// Readable bytes that must follow the text (the line reader leaves simdjson's
// padding, which is as large).
inline constexpr size_t kSkimPadding = 64;

enum class JsonKind : uint8_t { object, array, string, number, boolean, null, invalid };

class JsonSkim {
public:
    // `data` must be followed by kSkimPadding readable bytes.
    JsonSkim(const char* data, size_t size) : p_(data), n_(size) {}

    // The kind of the next value (whitespace skipped); invalid at the end of the text.
    JsonKind peek();

    // Containers. After enter_object(), next_member() yields each key (its raw
    // text) and leaves the cursor on the member's value, which the caller must
    // read or skip; it returns false at the closing brace, or on an error (ok()
    // then says which). Arrays likewise with next_element().
    bool enter_object();
    bool next_member(std::string_view& key);
    bool enter_array();
    bool next_element();

    // Scalars; each fails (and sets the error) when the next value is not one.
    bool string_raw(std::string_view& raw);  // the text between the quotes, escapes as written
    bool boolean(bool& value);
    bool integer(int64_t& value);  // a JSON number, rounded to the nearest integer, clamped
    bool skip();                   // any value

    // True when only whitespace is left.
    bool finish();

    [[nodiscard]] bool ok() const { return error_ == nullptr; }
    [[nodiscard]] std::string_view error() const {
        return error_ == nullptr ? std::string_view() : error_;
    }

private:
    void skip_whitespace();
    bool fail(const char* why);
    bool expect(char c, const char* why);
    bool skip_container();

    const char* p_;
    size_t n_;
    size_t at_ = 0;
    bool first_ = false;  // just entered a container: no comma before its first item
    const char* error_ = nullptr;
};

// Offset of the unescaped quote that ends a JSON string whose contents start at
// `from`, or npos when the text ends first. `text` must be followed by
// kSkimPadding readable bytes.
size_t find_string_end(const char* text, size_t from, size_t size);

// The text a raw JSON string stands for; false on an invalid escape. Lone
// surrogates become U+FFFD.
bool decode_json_string(std::string_view raw, std::string& out);

// Code points of the text a raw JSON string stands for, without decoding it.
uint64_t decoded_length(std::string_view raw);

}  // namespace agent_trace::transcript
