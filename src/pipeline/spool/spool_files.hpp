#pragma once
// Shared by the spool's writer and drainer: file names and EINTR-safe locking and
// I/O. Internal to src/pipeline/spool/.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "core/file_io.hpp"
#include "core/result.hpp"

namespace agent_trace::spool_detail {

inline constexpr std::string_view kSpoolFile = "hooks.spool";
// Files a drainer renamed hooks.spool to: "draining-<ns>-<pid>-<n>.spool".
inline constexpr std::string_view kDrainingPrefix = "draining-";
inline constexpr std::string_view kDrainingSuffix = ".spool";
// A remainder being written after a failed delivery (renamed to draining-* when done).
inline constexpr std::string_view kRemainderSuffix = ".remainder.tmp";

// One owning descriptor type for the whole project; closing it also releases a
// flock held through it.
using file_io::UniqueFd;

inline std::string errno_text(std::string_view what, const std::string& path, int error) {
    return std::string(what) + " " + path + ": " + std::strerror(error);
}

// flock that retries when a signal interrupts the wait.
inline int flock_retry(int fd, int operation) {
    int rc = 0;
    do {
        rc = ::flock(fd, operation);
    } while (rc != 0 && errno == EINTR);
    return rc;
}

// Writes all of `data` (loops over short writes and EINTR); false with errno set.
inline bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

inline int fdatasync_retry(int fd) {
    int rc = 0;
    do {
        rc = ::fdatasync(fd);
    } while (rc != 0 && errno == EINTR);
    return rc;
}

inline bool is_draining_name(std::string_view name) {
    return name.starts_with(kDrainingPrefix) && name.ends_with(kDrainingSuffix);
}

}  // namespace agent_trace::spool_detail
