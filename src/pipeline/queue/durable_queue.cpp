// The durable queue: segment files of checksummed records, one lock around
// lsn assignment + write(), one sync thread doing group commit (docs/operations.md).
#include "pipeline/queue/durable_queue.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "core/file_io.hpp"
#include "pipeline/queue/queue_cursor.hpp"
#include "pipeline/queue/segment_format.hpp"

namespace agent_trace {
namespace {

using file_io::UniqueFd;
namespace qf = queue_format;

constexpr uint64_t kNoLsnBound = std::numeric_limits<uint64_t>::max();
// Reads smaller than this cost more in syscalls than they save in memory.
constexpr uint64_t kMinReadChunk = 256U << 10U;
// In interval mode with no interval given.
constexpr std::chrono::milliseconds kDefaultSyncInterval{100};

struct Segment {
    uint64_t first_lsn = 0;
    std::string path;
    UniqueFd fd;
    uint64_t size = 0;      // header + whole records; appends go here
    uint64_t last_lsn = 0;  // 0: no record yet
};
using SegmentPtr = std::shared_ptr<Segment>;

// A record handed to the consumer and not yet acknowledged.
struct Unacknowledged {
    uint64_t lsn = 0;
    uint64_t bytes = 0;
};

uint64_t record_bytes(size_t payload) { return qf::kRecordHeaderBytes + payload; }

class FileQueue final : public DurableQueue {
public:
    explicit FileQueue(QueueOptions options)
        : options_(std::move(options)), cursor_path_(options_.dir + "/cursor") {}

    ~FileQueue() override {
        {
            const std::lock_guard lock(mu_);
            stopping_ = true;
        }
        sync_cv_.notify_all();
        reader_cv_.notify_all();
        if (sync_thread_.joinable()) sync_thread_.join();
    }

    FileQueue(const FileQueue&) = delete;
    FileQueue& operator=(const FileQueue&) = delete;

    Status open() {
        if (auto s = file_io::make_directories(options_.dir); !s) return s;
        if (auto s = lock_directory(); !s) return s;
        if (auto s = recover(); !s) return s;
        if (options_.sync != QueueSync::none) {
            sync_thread_ = std::thread([this] { sync_loop(); });
        }
        return Ok{};
    }

    Result<uint64_t> append(std::span<const std::string_view> payloads) override {
        if (payloads.empty()) return make_error("queue: nothing to append");
        // Everything but the lsns is prepared before taking the lock.
        std::string buffer;
        size_t total = 0;
        for (const std::string_view p : payloads) {
            if (p.size() > qf::kMaxPayloadBytes) {
                return make_error("queue: a record of " + std::to_string(p.size()) +
                                  " bytes exceeds the limit of " +
                                  std::to_string(qf::kMaxPayloadBytes));
            }
            total += record_bytes(p.size());
        }
        buffer.reserve(total);
        std::vector<uint64_t> hashes;
        hashes.reserve(payloads.size());
        for (const std::string_view p : payloads) {
            hashes.push_back(qf::payload_hash(p));
            qf::append_record(buffer, p, hashes.back());
        }

        std::unique_lock lock(mu_);
        if (failed_) return *failed_;
        if (stopping_) return make_retryable_error("queue: closing");
        if (depth_bytes_ > 0 && depth_bytes_ + total > options_.max_depth_bytes) {
            return make_retryable_error("queue: full (" + std::to_string(depth_bytes_) +
                                        " bytes waiting for the store)");
        }
        if (segments_.back()->last_lsn != 0 &&
            segments_.back()->size + total > options_.segment_bytes) {
            if (auto s = roll_locked(); !s) return s.error();
        }
        Segment& segment = *segments_.back();
        const uint64_t first = next_lsn_;
        size_t at = 0;
        for (size_t i = 0; i < payloads.size(); ++i) {
            qf::seal_record(buffer.data() + at, first + i, hashes[i]);
            at += record_bytes(payloads[i].size());
        }
        if (auto s = file_io::write_all_at(segment.fd.get(), buffer, segment.size, segment.path);
            !s) {
            // A partial record must not stay in front of the next append.
            if (auto t = file_io::truncate_file(segment.fd.get(), segment.size, segment.path); !t) {
                failed_ = make_error("queue: cannot undo a failed write (" + t.error().message +
                                     "); restart to recover");
            }
            return Error{"queue: " + s.error().message, true};
        }
        const uint64_t last = first + payloads.size() - 1;
        segment.size += total;
        segment.last_lsn = last;
        next_lsn_ = last + 1;
        written_lsn_ = last;
        depth_records_ += payloads.size();
        depth_bytes_ += total;
        appended_total_ += payloads.size();
        lock.unlock();
        if (options_.sync == QueueSync::every_commit) sync_cv_.notify_one();
        reader_cv_.notify_one();
        return last;
    }

