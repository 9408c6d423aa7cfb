#pragma once
// The five token classes of a model call. They are kept apart rather than
// summed because each class has its own price, and 5-minute and 1-hour cache
// writes are priced differently.
#include <algorithm>
#include <cstdint>

namespace agent_trace {

struct TokenCounts {
    int64_t input = 0;
    int64_t output = 0;
    int64_t cache_write_5m = 0;
    int64_t cache_write_1h = 0;
    int64_t cache_read = 0;

    [[nodiscard]] constexpr int64_t total() const {
        return input + output + cache_write_5m + cache_write_1h + cache_read;
    }

    constexpr void add(const TokenCounts& other) {
        input += other.input;
        output += other.output;
        cache_write_5m += other.cache_write_5m;
        cache_write_1h += other.cache_write_1h;
        cache_read += other.cache_read;
    }

    // Copies of one streamed response can disagree (placeholders written
    // before the final counts): the largest of each class is the real one.
    constexpr void keep_max(const TokenCounts& other) {
        input = std::max(input, other.input);
        output = std::max(output, other.output);
        cache_write_5m = std::max(cache_write_5m, other.cache_write_5m);
        cache_write_1h = std::max(cache_write_1h, other.cache_write_1h);
        cache_read = std::max(cache_read, other.cache_read);
    }

    constexpr bool operator==(const TokenCounts&) const = default;
};

}  // namespace agent_trace
