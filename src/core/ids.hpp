#pragma once
// Event ids: 128 bits, minted once where an event is first seen.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace agent_trace {

struct EventId {
    std::array<uint8_t, 16> bytes{};

    [[nodiscard]] std::string hex() const;
    static std::optional<EventId> from_hex(std::string_view hex);
    friend bool operator==(const EventId&, const EventId&) = default;
};

// Deterministic id from a natural key: XXH3-128 over the parts, each followed
// by a 0x1f separator so ("ab","c") and ("a","bc") differ.
EventId hash_event_id(std::initializer_list<std::string_view> parts);

// Time-ordered random id (UUIDv7) for events that have no natural key.
EventId mint_uuid_v7();

}  // namespace agent_trace
