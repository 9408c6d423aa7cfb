#include "pipeline/queue/durable_queue.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../../support/test_support.hpp"

namespace agent_trace {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using testing_support::TempDir;

constexpr size_t kRecordHeader = 20;
constexpr size_t kSegmentHeader = 32;

std::unique_ptr<DurableQueue> open_queue(const QueueOptions& options) {
    auto queue = open_durable_queue(options);
    EXPECT_TRUE(queue.ok()) << (queue.ok() ? "" : queue.error().message);
    return queue.ok() ? std::move(*queue) : nullptr;
}

QueueOptions options_for(const fs::path& dir, uint64_t segment_bytes = 64U << 20U) {
    QueueOptions options;
    options.dir = dir.string();
    options.segment_bytes = segment_bytes;
    return options;
}

std::string payload_for(uint64_t i) {
    // Sizes vary so records straddle read chunks and segment ends differently.
    return "record-" + std::to_string(i) + "-" +
           std::string(i % 97, static_cast<char>('a' + i % 26));
}

uint64_t append_one(DurableQueue& queue, const std::string& payload) {
    const std::string_view view = payload;
    auto lsn = queue.append(std::span<const std::string_view>(&view, 1));
    EXPECT_TRUE(lsn.ok()) << (lsn.ok() ? "" : lsn.error().message);
    return lsn.ok() ? *lsn : 0;
}

std::vector<QueueRecord> read_all(DurableQueue& queue, size_t batch = 1000) {
    std::vector<QueueRecord> all;
    for (int rounds = 0; rounds < 100000; ++rounds) {
        auto records = queue.read(batch, 1U << 20U, milliseconds(0));
        EXPECT_TRUE(records.ok()) << (records.ok() ? "" : records.error().message);
        if (!records.ok() || records->empty()) break;
        for (auto& r : *records) all.push_back(std::move(r));
    }
    return all;
}

std::vector<fs::path> segment_files(const fs::path& dir) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with("segment-") && name.ends_with(".log")) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

void flip_byte(const fs::path& file, uint64_t offset) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good()) << file;
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(offset));
    f.put(static_cast<char>(c ^ 0x5A));
    ASSERT_TRUE(f.good());
}

TEST(DurableQueue, AppendReadAcknowledgeRoundTrip) {
    TempDir dir;
    auto queue = open_queue(options_for(dir.path()));
    ASSERT_TRUE(queue);
    for (uint64_t i = 1; i <= 100; ++i) EXPECT_EQ(append_one(*queue, payload_for(i)), i);
    std::vector<std::string> batch;
    for (uint64_t i = 101; i <= 150; ++i) batch.push_back(payload_for(i));
    const std::vector<std::string_view> views(batch.begin(), batch.end());
    auto last = queue->append(views);
    ASSERT_TRUE(last.ok());
    EXPECT_EQ(*last, 150U);

    QueueStats s = queue->stats();
    EXPECT_EQ(s.depth_records, 150U);
    EXPECT_EQ(s.appended_total, 150U);
    EXPECT_EQ(s.last_lsn, 150U);

    const auto records = read_all(*queue, 7);
    ASSERT_EQ(records.size(), 150U);
    for (uint64_t i = 0; i < records.size(); ++i) {
        EXPECT_EQ(records[i].lsn, i + 1);
        EXPECT_EQ(records[i].payload, payload_for(i + 1));
    }
    EXPECT_EQ(queue->stats().depth_records, 150U) << "read but not acknowledged";
    ASSERT_TRUE(queue->acknowledge(150).ok());
    s = queue->stats();
    EXPECT_EQ(s.depth_records, 0U);
    EXPECT_EQ(s.depth_bytes, 0U);
    EXPECT_EQ(s.acknowledged_lsn, 150U);
    EXPECT_TRUE(queue->read(10, 1 << 20, milliseconds(0))->empty());
}