    void when_durable(uint64_t lsn, std::function<void(Status)> done) override {
        std::unique_lock lock(mu_);
        if (failed_) {
            const Error error = *failed_;
            lock.unlock();
            done(error);
            return;
        }
        if (lsn >= next_lsn_) {
            lock.unlock();
            done(make_error("queue: lsn " + std::to_string(lsn) + " was never appended"));
            return;
        }
        const uint64_t durable =
            options_.sync == QueueSync::every_commit ? synced_lsn_ : written_lsn_;
        if (lsn <= durable) {
            lock.unlock();
            done(Ok{});
            return;
        }
        waiters_.emplace(lsn, std::move(done));
    }

    Result<std::vector<QueueRecord>> read(size_t max_records, size_t max_bytes,
                                          std::chrono::milliseconds wait) override {
        const std::lock_guard consumer(consumer_mu_);
        std::vector<QueueRecord> out;
        if (max_records == 0) return out;
        std::unique_lock lock(mu_);
        const auto has_data = [this] {
            return read_offset_ < read_segment_->size || read_segment_ != segments_.back();
        };
        if (!has_data()) {
            reader_cv_.wait_for(lock, wait,
                                [&] { return has_data() || wake_reader_ || stopping_; });
        }
        wake_reader_ = false;
        size_t out_bytes = 0;
        while (out.size() < max_records && out_bytes < max_bytes) {
            if (read_offset_ >= read_segment_->size) {
                if (read_segment_ == segments_.back()) break;
                const auto at = std::find(segments_.begin(), segments_.end(), read_segment_);
                read_segment_ = *(at + 1);
                read_offset_ = qf::kHeaderBytes;
                continue;
            }
            const SegmentPtr segment = read_segment_;
            const uint64_t begin = read_offset_;
            const uint64_t end = segment->size;
            const uint64_t after_lsn = read_last_lsn_;
            const uint64_t skip_through = skip_through_;
            lock.unlock();
            auto chunk = read_chunk(*segment, begin, end,
                                    std::max<uint64_t>(max_bytes - out_bytes, kMinReadChunk));
            if (!chunk) return chunk.error();
            ChunkResult parsed = parse_chunk(*chunk, begin, end, after_lsn, skip_through,
                                             max_records, max_bytes, out, out_bytes);
            if (parsed.damaged_at) {
                auto resync = resynchronise(*segment, *parsed.damaged_at, end, parsed.last_lsn);
                if (!resync) return resync.error();
                parsed.consumed_to = resync->first;
                parsed.skipped_bytes += resync->first - *parsed.damaged_at;
                parsed.corrupt += resync->second;
            }
            lock.lock();
            if (parsed.consumed_to == begin) break;  // nothing whole to take (cannot happen)
            read_offset_ = parsed.consumed_to;
            read_last_lsn_ = parsed.last_lsn;
            for (const Unacknowledged& r : parsed.handed_out) unacknowledged_.push_back(r);
            forget_depth(parsed.skipped_records + parsed.corrupt, parsed.skipped_bytes);
            corrupt_records_ += parsed.corrupt;
        }
        return out;
    }

