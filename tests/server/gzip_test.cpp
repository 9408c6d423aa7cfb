// Bounded inflation of request bodies: gzip and zlib framing, the cap that stops a
// small body from expanding without limit, and damaged input refused as corrupt.
#include "server/gzip.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

namespace agent_trace::server {
namespace {

std::string random_bytes(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::string out(n, '\0');
    for (char& c : out) c = static_cast<char>(rng() & 0xff);
    return out;
}

std::string zlib_compress(const std::string& data) {
    uLongf size = compressBound(static_cast<uLong>(data.size()));
    std::string out(size, '\0');
    EXPECT_EQ(
        compress(reinterpret_cast<Bytef*>(out.data()), &size,
                 reinterpret_cast<const Bytef*>(data.data()), static_cast<uLong>(data.size())),
        Z_OK);
    out.resize(size);
    return out;
}

TEST(Gzip, RoundTripsSmallLargeAndBinaryBodies) {
    for (const std::string& data :
         {std::string("hello"), std::string(3 << 20, 'a'), random_bytes(200'000, 7),
          std::string("{\"resourceLogs\":[]}")}) {
        const std::string compressed = gzip_compress(data);
        ASSERT_FALSE(compressed.empty());
        EXPECT_EQ(static_cast<uint8_t>(compressed[0]), 0x1f);  // gzip magic
        EXPECT_EQ(static_cast<uint8_t>(compressed[1]), 0x8b);
        const InflateResult result = inflate_body(compressed, 8 << 20);
        ASSERT_EQ(result.code, InflateResult::Code::ok) << result.message;
        EXPECT_EQ(result.data, data);
    }
}

TEST(Gzip, ZlibFramingIsAcceptedToo) {
    const std::string data = random_bytes(70'000, 3) + std::string(100'000, 'z');
    const InflateResult result = inflate_body(zlib_compress(data), 1 << 20);
    ASSERT_EQ(result.code, InflateResult::Code::ok) << result.message;
    EXPECT_EQ(result.data, data);
}

TEST(Gzip, ABodyThatInflatesBeyondTheCapIsTooLarge) {
    // 64 MiB of zeros compress to ~64 KiB: a small bomb.
    const std::string bomb = gzip_compress(std::string(64u << 20, '\0'));
    ASSERT_LT(bomb.size(), 100'000u);
    const InflateResult result = inflate_body(bomb, 1 << 20);
    EXPECT_EQ(result.code, InflateResult::Code::too_large);
    EXPECT_TRUE(result.data.empty());
    EXPECT_NE(result.message.find(std::to_string(1 << 20)), std::string::npos) << result.message;
}

TEST(Gzip, TheCapIsInclusive) {
    const std::string data(100'000, 'q');
    const std::string compressed = gzip_compress(data);
    EXPECT_EQ(inflate_body(compressed, data.size()).code, InflateResult::Code::ok);
    EXPECT_EQ(inflate_body(compressed, data.size() - 1).code, InflateResult::Code::too_large);
    EXPECT_EQ(inflate_body(gzip_compress(""), 0).code, InflateResult::Code::ok);
}

TEST(Gzip, CorruptInputIsCorrupt) {
    const std::string data = random_bytes(50'000, 11) + std::string(50'000, 'x');
    std::string damaged = gzip_compress(data);
    damaged[damaged.size() / 2] = static_cast<char>(damaged[damaged.size() / 2] ^ 0x55);
    damaged[damaged.size() / 2 + 1] = static_cast<char>(damaged[damaged.size() / 2 + 1] ^ 0xaa);
    for (const std::string& bad :
         {damaged, std::string("definitely not gzip"), random_bytes(4096, 5), std::string(),
          std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10) + random_bytes(100, 9)}) {
        const InflateResult result = inflate_body(bad, 1 << 20);
        EXPECT_EQ(result.code, InflateResult::Code::corrupt) << bad.size();
        EXPECT_TRUE(result.data.empty());
        EXPECT_FALSE(result.message.empty());
    }
}

TEST(Gzip, TruncatedInputIsCorrupt) {
    const std::string data = random_bytes(300'000, 13);
    const std::string compressed = gzip_compress(data);
    // Cut in the middle of the deflate stream, inside the 8-byte trailer, and after the header.
    for (const size_t keep : {compressed.size() / 2, compressed.size() - 4, size_t{12}}) {
        const InflateResult result = inflate_body(compressed.substr(0, keep), 1 << 20);
        EXPECT_EQ(result.code, InflateResult::Code::corrupt) << keep;
        EXPECT_TRUE(result.data.empty());
    }
}

}  // namespace
}  // namespace agent_trace::server

namespace agent_trace::server {
namespace {

TEST(GzipMembers, ConcatenatedMembersInflateToTheWholeBody) {
    const std::string body = gzip_compress("first part, ") + gzip_compress("second part");
    const InflateResult result = inflate_body(body, 1 << 20);
    ASSERT_EQ(result.code, InflateResult::Code::ok) << result.message;
    EXPECT_EQ(result.data, "first part, second part");
}

}  // namespace
}  // namespace agent_trace::server