TEST(DurableQueue, RollsSegmentsAndDeletesAcknowledgedOnes) {
    TempDir dir;
    auto queue = open_queue(options_for(dir.path(), 4096));
    ASSERT_TRUE(queue);
    for (uint64_t i = 1; i <= 600; ++i) append_one(*queue, payload_for(i));
    const size_t segments = segment_files(dir.path()).size();
    EXPECT_GT(segments, 10U);
    EXPECT_EQ(queue->stats().segments, segments);

    uint64_t expected = 1;
    for (int rounds = 0; rounds < 1000; ++rounds) {
        auto records = queue->read(37, 1 << 20, milliseconds(0));
        ASSERT_TRUE(records.ok());
        if (records->empty()) break;
        for (const auto& r : *records) {
            ASSERT_EQ(r.lsn, expected);
            ASSERT_EQ(r.payload, payload_for(expected));
            ++expected;
        }
        ASSERT_TRUE(queue->acknowledge(records->back().lsn).ok());
    }
    EXPECT_EQ(expected, 601U);
    EXPECT_EQ(segment_files(dir.path()).size(), 1U) << "acknowledged segments are deleted";
    EXPECT_EQ(queue->stats().segments, 1U);
    EXPECT_EQ(queue->stats().depth_bytes, 0U);
}

TEST(DurableQueue, ReopenResumesAfterTheAcknowledgedLsn) {
    TempDir dir;
    {
        auto queue = open_queue(options_for(dir.path(), 4096));
        ASSERT_TRUE(queue);
        for (uint64_t i = 1; i <= 300; ++i) append_one(*queue, payload_for(i));
        auto records = queue->read(120, 1 << 20, milliseconds(0));
        ASSERT_TRUE(records.ok());
        ASSERT_EQ(records->size(), 120U);
        ASSERT_TRUE(queue->acknowledge(100).ok());  // read further than stored
    }
    auto queue = open_queue(options_for(dir.path(), 4096));
    ASSERT_TRUE(queue);
    QueueStats s = queue->stats();
    EXPECT_EQ(s.acknowledged_lsn, 100U);
    EXPECT_EQ(s.recovered_records, 200U);
    EXPECT_EQ(s.depth_records, 200U);
    EXPECT_EQ(s.last_lsn, 300U);
    EXPECT_EQ(s.torn_tail_bytes, 0U);
    EXPECT_EQ(s.corrupt_records, 0U);
    const auto records = read_all(*queue);
    ASSERT_EQ(records.size(), 200U);
    EXPECT_EQ(records.front().lsn, 101U);
    EXPECT_EQ(records.back().lsn, 300U);
    EXPECT_EQ(append_one(*queue, "after reopen"), 301U);
}

TEST(DurableQueue, LsnsAreNeverReusedEvenWhenEverythingWasAcknowledged) {
    TempDir dir;
    {
        auto queue = open_queue(options_for(dir.path(), 1024));
        ASSERT_TRUE(queue);
        for (uint64_t i = 1; i <= 50; ++i) append_one(*queue, payload_for(i));
        ASSERT_EQ(read_all(*queue).size(), 50U);
        ASSERT_TRUE(queue->acknowledge(50).ok());
    }
    for (uint64_t round = 0; round < 3; ++round) {
        auto queue = open_queue(options_for(dir.path(), 1024));
        ASSERT_TRUE(queue);
        EXPECT_EQ(queue->stats().depth_records, 0U);
        EXPECT_TRUE(read_all(*queue).empty());
        EXPECT_EQ(append_one(*queue, "next"), 51 + round);
        ASSERT_EQ(read_all(*queue).size(), 1U);
        ASSERT_TRUE(queue->acknowledge(51 + round).ok());
    }
}

