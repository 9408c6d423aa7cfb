#include "core/json_writer.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace agent_trace {
namespace {

// simdjson validates structure and UTF-8 of the whole document.
::testing::AssertionResult parses_as_json(const std::string& json) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(json);
    simdjson::dom::element root;
    if (auto error = parser.parse(padded).get(root); error != simdjson::SUCCESS) {
        return ::testing::AssertionFailure() << simdjson::error_message(error) << " in: " << json;
    }
    return ::testing::AssertionSuccess();
}

// The string a JSON document holding one string literal decodes to.
std::string decoded_string(const std::string& literal) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(literal);
    std::string_view s;
    EXPECT_EQ(parser.parse(padded).get_string().get(s), simdjson::SUCCESS) << literal;
    return std::string(s);
}

std::string json_literal(std::string_view text) {
    std::string out;
    append_json_string(out, text);
    return out;
}

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

TEST(JsonWriter, NestingAndCommas) {
    JsonWriter w;
    w.begin_object();
    w.key("a").value(1);
    w.key("b").begin_array();
    w.value("x").value(true).value(false).null();
    w.begin_object().end_object();
    w.begin_array().end_array();
    w.begin_array().value(1).value(2).end_array();
    w.end_array();
    w.key("c").begin_object().key("d").value(int64_t{-5}).key("e").value(uint64_t{7}).end_object();
    w.key("f").raw(R"({"pre":[1,2]})");
    w.end_object();
    EXPECT_EQ(
        w.str(),
        R"({"a":1,"b":["x",true,false,null,{},[],[1,2]],"c":{"d":-5,"e":7},"f":{"pre":[1,2]}})");
    EXPECT_TRUE(parses_as_json(w.str()));
}

TEST(JsonWriter, RawValuesInArrayAreSeparated) {
    JsonWriter w;
    w.begin_array().raw("{}").raw("[1]").value("s").raw("null").end_array();
    EXPECT_EQ(w.str(), R"([{},[1],"s",null])");
    EXPECT_TRUE(parses_as_json(w.str()));
}

TEST(JsonWriter, IntegerExtremes) {
    JsonWriter w;
    w.begin_array()
        .value(std::numeric_limits<int64_t>::min())
        .value(std::numeric_limits<int64_t>::max())
        .value(std::numeric_limits<uint64_t>::max())
        .value(0)
        .end_array();
    EXPECT_EQ(w.str(), "[-9223372036854775808,9223372036854775807,18446744073709551615,0]");
    EXPECT_TRUE(parses_as_json(w.str()));
}

TEST(JsonWriter, TakeMovesOutput) {
    JsonWriter w;
    w.begin_object().key("k").value("v").end_object();
    EXPECT_EQ(w.take(), R"({"k":"v"})");
}

TEST(JsonString, EscapesQuotesBackslashesAndControls) {
    EXPECT_EQ(json_literal(R"(say "hi")"), R"("say \"hi\"")");
    EXPECT_EQ(json_literal(R"(C:\dir\)"), R"("C:\\dir\\")");
    EXPECT_EQ(json_literal("a\nb\rc\td"), R"("a\nb\rc\td")");
    EXPECT_EQ(json_literal(std::string_view("\x00", 1)), R"("\u0000")");
    EXPECT_EQ(json_literal("\x01\x08\x0c\x1f"), R"("\u0001\u0008\u000c\u001f")");
    EXPECT_EQ(json_literal("\x7f"), "\"\x7f\"");  // DEL needs no escape
    EXPECT_EQ(json_literal(""), "\"\"");

    std::string all_controls;
    for (int c = 0; c < 0x20; ++c) all_controls.push_back(static_cast<char>(c));
    all_controls += "\"\\/";
    const std::string literal = json_literal(all_controls);
    ASSERT_TRUE(parses_as_json(literal));
    EXPECT_EQ(decoded_string(literal), all_controls);
}

TEST(JsonString, KeepsValidUtf8) {
    for (const char* text : {"caf\xC3\xA9", "\xE2\x82\xAC 5", "\xF0\x9F\x98\x80", "\xEF\xBF\xBF",
                             "\xF4\x8F\xBF\xBF"}) {
        const std::string literal = json_literal(text);
        EXPECT_EQ(literal, std::string("\"") + text + "\"");
        ASSERT_TRUE(parses_as_json(literal));
        EXPECT_EQ(decoded_string(literal), text);
    }
}

