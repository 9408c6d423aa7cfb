#pragma once
// Checked POSIX file operations (durable queue, dead letters, spool, settings
// files): every call retried on EINTR, every descriptor O_CLOEXEC and owned.
// Edge code too: libc and libstdc++ only.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace agent_trace::file_io {

// Owns one file descriptor; closes it once.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = other.release();
        }
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    [[nodiscard]] int get() const { return fd_; }
    [[nodiscard]] bool valid() const { return fd_ >= 0; }
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset();

private:
    int fd_ = -1;
};

// An Error naming the operation, the path and errno. Disk-full and I/O errors
// are retryable: they may pass without anything changing on our side.
Error errno_error(std::string_view operation, const std::string& path, int error_number);

Result<UniqueFd> open_file(const std::string& path, int flags, unsigned mode = 0644);
Status write_all_at(int fd, std::string_view bytes, uint64_t offset, const std::string& path);
Status read_exactly_at(int fd, char* out, size_t size, uint64_t offset, const std::string& path);
Result<std::string> read_whole_file(const std::string& path);
// A configuration file's bytes, or nullopt when it does not exist. Refuses anything
// that is not a regular file (a FIFO would block), and files over `max_bytes`.
Result<std::optional<std::string>> read_small_file(const std::string& path,
                                                   size_t max_bytes = 16U << 20U);
Result<uint64_t> file_size(int fd, const std::string& path);
Status truncate_file(int fd, uint64_t size, const std::string& path);
Status sync_data(int fd, const std::string& path);
// Makes a create, rename or unlink in `dir` durable.
Status sync_directory(const std::string& dir);
Status make_directories(const std::string& dir);
Status remove_file(const std::string& path);

// Replaces `path` with `content` all or nothing: a temporary file next to it,
// fdatasync, rename over, fsync of the directory (the syncs only when `durable`).
Status replace_file(const std::string& path, std::string_view content, bool durable);

}  // namespace agent_trace::file_io