TEST(DurableQueue, CursorSurvivesReopenAndADamagedCursorReplaysEverything) {
    TempDir dir;
    {
        auto queue = open_queue(options_for(dir.path()));
        ASSERT_TRUE(queue);
        for (uint64_t i = 1; i <= 20; ++i) append_one(*queue, payload_for(i));
        ASSERT_EQ(queue->read(15, 1 << 20, milliseconds(0))->size(), 15U);
        ASSERT_TRUE(queue->acknowledge(15).ok());
    }
    {
        auto queue = open_queue(options_for(dir.path()));
        ASSERT_TRUE(queue);
        EXPECT_EQ(queue->stats().acknowledged_lsn, 15U);
        const auto records = read_all(*queue);
        ASSERT_EQ(records.size(), 5U);
        EXPECT_EQ(records.front().lsn, 16U);
    }
    testing_support::write_file(dir.file("cursor"), "garbage");
    auto queue = open_queue(options_for(dir.path()));
    ASSERT_TRUE(queue);
    EXPECT_EQ(queue->stats().acknowledged_lsn, 0U);
    EXPECT_EQ(read_all(*queue).size(), 20U) << "at-least-once: a lost cursor replays";
}

TEST(DurableQueue, AcknowledgingBeyondWhatWasReadSkipsThoseRecords) {
    TempDir dir;
    auto queue = open_queue(options_for(dir.path()));
    ASSERT_TRUE(queue);
    for (uint64_t i = 1; i <= 10; ++i) append_one(*queue, payload_for(i));
    ASSERT_TRUE(queue->acknowledge(6).ok());
    const auto records = read_all(*queue);
    ASSERT_EQ(records.size(), 4U);
    EXPECT_EQ(records.front().lsn, 7U);
    EXPECT_EQ(queue->stats().depth_records, 4U);
    EXPECT_FALSE(queue->acknowledge(11).ok()) << "never appended";
}

// Truncates the last record at every byte of its encoding: recovery keeps all
// the records before it, drops the torn one, and the queue goes on appending.
TEST(DurableQueue, TornTailAtEveryByteOffsetKeepsEarlierRecords) {
    TempDir source;
    constexpr uint64_t kRecords = 12;
    {
        auto queue = open_queue(options_for(source.path()));
        ASSERT_TRUE(queue);
        for (uint64_t i = 1; i <= kRecords; ++i) append_one(*queue, payload_for(i + 40));
    }
    const auto files = segment_files(source.path());
    ASSERT_EQ(files.size(), 1U);
    const uint64_t size = fs::file_size(files[0]);
    const uint64_t last_start = size - kRecordHeader - payload_for(kRecords + 40).size();
    for (uint64_t cut = last_start; cut < size; ++cut) {
        TempDir copy;
        fs::copy(source.path(), copy.path(), fs::copy_options::recursive);
        fs::resize_file(copy.path() / files[0].filename(), cut);
        auto queue = open_queue(options_for(copy.path()));
        ASSERT_TRUE(queue) << "cut at " << cut;
        const QueueStats s = queue->stats();
        EXPECT_EQ(s.torn_tail_bytes, cut - last_start) << "cut at " << cut;
        EXPECT_EQ(s.recovered_records, kRecords - 1);
        EXPECT_EQ(s.corrupt_records, 0U);
        const auto records = read_all(*queue);
        ASSERT_EQ(records.size(), kRecords - 1) << "cut at " << cut;
        for (uint64_t i = 0; i < records.size(); ++i) {
            EXPECT_EQ(records[i].lsn, i + 1);
            EXPECT_EQ(records[i].payload, payload_for(i + 1 + 40));
        }
        EXPECT_EQ(fs::file_size(copy.path() / files[0].filename()), last_start);
        const uint64_t lsn = append_one(*queue, "after the tear");
        EXPECT_GE(lsn, kRecords);
        const auto more = read_all(*queue);
        ASSERT_EQ(more.size(), 1U);
        EXPECT_EQ(more[0].payload, "after the tear");
    }
}

