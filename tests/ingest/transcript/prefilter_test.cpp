#include "ingest/transcript/prefilter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>

namespace agent_trace::transcript {
namespace {

constexpr std::pair<std::string_view, TypeToken> kTokens[] = {
    {"\"assistant\"", TypeToken::assistant},  // 11 bytes
    {"\"user\"", TypeToken::user},            // 6 bytes
    {"\"system\"", TypeToken::system},        // 8 bytes
};

// Filler that can never form a token: plain letters, quotes with letters that
// are not a token between them, or near misses of each token.
std::string filler(size_t n, int style) {
    std::string s(n, 'x');
    if (style == 1) {
        for (size_t i = 0; i < n; i += 3) s[i] = '"';
    } else if (style == 2) {
        // A quote with the probed letter where each token has it, but not the token.
        const std::string_view near =
            R"("assistan""assistanT""xssistant""use""usr""User""sys"m""systen""xystem")";
        for (size_t i = 0; i < n; ++i) s[i] = near[i % near.size()];
    }
    return s;
}

// Lengths up to 100 cover lines shorter than one SIMD step, the vector loops
// and every tail length after them; each token is tried at every offset.
TEST(Prefilter, FindsEachTokenAtEveryPosition) {
    for (const auto& [token, type] : kTokens) {
        for (int style = 0; style < 3; ++style) {
            for (size_t n = token.size(); n <= 100; ++n) {
                for (size_t pos = 0; pos + token.size() <= n; ++pos) {
                    std::string line = filler(n, style);
                    line.replace(pos, token.size(), token);
                    ASSERT_EQ(find_type_token(line), type) << "style " << style << " length " << n
                                                           << " position " << pos << ": " << line;
                }
            }
        }
    }
}

TEST(Prefilter, NoTokenNoMatch) {
    for (int style = 0; style < 3; ++style) {
        for (size_t n = 0; n <= 100; ++n) {
            const std::string line = filler(n, style);
            ASSERT_EQ(find_type_token(line), TypeToken::none)
                << "style " << style << " length " << n << ": " << line;
        }
    }
}

// A token cut by the end of the view must not match, even when the bytes after
// the view would complete it (the reader's buffer continues there).
TEST(Prefilter, TokenCutByEndOfLineDoesNotMatch) {
    for (const auto& [token, type] : kTokens) {
        for (size_t n = token.size(); n <= 100; ++n) {
            for (size_t cut = 1; cut < token.size(); ++cut) {
                std::string buffer = filler(n - (token.size() - cut), 0);
                buffer += token;  // the view ends `cut` bytes before the token does
                const std::string_view view(buffer.data(), n);
                ASSERT_EQ(find_type_token(view), TypeToken::none)
                    << token << " length " << n << " cut " << cut;
            }
        }
    }
}

TEST(Prefilter, EscapedTokenInsideStringDoesNotMatch) {
    // Tool output that quotes the words: inside a JSON string its quotes are escaped.
    const std::string line =
        R"({"type":"progress","data":{"content":"\"assistant\" \"user\" \"system\" roles"}})";
    EXPECT_EQ(find_type_token(line), TypeToken::none);
    for (const auto& [token, type] : kTokens) {
        const std::string escaped =
            "x\\\"" + std::string(token.substr(1, token.size() - 2)) + "\\\"y";
        for (size_t pad = 0; pad < 40; ++pad) {
            EXPECT_EQ(find_type_token(std::string(pad, ' ') + escaped), TypeToken::none)
                << escaped << " " << pad;
        }
    }
}

TEST(Prefilter, PlainWordDoesNotMatch) {
    EXPECT_EQ(find_type_token("the assistant said assistant things, assistant!"), TypeToken::none);
    EXPECT_EQ(find_type_token("user system users systems"), TypeToken::none);
    EXPECT_EQ(find_type_token("\"assistants\" \"Assistant\" \"ASSISTANT\""), TypeToken::none);
    EXPECT_EQ(find_type_token("\"users\" \"User\" \"systemd\" \"System\""), TypeToken::none);
    EXPECT_EQ(find_type_token(R"({"userType":"external","systemPrompt":1})"), TypeToken::none);
    EXPECT_EQ(find_type_token(""), TypeToken::none);
    EXPECT_EQ(find_type_token("\"assistant"), TypeToken::none);  // 10 bytes
    EXPECT_EQ(find_type_token("\"user"), TypeToken::none);
}

TEST(Prefilter, RealRecordShapes) {
    EXPECT_EQ(
        find_type_token(R"({"parentUuid":null,"type":"assistant","message":{"role":"assistant"}})"),
        TypeToken::assistant);
    EXPECT_EQ(find_type_token(R"({ "type" : "assistant" })"), TypeToken::assistant);  // pretty
    EXPECT_EQ(find_type_token(R"({"parentUuid":"u1","isSidechain":false,"promptId":"p",)"
                              R"("type":"user","message":{"role":"user","content":"hi"}})"),
              TypeToken::user);
    EXPECT_EQ(find_type_token(R"({"type":"system","subtype":"compact_boundary"})"),
              TypeToken::system);
    EXPECT_EQ(find_type_token(kTokens[0].first), TypeToken::assistant);
    // Several candidates in one block: the first is a near miss.
    EXPECT_EQ(find_type_token(R"("xssistant""assistant")"), TypeToken::assistant);
    EXPECT_EQ(find_type_token(R"("usr""user")"), TypeToken::user);
}

// The token that comes first wins: it is a hint, the decoders read the real type.
TEST(Prefilter, FirstTokenIsReported) {
    EXPECT_EQ(find_type_token(R"({"role":"user","type":"assistant"})"), TypeToken::user);
    EXPECT_EQ(find_type_token(R"({"renderedRole":"system","type":"user"})"), TypeToken::system);
    const std::string long_head(200, 'x');
    EXPECT_EQ(find_type_token("{\"a\":\"" + long_head + R"(","type":"assistant","x":"user"})"),
              TypeToken::assistant);
}

}  // namespace
}  // namespace agent_trace::transcript