    Status acknowledge(uint64_t lsn) override {
        const std::lock_guard consumer(consumer_mu_);
        std::vector<SegmentPtr> finished;
        {
            const std::lock_guard lock(mu_);
            if (lsn <= acknowledged_lsn_) return Ok{};
            if (lsn >= next_lsn_) {
                return make_error("queue: cannot acknowledge lsn " + std::to_string(lsn) +
                                  ", the last appended is " + std::to_string(next_lsn_ - 1));
            }
            uint64_t records = 0;
            uint64_t bytes = 0;
            while (!unacknowledged_.empty() && unacknowledged_.front().lsn <= lsn) {
                ++records;
                bytes += unacknowledged_.front().bytes;
                unacknowledged_.pop_front();
            }
            forget_depth(records, bytes);
            // Acknowledged beyond what was read: the reader skips up to here.
            if (lsn > read_last_lsn_) skip_through_ = std::max(skip_through_, lsn);
            acknowledged_lsn_ = lsn;
        }
        if (auto s = qf::save_cursor(cursor_path_, lsn, options_.sync != QueueSync::none); !s) {
            return Error{"queue: " + s.error().message, s.error().retryable};
        }
        {
            const std::lock_guard lock(mu_);
            while (segments_.size() > 1 && segments_.front() != read_segment_ &&
                   segments_.front()->last_lsn <= lsn) {
                finished.push_back(segments_.front());
                segments_.pop_front();
            }
        }
        for (const SegmentPtr& segment : finished) {
            if (auto s = file_io::remove_file(segment->path); !s) return s;
        }
        return Ok{};
    }

    void wake_reader() override {
        {
            const std::lock_guard lock(mu_);
            wake_reader_ = true;
        }
        reader_cv_.notify_all();
    }

    [[nodiscard]] QueueStats stats() const override {
        const std::lock_guard lock(mu_);
        QueueStats s;
        s.depth_records = depth_records_;
        s.depth_bytes = depth_bytes_;
        s.segments = segments_.size();
        s.appended_total = appended_total_;
        s.syncs_total = syncs_total_;
        s.last_lsn = next_lsn_ - 1;
        s.acknowledged_lsn = acknowledged_lsn_;
        s.recovered_records = recovered_records_;
        s.torn_tail_bytes = torn_tail_bytes_;
        s.corrupt_records = corrupt_records_;
        return s;
    }

private:
    struct ChunkResult {
        uint64_t consumed_to = 0;  // file offset after the last record taken or skipped
        uint64_t last_lsn = 0;
        std::vector<Unacknowledged> handed_out;
        uint64_t skipped_records = 0;  // already acknowledged
        uint64_t skipped_bytes = 0;
        uint64_t corrupt = 0;
        std::optional<uint64_t> damaged_at;  // file offset of a bad record
    };

    Status lock_directory() {
        const std::string path = options_.dir + "/lock";
        auto fd = file_io::open_file(path, O_RDWR | O_CREAT, 0644);
        if (!fd) return fd.error();
        for (;;) {
            if (::flock(fd->get(), LOCK_EX | LOCK_NB) == 0) break;
            if (errno == EINTR) continue;
            if (errno == EWOULDBLOCK) {
                return make_error("queue " + options_.dir + " is in use by another process");
            }
            return file_io::errno_error("flock", path, errno);
        }
        lock_fd_ = std::move(*fd);
        return Ok{};
    }

    Result<std::vector<std::pair<uint64_t, std::string>>> list_segments(bool& changed) {
        std::vector<std::pair<uint64_t, std::string>> files;
        DIR* dir = ::opendir(options_.dir.c_str());
        if (dir == nullptr) return file_io::errno_error("opendir", options_.dir, errno);
        std::vector<std::string> leftovers;
        errno = 0;
        while (const dirent* entry = ::readdir(dir)) {
            const std::string_view name = entry->d_name;
            if (auto first = qf::parse_segment_file_name(name)) {
                files.emplace_back(*first, options_.dir + "/" + std::string(name));
            } else if (name.find(".tmp-") != std::string_view::npos) {
                leftovers.push_back(options_.dir + "/" + std::string(name));
            }
        }
        const int read_error = errno;
        ::closedir(dir);
        if (read_error != 0) return file_io::errno_error("readdir", options_.dir, read_error);
        // Temporaries of an interrupted cursor or segment rewrite.
        for (const std::string& path : leftovers) {
            if (auto s = file_io::remove_file(path); !s) return s.error();
            changed = true;
        }
        std::sort(files.begin(), files.end());
        return files;
    }

