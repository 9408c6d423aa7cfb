#pragma once
// Minimal streaming JSON writer for our own output (reports, listings).
// Parsing is simdjson's job; this only emits.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agent_trace {

class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view name);
    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(int64_t number);
    JsonWriter& value(uint64_t number);
    JsonWriter& value(int number) { return value(static_cast<int64_t>(number)); }
    JsonWriter& value(bool flag);
    // Fixed decimals, no exponent: money is printed with `decimals` digits.
    JsonWriter& value(double number, int decimals = 10);
    JsonWriter& null();
    // Inserts already-serialised JSON verbatim.
    JsonWriter& raw(std::string_view json);

    // Empties the writer for the next document, keeping the buffer's capacity.
    void clear() {
        out_.clear();
        first_in_scope_.clear();
        after_key_ = false;
    }

    [[nodiscard]] const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    void separate();
    std::string out_;
    std::vector<char> first_in_scope_;  // not vector<bool>: this is read for every value
    bool after_key_ = false;
};

// Appends `text` to `out` as a JSON string literal (quotes included); invalid
// UTF-8 bytes are replaced with U+FFFD so the output is always valid JSON.
void append_json_string(std::string& out, std::string_view text);

}  // namespace agent_trace