TEST(JsonString, ReplacesInvalidUtf8) {
    EXPECT_EQ(json_literal("a\xFF"
                           "b"),
              "\"a" + kReplacement + "b\"");
    EXPECT_EQ(json_literal("\x80"), "\"" + kReplacement + "\"");      // lone continuation
    EXPECT_EQ(json_literal("x\xC3"), "\"x" + kReplacement + "\"");    // cut at the end
    EXPECT_EQ(json_literal("\xC3(x"), "\"" + kReplacement + "(x\"");  // bad continuation
    EXPECT_EQ(json_literal("\xE2\x82"), "\"" + kReplacement + kReplacement + "\"");
    const std::string invalid_between = std::string("a\xFF") + "b";
    for (const char* text :
         {invalid_between.c_str(), "\x80", "x\xC3", "\xE2\x82", "\xF0\x9F\x98"}) {
        EXPECT_TRUE(parses_as_json(json_literal(text))) << text;
    }
}

// "invalid UTF-8 bytes are replaced with U+FFFD so the output is always valid
// JSON": overlong forms, UTF-16 surrogates and code points past U+10FFFF are
// invalid UTF-8 too, and a strict parser rejects them.
TEST(JsonString, ReplacesOverlongSurrogateAndOutOfRangeSequences) {
    struct Case {
        const char* name;
        std::string_view bytes;
    };
    const Case cases[] = {
        {"overlong '/' (C0 AF)", "\xC0\xAF"},
        {"overlong NUL (C0 80)", std::string_view("\xC0\x80", 2)},
        {"overlong 3-byte (E0 80 AF)", "\xE0\x80\xAF"},
        {"surrogate U+D800 (ED A0 80)", "\xED\xA0\x80"},
        {"past U+10FFFF (F4 90 80 80)", "\xF4\x90\x80\x80"},
        {"F5 lead byte (F5 80 80 80)", "\xF5\x80\x80\x80"},
    };
    for (const Case& c : cases) {
        const std::string literal = json_literal(c.bytes);
        EXPECT_TRUE(parses_as_json(literal)) << c.name;
        EXPECT_NE(literal.find(kReplacement), std::string::npos) << c.name;
    }
}

TEST(JsonWriter, KeysAreEscapedToo) {
    JsonWriter w;
    w.begin_object().key("we\"ird\n\xFF").value(1).end_object();
    EXPECT_EQ(w.str(), "{\"we\\\"ird\\n" + kReplacement + "\":1}");
    EXPECT_TRUE(parses_as_json(w.str()));
}

TEST(JsonWriter, DoublesUseFixedDecimals) {
    JsonWriter w;
    w.begin_array()
        .value(1.5, 2)
        .value(0.1)
        .value(-2.25, 3)
        .value(3.0, 0)
        .value(1e-12)
        .value(123456789.123456789, 4)
        .value(1e20, 1)
        .end_array();
    EXPECT_EQ(w.str(),
              "[1.50,0.1000000000,-2.250,3,0.0000000000,123456789.1235,"
              "100000000000000000000.0]");
    EXPECT_EQ(w.str().find('e'), std::string::npos);
    EXPECT_TRUE(parses_as_json(w.str()));
}

TEST(JsonWriter, NonFiniteDoublesBecomeNull) {
    JsonWriter w;
    w.begin_array()
        .value(std::numeric_limits<double>::quiet_NaN())
        .value(std::numeric_limits<double>::infinity())
        .value(-std::numeric_limits<double>::infinity())
        .end_array();
    EXPECT_EQ(w.str(), "[null,null,null]");
}

// A huge finite double must still come out as its full fixed-point value (and
// as valid JSON), not cut off at an internal buffer size. 5e61 has 62 integer
// digits: cut at 63 bytes the text would end in a bare '.'.
TEST(JsonWriter, HugeDoubleIsNotTruncated) {
    for (const double huge : {5e61, 1e62, 1e100}) {
        JsonWriter w;
        w.begin_array().value(huge, 2).end_array();
        const std::string& out = w.str();
        ASSERT_TRUE(parses_as_json(out)) << huge;
        simdjson::dom::parser parser;
        simdjson::padded_string padded(out);
        double back = 0;
        ASSERT_EQ(parser.parse(padded).at(0).get_double().get(back), simdjson::SUCCESS) << out;
        EXPECT_DOUBLE_EQ(back, huge) << out;
        EXPECT_EQ(out.substr(out.size() - 4), ".00]") << out;
    }
}

}  // namespace
}  // namespace agent_trace