TEST(DurableQueue, NewestSegmentShorterThanItsHeaderIsRepaired) {
    TempDir dir;
    {
        auto queue = open_queue(options_for(dir.path(), 512));
        ASSERT_TRUE(queue);
        for (uint64_t i = 1; i <= 30; ++i) append_one(*queue, payload_for(i));
    }
    auto files = segment_files(dir.path());
    ASSERT_GT(files.size(), 2U);
    // What a crash between creating the next segment and writing its header leaves.
    const fs::path next = dir.path() / "segment-00000000000000000031.log";
    testing_support::write_file(next, std::string(7, '\0'));
    auto queue = open_queue(options_for(dir.path(), 512));
    ASSERT_TRUE(queue);
    EXPECT_EQ(queue->stats().torn_tail_bytes, 7U);
    EXPECT_EQ(read_all(*queue).size(), 30U);
    EXPECT_EQ(append_one(*queue, "x"), 31U);
    EXPECT_EQ(fs::file_size(next), kSegmentHeader + kRecordHeader + 1);
}

// Offsets of the records in a segment file, read back from the format.
std::vector<std::pair<uint64_t, uint64_t>> record_spans(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::pair<uint64_t, uint64_t>> spans;
    uint64_t at = kSegmentHeader;
    while (at + kRecordHeader <= bytes.size()) {
        uint32_t length = 0;
        for (unsigned i = 0; i < 4; ++i) {
            length |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 4 + i]))
                      << (8U * i);
        }
        spans.emplace_back(at, at + kRecordHeader + length);
        at += kRecordHeader + length;
    }
    return spans;
}

TEST(DurableQueue, CorruptionInASealedSegmentDropsOnlyTheDamagedRecord) {
    // Damage to the payload, the length field and the marker of a record in the
    // middle of a sealed segment: that record is lost, every other one is kept.
    for (const uint64_t field_offset : {uint64_t{25}, uint64_t{5}, uint64_t{1}}) {
        TempDir dir;
        constexpr uint64_t kRecords = 200;
        {
            auto queue = open_queue(options_for(dir.path(), 2048));
            ASSERT_TRUE(queue);
            for (uint64_t i = 1; i <= kRecords; ++i) append_one(*queue, payload_for(i));
        }
        const auto files = segment_files(dir.path());
        ASSERT_GT(files.size(), 3U);
        const fs::path& sealed = files[1];
        const auto spans = record_spans(sealed);
        ASSERT_GT(spans.size(), 4U);
        const size_t victim = spans.size() / 2;
        flip_byte(sealed, spans[victim].first + field_offset);

        std::set<uint64_t> seen;
        {
            auto queue = open_queue(options_for(dir.path(), 2048));
            ASSERT_TRUE(queue);
            EXPECT_EQ(queue->stats().corrupt_records, 1U) << "field offset " << field_offset;
            EXPECT_EQ(queue->stats().torn_tail_bytes, 0U);
            for (const auto& r : read_all(*queue)) {
                EXPECT_TRUE(seen.insert(r.lsn).second);
                EXPECT_EQ(r.payload, payload_for(r.lsn));
            }
        }
        EXPECT_EQ(seen.size(), kRecords - 1);
        // The segment was rewritten clean: a second open finds nothing wrong.
        auto again = open_queue(options_for(dir.path(), 2048));
        ASSERT_TRUE(again);
        EXPECT_EQ(again->stats().corrupt_records, 0U);
        EXPECT_EQ(read_all(*again).size(), kRecords - 1);
    }
}