    Status recover() {
        auto cursor = qf::load_cursor(cursor_path_);
        if (!cursor) return cursor.error();
        acknowledged_lsn_ = cursor->acknowledged_lsn;
        bool changed = false;
        auto files = list_segments(changed);
        if (!files) return files.error();
        // Segments whose successor starts at or below the cursor hold only acknowledged records.
        size_t first_kept = 0;
        while (first_kept + 1 < files->size() &&
               (*files)[first_kept + 1].first <= acknowledged_lsn_ + 1) {
            if (auto s = file_io::remove_file((*files)[first_kept].second); !s) return s;
            changed = true;
            ++first_kept;
        }
        uint64_t last_lsn = 0;
        for (size_t i = first_kept; i < files->size(); ++i) {
            const bool last = i + 1 == files->size();
            const uint64_t before = last ? kNoLsnBound : (*files)[i + 1].first;
            auto segment =
                load_segment((*files)[i].first, (*files)[i].second, before, last, changed);
            if (!segment) return segment.error();
            if ((*segment)->last_lsn != 0) last_lsn = (*segment)->last_lsn;
            segments_.push_back(std::move(*segment));
        }
        next_lsn_ = std::max({uint64_t{1}, acknowledged_lsn_ + 1, last_lsn + 1,
                              segments_.empty() ? 0 : segments_.back()->first_lsn});
        if (segments_.empty()) {
            auto segment = create_segment(next_lsn_);
            if (!segment) return segment.error();
            segments_.push_back(std::move(*segment));
            changed = true;
        }
        written_lsn_ = next_lsn_ - 1;
        synced_lsn_ = written_lsn_;
        if (!read_segment_) {
            read_segment_ = segments_.back();
            read_offset_ = read_segment_->size;
            read_last_lsn_ = next_lsn_ - 1;
        }
        if (options_.sync != QueueSync::none) {
            // What a crash left in the page cache is made durable before anything new.
            const Segment& back = *segments_.back();
            if (auto s = file_io::sync_data(back.fd.get(), back.path); !s) return s;
            if (changed) {
                if (auto s = file_io::sync_directory(options_.dir); !s) return s;
            }
        }
        return Ok{};
    }

