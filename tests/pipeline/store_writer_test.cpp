#include "pipeline/store_writer.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sqlite3.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../support/test_support.hpp"
#include "pipeline/dlq/dead_letter_queue.hpp"
#include "pipeline/event_codec.hpp"
#include "pipeline/queue/durable_queue.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace agent_trace {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using testing_support::TempDir;

constexpr TimestampUs kT0 = 1'772'445'600'000'000;  // 2026-03-02T10:00:00Z
constexpr auto kPatience = std::chrono::seconds(60);

Event tool_event(int i) {
    Event e;
    e.event_id = hash_event_id({"store-writer-test", std::to_string(i)});
    e.source = Source::hook;
    e.kind = EventKind::tool_start;
    e.ts = kT0 + int64_t{i} * 1000;
    e.ingest_ts = e.ts + 5;
    e.session_id = "sess-" + std::to_string(i % 3);
    e.tool_name = "Bash";
    e.tool_use_id = "toolu_" + std::to_string(i);
    return e;
}

// Polls `condition` every 10 ms for up to `kPatience`; false when it never held.
bool eventually(const std::function<bool()>& condition) {
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(milliseconds(10));
    }
    return condition();
}

// A direct connection to the store file, as another process would have.
class RawConnection {
public:
    explicit RawConnection(const fs::path& path) {
        EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
        sqlite3_busy_timeout(db_, 5000);
    }
    ~RawConnection() { sqlite3_close_v2(db_); }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    void exec(const char* sql) {
        char* message = nullptr;
        EXPECT_EQ(sqlite3_exec(db_, sql, nullptr, nullptr, &message), SQLITE_OK)
            << sql << ": " << (message != nullptr ? message : "");
        sqlite3_free(message);
    }

    int64_t count(const char* sql) {
        sqlite3_stmt* stmt = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr), SQLITE_OK) << sql;
        int64_t n = -1;
        if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        return n;
    }

private:
    sqlite3* db_ = nullptr;
};

// The live pipeline in miniature: a real queue, a real SQLite store and a DLQ.
struct Pipeline {
    explicit Pipeline(const fs::path& root, int busy_timeout_ms = 10'000) {
        db_path = root / "agent-trace.db";
        SqliteStoreOptions store_options;
        store_options.busy_timeout_ms = busy_timeout_ms;
        auto s = open_sqlite_store(db_path.string(), store_options);
        EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
        if (s.ok()) store = std::move(*s);
        QueueOptions queue_options;
        queue_options.dir = (root / "queue").string();
        auto q = open_durable_queue(queue_options);
        EXPECT_TRUE(q.ok()) << (q.ok() ? "" : q.error().message);
        if (q.ok()) queue = std::move(*q);
        auto d = open_dead_letter_queue((root / "dlq").string());
        EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
        if (d.ok()) dlq = std::move(*d);
    }

    [[nodiscard]] bool ready() const { return store && queue && dlq; }

    std::unique_ptr<StoreWriter> writer(StoreWriterOptions options = {}) {
        options.backoff_initial = milliseconds(5);
        options.backoff_max = milliseconds(50);
        options.read_wait = milliseconds(20);
        return std::make_unique<StoreWriter>(*queue, *store, *dlq, std::move(options));
    }

    void enqueue(const std::vector<Event>& events) {
        std::vector<std::string> payloads;
        payloads.reserve(events.size());
        for (const Event& e : events) {
            payloads.emplace_back();
            encode_event(e, payloads.back());
        }
        enqueue_raw(payloads);
    }

    void enqueue_raw(const std::vector<std::string>& payloads) {
        const std::vector<std::string_view> views(payloads.begin(), payloads.end());
        auto lsn = queue->append(views);
        ASSERT_TRUE(lsn.ok()) << lsn.error().message;
    }

    int64_t stored_count() {
        RawConnection c(db_path);
        return c.count("SELECT count(*) FROM events");
    }

    fs::path db_path;
    std::unique_ptr<Store> store;
    std::unique_ptr<DurableQueue> queue;
    std::unique_ptr<DeadLetterQueue> dlq;
};

std::vector<Event> events_range(int first, int count) {
    std::vector<Event> events;
    events.reserve(static_cast<size_t>(count));
    for (int i = first; i < first + count; ++i) events.push_back(tool_event(i));
    return events;
}

