#include "ingest/transcript/json_skim.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace agent_trace::transcript {
namespace {

// The text followed by the padding the skim may read, filled with bytes it must
// never take for part of the text.
struct Padded {
    explicit Padded(std::string_view text, char fill = '"') : bytes(text) {
        bytes.append(kSkimPadding, fill);
        size = text.size();
    }
    [[nodiscard]] const char* data() const { return bytes.data(); }
    std::string bytes;
    size_t size = 0;
};

size_t string_end(std::string_view text, size_t from, char fill = '"') {
    const Padded p(text, fill);
    return find_string_end(p.data(), from, p.size);
}

// A reference that reads byte by byte.
size_t slow_string_end(std::string_view text, size_t from) {
    for (size_t i = from; i < text.size(); ++i) {
        if (text[i] == '\\') {
            ++i;
        } else if (text[i] == '"') {
            return i;
        }
    }
    return std::string::npos;
}

// Backslash runs of every length ending at every offset around the 64-byte
// blocks: an even run leaves the quote after it closing the string, an odd one
// escapes it.
TEST(FindStringEnd, BackslashRunsAcrossBlockBoundaries) {
    for (size_t prefix = 0; prefix < 140; ++prefix) {
        for (size_t run = 0; run <= 5; ++run) {
            std::string text(prefix, 'a');
            text.append(run, '\\');
            text += "\"tail\"";
            const size_t expected = slow_string_end(text, 0);
            ASSERT_EQ(string_end(text, 0), expected) << "prefix " << prefix << " run " << run;
            ASSERT_EQ(expected, run % 2 == 0 ? prefix + run : prefix + run + 5);
        }
    }
}

TEST(FindStringEnd, NoClosingQuoteInsideTheTextIsNpos) {
    for (size_t n = 0; n < 200; ++n) {
        const std::string text(n, 'x');
        // The padding is all quotes (or backslashes): none of them may count.
        EXPECT_EQ(string_end(text, 0, '"'), std::string::npos) << n;
        EXPECT_EQ(string_end(text, 0, '\\'), std::string::npos) << n;
    }
    // A backslash as the last byte escapes the padding's first quote, which is outside anyway.
    EXPECT_EQ(string_end("abc\\", 0), std::string::npos);
    EXPECT_EQ(string_end(std::string(63, 'a') + "\\", 0), std::string::npos);
    EXPECT_EQ(string_end(std::string(64, 'a') + "\\", 0), std::string::npos);
}

TEST(FindStringEnd, StartsAnywhere) {
    const std::string text = R"(x\"y"z)" + std::string(100, 'q') + "\"";
    EXPECT_EQ(string_end(text, 0), 4u);
    EXPECT_EQ(string_end(text, 5), text.size() - 1);
    EXPECT_EQ(string_end(text, text.size() - 1), text.size() - 1);
    EXPECT_EQ(string_end(text, text.size()), std::string::npos);
}

TEST(FindStringEnd, AgreesWithTheByteByByteReadingOnMixedText) {
    std::string text;
    uint32_t state = 12345;
    for (int i = 0; i < 5000; ++i) {
        state = state * 1103515245 + 12345;
        const uint32_t r = (state >> 16) % 10;
        text += r == 0 ? '"' : r < 3 ? '\\' : 'a';
    }
    for (size_t from = 0; from < 300; from += 7) {
        ASSERT_EQ(string_end(text, from), slow_string_end(text, from)) << from;
    }
}

TEST(JsonSkim, WalksMembersReadsScalarsAndSkipsTheRest) {
    const Padded p(R"( {"a" : "x\"y", "n": -12.6e1, "t": true, "f": false, "z": null,)"
                   R"( "big": {"k": [1, {"d": "]}"}, [], {}], "s": "}"}, "arr": [ "q", 2 ] } )");
    JsonSkim json(p.data(), p.size);
    ASSERT_TRUE(json.enter_object());
    std::string_view key;
    ASSERT_TRUE(json.next_member(key));
    EXPECT_EQ(key, "a");
    std::string_view raw;
    ASSERT_TRUE(json.string_raw(raw));
    EXPECT_EQ(raw, R"(x\"y)");
    ASSERT_TRUE(json.next_member(key));
    EXPECT_EQ(key, "n");
    int64_t n = 0;
    ASSERT_TRUE(json.integer(n));
    EXPECT_EQ(n, -126);
    ASSERT_TRUE(json.next_member(key));
    bool flag = false;
    ASSERT_TRUE(json.boolean(flag));
    EXPECT_TRUE(flag);
    ASSERT_TRUE(json.next_member(key));
    ASSERT_TRUE(json.boolean(flag));
    EXPECT_FALSE(flag);
    ASSERT_TRUE(json.next_member(key));
    EXPECT_EQ(json.peek(), JsonKind::null);
    ASSERT_TRUE(json.skip());
    ASSERT_TRUE(json.next_member(key));
    EXPECT_EQ(key, "big");
    ASSERT_TRUE(json.skip());
    ASSERT_TRUE(json.next_member(key));
    EXPECT_EQ(key, "arr");
    ASSERT_TRUE(json.enter_array());
    ASSERT_TRUE(json.next_element());
    ASSERT_TRUE(json.string_raw(raw));
    EXPECT_EQ(raw, "q");
    ASSERT_TRUE(json.next_element());
    ASSERT_TRUE(json.integer(n));
    EXPECT_EQ(n, 2);
    EXPECT_FALSE(json.next_element());
    EXPECT_TRUE(json.ok());
    EXPECT_FALSE(json.next_member(key));
    EXPECT_TRUE(json.ok());
    EXPECT_TRUE(json.finish());
}

