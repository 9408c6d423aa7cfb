#include "pipeline/spool/spool.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../../support/test_support.hpp"

namespace agent_trace {
namespace {

using testing_support::TempDir;
using testing_support::write_file;

std::string record(int writer, int n) {
    return R"({"writer":)" + std::to_string(writer) + R"(,"n":)" + std::to_string(n) + "}";
}

struct Collected {
    std::mutex mutex;
    std::vector<std::string> lines;

    std::function<Status(std::string_view)> sink() {
        return [this](std::string_view line) -> Status {
            std::lock_guard lock(mutex);
            lines.emplace_back(line);
            return Ok{};
        };
    }
};

SpoolDrainResult drain(const std::string& dir, Collected& into) {
    auto result = spool_drain(dir, into.sink());
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? *result : SpoolDrainResult{};
}

std::vector<std::string> names_in(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

TEST(Spool, AppendThenDrainInOrder) {
    TempDir tmp;
    const std::string dir = (tmp.path() / "data/spool").string();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(spool_append(dir, record(0, i)).ok());

    struct stat st {};
    ASSERT_EQ(::stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    ASSERT_EQ(::stat(spool_file_path(dir).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    auto stats = spool_stats(dir);
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(stats->pending_records, 5u);
    EXPECT_EQ(stats->files, 1u);
    EXPECT_EQ(stats->pending_bytes, static_cast<uint64_t>(st.st_size));

    Collected got;
    const SpoolDrainResult result = drain(dir, got);
    EXPECT_EQ(result.delivered, 5u);
    EXPECT_EQ(result.malformed, 0u);
    ASSERT_EQ(got.lines.size(), 5u);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(got.lines[i], record(0, i));
    EXPECT_TRUE(names_in(dir).empty());
    EXPECT_EQ(spool_stats(dir)->pending_records, 0u);

    // Nothing spooled: nothing happens.
    EXPECT_EQ(drain(dir, got).delivered, 0u);
    EXPECT_EQ(drain((tmp.path() / "missing").string(), got).delivered, 0u);
    EXPECT_EQ(spool_stats((tmp.path() / "missing").string())->files, 0u);
}

TEST(Spool, RefusesRecordsThatAreNotOneLine) {
    TempDir tmp;
    EXPECT_FALSE(spool_append(tmp.path().string(), "").ok());
    EXPECT_FALSE(spool_append(tmp.path().string(), "{\"a\":1}\n{\"b\":2}").ok());
    EXPECT_FALSE(std::filesystem::exists(spool_file_path(tmp.path().string())));
}

TEST(Spool, TornAndGarbledLinesAreCountedNotDelivered) {
    TempDir tmp;
    const std::string dir = tmp.path().string();
    // A writer died mid-record, and a line of garbage sits in the middle.
    write_file(spool_file_path(dir), record(0, 0) + "\nnot a record\n\n" + record(0, 1) + "\n" +
                                         R"({"writer":0,"n":2,"cut)");
    Collected got;
    SpoolDrainResult result = drain(dir, got);
    EXPECT_EQ(result.delivered, 2u);
    EXPECT_EQ(result.malformed, 2u);
    EXPECT_EQ(got.lines, (std::vector<std::string>{record(0, 0), record(0, 1)}));
}

TEST(Spool, AnAppendAfterATornLineStartsOnItsOwnLine) {
    TempDir tmp;
    const std::string dir = tmp.path().string();
    write_file(spool_file_path(dir), record(0, 0) + "\n" + R"({"torn":)");
    ASSERT_TRUE(spool_append(dir, record(0, 1)).ok());
    Collected got;
    SpoolDrainResult result = drain(dir, got);
    EXPECT_EQ(result.delivered, 2u);
    EXPECT_EQ(result.malformed, 1u);
    EXPECT_EQ(got.lines, (std::vector<std::string>{record(0, 0), record(0, 1)}));
}

TEST(Spool, DrainsFilesACrashedDrainerLeftBehind) {
    TempDir tmp;
    const std::string dir = tmp.path().string();
    write_file(tmp.file("draining-00000000000000000001-1-0.spool"), record(1, 0) + "\n");
    write_file(tmp.file("draining-00000000000000000002-1-0.spool"), record(1, 1) + "\n");
    ASSERT_TRUE(spool_append(dir, record(2, 0)).ok());
    EXPECT_EQ(spool_stats(dir)->files, 3u);
    EXPECT_EQ(spool_stats(dir)->pending_records, 3u);

    Collected got;
    EXPECT_EQ(drain(dir, got).delivered, 3u);
    EXPECT_EQ(got.lines, (std::vector<std::string>{record(1, 0), record(1, 1), record(2, 0)}));
    EXPECT_TRUE(names_in(dir).empty());
}

TEST(Spool, AFailedDeliveryKeepsOnlyTheRest) {
    TempDir tmp;
    const std::string dir = tmp.path().string();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(spool_append(dir, record(0, i)).ok());

    std::vector<std::string> delivered;
    auto failing_at = [&](int fail_index) {
        return [&delivered, fail_index](std::string_view line) -> Status {
            if (line == record(0, fail_index)) return make_retryable_error("store is locked");
            delivered.emplace_back(line);
            return Ok{};
        };
    };
    auto first = spool_drain(dir, failing_at(4));
    ASSERT_FALSE(first.ok());
    EXPECT_TRUE(first.error().retryable);
    EXPECT_NE(first.error().message.find("store is locked"), std::string::npos);
    EXPECT_EQ(delivered.size(), 4u);
    EXPECT_EQ(spool_stats(dir)->pending_records, 6u);

    // New records keep arriving meanwhile; then the store recovers.
    ASSERT_TRUE(spool_append(dir, record(1, 0)).ok());
    auto second = spool_drain(dir, failing_at(-1));
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->delivered, 7u);
    std::vector<std::string> expected;
    expected.reserve(11);
    for (int i = 0; i < 10; ++i) expected.push_back(record(0, i));
    expected.push_back(record(1, 0));
    EXPECT_EQ(delivered, expected);  // each once, in order
    EXPECT_TRUE(names_in(dir).empty());
}

TEST(Spool, AWriterWaitingForTheLockFollowsTheRename) {
    TempDir tmp;
    const std::string dir = tmp.path().string();
    ASSERT_TRUE(spool_append(dir, record(0, 0)).ok());
    const std::string path = spool_file_path(dir);
    // Play the drainer by hand: hold the lock, let a writer queue up on it, rename.
    const int held = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(held, 0);
    ASSERT_EQ(::flock(held, LOCK_EX), 0);
    std::atomic<bool> done{false};
    std::thread writer([&] {
        EXPECT_TRUE(spool_append(dir, record(0, 1)).ok());
        done = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(done.load());
    const std::string renamed = dir + "/draining-00000000000000000001-1-0.spool";
    ASSERT_EQ(::rename(path.c_str(), renamed.c_str()), 0);
    ::close(held);  // releases the lock
    writer.join();

    std::ifstream old_file(renamed);
    std::string content((std::istreambuf_iterator<char>(old_file)), {});
    EXPECT_EQ(content, record(0, 0) + "\n");  // the late record went to a new hooks.spool
    Collected got;
    EXPECT_EQ(drain(dir, got).delivered, 2u);
}

TEST(Spool, ThreadsAppendingWhileDrainingDeliverEachRecordOnce) {
    TempDir tmp;
    const std::string dir = tmp.path().string();
    constexpr int kWriters = 8;
    constexpr int kRecords = 150;
    Collected got;
    std::atomic<bool> writing{true};
    std::thread drainer([&] {
        while (writing) {
            EXPECT_TRUE(spool_drain(dir, got.sink()).ok());
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    });
    std::vector<std::thread> writers;
    writers.reserve(kWriters);
    for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back([&, w] {
            for (int i = 0; i < kRecords; ++i) EXPECT_TRUE(spool_append(dir, record(w, i)).ok());
        });
    }
    for (auto& t : writers) t.join();
    writing = false;
    drainer.join();
    EXPECT_TRUE(spool_drain(dir, got.sink()).ok());

    EXPECT_EQ(got.lines.size(), static_cast<size_t>(kWriters * kRecords));
    const std::set<std::string> unique(got.lines.begin(), got.lines.end());
    EXPECT_EQ(unique.size(), got.lines.size());
    for (int w = 0; w < kWriters; ++w) {
        for (int i = 0; i < kRecords; ++i) EXPECT_EQ(unique.count(record(w, i)), 1u);
    }
    EXPECT_TRUE(names_in(dir).empty());
}

TEST(Spool, ProcessesAppendingWhileDrainingDeliverEachRecordOnce) {
    TempDir tmp;
    const std::string dir = tmp.path().string();
    constexpr int kProcesses = 6;
    constexpr int kRecords = 100;
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            int failures = 0;
            for (int i = 0; i < kRecords; ++i) failures += spool_append(dir, record(p, i)) ? 0 : 1;
            ::_exit(failures == 0 ? 0 : 1);
        }
        children.push_back(pid);
    }
    Collected got;
    for (size_t finished = 0; finished < children.size();) {
        ASSERT_TRUE(spool_drain(dir, got.sink()).ok());
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        finished = 0;
        for (pid_t& pid : children) {
            if (pid == 0) {
                ++finished;
                continue;
            }
            int status = 0;
            const pid_t done = ::waitpid(pid, &status, WNOHANG);
            if (done == pid) {
                EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
                pid = 0;
                ++finished;
            }
        }
    }
    ASSERT_TRUE(spool_drain(dir, got.sink()).ok());
    const std::set<std::string> unique(got.lines.begin(), got.lines.end());
    EXPECT_EQ(got.lines.size(), static_cast<size_t>(kProcesses * kRecords));
    EXPECT_EQ(unique.size(), got.lines.size());
}

TEST(Spool, ConcurrentDrainersShareTheWork) {
    TempDir tmp;
    const std::string dir = tmp.path().string();
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(spool_append(dir, record(0, i)).ok());
    write_file(tmp.file("draining-00000000000000000001-1-0.spool"), record(1, 0) + "\n");
    Collected got;
    std::vector<std::thread> drainers;
    drainers.reserve(4);
    for (int d = 0; d < 4; ++d) {
        drainers.emplace_back([&] { EXPECT_TRUE(spool_drain(dir, got.sink()).ok()); });
    }
    for (auto& t : drainers) t.join();
    EXPECT_TRUE(spool_drain(dir, got.sink()).ok());
    const std::set<std::string> unique(got.lines.begin(), got.lines.end());
    EXPECT_EQ(got.lines.size(), 301u);
    EXPECT_EQ(unique.size(), 301u);
}

TEST(Spool, LongRecordsSpanReadChunks) {
    TempDir tmp;
    const std::string dir = tmp.path().string();
    const std::string big = R"({"pad":")" + std::string(3'000'000, 'x') + "\"}";
    ASSERT_TRUE(spool_append(dir, record(0, 0)).ok());
    ASSERT_TRUE(spool_append(dir, big).ok());
    ASSERT_TRUE(spool_append(dir, record(0, 1)).ok());
    Collected got;
    EXPECT_EQ(drain(dir, got).delivered, 3u);
    ASSERT_EQ(got.lines.size(), 3u);
    EXPECT_EQ(got.lines[1], big);
    EXPECT_EQ(got.lines[2], record(0, 1));
}

}  // namespace
}  // namespace agent_trace