// The segment being written is damaged in the middle (not torn: the records after
// the damage were acknowledged) and has garbage at its end: the damaged record is
// lost and counted, the later ones are kept, the garbage is cut off.
TEST(DurableQueue, DamageInTheNewestSegmentCostsOnlyTheDamagedRecord) {
    TempDir dir;
    constexpr uint64_t kRecords = 60;
    {
        auto queue = open_queue(options_for(dir.path()));
        ASSERT_TRUE(queue);
        for (uint64_t i = 1; i <= kRecords; ++i) append_one(*queue, payload_for(i));
    }
    const auto files = segment_files(dir.path());
    ASSERT_EQ(files.size(), 1U);
    const auto spans = record_spans(files[0]);
    ASSERT_EQ(spans.size(), kRecords);
    flip_byte(files[0], spans[29].first + kRecordHeader + 3);
    testing_support::append_file(files[0], std::string("\x00\x17torn-tail-garbage", 19));
    {
        auto queue = open_queue(options_for(dir.path()));
        ASSERT_TRUE(queue);
        const QueueStats s = queue->stats();
        EXPECT_EQ(s.corrupt_records, 1U);
        EXPECT_EQ(s.torn_tail_bytes, 19U);
        EXPECT_EQ(s.recovered_records, kRecords - 1);
        const auto records = read_all(*queue);
        ASSERT_EQ(records.size(), kRecords - 1);
        for (const auto& r : records) {
            EXPECT_NE(r.lsn, 30U);
            EXPECT_EQ(r.payload, payload_for(r.lsn));
        }
        EXPECT_EQ(append_one(*queue, "after repair"), kRecords + 1);
    }
    auto again = open_queue(options_for(dir.path()));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->stats().corrupt_records, 0U);
    EXPECT_EQ(again->stats().torn_tail_bytes, 0U);
    EXPECT_EQ(read_all(*again).size(), kRecords);
}

TEST(DurableQueue, DamageAfterOpenIsSkippedByTheReaderAndCounted) {
    TempDir dir;
    auto queue = open_queue(options_for(dir.path()));
    ASSERT_TRUE(queue);
    for (uint64_t i = 1; i <= 10; ++i) append_one(*queue, payload_for(i));
    const auto files = segment_files(dir.path());
    ASSERT_EQ(files.size(), 1U);
    const auto spans = record_spans(files[0]);
    ASSERT_EQ(spans.size(), 10U);
    flip_byte(files[0], spans[4].first + kRecordHeader + 2);
    const auto records = read_all(*queue);
    ASSERT_EQ(records.size(), 9U);
    for (const auto& r : records) EXPECT_NE(r.lsn, 5U);
    EXPECT_EQ(queue->stats().corrupt_records, 1U);
}

TEST(DurableQueue, ManyThreadsShareSyncsAndEveryCallbackFiresOnce) {
    TempDir dir;
    auto queue = open_queue(options_for(dir.path(), 256U << 10U));
    ASSERT_TRUE(queue);
    constexpr int kThreads = 8;
    constexpr int kAppends = 400;
    constexpr uint64_t kTotal = uint64_t{kThreads} * kAppends * 2;  // every append has 2 records
    std::vector<std::atomic<int>> fired(kTotal + 1);
    std::atomic<int> failures{0};
    std::atomic<int> callbacks{0};
    std::vector<std::vector<uint64_t>> lsns(kThreads);
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kAppends; ++i) {
                const std::string a = "t" + std::to_string(t) + "-" + std::to_string(i) + "-a";
                const std::string b = "t" + std::to_string(t) + "-" + std::to_string(i) + "-b";
                const std::vector<std::string_view> pair{a, b};
                auto lsn = queue->append(pair);
                if (!lsn.ok() || *lsn == 0 || *lsn > kTotal) {
                    ++failures;
                    continue;
                }
                lsns[static_cast<size_t>(t)].push_back(*lsn);
                queue->when_durable(*lsn, [&, lsn = *lsn](const Status& s) {
                    if (!s.ok()) ++failures;
                    ++fired[lsn];
                    ++callbacks;
                });
            }
        });
    }
    for (auto& thread : threads) thread.join();
    for (int waited = 0; callbacks.load() < kThreads * kAppends && waited < 3000; ++waited) {
        std::this_thread::sleep_for(milliseconds(10));
    }
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(callbacks.load(), kThreads * kAppends);
    std::set<uint64_t> all;
    for (const auto& mine : lsns) {
        EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end()));
        for (const uint64_t lsn : mine) {
            EXPECT_TRUE(all.insert(lsn).second) << "lsn " << lsn << " handed out twice";
            EXPECT_EQ(fired[lsn].load(), 1) << "lsn " << lsn;
        }
    }
    EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kAppends));
    const QueueStats s = queue->stats();
    EXPECT_EQ(s.appended_total, kTotal);
    EXPECT_GE(s.syncs_total, 1U);
    EXPECT_LE(s.syncs_total, s.appended_total);
    // Every record is in the queue once, in lsn order, a pair's two halves adjacent.
    const auto records = read_all(*queue);
    ASSERT_EQ(records.size(), kTotal);
    for (uint64_t i = 0; i < kTotal; ++i) {
        ASSERT_EQ(records[i].lsn, i + 1);
        if (i % 2 == 1) {
            EXPECT_EQ(records[i].payload.substr(0, records[i].payload.size() - 1),
                      records[i - 1].payload.substr(0, records[i - 1].payload.size() - 1));
        }
    }
    std::printf("[ info ] %llu records in %llu appends, %llu fdatasyncs\n",
                static_cast<unsigned long long>(kTotal),
                static_cast<unsigned long long>(kThreads) * kAppends,
                static_cast<unsigned long long>(s.syncs_total));
}

