#include "ingest/transcript/file_reader.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../../support/test_support.hpp"

namespace agent_trace::transcript {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMiB = 1 << 20;
constexpr size_t kPadding = 64;

using testing_support::TempDir;
using testing_support::write_file;

UniqueFd open_file(const fs::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    EXPECT_GE(fd.get(), 0) << path;
    return fd;
}

// A line whose bytes depend on its index, so a mix-up between lines shows.
std::string make_line(size_t index, size_t length) {
    std::string line(length, static_cast<char>('a' + index % 26));
    for (size_t i = 0; i < length; i += 4099) line[i] = static_cast<char>('A' + (i / 4099) % 26);
    return line;
}

struct ReadLine {
    NextLine kind;
    std::string text;
    uint64_t end_offset;
};

// Reads until NextLine::end, checking the padding promise on every line.
std::vector<ReadLine> read_all(LineReader& reader) {
    std::vector<ReadLine> out;
    Line line;
    for (;;) {
        auto next = reader.next(line);
        EXPECT_TRUE(next.ok());
        if (!next.ok() || *next == NextLine::end) break;
        if (*next == NextLine::line) {
            EXPECT_GE(line.capacity, line.size + kPadding);
            // The padding must be readable memory of the buffer.
            volatile char sink = 0;
            for (size_t i = line.size; i < line.size + kPadding; ++i) {
                sink = static_cast<char>(sink ^ line.data[i]);
            }
            (void)sink;
        }
        out.push_back({*next, std::string(line.view()), line.end_offset});
    }
    return out;
}

struct ReadResult {
    std::vector<ReadLine> lines;
    uint64_t pending_bytes = 0;
    uint64_t bytes_read = 0;
};

// Reads the file with a fresh reader, from `start` until NextLine::end.
ReadResult read_path(const fs::path& path, size_t max_line_bytes, uint64_t start = 0) {
    UniqueFd fd = open_file(path);
    LineReader reader(max_line_bytes, kPadding);
    reader.reset(fd.get(), start);
    std::vector<ReadLine> lines = read_all(reader);
    return {std::move(lines), reader.pending_bytes(), reader.bytes_read()};
}

// Writes `content` to `path`, then reads it all back.
ReadResult write_and_read(const fs::path& path, const std::string& content,
                          size_t max_line_bytes = 64 * kMiB) {
    write_file(path, content);
    return read_path(path, max_line_bytes);
}

// `lines` as file content, each ended by '\n', and the offset just past each line.
struct Joined {
    std::string content;
    std::vector<uint64_t> ends;
};

Joined join_lines(const std::vector<std::string>& lines) {
    Joined j;
    for (const auto& l : lines) {
        j.content += l;
        j.content += '\n';
        j.ends.push_back(j.content.size());
    }
    return j;
}

TEST(LineReader, LinesAcrossChunkBoundaries) {
    TempDir dir;
    // ~300 KB lines cross the 1 MiB read chunk at several places; a 3 MB line
    // needs the buffer to grow; short lines follow.
    std::vector<std::string> lines;
    for (size_t i = 0; i < 12; ++i) lines.push_back(make_line(i, 300'000 + i * 7));
    lines.push_back(make_line(12, 3'000'000));
    lines.push_back(make_line(13, 5));
    lines.emplace_back();  // a blank line is still a line
    lines.push_back(make_line(15, 300'001));
    const Joined file = join_lines(lines);
    const fs::path path = dir.file("big.jsonl");
    write_file(path, file.content);

    UniqueFd fd = open_file(path);
    LineReader reader(64 * kMiB, kPadding);
    reader.reset(fd.get(), 0);
    const auto got = read_all(reader);
    ASSERT_EQ(got.size(), lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
        EXPECT_EQ(got[i].kind, NextLine::line) << i;
        EXPECT_EQ(got[i].text.size(), lines[i].size()) << i;
        EXPECT_TRUE(got[i].text == lines[i]) << "line " << i << " differs";
        EXPECT_EQ(got[i].end_offset, file.ends[i]) << i;
    }
    EXPECT_EQ(reader.pending_bytes(), 0u);
    EXPECT_EQ(reader.bytes_read(), file.content.size());
    // At the end, further calls keep saying end.
    Line line;
    auto again = reader.next(line);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, NextLine::end);
}

TEST(LineReader, LastLineWithoutNewlineIsPending) {
    TempDir dir;
    const ReadResult r = write_and_read(dir.file("tail.jsonl"), "{\"a\":1}\n{\"b\":2}\n{\"c\":");
    const auto& got = r.lines;
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].text, "{\"a\":1}");
    EXPECT_EQ(got[0].end_offset, 8u);
    EXPECT_EQ(got[1].text, "{\"b\":2}");
    EXPECT_EQ(got[1].end_offset, 16u);
    EXPECT_EQ(r.pending_bytes, 5u);
}

TEST(LineReader, EmptyFileAndCrLf) {
    TempDir dir;
    const ReadResult empty = write_and_read(dir.file("empty.jsonl"), "");
    EXPECT_TRUE(empty.lines.empty());
    EXPECT_EQ(empty.pending_bytes, 0u);

    const auto got = write_and_read(dir.file("crlf.jsonl"), "one\r\n\ntwo\n").lines;
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].text, "one\r");  // the reader splits on '\n' only
    EXPECT_EQ(got[1].text, "");
    EXPECT_EQ(got[1].end_offset, 6u);
    EXPECT_EQ(got[2].text, "two");
    EXPECT_EQ(got[2].end_offset, 10u);
}

