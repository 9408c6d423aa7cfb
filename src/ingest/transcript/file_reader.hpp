#pragma once
// Reads a file as complete lines from an offset through one bounded buffer.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace agent_trace::transcript {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    ~UniqueFd();
    [[nodiscard]] int get() const { return fd_; }
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    int fd_ = -1;
};

struct Line {
    const char* data = nullptr;
    size_t size = 0;
    size_t capacity = 0;      // readable bytes from data (includes parser padding)
    uint64_t end_offset = 0;  // file offset just past the line's newline
    [[nodiscard]] std::string_view view() const { return {data, size}; }
};

enum class NextLine : uint8_t { line, oversized, end };

class LineReader {
public:
    // `padding` extra readable bytes always follow any returned line. One reader
    // serves many files in turn so its buffer is allocated once per thread.
    LineReader(uint64_t max_line_bytes, size_t padding);

    // Starts reading `fd` (not owned) at `start_offset`.
    void reset(int fd, uint64_t start_offset);

    // Next complete line (newline excluded), an oversized line (skipped, its
    // end offset reported in `line.end_offset`), or the end of complete lines.
    Result<NextLine> next(Line& line);

    // Bytes after the last complete line: a line still being written.
    [[nodiscard]] uint64_t pending_bytes() const { return end_ - begin_ + skipped_in_line_; }
    [[nodiscard]] uint64_t bytes_read() const { return bytes_read_; }

private:
    Status fill();
    int fd_ = -1;
    uint64_t file_offset_ = 0;  // file offset of buffer_[begin_]
    uint64_t max_line_bytes_;
    size_t padding_;
    std::unique_ptr<char[]> buffer_;
    size_t capacity_ = 0;  // usable bytes (padding excluded)
    size_t begin_ = 0;
    size_t end_ = 0;
    size_t scanned_ = 0;            // bytes from begin_ already known to hold no newline
    uint64_t skipped_in_line_ = 0;  // bytes of the current over-long line already dropped
    bool eof_ = false;
    uint64_t bytes_read_ = 0;
};

}  // namespace agent_trace::transcript