TEST(DurableQueue, CallbacksPendingAtCloseStillFire) {
    TempDir dir;
    std::atomic<int> ok{0};
    {
        QueueOptions options = options_for(dir.path());
        options.sync_interval = milliseconds(50);  // a group is still gathering at close
        auto queue = open_queue(options);
        ASSERT_TRUE(queue);
        for (int i = 0; i < 20; ++i) {
            const uint64_t lsn = append_one(*queue, "x");
            queue->when_durable(lsn, [&ok](const Status& s) {
                if (s.ok()) ++ok;
            });
        }
    }
    EXPECT_EQ(ok.load(), 20);
}

TEST(DurableQueue, IntervalAndNoneModesCompleteOnceWritten) {
    for (const QueueSync mode : {QueueSync::interval, QueueSync::none}) {
        TempDir dir;
        QueueOptions options = options_for(dir.path());
        options.sync = mode;
        options.sync_interval = milliseconds(5);
        auto queue = open_queue(options);
        ASSERT_TRUE(queue);
        const uint64_t lsn = append_one(*queue, "x");
        bool called = false;
        queue->when_durable(lsn, [&called](const Status& s) { called = s.ok(); });
        EXPECT_TRUE(called) << "completed in the caller's thread";
        ASSERT_EQ(read_all(*queue).size(), 1U);
    }
}

TEST(DurableQueue, WhenDurableForAnLsnNeverAppendedFails) {
    TempDir dir;
    auto queue = open_queue(options_for(dir.path()));
    ASSERT_TRUE(queue);
    std::optional<Status> result;
    queue->when_durable(5, [&result](const Status& s) { result = s; });
    ASSERT_TRUE(result.has_value());
    EXPECT_FALSE(result->ok());
    bool zero = false;
    queue->when_durable(0, [&zero](const Status& s) { zero = s.ok(); });
    EXPECT_TRUE(zero);
}

