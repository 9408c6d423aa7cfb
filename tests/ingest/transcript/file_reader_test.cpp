#include "ingest/transcript/file_reader.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace agent_trace::transcript {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMiB = 1 << 20;
constexpr size_t kPadding = 64;

class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::path(::testing::TempDir()) / "file_reader_XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed for " << tmpl;
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] fs::path file(const std::string& name) const { return path_ / name; }

private:
    fs::path path_;
};

void write_file(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    ASSERT_TRUE(out.good()) << path;
}

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
            for (size_t i = line.size; i < line.size + kPadding; ++i) sink = sink ^ line.data[i];
            (void)sink;
        }
        out.push_back({*next, std::string(line.view()), line.end_offset});
    }
    return out;
}

TEST(LineReader, LinesAcrossChunkBoundaries) {
    TempDir dir;
    // ~300 KB lines cross the 1 MiB read chunk at several places; a 3 MB line
    // needs the buffer to grow; short lines follow.
    std::vector<std::string> lines;
    for (size_t i = 0; i < 12; ++i) lines.push_back(make_line(i, 300'000 + i * 7));
    lines.push_back(make_line(12, 3'000'000));
    lines.push_back(make_line(13, 5));
    lines.push_back("");  // a blank line is still a line
    lines.push_back(make_line(15, 300'001));
    std::string content;
    std::vector<uint64_t> ends;
    for (const auto& l : lines) {
        content += l;
        content += '\n';
        ends.push_back(content.size());
    }
    const fs::path path = dir.file("big.jsonl");
    write_file(path, content);

    UniqueFd fd = open_file(path);
    LineReader reader(64 * kMiB, kPadding);
    reader.reset(fd.get(), 0);
    const auto got = read_all(reader);
    ASSERT_EQ(got.size(), lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
        EXPECT_EQ(got[i].kind, NextLine::line) << i;
        EXPECT_EQ(got[i].text.size(), lines[i].size()) << i;
        EXPECT_TRUE(got[i].text == lines[i]) << "line " << i << " differs";
        EXPECT_EQ(got[i].end_offset, ends[i]) << i;
    }
    EXPECT_EQ(reader.pending_bytes(), 0u);
    EXPECT_EQ(reader.bytes_read(), content.size());
    // At the end, further calls keep saying end.
    Line line;
    auto again = reader.next(line);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, NextLine::end);
}

TEST(LineReader, LastLineWithoutNewlineIsPending) {
    TempDir dir;
    const fs::path path = dir.file("tail.jsonl");
    write_file(path, "{\"a\":1}\n{\"b\":2}\n{\"c\":");

    UniqueFd fd = open_file(path);
    LineReader reader(64 * kMiB, kPadding);
    reader.reset(fd.get(), 0);
    const auto got = read_all(reader);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].text, "{\"a\":1}");
    EXPECT_EQ(got[0].end_offset, 8u);
    EXPECT_EQ(got[1].text, "{\"b\":2}");
    EXPECT_EQ(got[1].end_offset, 16u);
    EXPECT_EQ(reader.pending_bytes(), 5u);
}

TEST(LineReader, EmptyFileAndCrLf) {
    TempDir dir;
    const fs::path empty = dir.file("empty.jsonl");
    write_file(empty, "");
    {
        UniqueFd fd = open_file(empty);
        LineReader reader(64 * kMiB, kPadding);
        reader.reset(fd.get(), 0);
        EXPECT_TRUE(read_all(reader).empty());
        EXPECT_EQ(reader.pending_bytes(), 0u);
    }
    const fs::path crlf = dir.file("crlf.jsonl");
    write_file(crlf, "one\r\n\ntwo\n");
    UniqueFd fd = open_file(crlf);
    LineReader reader(64 * kMiB, kPadding);
    reader.reset(fd.get(), 0);
    const auto got = read_all(reader);
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
    std::string content;
    std::vector<uint64_t> ends;
    for (size_t i = 0; i < 8; ++i) {
        lines.push_back(make_line(i, 200'000 + i));
        content += lines.back() + "\n";
        ends.push_back(content.size());
    }
    const fs::path path = dir.file("resume.jsonl");
    write_file(path, content);

    UniqueFd fd = open_file(path);
    LineReader reader(64 * kMiB, kPadding);
    reader.reset(fd.get(), ends[4]);
    const auto got = read_all(reader);
    ASSERT_EQ(got.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_TRUE(got[i].text == lines[5 + i]) << i;
        EXPECT_EQ(got[i].end_offset, ends[5 + i]) << i;  // offsets stay absolute
    }
    EXPECT_EQ(reader.bytes_read(), content.size() - ends[4]);

    // Starting exactly at the end reads nothing.
    LineReader at_end(64 * kMiB, kPadding);
    at_end.reset(fd.get(), content.size());
    EXPECT_TRUE(read_all(at_end).empty());
    EXPECT_EQ(at_end.pending_bytes(), 0u);
}

TEST(LineReader, OversizedLineIsSkippedAndReadingGoesOn) {
    TempDir dir;
    const std::string before = "{\"before\":1}";
    const std::string huge = make_line(3, 3 * kMiB);
    const std::string after1 = "{\"after\":1}";
    const std::string after2 = make_line(4, 400'000);
    const std::string content = before + "\n" + huge + "\n" + after1 + "\n" + after2 + "\n";
    const fs::path path = dir.file("oversized.jsonl");
    write_file(path, content);

    UniqueFd fd = open_file(path);
    LineReader reader(1 * kMiB, kPadding);
    reader.reset(fd.get(), 0);
    const auto got = read_all(reader);
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
    EXPECT_EQ(reader.pending_bytes(), 0u);
}

TEST(LineReader, TwoOversizedLinesInARow) {
    TempDir dir;
    const std::string content =
        make_line(0, 2 * kMiB + 3) + "\n" + make_line(1, 5 * kMiB) + "\nok\n";
    const fs::path path = dir.file("two.jsonl");
    write_file(path, content);
    UniqueFd fd = open_file(path);
    LineReader reader(1 * kMiB, kPadding);
    reader.reset(fd.get(), 0);
    const auto got = read_all(reader);
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
    const fs::path path = dir.file("oversized_tail.jsonl");
    write_file(path, content);
    UniqueFd fd = open_file(path);
    LineReader reader(1 * kMiB, kPadding);
    reader.reset(fd.get(), 0);
    const auto got = read_all(reader);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].text, "{\"a\":1}");
    EXPECT_GT(reader.pending_bytes(), 0u);
}

// "Longer lines are skipped": a line of exactly max_line_bytes is not longer
// than the limit and must be returned whole.
TEST(LineReader, LineOfExactlyMaxBytesIsRead) {
    TempDir dir;
    const std::string exact = make_line(9, 1 * kMiB);
    const std::string content = exact + "\nnext\n";
    const fs::path path = dir.file("exact.jsonl");
    write_file(path, content);
    UniqueFd fd = open_file(path);
    LineReader reader(1 * kMiB, kPadding);
    reader.reset(fd.get(), 0);
    const auto got = read_all(reader);
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
        EXPECT_EQ(a.get(), -1);
        EXPECT_EQ(b.get(), raw);
        UniqueFd c;
        c = std::move(b);
        EXPECT_EQ(c.get(), raw);
    }
    EXPECT_EQ(::fcntl(raw, F_GETFD), -1);  // closed exactly once, by c
}

}  // namespace
}  // namespace agent_trace::transcript
