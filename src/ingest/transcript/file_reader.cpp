#include "ingest/transcript/file_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace agent_trace::transcript {
namespace {

constexpr size_t kReadChunk = 1 << 20;  // 1 MiB: stays in cache while it is scanned

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.release();
    }
    return *this;
}

UniqueFd::~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
}

LineReader::LineReader(uint64_t max_line_bytes, size_t padding)
    : max_line_bytes_(std::max<uint64_t>(max_line_bytes, kReadChunk)),
      padding_(padding),
      buffer_(std::make_unique<char[]>(2 * kReadChunk + padding)),
      capacity_(2 * kReadChunk) {}

void LineReader::reset(int fd, uint64_t start_offset) {
    fd_ = fd;
    file_offset_ = start_offset;
    begin_ = end_ = scanned_ = 0;
    skipped_in_line_ = 0;
    eof_ = false;
    bytes_read_ = 0;
}

Status LineReader::fill() {
    // Keep the partial line, drop consumed bytes.
    if (begin_ > 0) {
        std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (capacity_ - end_ < kReadChunk && capacity_ < max_line_bytes_ + kReadChunk) {
        const size_t grown = std::min<size_t>(capacity_ * 2, max_line_bytes_ + kReadChunk);
        // Grows only for lines longer than the buffer; zeroed so parser padding is defined.
        auto bigger = std::make_unique<char[]>(grown + padding_);
        std::memcpy(bigger.get(), buffer_.get(), end_);
        buffer_ = std::move(bigger);
        capacity_ = grown;
    }
    const size_t want = std::min(kReadChunk, capacity_ - end_);
    const uint64_t at = file_offset_ + end_;
    ssize_t got = 0;
    do {
        got = ::pread(fd_, buffer_.get() + end_, want, static_cast<off_t>(at));
    } while (got < 0 && errno == EINTR);
    if (got < 0) return make_error(std::string("read failed: ") + std::strerror(errno));
    if (got == 0) eof_ = true;
    end_ += static_cast<size_t>(got);
    bytes_read_ += static_cast<uint64_t>(got);
    return Ok{};
}

Result<NextLine> LineReader::next(Line& line) {
    bool skipping = false;  // inside a line longer than max_line_bytes_
    for (;;) {
        const char* base = buffer_.get();
        const size_t from = begin_ + scanned_;
        const void* nl = from < end_ ? std::memchr(base + from, '\n', end_ - from) : nullptr;
        if (nl != nullptr) {
            const size_t pos = static_cast<const char*>(nl) - base;
            const uint64_t end_offset = file_offset_ + (pos - begin_) + 1;
            line.data = base + begin_;
            line.size = pos - begin_;
            line.capacity = capacity_ + padding_ - begin_;
            line.end_offset = end_offset;
            file_offset_ = end_offset;  // now the offset of buffer_[pos + 1]
            begin_ = pos + 1;
            scanned_ = 0;
            skipped_in_line_ = 0;
            if (skipping) {
                line.size = 0;
                return NextLine::oversized;
            }
            return NextLine::line;
        }
        scanned_ = end_ - begin_;
        if (eof_) return NextLine::end;
        if (end_ - begin_ > max_line_bytes_) {
            // Too long to hold: drop what we have and keep looking for its end.
            skipping = true;
            skipped_in_line_ += end_ - begin_;
            file_offset_ += end_ - begin_;
            begin_ = end_ = scanned_ = 0;
        }
        if (auto status = fill(); !status) return status.error();
    }
}

}  // namespace agent_trace::transcript