TEST(DurableQueue, DepthLimitRefusesWithARetryableErrorUntilAcknowledged) {
    TempDir dir;
    QueueOptions options = options_for(dir.path());
    options.max_depth_bytes = 1000;
    auto queue = open_queue(options);
    ASSERT_TRUE(queue);
    const std::string payload(100, 'p');
    const std::string_view view = payload;
    int accepted = 0;
    std::optional<Error> refused;
    for (int i = 0; i < 100 && !refused; ++i) {
        auto lsn = queue->append(std::span<const std::string_view>(&view, 1));
        if (lsn.ok()) {
            ++accepted;
        } else {
            refused = lsn.error();
        }
    }
    ASSERT_TRUE(refused.has_value());
    EXPECT_TRUE(refused->retryable);
    EXPECT_NE(refused->message.find("full"), std::string::npos) << refused->message;
    EXPECT_EQ(accepted, 8);  // 8 x 120 bytes fit under 1000
    EXPECT_LE(queue->stats().depth_bytes, 1000U);
    const auto records = read_all(*queue);
    ASSERT_EQ(records.size(), 8U);
    ASSERT_TRUE(queue->acknowledge(records.back().lsn).ok());
    EXPECT_TRUE(queue->append(std::span<const std::string_view>(&view, 1)).ok());
}

TEST(DurableQueue, OversizedRecordsAreRefusedAndLargeOnesReadWhole) {
    TempDir dir;
    auto queue = open_queue(options_for(dir.path(), 1U << 20U));
    ASSERT_TRUE(queue);
    const std::string huge((64U << 20U) + 1, 'h');
    const std::string_view huge_view = huge;
    auto refused = queue->append(std::span<const std::string_view>(&huge_view, 1));
    ASSERT_FALSE(refused.ok());
    EXPECT_FALSE(refused.error().retryable);

    const std::string large(3U << 20U, 'l');  // larger than a segment and a read budget
    append_one(*queue, "small");
    append_one(*queue, large);
    append_one(*queue, "small again");
    auto first = queue->read(10, 1000, milliseconds(0));
    ASSERT_TRUE(first.ok());
    ASSERT_FALSE(first->empty());
    const auto rest = read_all(*queue);
    std::vector<QueueRecord> all = *first;
    all.insert(all.end(), rest.begin(), rest.end());
    ASSERT_EQ(all.size(), 3U);
    EXPECT_EQ(all[1].payload, large);
    EXPECT_EQ(all[2].payload, "small again");
}

TEST(DurableQueue, ReadWaitsForAnAppendAndWakeReaderEndsTheWait) {
    TempDir dir;
    auto queue = open_queue(options_for(dir.path()));
    ASSERT_TRUE(queue);
    auto waiting = std::async(std::launch::async,
                              [&] { return queue->read(10, 1 << 20, milliseconds(30000)); });
    std::this_thread::sleep_for(milliseconds(20));
    append_one(*queue, "wakes the reader");
    ASSERT_EQ(waiting.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    auto got = waiting.get();
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 1U);

    auto idle = std::async(std::launch::async,
                           [&] { return queue->read(10, 1 << 20, milliseconds(30000)); });
    std::this_thread::sleep_for(milliseconds(20));
    queue->wake_reader();
    ASSERT_EQ(idle.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    EXPECT_TRUE(idle.get()->empty());
}

TEST(DurableQueue, ASecondOpenOfTheSameDirectoryIsRefused) {
    TempDir dir;
    auto first = open_queue(options_for(dir.path()));
    ASSERT_TRUE(first);
    auto second = open_durable_queue(options_for(dir.path()));
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("in use"), std::string::npos);
}

// Reads (first, last) lsn pairs the child reported durable, until `enough` of
// them arrived, the pipe closed or the deadline passed.
void read_reports(int fd, std::vector<std::pair<uint64_t, uint64_t>>& reports, size_t enough,
                  std::chrono::steady_clock::time_point deadline) {
    std::string pending;
    while (reports.size() < enough && std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, 100);
        if (ready <= 0) continue;
        char buffer[4096];
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        pending.append(buffer, static_cast<size_t>(n));
        while (pending.size() >= 16) {
            uint64_t pair[2];
            std::memcpy(pair, pending.data(), 16);
            reports.emplace_back(pair[0], pair[1]);
            pending.erase(0, 16);
        }
    }
}

