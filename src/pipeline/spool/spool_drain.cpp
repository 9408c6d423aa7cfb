// Draining the spool (run by `serve`) and counting what waits in it (`status`).
//
// A drain renames hooks.spool to draining-<time>-<pid>-<n>.spool, so new appends go
// to a fresh hooks.spool, then takes the file's lock: that waits for a writer that
// opened the file before the rename and is still appending. Once every line is
// handled the file is unlinked (while still locked: a writer that waited for the lock
// sees st_nlink == 0 and reopens). If delivery fails, the unhandled lines are copied
// to a temporary file that atomically replaces the draining file, so handled lines
// are never handed again. Draining files left by a crashed drainer are drained first.
#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "pipeline/spool/spool.hpp"
#include "pipeline/spool/spool_files.hpp"

namespace agent_trace {
namespace {

using spool_detail::errno_text;
using spool_detail::UniqueFd;

constexpr size_t kReadChunk = size_t{1} << 20;
// A remainder file this old belongs to a drainer that died before renaming it; the
// draining file it was cut from still holds its lines.
constexpr auto kStaleRemainderAge = std::chrono::hours(1);

struct DirCloser {
    void operator()(DIR* dir) const { ::closedir(dir); }
};

// Names in `dir` accepted by `wanted`, sorted. A missing directory has none.
Result<std::vector<std::string>> list_names(const std::string& dir,
                                            bool (*wanted)(std::string_view)) {
    std::unique_ptr<DIR, DirCloser> handle(::opendir(dir.c_str()));
    if (!handle) {
        if (errno == ENOENT) return std::vector<std::string>{};
        return make_retryable_error(errno_text("cannot list", dir, errno));
    }
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* entry = ::readdir(handle.get())) {
        if (wanted(entry->d_name)) names.emplace_back(entry->d_name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string join_path(const std::string& dir, std::string_view name) {
    std::string path;
    path.reserve(dir.size() + 1 + name.size());
    path.append(dir).append("/").append(name);
    return path;
}

bool is_remainder_name(std::string_view name) {
    return name.starts_with("remainder-") && name.ends_with(spool_detail::kRemainderSuffix);
}

bool is_spool_name(std::string_view name) {
    return name == spool_detail::kSpoolFile || spool_detail::is_draining_name(name);
}

// Unique within the host: wall-clock ns (so names sort by age), pid and a counter.
std::string unique_suffix() {
    static std::atomic<uint64_t> counter{0};
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    std::string stamp = std::to_string(ns);
    if (stamp.size() < 20) stamp.insert(0, 20 - stamp.size(), '0');
    return stamp + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

// A record is one JSON object per line; anything else is a torn or garbled write.
bool well_formed(std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    return line.size() >= 2 && line.front() == '{' && line.back() == '}' &&
           line.find('\0') == std::string_view::npos;
}

// Reads `fd` to the end, calling `on_line(line, offset_of_line)` for each complete
// line; stops early when it returns false. Returns the bytes of a last line without
// its '\n' (a torn write), or an error.
template <class OnLine>
Result<uint64_t> for_each_line(int fd, const std::string& path, OnLine&& on_line) {
    std::string buffer;
    uint64_t buffer_offset = 0;  // file offset of buffer[0]
    size_t scanned = 0;          // no '\n' in buffer[0, scanned)
    std::string chunk(kReadChunk, '\0');
    for (;;) {
        const ssize_t n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_retryable_error(errno_text("cannot read", path, errno));
        }
        if (n == 0) return static_cast<uint64_t>(buffer.size());
        buffer.append(chunk.data(), static_cast<size_t>(n));
        size_t start = 0;
        for (size_t nl = buffer.find('\n', scanned); nl != std::string::npos;
             nl = buffer.find('\n', start)) {
            if (!on_line(std::string_view(buffer).substr(start, nl - start),
                         buffer_offset + start)) {
                return uint64_t{0};
            }
            start = nl + 1;
        }
        buffer.erase(0, start);
        buffer_offset += start;
        scanned = buffer.size();
    }
}

// Copies [offset, end) of `fd` into a new file that atomically takes `path`'s name.
Status keep_remainder(int fd, const std::string& dir, const std::string& path, uint64_t offset) {
    const std::string tmp =
        dir + "/remainder-" + unique_suffix() + std::string(spool_detail::kRemainderSuffix);
    UniqueFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!out.valid()) return make_retryable_error(errno_text("cannot create", tmp, errno));
    std::string chunk(kReadChunk, '\0');
    auto fail = [&](std::string_view what, const std::string& file) {
        const int error = errno;
        ::unlink(tmp.c_str());
        return make_retryable_error(errno_text(what, file, error));
    };
    for (auto at = static_cast<off_t>(offset);;) {
        const ssize_t n = ::pread(fd, chunk.data(), chunk.size(), at);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail("cannot read", path);
        }
        if (n == 0) break;
        if (!spool_detail::write_all(out.get(),
                                     std::string_view(chunk.data(), static_cast<size_t>(n)))) {
            return fail("cannot write", tmp);
        }
        at += n;
    }
    if (spool_detail::fdatasync_retry(out.get()) != 0) return fail("cannot sync", tmp);
    if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename", tmp);
    return Ok{};
}

// Drains one draining-*.spool file. `wait_for_lock`: true for a file this call just
// renamed (wait for writers still appending), false for leftovers (another drainer
// holding one is working on it: skip).
Status drain_file(const std::string& dir, const std::string& path, bool wait_for_lock,
                  const std::function<Status(std::string_view)>& deliver,
                  SpoolDrainResult& result) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        if (errno == ENOENT) return Ok{};  // another drainer finished it
        return make_retryable_error(errno_text("cannot open", path, errno));
    }
    if (spool_detail::flock_retry(fd.get(), LOCK_EX | (wait_for_lock ? 0 : LOCK_NB)) != 0) {
        if (errno == EWOULDBLOCK) return Ok{};
        return make_retryable_error(errno_text("cannot lock", path, errno));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return make_retryable_error(errno_text("cannot stat", path, errno));
    }
    if (st.st_nlink == 0) return Ok{};  // drained (or replaced) by another drainer

