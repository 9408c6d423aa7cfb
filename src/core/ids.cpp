#include "core/ids.hpp"

#include "core/hex.hpp"

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack
#include <xxhash.h>

#include <chrono>
#include <random>

#include "core/hex.hpp"

namespace agent_trace {
namespace {}  // namespace

std::string EventId::hex() const {
    return to_hex({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
}

std::optional<EventId> EventId::from_hex(std::string_view hex) {
    if (hex.size() != 32) return std::nullopt;
    EventId id;
    for (size_t i = 0; i < id.bytes.size(); ++i) {
        const int hi = hex_digit_value(hex[2 * i]);
        const int lo = hex_digit_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        id.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return id;
}

EventId hash_event_id(std::initializer_list<std::string_view> parts) {
    XXH3_state_t state;
    XXH3_128bits_reset(&state);
    static constexpr char kSeparator = '\x1f';
    for (std::string_view part : parts) {
        XXH3_128bits_update(&state, part.data(), part.size());
        XXH3_128bits_update(&state, &kSeparator, 1);
    }
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(&state));
    EventId id;
    static_assert(sizeof(canonical.digest) == sizeof(id.bytes));
    for (size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = canonical.digest[i];
    return id;
}

EventId mint_uuid_v7() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    const auto ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
    const uint64_t r1 = rng();
    const uint64_t r2 = rng();
    EventId id;
    for (int i = 0; i < 6; ++i) id.bytes[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
    id.bytes[6] = static_cast<uint8_t>(0x70 | ((r1 >> 8) & 0x0F));
    id.bytes[7] = static_cast<uint8_t>(r1);
    id.bytes[8] = static_cast<uint8_t>(0x80 | ((r1 >> 16) & 0x3F));
    for (int i = 9; i < 16; ++i) id.bytes[i] = static_cast<uint8_t>(r2 >> (8 * (i - 9)));
    return id;
}

}  // namespace agent_trace
