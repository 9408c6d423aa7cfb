#include "pipeline/privacy/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace agent_trace::privacy {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ascii that is longer than eight bytes"));
    EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe4\xb8\xad"));
    EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
}

TEST(Utf8, RejectsMalformedText) {
    EXPECT_FALSE(is_valid_utf8("\xff"));
    EXPECT_FALSE(is_valid_utf8("abc\x80"));           // lone continuation
    EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
    EXPECT_FALSE(is_valid_utf8("12345678\xe2\x82"));  // truncated after an ASCII word
    EXPECT_FALSE(is_valid_utf8(std::string(1000, 'a') + "\xfe"));
}

TEST(Utf8, CountsCodePoints) {
    EXPECT_EQ(utf8_length(""), 0u);
    EXPECT_EQ(utf8_length("abc"), 3u);
    EXPECT_EQ(utf8_length("caf\xc3\xa9"), 4u);
    EXPECT_EQ(utf8_length("\xf0\x9f\x98\x80!"), 2u);
}

}  // namespace
}  // namespace agent_trace::privacy