    // Opens one segment found at start-up, repairs it, and counts what it holds.
    Result<SegmentPtr> load_segment(uint64_t first_lsn, const std::string& path,
                                    uint64_t before_lsn, bool last, bool& changed) {
        auto segment = std::make_shared<Segment>();
        segment->first_lsn = first_lsn;
        segment->path = path;
        auto fd = file_io::open_file(path, O_RDWR);
        if (!fd) return fd.error();
        segment->fd = std::move(*fd);
        auto size = file_io::file_size(segment->fd.get(), path);
        if (!size) return size.error();
        std::string content(static_cast<size_t>(*size), '\0');
        if (auto s = file_io::read_exactly_at(segment->fd.get(), content.data(), content.size(), 0,
                                              path);
            !s) {
            return s.error();
        }
        const bool sync = options_.sync != QueueSync::none;
        if (qf::decode_header(content) != first_lsn) {
            // A crash right after creating the file leaves it shorter than a header;
            // any other damage to the header is repaired from the file name.
            const std::string header = qf::encode_header(first_lsn);
            if (content.size() < qf::kHeaderBytes) {
                if (last) torn_tail_bytes_ += content.size();
                content = header;
                if (auto s = file_io::truncate_file(segment->fd.get(), 0, path); !s) {
                    return s.error();
                }
            } else {
                content.replace(0, qf::kHeaderBytes, header);
            }
            if (auto s = file_io::write_all_at(segment->fd.get(), header, 0, path); !s) {
                return s.error();
            }
        }
        const std::string_view body = std::string_view(content).substr(qf::kHeaderBytes);
        const uint64_t after_lsn = first_lsn == 0 ? 0 : first_lsn - 1;
        qf::ScanResult scan = qf::scan_records(body, after_lsn, before_lsn, !last);
        std::string rewritten;
        if (last && !scan.damaged_inside && scan.tail_bytes > 0) {
            // A write the crash interrupted: cut it off.
            torn_tail_bytes_ += scan.tail_bytes;
            if (auto s = file_io::truncate_file(segment->fd.get(),
                                                qf::kHeaderBytes + scan.valid_end, path);
                !s) {
                return s.error();
            }
            if (sync) {
                if (auto s = file_io::sync_data(segment->fd.get(), path); !s) return s.error();
            }
        } else if (scan.damaged_inside || scan.tail_bytes > 0) {
            // Damage (bit rot, a stray write) costs the records it hit, not the ones
            // after it. The rewrite keeps the intact records and leaves every segment on
            // disk clean, so the reader never meets the damage again.
            corrupt_records_ += scan.corrupt_records;
            if (last) torn_tail_bytes_ += scan.tail_bytes;
            rewritten = qf::encode_header(first_lsn);
            for (const qf::RecordView& r : scan.records) {
                rewritten.append(body.substr(r.offset, qf::kRecordHeaderBytes + r.payload.size()));
            }
            if (auto s = file_io::replace_file(path, rewritten, sync); !s) return s.error();
            auto reopened = file_io::open_file(path, O_RDWR);
            if (!reopened) return reopened.error();
            segment->fd = std::move(*reopened);
            changed = true;
            scan = qf::scan_records(std::string_view(rewritten).substr(qf::kHeaderBytes), after_lsn,
                                    before_lsn, false);
        }
        segment->size = qf::kHeaderBytes + scan.valid_end;
        for (const qf::RecordView& r : scan.records) {
            segment->last_lsn = r.lsn;
            if (r.lsn <= acknowledged_lsn_) continue;
            ++recovered_records_;
            ++depth_records_;
            depth_bytes_ += record_bytes(r.payload.size());
            if (!read_segment_) {
                read_segment_ = segment;
                read_offset_ = qf::kHeaderBytes + r.offset;
                read_last_lsn_ = r.lsn - 1;
            }
        }
        return segment;
    }

    Result<SegmentPtr> create_segment(uint64_t first_lsn) {
        auto segment = std::make_shared<Segment>();
        segment->first_lsn = first_lsn;
        segment->path = options_.dir + "/" + qf::segment_file_name(first_lsn);
        auto fd = file_io::open_file(segment->path, O_RDWR | O_CREAT | O_EXCL, 0644);
        if (!fd) return fd.error();
        segment->fd = std::move(*fd);
        const std::string header = qf::encode_header(first_lsn);
        if (auto s = file_io::write_all_at(segment->fd.get(), header, 0, segment->path); !s) {
            (void)file_io::remove_file(segment->path);
            return s.error();
        }
        segment->size = header.size();
        if (options_.sync != QueueSync::none) {
            if (auto s = file_io::sync_directory(options_.dir); !s) return s.error();
        }
        return segment;
    }

    // Seals the segment being written and starts the next one. Called with mu_ held:
    // appends wait for this (once per segment_bytes).
    Status roll_locked() {
        Segment& old = *segments_.back();
        if (options_.sync != QueueSync::none) {
            // The sealed segment is complete on disk before its successor exists, so a
            // crash can only tear the newest segment.
            if (auto s = file_io::sync_data(old.fd.get(), old.path); !s) {
                return Error{"queue: " + s.error().message, true};
            }
            ++syncs_total_;
        }
        auto segment = create_segment(next_lsn_);
        if (!segment) return Error{"queue: " + segment.error().message, true};
        segments_.push_back(std::move(*segment));
        return Ok{};
    }