TEST(StoreWriter, StoresEveryEventOnceEvenWhenItArrivesTwice) {
    TempDir dir;
    Pipeline p(dir.path());
    ASSERT_TRUE(p.ready());
    std::atomic<uint64_t> seen_by_callback{0};
    StoreWriterOptions options;
    options.batch_records = 128;  // several batches
    options.on_stored = [&](std::span<const Event> events) { seen_by_callback += events.size(); };
    auto writer = p.writer(options);
    writer->start();
    for (int chunk = 0; chunk < 10; ++chunk) p.enqueue(events_range(chunk * 100, 100));
    ASSERT_TRUE(writer->drain(kPatience));
    EXPECT_EQ(p.stored_count(), 1000);

    // A replay of the same events (a retried hook, a re-read queue) changes nothing.
    p.enqueue(events_range(0, 1000));
    ASSERT_TRUE(writer->drain(kPatience));
    EXPECT_EQ(p.stored_count(), 1000);
    RawConnection c(p.db_path);
    EXPECT_EQ(c.count("SELECT count(DISTINCT event_id) FROM events"), 1000);

    const StoreWriterStats s = writer->stats();
    EXPECT_EQ(s.stored_events, 2000U);
    EXPECT_GE(s.batches, 2U);
    EXPECT_EQ(s.dead_lettered, 0U);
    EXPECT_EQ(s.retries, 0U);
    EXPECT_FALSE(s.store_unavailable);
    EXPECT_EQ(seen_by_callback.load(), 2000U);
    EXPECT_EQ(p.queue->stats().depth_records, 0U);
    EXPECT_EQ(p.queue->stats().acknowledged_lsn, p.queue->stats().last_lsn);
}

// Another connection holds the write lock (BEGIN EXCLUSIVE) for a while: the
// writer retries with backoff, shows the outage, and stores everything once
// the lock is released.
TEST(StoreWriter, LockedStoreIsRetriedUntilReleased) {
    TempDir dir;
    Pipeline p(dir.path(), /*busy_timeout_ms=*/20);
    ASSERT_TRUE(p.ready());
    auto writer = p.writer();
    {
        RawConnection locker(p.db_path);
        locker.exec("BEGIN EXCLUSIVE");
        p.enqueue(events_range(0, 200));
        writer->start();
        ASSERT_TRUE(eventually([&] {
            const StoreWriterStats s = writer->stats();
            return s.store_unavailable && s.retries >= 3;
        }));
        const StoreWriterStats during = writer->stats();
        EXPECT_NE(during.last_error.find("locked"), std::string::npos) << during.last_error;
        EXPECT_GT(during.last_error_at, 0);
        EXPECT_EQ(locker.count("SELECT count(*) FROM events"), 0);
        EXPECT_EQ(p.queue->stats().depth_records, 200U) << "nothing acknowledged while down";
        locker.exec("COMMIT");
    }
    ASSERT_TRUE(writer->drain(kPatience));
    EXPECT_EQ(p.stored_count(), 200);
    const StoreWriterStats after = writer->stats();
    EXPECT_FALSE(after.store_unavailable);
    EXPECT_GE(after.retries, 3U);
    EXPECT_EQ(after.stored_events, 200U);
    EXPECT_EQ(after.dead_lettered, 0U);
}

// Sets or clears the immutable attribute: even root cannot write such a file.
bool set_immutable(const fs::path& path, bool on) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    int flags = 0;
    bool ok = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
    if (ok) {
        flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
        ok = ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
    ::close(fd);
    return ok;
}

// The store's files refuse writes (what a read-only or failing disk looks like;
// we run as root, so permissions would not do it: the immutable attribute does).
TEST(StoreWriter, UnwritableStoreIsRetriedUntilWritableAgain) {
    TempDir dir;
    Pipeline p(dir.path());
    ASSERT_TRUE(p.ready());
    const fs::path wal = p.db_path.string() + "-wal";
    ASSERT_TRUE(fs::exists(wal));
    if (!set_immutable(wal, true)) {
        GTEST_SKIP() << "this filesystem or user cannot set the immutable attribute";
    }
    struct Restore {
        fs::path path;
        ~Restore() { set_immutable(path, false); }
    } restore{wal};
    auto writer = p.writer();
    p.enqueue(events_range(0, 50));
    writer->start();
    ASSERT_TRUE(eventually([&] {
        const StoreWriterStats s = writer->stats();
        return s.store_unavailable && s.retries >= 2;
    }));
    EXPECT_EQ(p.queue->stats().depth_records, 50U);
    ASSERT_TRUE(set_immutable(wal, false));
    ASSERT_TRUE(writer->drain(kPatience));
    EXPECT_EQ(p.stored_count(), 50);
    EXPECT_FALSE(writer->stats().store_unavailable);
    EXPECT_EQ(writer->stats().dead_lettered, 0U);
}

