// Streaming responses of the Beast listener against real sockets on 127.0.0.1:
// the head goes out at once, chunks follow in order as the producer writes them
// (from its own thread), the producer sees a client that left, and closing the
// writer ends the connection.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "../support/sse_client.hpp"
#include "server/http_server.hpp"

namespace agent_trace::server {
namespace {

using namespace std::chrono_literals;

// A listener whose every answer is a stream; the test gets hold of the writer.
class StreamingListener {
public:
    StreamingListener() {
        auto bound = HttpListener::bind(
            io_, "127.0.0.1", 0,
            [this](HttpRequest&&, const Responder& respond) {
                HttpResponse response;
                response.content_type = "text/event-stream";
                response.open_stream = [this](std::shared_ptr<StreamWriter> writer) {
                    std::lock_guard lock(mutex_);
                    writer_ = std::move(writer);
                };
                respond(std::move(response));
            },
            {});
        EXPECT_TRUE(bound.ok());
        listener_ = std::move(*bound);
        listener_->start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~StreamingListener() {
        {
            std::lock_guard lock(mutex_);
            writer_.reset();
        }
        listener_->stop();
        io_.stop();
        thread_.join();
    }
    StreamingListener(const StreamingListener&) = delete;
    StreamingListener& operator=(const StreamingListener&) = delete;

    [[nodiscard]] uint16_t port() const { return listener_->port(); }

    // The writer of the one open stream, once the head has gone out.
    std::shared_ptr<StreamWriter> writer() {
        for (int i = 0; i < 500; ++i) {
            {
                std::lock_guard lock(mutex_);
                if (writer_) return writer_;
            }
            std::this_thread::sleep_for(10ms);
        }
        ADD_FAILURE() << "no stream was opened";
        return nullptr;
    }

private:
    boost::asio::io_context io_;
    std::unique_ptr<HttpListener> listener_;
    std::mutex mutex_;
    std::shared_ptr<StreamWriter> writer_;
    std::thread thread_;
};

template <class Predicate>
bool eventually(Predicate predicate) {
    for (int i = 0; i < 1000; ++i) {
        if (predicate()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return predicate();
}

TEST(HttpStream, ChunksArriveInOrderAfterAHeadWithoutLength) {
    StreamingListener listening;
    testing_support::SseClient client(listening.port(), "/events");
    EXPECT_EQ(client.status(), 200);
    const std::string head = client.head();
    EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
    EXPECT_NE(head.find("Connection: close"), std::string::npos) << head;
    EXPECT_NE(head.find("Cache-Control: no-cache"), std::string::npos) << head;
    EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;

    auto writer = listening.writer();
    ASSERT_NE(writer, nullptr);
    // From another thread, as the stream hub writes.
    std::thread producer([writer] {
        for (int i = 0; i < 100; ++i) {
            EXPECT_TRUE(writer->write("id: " + std::to_string(i) + "\ndata: {}\n\n"));
        }
    });
    producer.join();
    const auto events = client.take(100);
    ASSERT_EQ(events.size(), 100u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(events[static_cast<size_t>(i)].id, std::to_string(i));
    EXPECT_TRUE(eventually([&] { return writer->queued_bytes() == 0; }));
    EXPECT_FALSE(writer->closed());

    writer->close();
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_TRUE(eventually([&] { return writer->closed(); }));
    EXPECT_FALSE(writer->write("data: late\n\n"));
}

TEST(HttpStream, AClientThatLeavesClosesTheWriter) {
    StreamingListener listening;
    testing_support::SseClient client(listening.port(), "/events");
    EXPECT_EQ(client.status(), 200);
    auto writer = listening.writer();
    ASSERT_NE(writer, nullptr);
    client.close();
    EXPECT_TRUE(eventually([&] { return writer->closed(); }));
    EXPECT_FALSE(writer->write("data: nobody\n\n"));
    EXPECT_EQ(writer->queued_bytes(), 0u);
}

TEST(HttpStream, WhatAStalledClientDoesNotReadQueuesVisibly) {
    StreamingListener listening;
    testing_support::SseClient client(listening.port(), "/events", "", 4096);
    EXPECT_EQ(client.status(), 200);
    auto writer = listening.writer();
    ASSERT_NE(writer, nullptr);
    const std::string chunk(size_t{64} * 1024, 'x');
    for (int i = 0; i < 64; ++i) ASSERT_TRUE(writer->write(": " + chunk + "\n\n"));
    // 4 MiB written, far more than the kernel buffers: the rest waits, and shows.
    EXPECT_TRUE(eventually([&] { return writer->queued_bytes() > (1u << 20); }));
    writer->close();
    EXPECT_TRUE(eventually([&] { return writer->queued_bytes() == 0; }));
}

}  // namespace
}  // namespace agent_trace::server
