#include "cli/text_diff.hpp"

#include <gtest/gtest.h>

#include <string>

namespace agent_trace::cli {
namespace {

std::string numbered(int from, int to) {
    std::string text;
    for (int i = from; i <= to; ++i) text += std::to_string(i) + "\n";
    return text;
}

TEST(TextDiff, EqualTextsHaveNoDiff) { EXPECT_EQ(unified_diff("a\nb\n", "a\nb\n", "x", "y"), ""); }

TEST(TextDiff, OneChangedLineWithContext) {
    const std::string before = numbered(1, 10);
    std::string after = before;
    after.replace(after.find("5\n"), 2, "five\n");
    EXPECT_EQ(unified_diff(before, after, "a", "b"),
              "--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

TEST(TextDiff, DistantChangesMakeSeparateHunks) {
    const std::string before = numbered(1, 20);
    std::string after = "0\n" + before + "21\n";
    EXPECT_EQ(
        unified_diff(before, after, "a", "b"),
        "--- a\n+++ b\n@@ -1,3 +1,4 @@\n+0\n 1\n 2\n 3\n@@ -18,3 +19,4 @@\n 18\n 19\n 20\n+21\n");
}

TEST(TextDiff, CreatedFileAndMissingFinalNewline) {
    EXPECT_EQ(unified_diff("", "{}\n", "/dev/null", "s.json"),
              "--- /dev/null\n+++ s.json\n@@ -0,0 +1 @@\n+{}\n");
    EXPECT_EQ(unified_diff("{}", "{}\n", "a", "b"),
              "--- a\n+++ b\n@@ -1 +1 @@\n-{}\n\\ No newline at end of file\n+{}\n");
}

TEST(TextDiff, LargeRewritesStillProduceAValidDiff) {
    std::string before;
    std::string after;
    for (int i = 0; i < 3000; ++i) {
        before += "old " + std::to_string(i) + "\n";
        after += "new " + std::to_string(i) + "\n";
    }
    const std::string diff = unified_diff(before, after, "a", "b");
    EXPECT_EQ(diff.rfind("--- a\n+++ b\n@@ -1,3000 +1,3000 @@\n", 0), 0U);
    EXPECT_NE(diff.find("-old 2999\n"), std::string::npos);
    EXPECT_NE(diff.find("+new 0\n"), std::string::npos);
}

}  // namespace
}  // namespace agent_trace::cli