TEST(StoreWriter, PoisonEventGoesToTheDlqAndTheRestOfItsBatchIsStored) {
    TempDir dir;
    Pipeline p(dir.path());
    ASSERT_TRUE(p.ready());
    std::vector<Event> events = events_range(0, 10);
    events[4].session_id.clear();  // validate(): a tool_start needs a session
    p.enqueue(events);
    auto writer = p.writer();
    writer->start();
    ASSERT_TRUE(writer->drain(kPatience));
    EXPECT_EQ(p.stored_count(), 9);
    const StoreWriterStats s = writer->stats();
    EXPECT_EQ(s.dead_lettered, 1U);
    EXPECT_EQ(s.stored_events, 9U);
    EXPECT_FALSE(s.store_unavailable);

    auto entries = p.dlq->list();
    ASSERT_TRUE(entries.ok());
    ASSERT_EQ(entries->size(), 1U);
    const DeadLetter& entry = entries->front();
    EXPECT_EQ(entry.origin, "writer");
    EXPECT_NE(entry.reason.find("session_id is empty"), std::string::npos) << entry.reason;
    EXPECT_GT(entry.failed_at, 0);
    EXPECT_TRUE(entry.raw_hex.empty());
    auto event = event_from_json(entry.event_json);
    ASSERT_TRUE(event.ok()) << event.error().message;
    EXPECT_EQ(event->event_id, events[4].event_id);
    EXPECT_EQ(event->tool_use_id, "toolu_4");
}

TEST(StoreWriter, UndecodableRecordGoesToTheDlqWithItsBytes) {
    TempDir dir;
    Pipeline p(dir.path());
    ASSERT_TRUE(p.ready());
    std::vector<std::string> payloads;
    for (const Event& e : events_range(0, 3)) {
        payloads.emplace_back();
        encode_event(e, payloads.back());
    }
    payloads.insert(payloads.begin() + 1, std::string("\x01garbage", 8));
    p.enqueue_raw(payloads);
    auto writer = p.writer();
    writer->start();
    ASSERT_TRUE(writer->drain(kPatience));
    EXPECT_EQ(p.stored_count(), 3);
    auto entries = p.dlq->list();
    ASSERT_TRUE(entries.ok());
    ASSERT_EQ(entries->size(), 1U);
    EXPECT_EQ(entries->front().raw_hex, "0167617262616765");
    EXPECT_TRUE(entries->front().event_json.empty());
    EXPECT_NE(entries->front().reason.find("undecodable queue record (lsn 2)"), std::string::npos)
        << entries->front().reason;
    EXPECT_EQ(writer->stats().dead_lettered, 1U);
}

// stop() during an outage returns promptly and loses nothing: the batch in hand
// is stored after the next start().
TEST(StoreWriter, StopDuringAnOutageKeepsTheBatchForTheNextStart) {
    TempDir dir;
    Pipeline p(dir.path(), /*busy_timeout_ms=*/20);
    ASSERT_TRUE(p.ready());
    auto writer = p.writer();
    p.enqueue(events_range(0, 30));
    {
        RawConnection locker(p.db_path);
        locker.exec("BEGIN EXCLUSIVE");
        writer->start();
        ASSERT_TRUE(eventually([&] { return writer->stats().retries >= 1; }));
        writer->stop();
        locker.exec("COMMIT");
    }
    EXPECT_EQ(p.stored_count(), 0);
    EXPECT_EQ(p.queue->stats().depth_records, 30U);
    writer->start();
    ASSERT_TRUE(writer->drain(kPatience));
    EXPECT_EQ(p.stored_count(), 30);
}

// Without a writer nothing is acknowledged: a reopened queue still has it all.
TEST(StoreWriter, DrainWithoutAWriterTimesOutAndTheQueueKeepsEverything) {
    TempDir dir;
    {
        Pipeline p(dir.path());
        ASSERT_TRUE(p.ready());
        p.enqueue(events_range(0, 5));
        auto writer = p.writer();
        EXPECT_FALSE(writer->drain(milliseconds(10)));
    }
    Pipeline p(dir.path());
    ASSERT_TRUE(p.ready());
    EXPECT_EQ(p.queue->stats().depth_records, 5U);
    auto writer = p.writer();
    writer->start();
    ASSERT_TRUE(writer->drain(kPatience));
    EXPECT_EQ(p.stored_count(), 5);
}

}  // namespace
}  // namespace agent_trace