    std::optional<Error> failure;
    uint64_t failed_at = 0;
    auto torn = for_each_line(fd.get(), path, [&](std::string_view line, uint64_t offset) {
        if (line.empty()) return true;
        if (!well_formed(line)) {
            ++result.malformed;
            return true;
        }
        Status delivered = deliver(line);
        if (!delivered) {
            failure = delivered.error();
            failed_at = offset;
            return false;
        }
        ++result.delivered;
        return true;
    });
    if (!torn) return torn.error();
    if (failure) {
        if (auto kept = keep_remainder(fd.get(), dir, path, failed_at); !kept) return kept;
        failure->message = "delivering a spooled hook record: " + failure->message + " (" +
                           std::to_string(result.delivered) + " delivered; the rest stay spooled)";
        return *failure;
    }
    if (*torn > 0) ++result.malformed;  // the last line of a writer that died mid-write
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return make_retryable_error(errno_text("cannot remove", path, errno));
    }
    return Ok{};
}

void remove_stale_remainders(const std::string& dir) {
    auto names = list_names(dir, [](std::string_view n) { return is_remainder_name(n); });
    if (!names) return;
    const auto now = std::chrono::system_clock::now();
    for (const std::string& name : *names) {
        const std::string path = join_path(dir, name);
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) continue;
        const auto modified =
            std::chrono::system_clock::time_point(std::chrono::seconds(st.st_mtim.tv_sec));
        if (now - modified > kStaleRemainderAge) ::unlink(path.c_str());
    }
}

}  // namespace

Result<SpoolDrainResult> spool_drain(const std::string& spool_dir,
                                     const std::function<Status(std::string_view)>& deliver) {
    SpoolDrainResult result;
    remove_stale_remainders(spool_dir);
    auto leftovers =
        list_names(spool_dir, [](std::string_view n) { return spool_detail::is_draining_name(n); });
    if (!leftovers) return leftovers.error();
    for (const std::string& name : *leftovers) {
        if (auto s = drain_file(spool_dir, join_path(spool_dir, name), false, deliver, result);
            !s) {
            return s.error();
        }
    }
    const std::string current = spool_file_path(spool_dir);
    const std::string draining = spool_dir + "/" + std::string(spool_detail::kDrainingPrefix) +
                                 unique_suffix() + std::string(spool_detail::kDrainingSuffix);
    if (::rename(current.c_str(), draining.c_str()) != 0) {
        if (errno == ENOENT) return result;  // nothing spooled
        return make_retryable_error(errno_text("cannot rename", current, errno));
    }
    if (auto s = drain_file(spool_dir, draining, true, deliver, result); !s) return s.error();
    return result;
}

Result<SpoolStats> spool_stats(const std::string& spool_dir) {
    auto names = list_names(spool_dir, [](std::string_view n) { return is_spool_name(n); });
    if (!names) return names.error();
    SpoolStats stats;
    std::string chunk(kReadChunk, '\0');
    for (const std::string& name : *names) {
        const std::string path = join_path(spool_dir, name);
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd.valid()) {
            if (errno == ENOENT) continue;  // drained meanwhile
            return make_retryable_error(errno_text("cannot open", path, errno));
        }
        ++stats.files;
        for (;;) {
            const ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                return make_retryable_error(errno_text("cannot read", path, errno));
            }
            if (n == 0) break;
            stats.pending_bytes += static_cast<uint64_t>(n);
            stats.pending_records +=
                static_cast<uint64_t>(std::count(chunk.data(), chunk.data() + n, '\n'));
        }
    }
    return stats;
}

}  // namespace agent_trace
