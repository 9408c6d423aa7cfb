// Appending to the spool. Many hook-handlers append at once, and a drainer may rename
// the file away at any moment. The protocol:
//   open(O_APPEND|O_CREAT) -> flock(LOCK_EX) -> check that the descriptor still is the
//   file named hooks.spool (the drainer renames it, then unlinks it once drained; a
//   writer that opened it just before either would otherwise write into a file nobody
//   reads again) -> one write() of the record and its '\n' -> fdatasync (or start
//   write-back, see SpoolSync) -> close.
// The drainer takes the same lock after renaming, so it reads only whole records.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "pipeline/spool/spool.hpp"
#include "pipeline/spool/spool_files.hpp"

namespace agent_trace {
namespace {

using spool_detail::errno_text;
using spool_detail::UniqueFd;

// A bound on reopen rounds. Each one means a drainer renamed the file while this
// writer waited for the lock, which `serve` does once per poll; only a drainer
// spinning without pause (or something else renaming the file) can use them up.
constexpr int kMaxOpenAttempts = 1000;

// mkdir -p with mode 0700 (the spool holds payloads, readable by the owner only).
Status make_directories(const std::string& dir) {
    for (size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
        const std::string prefix = slash == std::string::npos ? dir : dir.substr(0, slash);
        if (!prefix.empty() && ::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
            return make_error(errno_text("cannot create", prefix, errno));
        }
        if (slash == std::string::npos) return Ok{};
    }
}

bool same_file(const struct stat& a, const struct stat& b) {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

std::string spool_file_path(const std::string& spool_dir) {
    return spool_dir + "/" + std::string(spool_detail::kSpoolFile);
}

Status spool_append(const std::string& spool_dir, std::string_view record, SpoolSync sync) {
    if (record.empty()) return make_error("an empty record cannot be spooled");
    if (record.find('\n') != std::string_view::npos) {
        return make_error("a spool record must not contain a newline");
    }
    const std::string path = spool_file_path(spool_dir);
    bool created_directory = false;
    for (int attempt = 0; attempt < kMaxOpenAttempts; ++attempt) {
        UniqueFd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
        if (!fd.valid()) {
            if (errno == EINTR) continue;
            if (errno == ENOENT && !created_directory) {
                if (auto made = make_directories(spool_dir); !made) return made;
                created_directory = true;
                continue;
            }
            return make_retryable_error(errno_text("cannot open", path, errno));
        }
        if (spool_detail::flock_retry(fd.get(), LOCK_EX) != 0) {
            return make_retryable_error(errno_text("cannot lock", path, errno));
        }
        struct stat opened {};
        if (::fstat(fd.get(), &opened) != 0) {
            return make_retryable_error(errno_text("cannot stat", path, errno));
        }
        if (opened.st_nlink == 0) continue;  // drained and unlinked while we waited
        struct stat named {};
        if (::stat(path.c_str(), &named) != 0) {
            if (errno == ENOENT) continue;  // renamed away, not yet recreated
            return make_retryable_error(errno_text("cannot stat", path, errno));
        }
        if (!same_file(opened, named)) continue;  // renamed away and recreated

        std::string line;
        line.reserve(record.size() + 2);
        // A writer killed mid-write (or a full disk) may have left a line without its
        // '\n': end it, so this record is not glued to the torn one.
        if (opened.st_size > 0) {
            char last = '\n';
            ssize_t n = 0;
            do {
                n = ::pread(fd.get(), &last, 1, opened.st_size - 1);
            } while (n < 0 && errno == EINTR);
            if (n == 1 && last != '\n') line.push_back('\n');
        }
        line.append(record);
        line.push_back('\n');
        if (!spool_detail::write_all(fd.get(), line)) {
            const int error = errno;
            // Take back a partial record rather than leave a torn line behind.
            [[maybe_unused]] const int ignored = ::ftruncate(fd.get(), opened.st_size);
            return make_retryable_error(errno_text("cannot write", path, error));
        }
        if (sync == SpoolSync::writeback) {
            // Starts write-back of the bytes just written and returns at once; an
            // error here only means the kernel will write them back later itself.
            [[maybe_unused]] const int ignored = ::sync_file_range(
                fd.get(), opened.st_size, static_cast<off_t>(line.size()), SYNC_FILE_RANGE_WRITE);
            return Ok{};
        }
        if (spool_detail::fdatasync_retry(fd.get()) != 0) {
            return make_retryable_error(errno_text("cannot sync", path, errno));
        }
        return Ok{};
    }
    return make_retryable_error("cannot append to " + path + ": it kept being renamed away");
}

}  // namespace agent_trace
