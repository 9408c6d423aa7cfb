// Durable queue throughput as the hooks receiver uses it: N connections, each
// appending a request's events and waiting for when_durable() before the next
// (one request in flight per connection), with a StoreWriter draining into a real
// SQLite store at the same time. Prints events/s, requests/s, fdatasyncs and the
// append-to-durable latency.
//
//   bench_queue_throughput [--connections 64] [--seconds 5] [--events-per-request 1]
//                          [--payload-bytes 600] [--sync every_commit|interval|none]
//                          [--no-writer] [--dir DIR]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/event.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"
#include "pipeline/dlq/dead_letter_queue.hpp"
#include "pipeline/event_codec.hpp"
#include "pipeline/queue/durable_queue.hpp"
#include "pipeline/store_writer.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace {

using namespace agent_trace;
using Clock = std::chrono::steady_clock;

struct Options {
    int connections = 64;
    double seconds = 5;
    int events_per_request = 1;
    size_t payload_bytes = 600;
    QueueSync sync = QueueSync::every_commit;
    bool writer = true;
    std::string dir;
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : ""; };
        if (arg == "--connections") {
            o.connections = std::max(1, std::atoi(next()));
        } else if (arg == "--seconds") {
            o.seconds = std::atof(next());
        } else if (arg == "--events-per-request") {
            o.events_per_request = std::max(1, std::atoi(next()));
        } else if (arg == "--payload-bytes") {
            o.payload_bytes = static_cast<size_t>(std::atol(next()));
        } else if (arg == "--sync") {
            const std::string_view mode = next();
            o.sync = mode == "none"       ? QueueSync::none
                     : mode == "interval" ? QueueSync::interval
                                          : QueueSync::every_commit;
        } else if (arg == "--no-writer") {
            o.writer = false;
        } else if (arg == "--dir") {
            o.dir = next();
        } else {
            std::fprintf(stderr, "unknown argument %s\n", argv[i]);
            std::exit(2);
        }
    }
    return o;
}

// A hook-sized event whose attrs pad it to about `bytes` once encoded.
std::string encoded_event(int connection, uint64_t n, size_t bytes) {
    Event e;
    e.event_id = mint_uuid_v7();
    e.source = Source::hook;
    e.kind = EventKind::tool_end;
    e.ts = now_us();
    e.ingest_ts = e.ts;
    e.session_id = "bench-session-" + std::to_string(connection);
    e.tool_name = "Bash";
    e.tool_use_id = "toolu_" + std::to_string(n);
    e.cwd = "/home/user/src/project";
    e.attrs = R"({"pad":")" + std::string(bytes > 200 ? bytes - 200 : 0, 'x') + R"("})";
    std::string out;
    encode_event(e, out);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    std::string dir = o.dir;
    if (dir.empty()) {
        std::string tmpl = (std::filesystem::temp_directory_path() / "queue-bench-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) return 1;
        dir = tmpl;
    }
    QueueOptions queue_options;
    queue_options.dir = dir + "/queue";
    queue_options.sync = o.sync;
    auto queue = open_durable_queue(queue_options);
    if (!queue) {
        std::fprintf(stderr, "%s\n", queue.error().message.c_str());
        return 1;
    }
    std::unique_ptr<Store> store;
    std::unique_ptr<DeadLetterQueue> dlq;
    std::unique_ptr<StoreWriter> writer;
    if (o.writer) {
        auto s = open_sqlite_store(dir + "/agent-trace.db");
        auto d = open_dead_letter_queue(dir + "/dlq");
        if (!s || !d) return 1;
        store = std::move(*s);
        dlq = std::move(*d);
        writer = std::make_unique<StoreWriter>(**queue, *store, *dlq, StoreWriterOptions{});
        writer->start();
    }

    std::atomic<bool> stop{false};
    std::atomic<uint64_t> requests{0};
    std::vector<std::vector<double>> latencies(static_cast<size_t>(o.connections));
    std::vector<std::thread> threads;
    threads.reserve(static_cast<size_t>(o.connections));
    const auto started = Clock::now();
    for (int c = 0; c < o.connections; ++c) {
        threads.emplace_back([&, c] {
            std::mutex m;
            std::condition_variable cv;
            uint64_t n = 0;
            std::vector<std::string> payloads(static_cast<size_t>(o.events_per_request));
            while (!stop.load(std::memory_order_relaxed)) {
                for (auto& p : payloads) p = encoded_event(c, n++, o.payload_bytes);
                const std::vector<std::string_view> views(payloads.begin(), payloads.end());
                const auto t0 = Clock::now();
                auto lsn = (*queue)->append(views);
                if (!lsn) {
                    std::fprintf(stderr, "append: %s\n", lsn.error().message.c_str());
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                    continue;
                }
                bool done = false;
                (*queue)->when_durable(*lsn, [&](const Status&) {
                    const std::lock_guard lock(m);
                    done = true;
                    cv.notify_one();
                });
                std::unique_lock lock(m);
                cv.wait(lock, [&] { return done; });
                latencies[static_cast<size_t>(c)].push_back(
                    std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
                requests.fetch_add(1, std::memory_order_relaxed);
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
    stop = true;
    for (auto& t : threads) t.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    const QueueStats before_drain = (*queue)->stats();
    double drain_seconds = 0;
    if (writer) {
        const auto t0 = Clock::now();
        writer->drain(std::chrono::minutes(5));
        drain_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    std::vector<double> all;
    for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    auto pct = [&](double p) {
        return all.empty()
                   ? 0.0
                   : all[std::min(all.size() - 1,
                                  static_cast<size_t>(p * static_cast<double>(all.size())))];
    };
    const double req_s = static_cast<double>(requests.load()) / elapsed;
    std::printf(
        "connections=%d events/request=%d payload=%zuB sync=%s writer=%s\n"
        "requests/s=%.0f events/s=%.0f fdatasyncs/s=%.0f events/fdatasync=%.1f\n"
        "durable latency us: p50=%.0f p90=%.0f p99=%.0f max=%.0f\n"
        "writer backlog at stop=%llu events, drained in %.2f s\n",
        o.connections, o.events_per_request, o.payload_bytes,
        o.sync == QueueSync::every_commit ? "every_commit"
        : o.sync == QueueSync::interval   ? "interval"
                                          : "none",
        o.writer ? "sqlite" : "off", req_s, req_s * o.events_per_request,
        static_cast<double>(before_drain.syncs_total) / elapsed,
        before_drain.syncs_total == 0 ? 0.0
                                      : static_cast<double>(before_drain.appended_total) /
                                            static_cast<double>(before_drain.syncs_total),
        pct(0.5), pct(0.9), pct(0.99), all.empty() ? 0.0 : all.back(),
        static_cast<unsigned long long>(before_drain.depth_records), drain_seconds);
    writer.reset();
    queue->reset();
    if (o.dir.empty()) std::filesystem::remove_all(dir);
    return 0;
}