    void sync_loop() {
        const bool group_commit = options_.sync == QueueSync::every_commit;
        const std::chrono::milliseconds interval =
            group_commit ? options_.sync_interval
                         : (options_.sync_interval.count() > 0 ? options_.sync_interval
                                                               : kDefaultSyncInterval);
        std::unique_lock lock(mu_);
        for (;;) {
            if (group_commit) {
                sync_cv_.wait(
                    lock, [this] { return stopping_ || (written_lsn_ > synced_lsn_ && !failed_); });
                if (interval.count() > 0 && !stopping_) {
                    // Let more appends join this sync.
                    sync_cv_.wait_for(lock, interval, [this] { return stopping_; });
                }
            } else {
                sync_cv_.wait_for(lock, interval, [this] { return stopping_; });
            }
            if (written_lsn_ > synced_lsn_ && !failed_) {
                const uint64_t target = written_lsn_;
                const SegmentPtr segment = segments_.back();
                lock.unlock();
                Status synced = file_io::sync_data(segment->fd.get(), segment->path);
                lock.lock();
                ++syncs_total_;
                if (synced) {
                    synced_lsn_ = target;
                } else {
                    // After a failed fdatasync the page cache no longer says what is on
                    // disk: refuse everything until a restart re-reads the files.
                    failed_ = make_error("queue: " + synced.error().message +
                                         "; appends refused until restart");
                }
            }
            fire_waiters(lock);
            if (stopping_ && (written_lsn_ == synced_lsn_ || failed_)) break;
        }
    }

    // Completes every waiter the last sync covered (all of them after a failure).
    void fire_waiters(std::unique_lock<std::mutex>& lock) {
        if (waiters_.empty()) return;
        std::vector<std::function<void(Status)>> done;
        const auto end = failed_ ? waiters_.end() : waiters_.upper_bound(synced_lsn_);
        for (auto it = waiters_.begin(); it != end; ++it) done.push_back(std::move(it->second));
        waiters_.erase(waiters_.begin(), end);
        const std::optional<Error> error = failed_;
        lock.unlock();
        for (auto& callback : done) {
            if (error) {
                callback(*error);
            } else {
                callback(Ok{});
            }
        }
        lock.lock();
    }

    Result<std::string> read_chunk(const Segment& segment, uint64_t begin, uint64_t end,
                                   uint64_t budget) const {
        uint64_t want = std::min(end - begin, budget);
        std::string chunk(static_cast<size_t>(want), '\0');
        if (auto s = file_io::read_exactly_at(segment.fd.get(), chunk.data(), chunk.size(), begin,
                                              segment.path);
            !s) {
            return s.error();
        }
        // One record larger than the budget is still returned whole.
        if (const auto length = qf::announced_length(chunk, 0)) {
            const uint64_t whole = record_bytes(*length);
            if (whole > want && whole <= end - begin) {
                want = whole;
                chunk.resize(static_cast<size_t>(want));
                if (auto s = file_io::read_exactly_at(segment.fd.get(), chunk.data(), chunk.size(),
                                                      begin, segment.path);
                    !s) {
                    return s.error();
                }
            }
        }
        return chunk;
    }

    // Takes the whole records of `chunk` (read at file offset `begin` of a segment
    // whose written part ends at `end`).
    static ChunkResult parse_chunk(std::string_view chunk, uint64_t begin, uint64_t end,
                                   uint64_t after_lsn, uint64_t skip_through, size_t max_records,
                                   size_t max_bytes, std::vector<QueueRecord>& out,
                                   size_t& out_bytes) {
        ChunkResult r;
        r.consumed_to = begin;
        r.last_lsn = after_lsn;
        uint64_t offset = 0;
        while (offset < chunk.size() && out.size() < max_records && out_bytes < max_bytes) {
            auto record = qf::record_at(chunk, offset, r.last_lsn, kNoLsnBound);
            if (!record) {
                // A record cut by the end of the chunk continues in the next read; only
                // bytes inside the written part that do not parse are damage.
                const uint64_t in_chunk = chunk.size() - offset;
                const uint64_t in_file = end - begin - offset;
                if (in_chunk < in_file) {
                    if (in_chunk < qf::kRecordHeaderBytes) break;
                    const auto length = qf::announced_length(chunk, offset);
                    if (length && record_bytes(*length) > in_chunk) break;
                }
                r.damaged_at = begin + offset;
                break;
            }
            offset = record->end();
            r.consumed_to = begin + offset;
            r.last_lsn = record->lsn;
            const uint64_t bytes = record_bytes(record->payload.size());
            if (record->lsn <= skip_through) {
                ++r.skipped_records;
                r.skipped_bytes += bytes;
                continue;
            }
            out.push_back(QueueRecord{record->lsn, std::string(record->payload)});
            out_bytes += record->payload.size();
            r.handed_out.push_back(Unacknowledged{record->lsn, bytes});
        }
        return r;
    }