TEST(LineReader, StartOffsetResumesMidFile) {
    TempDir dir;
    std::vector<std::string> lines;
    for (size_t i = 0; i < 8; ++i) lines.push_back(make_line(i, 200'000 + i));
    const Joined file = join_lines(lines);
    const fs::path path = dir.file("resume.jsonl");
    write_file(path, file.content);

    const ReadResult r = read_path(path, 64 * kMiB, file.ends[4]);
    ASSERT_EQ(r.lines.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_TRUE(r.lines[i].text == lines[5 + i]) << i;
        EXPECT_EQ(r.lines[i].end_offset, file.ends[5 + i]) << i;  // offsets stay absolute
    }
    EXPECT_EQ(r.bytes_read, file.content.size() - file.ends[4]);

    // Starting exactly at the end reads nothing.
    const ReadResult at_end = read_path(path, 64 * kMiB, file.content.size());
    EXPECT_TRUE(at_end.lines.empty());
    EXPECT_EQ(at_end.pending_bytes, 0u);
}

TEST(LineReader, OversizedLineIsSkippedAndReadingGoesOn) {
    TempDir dir;
    const std::string before = "{\"before\":1}";
    const std::string huge = make_line(3, 3 * kMiB);
    const std::string after1 = "{\"after\":1}";
    const std::string after2 = make_line(4, 400'000);
    const std::string content = before + "\n" + huge + "\n" + after1 + "\n" + after2 + "\n";
    const ReadResult r = write_and_read(dir.file("oversized.jsonl"), content, 1 * kMiB);
    const auto& got = r.lines;
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(got[0].kind, NextLine::line);
    EXPECT_EQ(got[0].text, before);
    EXPECT_EQ(got[1].kind, NextLine::oversized);
    EXPECT_EQ(got[1].text, "");
    EXPECT_EQ(got[1].end_offset, before.size() + 1 + huge.size() + 1);
    EXPECT_EQ(got[2].kind, NextLine::line);
    EXPECT_EQ(got[2].text, after1);
    EXPECT_EQ(got[3].kind, NextLine::line);
    EXPECT_TRUE(got[3].text == after2);
    EXPECT_EQ(got[3].end_offset, content.size());
    EXPECT_EQ(r.pending_bytes, 0u);
}

TEST(LineReader, TwoOversizedLinesInARow) {
    TempDir dir;
    const std::string content =
        make_line(0, 2 * kMiB + 3) + "\n" + make_line(1, 5 * kMiB) + "\nok\n";
    const auto got = write_and_read(dir.file("two.jsonl"), content, 1 * kMiB).lines;
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].kind, NextLine::oversized);
    EXPECT_EQ(got[0].end_offset, 2 * kMiB + 4);
    EXPECT_EQ(got[1].kind, NextLine::oversized);
    EXPECT_EQ(got[1].end_offset, 7 * kMiB + 5);
    EXPECT_EQ(got[2].kind, NextLine::line);
    EXPECT_EQ(got[2].text, "ok");
}

TEST(LineReader, OversizedLineWithoutNewlineIsPending) {
    TempDir dir;
    const std::string content = "{\"a\":1}\n" + make_line(7, 3 * kMiB);
    const ReadResult r = write_and_read(dir.file("oversized_tail.jsonl"), content, 1 * kMiB);
    ASSERT_EQ(r.lines.size(), 1u);
    EXPECT_EQ(r.lines[0].text, "{\"a\":1}");
    EXPECT_GT(r.pending_bytes, 0u);
}

// "Longer lines are skipped": a line of exactly max_line_bytes is not longer
// than the limit and must be returned whole.
TEST(LineReader, LineOfExactlyMaxBytesIsRead) {
    TempDir dir;
    const std::string exact = make_line(9, 1 * kMiB);
    const auto got = write_and_read(dir.file("exact.jsonl"), exact + "\nnext\n", 1 * kMiB).lines;
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].kind, NextLine::line);
    EXPECT_EQ(got[0].text.size(), exact.size());
    EXPECT_EQ(got[0].end_offset, exact.size() + 1);
    EXPECT_EQ(got[1].text, "next");
}

