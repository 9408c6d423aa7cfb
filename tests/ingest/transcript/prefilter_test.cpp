#include "ingest/transcript/prefilter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace agent_trace::transcript {
namespace {

constexpr std::string_view kToken = "\"assistant\"";  // 11 bytes

// Filler that can never form the token: plain letters, or quotes that are
// followed eight bytes later by something other than 'n'.
std::string filler(size_t n, int style) {
    std::string s(n, 'x');
    if (style == 1) {
        for (size_t i = 0; i < n; i += 3) s[i] = '"';
    } else if (style == 2) {
        // Near misses: a quote with an 'n' eight bytes later, but not the token.
        const std::string_view near = R"("assistan""assistanT""xssistant")";
        for (size_t i = 0; i < n; ++i) s[i] = near[i % near.size()];
    }
    return s;
}

// Lengths 11..100 cover lines shorter than one SIMD step, the 16-byte loop
// and every tail length after it; the token is tried at every offset.
TEST(Prefilter, FindsTokenAtEveryPosition) {
    for (int style = 0; style < 3; ++style) {
        for (size_t n = kToken.size(); n <= 100; ++n) {
            for (size_t pos = 0; pos + kToken.size() <= n; ++pos) {
                std::string line = filler(n, style);
                line.replace(pos, kToken.size(), kToken);
                ASSERT_TRUE(may_be_assistant_line(line))
                    << "style " << style << " length " << n << " position " << pos << ": " << line;
            }
        }
    }
}

TEST(Prefilter, NoTokenNoMatch) {
    for (int style = 0; style < 3; ++style) {
        for (size_t n = 0; n <= 100; ++n) {
            const std::string line = filler(n, style);
            ASSERT_FALSE(may_be_assistant_line(line)) << "style " << style << " length " << n;
        }
    }
}

// The token cut by the end of the view must not match, even when the bytes
// after the view would complete it (the reader's buffer continues there).
TEST(Prefilter, TokenCutByEndOfLineDoesNotMatch) {
    for (size_t n = kToken.size(); n <= 100; ++n) {
        for (size_t cut = 1; cut < kToken.size(); ++cut) {
            std::string buffer = filler(n - (kToken.size() - cut), 0);
            buffer += kToken;  // the view ends `cut` bytes before the token does
            const std::string_view view(buffer.data(), n);
            ASSERT_FALSE(may_be_assistant_line(view)) << "length " << n << " cut " << cut;
        }
    }
}

TEST(Prefilter, EscapedTokenInsideStringDoesNotMatch) {
    // Tool output that quotes the word: inside a JSON string its quotes are escaped.
    const std::string line =
        R"({"type":"user","message":{"content":"the role was \"assistant\" here"}})";
    EXPECT_FALSE(may_be_assistant_line(line));
    for (size_t pad = 0; pad < 40; ++pad) {
        const std::string padded = std::string(pad, ' ') + R"(x\"assistant\"y)";
        EXPECT_FALSE(may_be_assistant_line(padded)) << pad;
    }
}

TEST(Prefilter, PlainWordDoesNotMatch) {
    EXPECT_FALSE(may_be_assistant_line("the assistant said assistant things, assistant!"));
    EXPECT_FALSE(may_be_assistant_line(
        R"({"type":"user","message":{"content":"ask the assistant about assistants"}})"));
    EXPECT_FALSE(may_be_assistant_line("\"assistants\" \"Assistant\" \"ASSISTANT\""));
    EXPECT_FALSE(may_be_assistant_line(""));
    EXPECT_FALSE(may_be_assistant_line("\"assistant"));  // 10 bytes
}

TEST(Prefilter, RealRecordShapes) {
    EXPECT_TRUE(may_be_assistant_line(
        R"({"parentUuid":null,"type":"assistant","message":{"role":"assistant"}})"));
    EXPECT_TRUE(may_be_assistant_line(R"({ "type" : "assistant" })"));  // pretty JSON
    EXPECT_TRUE(may_be_assistant_line(kToken));
    // Several candidates in one 16-byte block: the first is a near miss.
    EXPECT_TRUE(may_be_assistant_line(R"("xssistant""assistant")"));
}

}  // namespace
}  // namespace agent_trace::transcript
