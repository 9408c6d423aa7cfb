#include "core/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace agent_trace::file_io {

void UniqueFd::reset() {
    if (fd_ >= 0) {
        // close() is not retried on EINTR: on Linux the descriptor is gone either way.
        (void)::close(fd_);
        fd_ = -1;
    }
}

Error errno_error(std::string_view operation, const std::string& path, int error_number) {
    const bool retryable = error_number == ENOSPC || error_number == EDQUOT ||
                           error_number == EIO || error_number == EAGAIN || error_number == EROFS ||
                           error_number == EMFILE || error_number == ENFILE ||
                           error_number == ENOMEM;
    return Error{std::string(operation) + " " + path + ": " + std::strerror(error_number),
                 retryable};
}

Result<UniqueFd> open_file(const std::string& path, int flags, unsigned mode) {
    for (;;) {
        const int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
        if (fd >= 0) return UniqueFd(fd);
        if (errno != EINTR) return errno_error("open", path, errno);
    }
}

Status write_all_at(int fd, std::string_view bytes, uint64_t offset, const std::string& path) {
    while (!bytes.empty()) {
        const ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error("write", path, errno);
        }
        if (n == 0) return errno_error("write", path, EIO);
        bytes.remove_prefix(static_cast<size_t>(n));
        offset += static_cast<uint64_t>(n);
    }
    return Ok{};
}

Status read_exactly_at(int fd, char* out, size_t size, uint64_t offset, const std::string& path) {
    size_t done = 0;
    while (done < size) {
        const ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error("read", path, errno);
        }
        if (n == 0) return make_error("read " + path + ": unexpected end of file");
        done += static_cast<size_t>(n);
    }
    return Ok{};
}

Result<uint64_t> file_size(int fd, const std::string& path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return errno_error("stat", path, errno);
    return static_cast<uint64_t>(st.st_size);
}

Result<std::string> read_whole_file(const std::string& path) {
    auto fd = open_file(path, O_RDONLY);
    if (!fd) return fd.error();
    auto size = file_size(fd->get(), path);
    if (!size) return size.error();
    std::string content(static_cast<size_t>(*size), '\0');
    // A file that shrinks meanwhile is read up to where it ends now.
    size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::pread(fd->get(), content.data() + done, content.size() - done,
                                  static_cast<off_t>(done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error("read", path, errno);
        }
        if (n == 0) break;
        done += static_cast<size_t>(n);
    }
    content.resize(done);
    return content;
}

Result<std::optional<std::string>> read_small_file(const std::string& path, size_t max_bytes) {
    int raw = -1;
    do {
        raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    } while (raw < 0 && errno == EINTR);
    UniqueFd fd(raw);
    if (!fd.valid()) {
        if (errno == ENOENT) return std::optional<std::string>();
        return make_error("cannot open " + path + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return make_error("cannot stat " + path + ": " + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) return make_error(path + " is not a regular file");
    const std::string too_large =
        path + " is larger than " + std::to_string(max_bytes) + " bytes; not a settings file";
    if (static_cast<uint64_t>(st.st_size) > max_bytes) return make_error(too_large);
    std::string content;
    content.resize(static_cast<size_t>(st.st_size));
    size_t filled = 0;
    // The file may grow or shrink while we read: read until EOF, bounded by max_bytes.
    while (true) {
        if (filled == content.size()) {
            if (content.size() >= max_bytes) return make_error(too_large);
            content.resize(std::min(max_bytes, content.size() + 4096));
        }
        const ssize_t n = ::read(fd.get(), content.data() + filled, content.size() - filled);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error("cannot read " + path + ": " + std::strerror(errno));
        }
        if (n == 0) break;
        filled += static_cast<size_t>(n);
    }
    content.resize(filled);
    return std::optional<std::string>(std::move(content));
}

Status truncate_file(int fd, uint64_t size, const std::string& path) {
    for (;;) {
        if (::ftruncate(fd, static_cast<off_t>(size)) == 0) return Ok{};
        if (errno != EINTR) return errno_error("truncate", path, errno);
    }
}

Status sync_data(int fd, const std::string& path) {
    for (;;) {
        if (::fdatasync(fd) == 0) return Ok{};
        if (errno != EINTR) return errno_error("fdatasync", path, errno);
    }
}

Status sync_directory(const std::string& dir) {
    auto fd = open_file(dir, O_RDONLY | O_DIRECTORY);
    if (!fd) return fd.error();
    for (;;) {
        if (::fsync(fd->get()) == 0) return Ok{};
        if (errno != EINTR) return errno_error("fsync", dir, errno);
    }
}

Status make_directories(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error{"cannot create " + dir + ": " + ec.message(), false};
    if (!std::filesystem::is_directory(dir, ec)) {
        return make_error(dir + " exists and is not a directory");
    }
    return Ok{};
}

Status remove_file(const std::string& path) {
    if (::unlink(path.c_str()) == 0 || errno == ENOENT) return Ok{};
    return errno_error("unlink", path, errno);
}

Status replace_file(const std::string& path, std::string_view content, bool durable) {
    // The pid keeps two processes that replace the same file off each other's
    // temporary; rename() then decides which complete version wins.
    const std::string temp = path + ".tmp-" + std::to_string(::getpid());
    {
        auto fd = open_file(temp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (!fd) return fd.error();
        Status written = write_all_at(fd->get(), content, 0, temp);
        if (written && durable) written = sync_data(fd->get(), temp);
        if (!written) {
            (void)remove_file(temp);
            return written;
        }
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int error_number = errno;
        (void)remove_file(temp);
        return errno_error("rename", temp, error_number);
    }
    if (!durable) return Ok{};
    const std::string dir = std::filesystem::path(path).parent_path().string();
    return sync_directory(dir.empty() ? "." : dir);
}

}  // namespace agent_trace::file_io
