#include "cli/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>

#include "core/file_io.hpp"

namespace agent_trace::cli {
namespace {

std::string errno_text(int error) { return std::strerror(error); }

using file_io::UniqueFd;

// Closes now and reports the close's own error (delayed write errors show there).
int close_checked(UniqueFd& fd) { return ::close(fd.release()); }

int open_retrying(const char* path, int flags, mode_t mode = 0) {
    int fd = -1;
    do {
        fd = ::open(path, flags, mode);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

Status write_all(int fd, std::string_view content, const std::string& what) {
    while (!content.empty()) {
        const ssize_t n = ::write(fd, content.data(), content.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error("cannot write " + what + ": " + errno_text(errno));
        }
        content.remove_prefix(static_cast<size_t>(n));
    }
    return Ok{};
}

Status sync_directory(const std::filesystem::path& dir) {
    UniqueFd fd(open_retrying(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) return make_error("cannot open " + dir.string() + ": " + errno_text(errno));
    if (::fsync(fd.get()) != 0 && errno != EINVAL) {
        return make_error("cannot sync " + dir.string() + ": " + errno_text(errno));
    }
    return Ok{};
}

// A name for a sibling file nobody else uses: pid plus a per-process counter.
std::filesystem::path sibling_temp_name(const std::filesystem::path& path) {
    static unsigned counter = 0;
    return path.string() + ".agent-trace-tmp-" + std::to_string(::getpid()) + "-" +
           std::to_string(++counter);
}

std::string utc_stamp() {
    const std::time_t now = std::time(nullptr);
    std::tm parts{};
    if (::gmtime_r(&now, &parts) == nullptr) return "unknown-time";
    std::array<char, 32> buffer{};
    const size_t n = std::strftime(buffer.data(), buffer.size(), "%Y%m%dT%H%M%SZ", &parts);
    return {buffer.data(), n};
}

}  // namespace

Status replace_file_atomically(const std::filesystem::path& path, std::string_view content,
                               mode_t new_file_mode) {
    const std::filesystem::path dir =
        path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    struct stat existing {};
    const bool exists = ::stat(path.c_str(), &existing) == 0;
    if (!exists && errno != ENOENT) {
        return make_error("cannot stat " + path.string() + ": " + errno_text(errno));
    }
    const std::filesystem::path temp = sibling_temp_name(path);
    UniqueFd fd(open_retrying(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                              exists ? 0600 : new_file_mode));
    if (!fd.valid()) {
        return make_error("cannot create " + temp.string() + ": " + errno_text(errno));
    }
    auto fail = [&temp](std::string message) -> Status {
        (void)::unlink(temp.c_str());
        return make_error(std::move(message));
    };
    if (exists) {
        if (::fchmod(fd.get(), existing.st_mode & 07777) != 0) {
            return fail("cannot set the mode of " + temp.string() + ": " + errno_text(errno));
        }
        // Only root can give a file away; anyone else keeps owning what they write.
        if ((existing.st_uid != ::geteuid() || existing.st_gid != ::getegid()) &&
            ::fchown(fd.get(), existing.st_uid, existing.st_gid) != 0 && errno != EPERM) {
            return fail("cannot set the owner of " + temp.string() + ": " + errno_text(errno));
        }
    }
    if (auto s = write_all(fd.get(), content, temp.string()); !s) return fail(s.error().message);
    if (::fsync(fd.get()) != 0) {
        return fail("cannot sync " + temp.string() + ": " + errno_text(errno));
    }
    if (close_checked(fd) != 0)
        return fail("cannot close " + temp.string() + ": " + errno_text(errno));
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        return fail("cannot rename " + temp.string() + " to " + path.string() + ": " +
                    errno_text(errno));
    }
    return sync_directory(dir);
}

Result<std::filesystem::path> write_backup(const std::filesystem::path& path,
                                           std::string_view content, mode_t mode) {
    const std::string base = path.string() + ".agent-trace-backup-" + utc_stamp();
    constexpr int kMaxAttempts = 100;
    for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
        const std::filesystem::path candidate =
            attempt == 1 ? std::filesystem::path(base)
                         : std::filesystem::path(base + "-" + std::to_string(attempt));
        UniqueFd fd(
            open_retrying(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!fd.valid()) {
            if (errno == EEXIST) continue;
            return make_error("cannot create backup " + candidate.string() + ": " +
                              errno_text(errno));
        }
        auto fail = [&candidate](std::string message) -> Result<std::filesystem::path> {
            (void)::unlink(candidate.c_str());
            return make_error(std::move(message));
        };
        if (::fchmod(fd.get(), mode & 07777) != 0) {
            return fail("cannot set the mode of " + candidate.string() + ": " + errno_text(errno));
        }
        if (auto s = write_all(fd.get(), content, candidate.string()); !s) {
            return fail(s.error().message);
        }
        if (::fsync(fd.get()) != 0) {
            return fail("cannot sync " + candidate.string() + ": " + errno_text(errno));
        }
        if (close_checked(fd) != 0) {
            return fail("cannot close " + candidate.string() + ": " + errno_text(errno));
        }
        return candidate;
    }
    return make_error("cannot find a free backup name next to " + path.string());
}

Result<std::filesystem::path> resolve_for_writing(const std::filesystem::path& path) {
    std::error_code ec;
    const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
    if (ec) return make_error("cannot resolve " + path.string() + ": " + ec.message());
    const auto status = std::filesystem::symlink_status(absolute, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
        return make_error("cannot stat " + absolute.string() + ": " + ec.message());
    }
    if (std::filesystem::is_symlink(status)) {
        std::filesystem::path target = std::filesystem::canonical(absolute, ec);
        if (ec) {
            return make_error(absolute.string() + " is a symbolic link to a missing file (" +
                              ec.message() + ")");
        }
        return target;
    }
    // The directories may be links; the file itself is not.
    const std::filesystem::path parent =
        std::filesystem::weakly_canonical(absolute.parent_path(), ec);
    if (ec) return absolute.lexically_normal();
    return parent / absolute.filename();
}

}  // namespace agent_trace::cli
