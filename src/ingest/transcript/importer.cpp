#include "ingest/transcript/importer.hpp"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "ingest/transcript/assistant_record.hpp"
#include "ingest/transcript/conversation_record.hpp"
#include "ingest/transcript/discovery.hpp"
#include "ingest/transcript/file_reader.hpp"
#include "ingest/transcript/model_call.hpp"
#include "ingest/transcript/prefilter.hpp"
#include "ingest/transcript/subagent_meta.hpp"
#include "ingest/transcript/timeline_events.hpp"
#include "pipeline/serialized_sink.hpp"

namespace agent_trace::transcript {
namespace {

constexpr uint32_t kHeadBytes = 4096;
constexpr size_t kFlushRecords = 4096;  // per-file calls and events held before handing off
// Claude Code transcripts yield about one tool, prompt or marker event per 2-6 KB.
constexpr uint64_t kBytesPerTimelineEvent = 2048;
constexpr uint64_t kFewTimelineEvents = 16;
// Made durable at least every 256k events and every 250 ms, so the store can
// move committed data to disk while the scan goes on.
constexpr SerializedSink::CommitPolicy kCommitPolicy{262144, std::chrono::milliseconds(250)};

Result<uint64_t> hash_head(int fd, uint32_t length) {
    std::string head(length, '\0');
    size_t got = 0;
    while (got < length) {
        const ssize_t n = ::pread(fd, head.data() + got, length - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return make_error(std::string("read failed: ") + std::strerror(errno));
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    if (got < length) return make_error("file shrank while reading");
    return static_cast<uint64_t>(XXH3_64bits(head.data(), head.size()));
}

// Line problems kept for --verbose; all are counted elsewhere.
class ProblemLog {
public:
    explicit ProblemLog(size_t cap) : cap_(cap) {}
    void add(LineProblem problem) {
        std::lock_guard lock(mutex_);
        if (problems_.size() < cap_) problems_.push_back(std::move(problem));
    }
    std::vector<LineProblem> take() {
        std::lock_guard lock(mutex_);
        return std::move(problems_);
    }

private:
    std::mutex mutex_;
    size_t cap_;
    std::vector<LineProblem> problems_;
};

struct Counters {
    std::atomic<uint64_t> files_read{0}, files_unchanged{0}, files_reread{0}, files_unreadable{0},
        bytes_read{0}, lines_read{0}, assistant_lines{0}, synthetic_lines{0}, events{0}, calls{0},
        malformed{0}, oversized{0}, incomplete{0}, files_done{0};
};

class FileImporter {
public:
    FileImporter(const ImportOptions& options, SerializedSink& sink, ProblemLog& problems,
                 Counters& counters)
        : options_(options), sink_(sink), problems_(problems), counters_(counters) {}

    void run(const TranscriptFile& file, const FileCheckpoint* previous) {
        // The walk's own stat usually proves there is nothing new: no open at all.
        if (previous != nullptr && !options_.full &&
            unchanged_since(*previous, file.device, file.inode, file.size, file.mtime_ns)) {
            counters_.files_unchanged++;
            return;
        }
        FileCheckpoint checkpoint;
        checkpoint.path = file.path;
        checkpoint.decoder_version = options_.timeline ? kDecoderVersion : kUsageOnlyDecoderVersion;
        UniqueFd fd(::open(file.path.c_str(), O_RDONLY | O_CLOEXEC));
        struct stat st {};
        if (fd.get() < 0 && errno == ENOENT) {
            // Deleted since the walk (Claude Code prunes old transcripts): nothing to
            // read and nothing wrong; what was imported before stays imported.
            counters_.files_done++;
            return;
        }
        if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) {
            fail(file, checkpoint, std::strerror(errno));
            return;
        }
        checkpoint.device = st.st_dev;
        checkpoint.inode = st.st_ino;
        checkpoint.size = static_cast<uint64_t>(st.st_size);
        checkpoint.mtime_ns = mtime_ns(st);
        uint64_t start = 0;
        if (previous != nullptr && !options_.full && resumable(*previous, checkpoint)) {
            if (unchanged_since(*previous, checkpoint.device, checkpoint.inode, checkpoint.size,
                                checkpoint.mtime_ns)) {
                counters_.files_unchanged++;
                return;
            }
            auto head = hash_head(fd.get(), previous->head_length);
            if (head.ok() && *head == previous->head_hash) {
                start = previous->offset;
                checkpoint.lines = previous->lines;
                checkpoint.malformed_lines = previous->malformed_lines;
                checkpoint.oversized_lines = previous->oversized_lines;
            } else {
                counters_.files_reread++;
            }
        } else if (previous != nullptr && !options_.full) {
            counters_.files_reread++;
        }
        ::posix_fadvise(fd.get(), static_cast<off_t>(start), 0, POSIX_FADV_SEQUENTIAL);
        read_lines(file, fd.get(), start, checkpoint);
    }

private:
    // The same file as the last run left it, every byte of it read.
    // Whether a file read by `version` holds everything this import would store.
    [[nodiscard]] bool covers(int version) const {
        if (version == kDecoderVersion) return true;
        return !options_.timeline &&
               (version == kUsageOnlyDecoderVersion || version == kLegacyUsageDecoderVersion);
    }

    [[nodiscard]] bool unchanged_since(const FileCheckpoint& prev, uint64_t device, uint64_t inode,
                                       uint64_t size, int64_t mtime) const {
        return prev.error.empty() && covers(prev.decoder_version) &&
               prev.incomplete_lines == 0 && prev.device == device && prev.inode == inode &&
               prev.size == size && prev.mtime_ns == mtime && prev.offset == size;
    }

    [[nodiscard]] bool resumable(const FileCheckpoint& prev, const FileCheckpoint& now) const {
        // Resuming keeps the previous decoder's version for the bytes before the offset.
        return prev.error.empty() && prev.decoder_version == now.decoder_version &&
               prev.device == now.device && prev.inode == now.inode && now.size >= prev.offset;
    }

    void fail(const TranscriptFile& file, FileCheckpoint& checkpoint, const std::string& why) {
        counters_.files_unreadable++;
        counters_.files_done++;
        checkpoint.error = why.empty() ? "unreadable" : why;
        problems_.add({file.path, 0, "unreadable", checkpoint.error});
        sink_.write({}, std::move(checkpoint));
    }

    void problem(const TranscriptFile& file, uint64_t line, const char* kind, std::string detail) {
        problems_.add({file.path, line, kind, std::move(detail)});
    }

    void flush(const TranscriptFile& file, FileCheckpoint checkpoint,
               std::vector<Event> markers = {}) {
        // The pending events become the batch as they are: no event is moved one by one.
        std::vector<Event> events = std::exchange(pending_, {});
        events.reserve(events.size() + markers.size() + records_.size());
        std::move(markers.begin(), markers.end(), std::back_inserter(events));
        const TimestampUs ingest = now_us();
        for (auto& [identity, record] : records_) {
            Event event = to_event(std::move(record), file, ingest);
            // One bad line must not fail the batch it travels in.
            if (auto valid = validate(event); !valid.ok()) {
                checkpoint.malformed_lines++;
                counters_.malformed++;
                problem(file, 0, "malformed",
                        "call " + event.message_id + " rejected: " + valid.error().message);
                continue;
            }
            events.push_back(std::move(event));
            counters_.calls++;
        }
        records_.clear();
        counters_.events += events.size();
        sink_.write(std::move(events), std::move(checkpoint));
    }

    void read_lines(const TranscriptFile& file, int fd, uint64_t start, FileCheckpoint& cp) {
        counters_.files_read++;
        earliest_ts_ = 0;
        earliest_line_ts_ = 0;
        file_session_.clear();
        file_agent_.clear();
        file_ingest_ts_ = now_us();
        reserve_pending(cp.size - start);
        LineReader& reader = reader_;
        reader.reset(fd, start);
        Line line;
        uint64_t consumed = start;
        for (;;) {
            if (sink_.aborted()) return;
            auto next = reader.next(line);
            if (!next.ok()) {
                fail(file, cp, next.error().message);
                return;
            }
            if (*next == NextLine::end) break;
            ++cp.lines;
            counters_.lines_read++;
            consumed = line.end_offset;
            if (*next == NextLine::oversized) {
                ++cp.oversized_lines;
                counters_.oversized++;
                problem(file, cp.lines, "oversized",
                        "line longer than " + std::to_string(options_.max_line_bytes) + " bytes");
                continue;
            }
            handle_line(file, line, cp);
            if (records_.size() + pending_.size() >= kFlushRecords) {
                FileCheckpoint partial = cp;
                partial.offset = consumed;
                finish_checkpoint(fd, partial);
                flush(file, std::move(partial));
                reserve_pending(cp.size - consumed);
            }
        }
        counters_.bytes_read += reader.bytes_read();
        cp.offset = consumed;
        cp.incomplete_lines = reader.pending_bytes() > 0 ? 1 : 0;
        if (cp.incomplete_lines != 0) {
            counters_.incomplete++;
            problem(file, cp.lines + 1, "incomplete",
                    "last line has no newline yet (" + std::to_string(reader.pending_bytes()) +
                        " bytes); it is read when complete");
        }
        finish_checkpoint(fd, cp);
        std::vector<Event> markers;
        if (start == 0 && file.agent_hint.empty()) {
            if (auto marker = session_marker(file, cp)) markers.push_back(std::move(*marker));
        } else if (start == 0 && options_.timeline) {
            add_subagent_marker(file, cp, markers);
        }
        flush(file, std::move(cp), std::move(markers));
        counters_.files_done++;
    }

    // Room for the events `bytes` of transcript are expected to yield, so the
    // vector does not grow (moving every event) while a file is read; each flush
    // hands the vector on with its events.
    void reserve_pending(uint64_t bytes) {
        pending_.reserve(static_cast<size_t>(std::min<uint64_t>(
            kFlushRecords, bytes / kBytesPerTimelineEvent + kFewTimelineEvents)));
    }

    // A subagent transcript read from its start: the subagent began with its
    // first line, and its sidecar (when there is one) names the tool call that
    // spawned it. An empty file yields nothing yet: it is read from its start again.
    void add_subagent_marker(const TranscriptFile& file, const FileCheckpoint& cp,
                             std::vector<Event>& markers) {
        if (earliest_line_ts_ == 0 && cp.offset == 0) return;
        const std::string& session = file.session_hint.empty() ? file_session_ : file.session_hint;
        const std::string& agent = file_agent_.empty() ? file.agent_hint : file_agent_;
        if (session.empty()) return;
        const TimestampUs ts = earliest_line_ts_ != 0 ? earliest_line_ts_ : cp.mtime_ns / 1000;
        append_subagent_start(file, session, agent, ts, now_us(),
                              read_subagent_meta(file.path, parser_), markers);
        if (auto valid = validate(markers.back()); !valid.ok()) {
            problem(file, 0, "malformed", "subagent_start rejected: " + valid.error().message);
            markers.pop_back();
        }
    }

    // A main transcript file is a session even when it holds no model call of
    // its own (a resumed session whose calls all belong to the first one): the
    // marker lets session listings show it, with zero usage.
    std::optional<Event> session_marker(const TranscriptFile& file,
                                        const FileCheckpoint& cp) const {
        if (file.session_hint.empty()) return std::nullopt;
        Event e;
        e.event_id = hash_event_id({"transcript", "session", file.session_hint});
        e.source = Source::transcript;
        e.kind = EventKind::session_start;
        e.ts = earliest_ts_ != 0 ? earliest_ts_ : cp.mtime_ns / 1000;
        e.ingest_ts = now_us();
        e.session_id = file.session_hint;
        e.project = file.project;
        return e;
    }

    static void finish_checkpoint(int fd, FileCheckpoint& cp) {
        cp.head_length = static_cast<uint32_t>(std::min<uint64_t>(cp.offset, kHeadBytes));
        auto head = hash_head(fd, cp.head_length);
        cp.head_hash = head.ok() ? *head : 0;
    }

    void handle_line(const TranscriptFile& file, const Line& line, FileCheckpoint& cp) {
        std::string_view text = line.view();
        // Frame check: every record is one JSON object on one line.
        size_t first = 0;
        while (first < text.size() &&
               (text[first] == ' ' || text[first] == '\t' || text[first] == '\r')) {
            ++first;
        }
        if (first == text.size()) return;  // blank line
        size_t last = text.size();
        while (last > first &&
               (text[last - 1] == ' ' || text[last - 1] == '\t' || text[last - 1] == '\r')) {
            --last;
        }
        if (text[first] != '{' || text[last - 1] != '}') {
            malformed(file, cp, "not a JSON object");
            return;
        }
        switch (find_type_token(text)) {
            case TypeToken::none:
                if (options_.strict &&
                    !is_valid_json_object(parser_, line.data, line.size, line.capacity)) {
                    malformed(file, cp, "not valid JSON");
                }
                return;
            case TypeToken::assistant:
                if (decode_assistant(file, line, cp) && options_.timeline) {
                    decode_conversation(file, line, cp);
                }
                return;
            case TypeToken::user:
            case TypeToken::system:
                if (!options_.timeline) {
                    // Usage only: such a line matters only if it is an assistant line
                    // after all (its "type" came after another token).
                    if (text.find(R"("assistant")") != std::string_view::npos) {
                        decode_assistant(file, line, cp);
                    }
                    return;
                }
                if (decode_conversation(file, line, cp)) decode_assistant(file, line, cp);
                return;
        }
    }

    // An assistant line: one copy of a model call, and a tool_start per tool_use
    // block. True when the line turned out to be a user or system line.
    bool decode_assistant(const TranscriptFile& file, const Line& line, FileCheckpoint& cp) {
        const LineResult result = decode_assistant_line(parser_, line.data, line.size,
                                                        line.capacity, scratch_, &tool_uses_);
        switch (result.outcome) {
            case LineOutcome::malformed:
                malformed(file, cp, result.detail);
                return false;
            case LineOutcome::synthetic:
                counters_.synthetic_lines++;
                return false;
            case LineOutcome::not_assistant:
                return result.conversation;
            case LineOutcome::assistant:
                break;
        }
        counters_.assistant_lines++;
        if (earliest_ts_ == 0 || scratch_.ts < earliest_ts_) earliest_ts_ = scratch_.ts;
        note_line(scratch_.ts, scratch_.session_id, scratch_.agent_id);
        const size_t first = pending_.size();
        if (options_.timeline) {
            for (const ToolUseBlock& block : tool_uses_) {
                append_tool_start(scratch_, block, file, file_ingest_ts_, pending_);
            }
        }
        drop_invalid(file, cp, first);
        // Most lines repeat a response already seen: look it up without allocating
        // (the identity is message.id whenever there is one).
        std::string fallback_identity;
        if (scratch_.message_id.empty()) fallback_identity = identity_of(scratch_);
        const std::string_view identity =
            scratch_.message_id.empty() ? std::string_view(fallback_identity) : scratch_.message_id;
        if (auto it = records_.find(identity); it != records_.end()) {
            merge_copy(it->second, scratch_);
        } else {
            records_.emplace(std::string(identity), scratch_);
        }
        return false;
    }

    // A user or system line: prompts, tool results, compactions, API errors.
    // True when the line turned out to be an assistant line.
    bool decode_conversation(const TranscriptFile& file, const Line& line, FileCheckpoint& cp) {
        const ConversationResult result =
            decode_conversation_line(line.data, line.size, conversation_);
        if (result.outcome == ConversationOutcome::malformed) {
            malformed(file, cp, result.detail);
            return false;
        }
        // The skim checks structure, not every byte: --strict asks for the rest.
        if (options_.strict &&
            !is_valid_json_object(parser_, line.data, line.size, line.capacity)) {
            malformed(file, cp, "not valid JSON");
            return false;
        }
        if (result.outcome == ConversationOutcome::assistant) return true;
        if (result.outcome == ConversationOutcome::other) return false;
        note_line(conversation_.ts, conversation_.session_id, conversation_.agent_id);
        // Built in place (an event is large to move), then checked.
        const size_t first = pending_.size();
        if (auto status =
                append_conversation_events(conversation_, file, file_ingest_ts_, pending_);
            !status.ok()) {
            malformed(file, cp, status.error().message);
            return false;
        }
        drop_invalid(file, cp, first);
        return false;
    }

    // Events from pending_[first] on that no store would accept: dropped, each counted.
    void drop_invalid(const TranscriptFile& file, FileCheckpoint& cp, size_t first) {
        for (size_t i = first; i < pending_.size();) {
            if (auto valid = validate(pending_[i]); !valid.ok()) {
                reject(file, cp, pending_[i], valid.error().message);
                pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
            } else {
                ++i;
            }
        }
    }

    void reject(const TranscriptFile& file, FileCheckpoint& cp, const Event& event,
                const std::string& why) {
        malformed(file, cp, std::string(to_string(event.kind)) + " event rejected: " + why);
    }

    // What a file's lines say about it: its earliest time, and the session and
    // agent its lines name (a legacy subagent file's path names no session).
    void note_line(TimestampUs ts, const std::string& session, const std::string& agent) {
        if (ts != 0 && (earliest_line_ts_ == 0 || ts < earliest_line_ts_)) earliest_line_ts_ = ts;
        if (file_session_.empty() && !session.empty()) file_session_ = session;
        if (file_agent_.empty() && !agent.empty()) file_agent_ = agent;
    }

    void malformed(const TranscriptFile& file, FileCheckpoint& cp, std::string detail) {
        ++cp.malformed_lines;
        counters_.malformed++;
        problem(file, cp.lines, "malformed", std::move(detail));
    }

    const ImportOptions& options_;
    SerializedSink& sink_;
    ProblemLog& problems_;
    Counters& counters_;
    simdjson::dom::parser parser_;
    LineReader reader_{options_.max_line_bytes, simdjson::SIMDJSON_PADDING};
    AssistantRecord scratch_;
    std::vector<ToolUseBlock> tool_uses_;
    ConversationRecord conversation_;
    std::vector<Event> pending_;        // this file's events other than model calls
    TimestampUs earliest_ts_ = 0;       // of the model calls: the session marker's time
    TimestampUs earliest_line_ts_ = 0;  // of any line: the subagent marker's time
    TimestampUs file_ingest_ts_ = 0;
    std::string file_session_;
    std::string file_agent_;
    std::unordered_map<std::string, AssistantRecord, TransparentHash, std::equal_to<>> records_;
};

// Files recorded as unreadable that have since disappeared: not an open problem any more.
std::vector<std::string> vanished_failures(
    const std::unordered_map<std::string, FileCheckpoint>& previous,
    const std::vector<TranscriptFile>& found) {
    std::unordered_set<std::string_view> seen;
    for (const auto& f : found) seen.insert(f.path);
    std::vector<std::string> gone;
    for (const auto& [path, cp] : previous) {
        struct stat st {};
        if (!cp.error.empty() && !seen.contains(path) && ::stat(path.c_str(), &st) != 0 &&
            errno == ENOENT) {
            gone.push_back(path);
        }
    }
    return gone;
}

}  // namespace

Result<ImportSummary> import_transcripts(const ImportOptions& options,
                                         CheckpointSource& checkpoint_source, ImportSink& sink,
                                         const ProgressCallback& on_progress) {
    ImportSummary summary;
    using Clock = std::chrono::steady_clock;
    const auto seconds_since = [](Clock::time_point t) {
        return std::chrono::duration<double>(Clock::now() - t).count();
    };
    const auto started = Clock::now();
    DiscoveryResult found = discover_transcripts(options.roots);
    summary.errors = std::move(found.errors);
    std::vector<TranscriptFile>& files = found.files;
    summary.files_seen = files.size();
    // Largest first so one huge file does not start last and run alone.
    std::sort(files.begin(), files.end(),
              [](const TranscriptFile& a, const TranscriptFile& b) { return a.size > b.size; });

    auto loaded = checkpoint_source.load_checkpoints();
    if (!loaded.ok()) return loaded.error();
    std::unordered_map<std::string, FileCheckpoint> previous;
    for (auto& cp : *loaded) previous.emplace(cp.path, std::move(cp));

    summary.discovery_seconds = seconds_since(started);
    const auto scan_started = Clock::now();
    ImportProgress progress;
    progress.files_total = files.size();
    for (const auto& f : files) progress.bytes_total += f.size;

    SerializedSink serialized(sink, kCommitPolicy);
    ProblemLog problems(options.max_problems);
    Counters counters;
    std::atomic<size_t> next_file{0};
    std::atomic<uint64_t> bytes_claimed{0};
    unsigned threads = options.threads != 0 ? options.threads : std::thread::hardware_concurrency();
    threads = std::clamp<unsigned>(threads, 1, 64);
    threads = static_cast<unsigned>(std::min<size_t>(threads, std::max<size_t>(files.size(), 1)));

    std::mutex done_mutex;
    std::condition_variable done_signal;
    unsigned running = threads;
    std::vector<std::thread> workers;
    workers.reserve(threads);
    for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            FileImporter importer(options, serialized, problems, counters);
            for (;;) {
                const size_t i = next_file.fetch_add(1);
                if (i >= files.size() || serialized.aborted()) break;
                const auto it = previous.find(files[i].path);
                importer.run(files[i], it == previous.end() ? nullptr : &it->second);
                bytes_claimed += files[i].size;
            }
            std::lock_guard lock(done_mutex);
            --running;
            done_signal.notify_all();
        });
    }
    {
        std::unique_lock lock(done_mutex);
        while (!done_signal.wait_for(lock, std::chrono::milliseconds(100),
                                     [&] { return running == 0; })) {
            if (on_progress) {
                progress.bytes_done = bytes_claimed.load();
                progress.files_done = std::min(next_file.load(), files.size());
                on_progress(progress);
            }
        }
    }
    for (auto& w : workers) w.join();
    serialized.forget(vanished_failures(previous, files));
    summary.scan_seconds = seconds_since(scan_started);
    const auto commit_started = Clock::now();
    const Status final_status = serialized.finish();
    summary.commit_seconds = seconds_since(commit_started);
    if (!final_status.ok()) return final_status.error();
    if (on_progress) {
        progress.bytes_done = progress.bytes_total;
        progress.files_done = files.size();
        on_progress(progress);
    }
    summary.events_written = serialized.events_written();
    summary.calls_written = counters.calls;

    summary.files_read = counters.files_read;
    summary.files_unchanged = counters.files_unchanged;
    summary.files_reread = counters.files_reread;
    summary.files_unreadable = counters.files_unreadable;
    summary.bytes_read = counters.bytes_read;
    summary.lines_read = counters.lines_read;
    summary.assistant_lines = counters.assistant_lines;
    summary.synthetic_lines = counters.synthetic_lines;
    summary.malformed_lines = counters.malformed;
    summary.oversized_lines = counters.oversized;
    summary.incomplete_lines = counters.incomplete;
    summary.problems = problems.take();
    std::sort(summary.problems.begin(), summary.problems.end(),
              [](const LineProblem& a, const LineProblem& b) {
                  return a.path != b.path ? a.path < b.path : a.line < b.line;
              });
    return summary;
}

}  // namespace agent_trace::transcript
