#include "pipeline/serialized_sink.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "../support/store_support.hpp"
#include "../support/test_support.hpp"

namespace agent_trace {
namespace {

using namespace testing_support;

constexpr TimestampUs kT0 = 1'772'445'600'000'000;  // 2026-03-02T10:00:00Z

Event call(int thread, int i) {
    Event e = api_request_event("msg_" + std::to_string(thread) + "_" + std::to_string(i),
                                kT0 + int64_t{i} * 1'000'000);
    e.session_id = "sess-" + std::to_string(thread);
    e.model = "claude-sonnet-4-5-20250929";
    set_tokens(e, 1, 10, 0, 0, 100);
    return e;
}

FileCheckpoint checkpoint(int thread, int batch) {
    FileCheckpoint cp;
    cp.path = "/t/" + std::to_string(thread) + ".jsonl";
    cp.offset = static_cast<uint64_t>(batch) + 1;
    return cp;
}

// Four threads, many small batches, a queue bound smaller than what is written:
// every event and every file's last checkpoint is stored, once.
TEST(SerializedSink, ManyWritersOneStore) {
    TempDir dir;
    auto store = open_store(dir.path() / "at.db");
    ASSERT_NE(store, nullptr);
    SerializedSink sink(*store, {1000, std::chrono::milliseconds(5), 64});
    constexpr int kThreads = 4;
    constexpr int kBatches = 50;
    constexpr int kPerBatch = 20;
    constexpr size_t kTotal = size_t{kThreads} * kBatches * kPerBatch;
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int b = 0; b < kBatches; ++b) {
                std::vector<Event> events;
                events.reserve(kPerBatch);
                for (int i = 0; i < kPerBatch; ++i) events.push_back(call(t, b * kPerBatch + i));
                sink.write(std::move(events), checkpoint(t, b));
            }
        });
    }
    for (auto& th : threads) th.join();
    ASSERT_TRUE(sink.finish().ok());
    EXPECT_FALSE(sink.aborted());
    EXPECT_EQ(sink.events_written(), kTotal);
    EXPECT_EQ(scan_rows(*store).size(), kTotal);
    const auto cps = checkpoints_by_path(*store);
    ASSERT_EQ(cps.size(), size_t{kThreads});
    for (const auto& [path, cp] : cps) EXPECT_EQ(cp.offset, uint64_t{kBatches}) << path;
}

// A rejected batch stops everything after it and is reported by finish().
TEST(SerializedSink, FirstFailureAbortsAndIsReported) {
    TempDir dir;
    auto store = open_store(dir.path() / "at.db");
    ASSERT_NE(store, nullptr);
    SerializedSink sink(*store, {1000, std::chrono::seconds(10)});
    Event bad = call(0, 0);
    bad.session_id.clear();  // invalid: the store refuses it
    sink.write({bad}, checkpoint(0, 0));
    EXPECT_TRUE(sink.aborted());
    sink.write({call(0, 1)}, checkpoint(0, 1));
    const Status s = sink.finish();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("session_id"), std::string::npos) << s.error().message;
    EXPECT_TRUE(scan_rows(*store).empty());
}

}  // namespace
}  // namespace agent_trace