TEST(LineReader, ReadErrorIsReported) {
    // A directory opens O_RDONLY but cannot be read.
    TempDir dir;
    const fs::path sub = dir.file("sub");
    fs::create_directory(sub);
    UniqueFd fd(::open(sub.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_GE(fd.get(), 0);
    LineReader reader(64 * kMiB, kPadding);
    reader.reset(fd.get(), 0);
    Line line;
    auto next = reader.next(line);
    EXPECT_FALSE(next.ok());
}

TEST(LineReader, OneReaderServesManyFiles) {
    TempDir dir;
    const fs::path first = dir.file("first.jsonl");
    const fs::path second = dir.file("second.jsonl");
    write_file(first, make_line(1, 1'500'000) + "\n" + "{\"cut\":");
    write_file(second, "{\"x\":1}\n{\"y\":2}\n");
    UniqueFd fd1 = open_file(first);
    UniqueFd fd2 = open_file(second);

    LineReader reader(64 * kMiB, kPadding);
    reader.reset(fd1.get(), 0);
    auto got = read_all(reader);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].text.size(), 1'500'000u);
    EXPECT_EQ(reader.pending_bytes(), 7u);

    // Nothing of the first file (buffered tail, offsets, counters) leaks into the second.
    reader.reset(fd2.get(), 0);
    got = read_all(reader);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].text, "{\"x\":1}");
    EXPECT_EQ(got[0].end_offset, 8u);
    EXPECT_EQ(got[1].text, "{\"y\":2}");
    EXPECT_EQ(reader.pending_bytes(), 0u);
    EXPECT_EQ(reader.bytes_read(), 16u);

    // And back to the first, from an offset.
    reader.reset(fd1.get(), 1'500'001);
    EXPECT_TRUE(read_all(reader).empty());
    EXPECT_EQ(reader.pending_bytes(), 7u);
}

TEST(UniqueFd, ClosesAndMoves) {
    TempDir dir;
    const fs::path path = dir.file("f");
    write_file(path, "x");
    int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(raw, 0);
    {
        UniqueFd a(raw);
        UniqueFd b(std::move(a));
        // The moved-from state is what this test checks.
        EXPECT_EQ(a.get(), -1);  // NOLINT(bugprone-use-after-move)
        EXPECT_EQ(b.get(), raw);
        UniqueFd c;
        c = std::move(b);
        EXPECT_EQ(c.get(), raw);
    }
    EXPECT_EQ(::fcntl(raw, F_GETFD), -1);  // closed exactly once, by c
}

}  // namespace
}  // namespace agent_trace::transcript