// The child: appends from three threads and consumes with a fourth (acknowledging
// what it read), reporting every lsn range once it is durable, until killed.
[[noreturn]] void crash_child(const fs::path& dir, int report_fd) {
    QueueOptions options = options_for(dir, 64U << 10U);
    auto opened = open_durable_queue(options);
    if (!opened.ok()) ::_exit(2);
    DurableQueue& queue = **opened;
    std::mutex report_mutex;
    auto producer = [&](int t) {
        for (uint64_t i = 0;; ++i) {
            const std::string a = "c" + std::to_string(t) + "-" + std::to_string(i);
            const std::string b = a + "-second";
            std::vector<std::string_view> views{a};
            if (i % 3 == 0) views.emplace_back(b);
            auto lsn = queue.append(views);
            if (!lsn.ok()) continue;
            const uint64_t first = *lsn - views.size() + 1;
            queue.when_durable(*lsn,
                               [&report_mutex, report_fd, first, last = *lsn](const Status& s) {
                                   if (!s.ok()) return;
                                   const uint64_t pair[2] = {first, last};
                                   const std::lock_guard lock(report_mutex);
                                   (void)!::write(report_fd, pair, sizeof pair);
                               });
        }
    };
    std::thread consumer([&] {
        for (;;) {
            auto records = queue.read(50, 1 << 20, milliseconds(5));
            if (records.ok() && !records->empty()) (void)queue.acknowledge(records->back().lsn);
        }
    });
    std::thread p1(producer, 1);
    std::thread p2(producer, 2);
    producer(3);
    ::_exit(3);  // not reached
}

TEST(DurableQueue, KillDashNineLosesNoAcknowledgedRecord) {
    std::mt19937 rng(std::random_device{}());
    for (int round = 0; round < 4; ++round) {
        TempDir dir;
        int fds[2];
        ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            ::close(fds[0]);
            crash_child(dir.path(), fds[1]);
        }
        ::close(fds[1]);
        std::vector<std::pair<uint64_t, uint64_t>> reports;
        const size_t kill_after = std::uniform_int_distribution<size_t>(50, 4000)(rng);
        read_reports(fds[0], reports, kill_after,
                     std::chrono::steady_clock::now() + std::chrono::seconds(20));
        ASSERT_EQ(::kill(child, SIGKILL), 0);
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << status;
        // What was reported before the kill is still in the pipe.
        read_reports(fds[0], reports, SIZE_MAX,
                     std::chrono::steady_clock::now() + std::chrono::seconds(20));
        ::close(fds[0]);
        ASSERT_FALSE(reports.empty()) << "the child acknowledged nothing";

        auto queue = open_queue(options_for(dir.path(), 64U << 10U));
        ASSERT_TRUE(queue);
        const uint64_t stored_by_child = queue->stats().acknowledged_lsn;
        EXPECT_EQ(queue->stats().corrupt_records, 0U);
        std::map<uint64_t, int> present;
        std::set<std::string> payloads;
        for (const auto& r : read_all(*queue)) {
            ++present[r.lsn];
            EXPECT_TRUE(payloads.insert(r.payload).second) << "payload twice: " << r.payload;
        }
        size_t checked = 0;
        for (const auto& [first, last] : reports) {
            for (uint64_t lsn = first; lsn <= last; ++lsn) {
                if (lsn <= stored_by_child) continue;  // consumed and acknowledged before
                ++checked;
                EXPECT_EQ(present[lsn], 1) << "acknowledged lsn " << lsn << " in round " << round;
            }
        }
        for (const auto& [lsn, count] : present) {
            EXPECT_EQ(count, 1) << lsn;
            EXPECT_GT(lsn, stored_by_child);
        }
        std::printf(
            "[ info ] round %d: killed after %zu reports; %zu checked after reopen, "
            "%llu acknowledged by the child's consumer, torn tail %llu bytes\n",
            round, reports.size(), checked, static_cast<unsigned long long>(stored_by_child),
            static_cast<unsigned long long>(queue->stats().torn_tail_bytes));
    }
}

}  // namespace
}  // namespace agent_trace