    // Damage found while reading (the file changed under us since open): skips to
    // the next intact record. Returns (file offset to continue at, records lost).
    Result<std::pair<uint64_t, uint64_t>> resynchronise(const Segment& segment, uint64_t at,
                                                        uint64_t end, uint64_t after_lsn) const {
        std::string rest(static_cast<size_t>(end - at), '\0');
        if (auto s = file_io::read_exactly_at(segment.fd.get(), rest.data(), rest.size(), at,
                                              segment.path);
            !s) {
            return s.error();
        }
        const qf::ScanResult scan = qf::scan_records(rest, after_lsn, kNoLsnBound, true);
        if (scan.records.empty()) return std::make_pair(end, scan.corrupt_records);
        return std::make_pair(at + scan.records.front().offset, scan.corrupt_records);
    }

    void forget_depth(uint64_t records, uint64_t bytes) {
        depth_records_ -= std::min(depth_records_, records);
        depth_bytes_ -= std::min(depth_bytes_, bytes);
    }

    const QueueOptions options_;
    const std::string cursor_path_;
    UniqueFd lock_fd_;

    mutable std::mutex mu_;
    std::condition_variable sync_cv_;
    std::condition_variable reader_cv_;
    std::deque<SegmentPtr> segments_;  // oldest first; appends go to the back
    uint64_t next_lsn_ = 1;
    uint64_t written_lsn_ = 0;
    uint64_t synced_lsn_ = 0;
    std::optional<Error> failed_;
    std::multimap<uint64_t, std::function<void(Status)>> waiters_;
    bool stopping_ = false;
    bool wake_reader_ = false;

    uint64_t depth_records_ = 0;
    uint64_t depth_bytes_ = 0;
    uint64_t appended_total_ = 0;
    uint64_t syncs_total_ = 0;
    uint64_t acknowledged_lsn_ = 0;
    uint64_t recovered_records_ = 0;
    uint64_t torn_tail_bytes_ = 0;
    uint64_t corrupt_records_ = 0;

    // The consumer's position (changed only by read/acknowledge, under mu_).
    std::mutex consumer_mu_;
    SegmentPtr read_segment_;
    uint64_t read_offset_ = 0;
    uint64_t read_last_lsn_ = 0;
    uint64_t skip_through_ = 0;
    std::deque<Unacknowledged> unacknowledged_;

    std::thread sync_thread_;
};

}  // namespace

void append_durably(DurableQueue& queue, std::span<const std::string_view> records,
                    std::function<void(Status)> done) {
    auto lsn = queue.append(records);
    if (!lsn) {
        Error error = lsn.error();
        error.message = "queue unavailable: " + error.message;
        done(std::move(error));
        return;
    }
    queue.when_durable(*lsn, [done = std::move(done)](const Status& status) {
        if (!status) {
            Error error = status.error();
            error.message = "queue sync failed: " + error.message;
            done(std::move(error));
            return;
        }
        done(Ok{});
    });
}

Result<std::unique_ptr<DurableQueue>> open_durable_queue(const QueueOptions& options) {
    if (options.dir.empty()) return make_error("queue: no directory given");
    auto queue = std::make_unique<FileQueue>(options);
    if (auto s = queue->open(); !s) return s.error();
    return std::unique_ptr<DurableQueue>(std::move(queue));
}

}  // namespace agent_trace