TEST(JsonSkim, EmptyContainersNeedNoComma) {
    const Padded p(R"({"a":{},"b":[],"c":[{}]})");
    JsonSkim json(p.data(), p.size);
    ASSERT_TRUE(json.enter_object());
    std::string_view key;
    ASSERT_TRUE(json.next_member(key));
    ASSERT_TRUE(json.enter_object());
    EXPECT_FALSE(json.next_member(key));
    ASSERT_TRUE(json.next_member(key));
    ASSERT_TRUE(json.enter_array());
    EXPECT_FALSE(json.next_element());
    ASSERT_TRUE(json.next_member(key));
    ASSERT_TRUE(json.enter_array());
    ASSERT_TRUE(json.next_element());
    ASSERT_TRUE(json.enter_object());
    EXPECT_FALSE(json.next_member(key));
    EXPECT_FALSE(json.next_element());
    EXPECT_FALSE(json.next_member(key));
    EXPECT_TRUE(json.finish()) << json.error();
}

// Walks a whole text the way the decoders do: every member skipped.
bool skims(std::string_view text) {
    const Padded p(text);
    JsonSkim json(p.data(), p.size);
    if (!json.enter_object()) return false;
    std::string_view key;
    while (json.next_member(key)) {
        if (!json.skip()) return false;
    }
    return json.ok() && json.finish();
}

TEST(JsonSkim, StructuralErrorsAreReported) {
    EXPECT_TRUE(skims(R"({"a":1})"));
    EXPECT_TRUE(skims(R"({})"));
    for (const char* bad : {
             "",
             "{",
             "[1]",
             R"({"a":1,})",
             R"({"a" 1})",
             R"({"a":1 "b":2})",
             R"({,"a":1})",
             R"({"a":{"b":1]})",
             R"({"a":[}]})",
             R"({"a":"unterminated})",
             R"({"a":tru})",
             R"({"a":nul})",
             R"({"a":+1})",
             R"({"a":-})",
             R"({"a":1} x)",
             R"({"a":1}})",
             R"({a:1})",
             R"({"a":})",
         }) {
        EXPECT_FALSE(skims(bad)) << bad;
    }
}

// What is skipped is checked for brackets and string ends only: the decoders
// never read it, and --strict validates whole lines when asked.
TEST(JsonSkim, SkippedContainersAreCheckedForStructureOnly) {
    EXPECT_TRUE(skims(R"({"a":[1 2,,]})"));
    EXPECT_FALSE(skims(R"({"a":[1 2,,})"));
    EXPECT_FALSE(skims(R"({"a":["]"})"));
}

TEST(JsonSkim, DeepNestingIsRefusedNotRecursed) {
    const std::string deep = R"({"a":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
    EXPECT_FALSE(skims(deep));
    const std::string fine = R"({"a":)" + std::string(1000, '[') + std::string(1000, ']') + "}";
    EXPECT_TRUE(skims(fine));
}

TEST(JsonSkim, NumbersAreRoundedAndClamped) {
    const auto number = [](std::string_view text) {
        const Padded p(text);
        JsonSkim json(p.data(), p.size);
        int64_t v = 0;
        EXPECT_TRUE(json.integer(v)) << text;
        return v;
    };
    EXPECT_EQ(number("0"), 0);
    EXPECT_EQ(number("42"), 42);
    EXPECT_EQ(number("2.5e3"), 2500);
    EXPECT_EQ(number("1e300"), INT64_MAX);
    EXPECT_EQ(number("-1e300"), INT64_MIN);
    EXPECT_EQ(number("99999999999999999999"), INT64_MAX);
}

TEST(DecodeJsonString, EscapesAndSurrogates) {
    std::string out;
    ASSERT_TRUE(decode_json_string(R"(a\"b\\c\/d\n\t\r\b\f)", out));
    EXPECT_EQ(out, "a\"b\\c/d\n\t\r\b\f");
    ASSERT_TRUE(decode_json_string(R"(\u00e9\u20ac\ud83d\ude80)", out));
    EXPECT_EQ(out, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x9a\x80");  // é € 🚀
    ASSERT_TRUE(decode_json_string(R"(\ud83d x)", out));
    EXPECT_EQ(out, "\xef\xbf\xbd x");  // a lone surrogate becomes U+FFFD
    ASSERT_TRUE(decode_json_string("plain", out));
    EXPECT_EQ(out, "plain");
    EXPECT_FALSE(decode_json_string(R"(\x)", out));
    EXPECT_FALSE(decode_json_string(R"(\u12)", out));
    EXPECT_FALSE(decode_json_string("ends\\", out));
}

TEST(DecodedLength, CountsCodePointsOfTheDecodedText) {
    EXPECT_EQ(decoded_length(""), 0u);
    EXPECT_EQ(decoded_length("hello"), 5u);
    EXPECT_EQ(decoded_length(R"(a\nb\"c)"), 5u);
    EXPECT_EQ(decoded_length("caf\xc3\xa9"), 4u);
    EXPECT_EQ(decoded_length(R"(\u00e9\ud83d\ude80)"), 2u);
    EXPECT_EQ(decoded_length("\xf0\x9f\x9a\x80 ok"), 4u);
}

}  // namespace
}  // namespace agent_trace::transcript
