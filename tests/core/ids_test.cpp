#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <thread>

namespace agent_trace {
namespace {

uint64_t ms_prefix(const EventId& id) {
    uint64_t ms = 0;
    for (int i = 0; i < 6; ++i) ms = ms << 8 | id.bytes[i];
    return ms;
}

uint64_t now_ms() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

TEST(HashEventId, Deterministic) {
    const EventId a = hash_event_id({"transcript", "api_request", "msg_01"});
    const EventId b = hash_event_id({"transcript", "api_request", "msg_01"});
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.hex(), b.hex());
    EXPECT_NE(a, EventId{});
    EXPECT_NE(a, hash_event_id({"transcript", "api_request", "msg_02"}));
    EXPECT_NE(a, hash_event_id({"api_request", "transcript", "msg_01"}));
}

TEST(HashEventId, SeparatorKeepsPartsApart) {
    EXPECT_NE(hash_event_id({"ab", "c"}), hash_event_id({"a", "bc"}));
    EXPECT_NE(hash_event_id({"abc"}), hash_event_id({"ab", "c"}));
    EXPECT_NE(hash_event_id({"", "abc"}), hash_event_id({"abc", ""}));
    EXPECT_NE(hash_event_id({"abc"}), hash_event_id({"abc", ""}));
    EXPECT_NE(hash_event_id({}), hash_event_id({""}));
}

TEST(EventIdHex, RoundTrip) {
    const EventId id = hash_event_id({"session", "line-uuid"});
    const std::string hex = id.hex();
    ASSERT_EQ(hex.size(), 32u);
    EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << hex;
    const auto back = EventId::from_hex(hex);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, id);

    // Upper case is accepted; output is always lower case.
    std::string upper = hex;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto from_upper = EventId::from_hex(upper);
    ASSERT_TRUE(from_upper.has_value());
    EXPECT_EQ(*from_upper, id);

    const auto fixed = EventId::from_hex("000102030405060708090a0b0c0d0eff");
    ASSERT_TRUE(fixed.has_value());
    for (int i = 0; i < 15; ++i) EXPECT_EQ(fixed->bytes[i], i);
    EXPECT_EQ(fixed->bytes[15], 0xff);
    EXPECT_EQ(fixed->hex(), "000102030405060708090a0b0c0d0eff");
}

TEST(EventIdHex, RejectsBadInput) {
    for (const char* bad : {
             "",
             "0",
             "000102030405060708090a0b0c0d0e",      // 30 digits
             "000102030405060708090a0b0c0d0eff00",  // 34 digits
             "000102030405060708090a0b0c0d0eg0",    // 'g'
             "000102030405060708090a0b0c0d0e 0",    // space
             "00010203-0405-0607-0809-0a0b0c0d",    // dashes, 32 chars
             "0x0102030405060708090a0b0c0d0eff",
         }) {
        EXPECT_FALSE(EventId::from_hex(bad).has_value()) << bad;
    }
}

TEST(MintUuidV7, VersionAndVariantBits) {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        const EventId id = mint_uuid_v7();
        EXPECT_EQ(id.bytes[6] >> 4, 0x7) << id.hex();   // version 7
        EXPECT_EQ(id.bytes[8] >> 6, 0b10) << id.hex();  // RFC 4122 variant
        seen.insert(id.hex());
    }
    EXPECT_EQ(seen.size(), 200u);  // 74 random bits: no collisions
}

TEST(MintUuidV7, PrefixIsUnixMillisecondsAndOrdered) {
    const uint64_t before = now_ms();
    const EventId first = mint_uuid_v7();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const EventId second = mint_uuid_v7();
    const uint64_t after = now_ms();

    EXPECT_GE(ms_prefix(first), before);
    EXPECT_LE(ms_prefix(second), after);
    EXPECT_LT(ms_prefix(first), ms_prefix(second));
    // The hex form sorts the same way (big-endian prefix).
    EXPECT_LT(first.hex().substr(0, 12), second.hex().substr(0, 12));
}

}  // namespace
}  // namespace agent_trace
