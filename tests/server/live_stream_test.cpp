// The live event stream (GET /api/v1/stream) of the real ServeApp, in-process on
// 127.0.0.1 ports 0: hook events POSTed to the hooks port come out of the API
// port as Server-Sent Events with their store sequence as id; filters, resuming
// with Last-Event-ID, starting with the last stored events (?tail=N), heartbeats, a client that
// stops reading (cut off while the POSTs keep succeeding), a client that goes away, and malformed
// requests.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../support/sse_client.hpp"
#include "../support/test_support.hpp"
#include "cli/hook_handler/loopback_http.hpp"
#include "server/serve_app.hpp"

namespace agent_trace::server {
namespace {

using namespace std::chrono_literals;
using testing_support::SseClient;
using testing_support::SseEvent;

class Served {
public:
    explicit Served(void (*tweak)(ServeOptions&) = nullptr) {
        ServeOptions options;
        options.data_dir = dir_.path().string();
        options.hooks_port = 0;
        options.otlp_grpc = false;
        options.api_port = 0;
        options.import_history = false;
        options.queue_sync = QueueSync::none;
        options.port_file = dir_.file("port.json").string();
        if (tweak != nullptr) tweak(options);
        auto app = ServeApp::start(options);
        EXPECT_TRUE(app.ok()) << (app.ok() ? "" : app.error().message);
        if (app.ok()) app_ = std::move(*app);
    }

    [[nodiscard]] bool up() const { return app_ != nullptr; }
    [[nodiscard]] uint16_t api_port() const { return app_->api_port(); }
    [[nodiscard]] uint16_t hooks_port() const { return app_->hooks_port(); }
    [[nodiscard]] const testing_support::TempDir& dir() const { return dir_; }

    [[nodiscard]] cli::HttpResponse request(uint16_t port, const char* method,
                                            const std::string& path,
                                            const std::string& body = "") const {
        auto url = cli::parse_loopback_url("http://127.0.0.1:" + std::to_string(port));
        EXPECT_TRUE(url.ok());
        auto response = cli::http_request(*url, method, path, body, "application/json", 20'000ms);
        EXPECT_TRUE(response.ok()) << (response.ok() ? "" : response.error().message);
        return response.ok() ? *response : cli::HttpResponse{};
    }

    // POSTs hook events (a JSON array body); the status the hooks port answered.
    [[nodiscard]] int post(const std::vector<std::string>& events) const {
        std::string body = "[";
        for (size_t i = 0; i < events.size(); ++i) body += (i > 0 ? "," : "") + events[i];
        body += "]";
        return request(hooks_port(), "POST", "/v1/hooks", body).status;
    }

    [[nodiscard]] rapidjson::Document health() const {
        rapidjson::Document doc;
        doc.Parse(app_->health_json().c_str());
        EXPECT_FALSE(doc.HasParseError());
        return doc;
    }
    [[nodiscard]] std::string health_text() const { return app_->health_json(); }
    [[nodiscard]] uint64_t stream_stat(const char* name) const {
        return health()["api"]["stream"][name].GetUint64();
    }

    // Polls (bounded) until `predicate` holds.
    template <class Predicate>
    [[nodiscard]] bool eventually(Predicate predicate) const {
        for (int i = 0; i < 1000; ++i) {
            if (predicate()) return true;
            std::this_thread::sleep_for(20ms);
        }
        return predicate();
    }

private:
    testing_support::TempDir dir_;
    std::unique_ptr<ServeApp> app_;
};

// One hook event; `tool_use_id` makes it distinct (its id is hashed from the body).
std::string hook(const std::string& session, const char* name, const std::string& tool_use_id) {
    return R"({"session_id":")" + session + R"(","hook_event_name":")" + name +
           R"(","tool_name":"Bash","tool_use_id":")" + tool_use_id + R"(","cwd":"/work/)" +
           session + R"(","transcript_path":"/home/u/.claude/projects/-work-)" + session + "/" +
           session + R"(.jsonl"})";
}

rapidjson::Document parse(const std::string& json) {
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    EXPECT_FALSE(doc.HasParseError()) << json;
    return doc;
}

std::vector<std::string> tool_use_ids(const std::vector<SseEvent>& events) {
    std::vector<std::string> out;
    for (const SseEvent& e : events) {
        const auto doc = parse(e.data);
        out.emplace_back(doc.HasMember("tool_use_id") ? doc["tool_use_id"].GetString() : "");
    }
    return out;
}

// A stream client that is registered with the hub: its ": connected" has arrived.
std::unique_ptr<SseClient> open_stream(const Served& served, const std::string& query = "",
                                       const std::string& headers = "", int receive_buffer = 0) {
    auto client = std::make_unique<SseClient>(served.api_port(), "/api/v1/stream" + query, headers,
                                              receive_buffer);
    EXPECT_EQ(client->status(), 200) << client->head();
    // Comments only so far: next() would wait for an event, so wait for the hello.
    EXPECT_TRUE(served.eventually(
        [&] { return client->head().find("text/event-stream") != std::string::npos; }));
    return client;
}

TEST(LiveStream, StoredHookEventsArriveInOrderAsCanonicalEvents) {
    Served served;
    ASSERT_TRUE(served.up());
    auto client = open_stream(served);
    EXPECT_NE(client->head().find("Content-Type: text/event-stream"), std::string::npos);
    ASSERT_TRUE(served.eventually([&] { return served.stream_stat("clients") == 1; }));

    ASSERT_EQ(served.post({hook("s1", "PreToolUse", "t1"), hook("s1", "PostToolUse", "t1-end")}),
              200);
    ASSERT_EQ(served.post({hook("s2", "PreToolUse", "t2")}), 200);
    const auto events = client->take(3);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(tool_use_ids(events), (std::vector<std::string>{"t1", "t1-end", "t2"}));
    EXPECT_EQ(events[0].event, "tool_start");
    EXPECT_EQ(events[1].event, "tool_end");
    EXPECT_LT(std::stoll(events[0].id), std::stoll(events[1].id));
    EXPECT_LT(std::stoll(events[1].id), std::stoll(events[2].id));
    const auto first = parse(events[0].data);
    EXPECT_EQ(std::string(first["kind"].GetString()), "tool_start");
    EXPECT_EQ(std::string(first["source"].GetString()), "hook");
    EXPECT_EQ(std::string(first["session_id"].GetString()), "s1");
    EXPECT_EQ(std::string(first["tool_name"].GetString()), "Bash");
    EXPECT_EQ(std::string(first["cwd"].GetString()), "/work/s1");
    EXPECT_EQ(std::string(first["event_id"].GetString()).size(), 32u);
    EXPECT_TRUE(first["attrs"].IsObject());
    EXPECT_EQ(std::string(first["attrs"]["hook_event_name"].GetString()), "PreToolUse");
    EXPECT_GE(served.stream_stat("events_sent"), 3u);

    // The same body again is a second copy: stored once, streamed once.
    ASSERT_EQ(served.post({hook("s1", "PreToolUse", "t1"), hook("s3", "PreToolUse", "t3")}), 200);
    const auto more = client->take(1);
    EXPECT_EQ(tool_use_ids(more), (std::vector<std::string>{"t3"}));
}

TEST(LiveStream, FiltersBySessionProjectAndKind) {
    Served served;
    ASSERT_TRUE(served.up());
    auto by_session = open_stream(served, "?session_id=s1");
    auto by_session_short = open_stream(served, "?session=s2");
    auto by_project = open_stream(served, "?project=-work-s2");
    auto by_cwd = open_stream(served, "?project=%2Fwork%2Fs1");
    auto by_kind = open_stream(served, "?kind=tool_end,notification");
    auto combined = open_stream(served, "?session_id=s1&kind=tool_end");
    ASSERT_TRUE(served.eventually([&] { return served.stream_stat("clients") == 6; }));

    ASSERT_EQ(served.post({hook("s1", "PreToolUse", "a"), hook("s2", "PreToolUse", "b"),
                           hook("s2", "PostToolUse", "c"), hook("s1", "PostToolUse", "d")}),
              200);
    // Last, an event of another session that only the kind filter takes: when it
    // arrives there, the hub has passed everything above to every client.
    ASSERT_EQ(served.post({hook("s9", "PostToolUse", "z")}), 200);

    EXPECT_EQ(tool_use_ids(by_kind->take(3)), (std::vector<std::string>{"c", "d", "z"}));
    EXPECT_EQ(tool_use_ids(by_session->take(2)), (std::vector<std::string>{"a", "d"}));
    EXPECT_EQ(tool_use_ids(by_session_short->take(2)), (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(tool_use_ids(by_project->take(2)), (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(tool_use_ids(by_cwd->take(2)), (std::vector<std::string>{"a", "d"}));
    EXPECT_EQ(tool_use_ids(combined->take(1)), (std::vector<std::string>{"d"}));
    // Nothing else was sent to the narrow ones: a final event for each shows what comes next.
    ASSERT_EQ(
        served.post({hook("s1", "PostToolUse", "last-s1"), hook("s2", "PostToolUse", "last-s2")}),
        200);
    EXPECT_EQ(tool_use_ids(by_session->take(1)), (std::vector<std::string>{"last-s1"}));
    EXPECT_EQ(tool_use_ids(combined->take(1)), (std::vector<std::string>{"last-s1"}));
    EXPECT_EQ(tool_use_ids(by_project->take(1)), (std::vector<std::string>{"last-s2"}));
}

TEST(LiveStream, LastEventIdReplaysExactlyTheMissedEventsThenGoesLive) {
    Served served;
    ASSERT_TRUE(served.up());
    std::string last_seen;
    {
        auto client = open_stream(served);
        ASSERT_TRUE(served.eventually([&] { return served.stream_stat("clients") == 1; }));
        ASSERT_EQ(served.post({hook("s1", "PreToolUse", "1"), hook("s1", "PreToolUse", "2")}), 200);
        const auto seen = client->take(2);
        ASSERT_EQ(seen.size(), 2u);
        last_seen = seen.back().id;
    }
    // Disconnected: these are missed. One of another session, for the filtered resume.
    ASSERT_EQ(served.post({hook("s1", "PreToolUse", "3"), hook("s2", "PreToolUse", "4"),
                           hook("s1", "PostToolUse", "5")}),
              200);
    ASSERT_TRUE(served.eventually(
        [&] { return served.health()["queue"]["depth_records"].GetUint64() == 0; }));

    auto resumed = open_stream(served, "", "Last-Event-ID: " + last_seen + "\r\n");
    EXPECT_EQ(tool_use_ids(resumed->take(3)), (std::vector<std::string>{"3", "4", "5"}));
    auto by_param = open_stream(served, "?session_id=s1&last_event_id=" + last_seen);
    EXPECT_EQ(tool_use_ids(by_param->take(2)), (std::vector<std::string>{"3", "5"}));
    // The header wins over the parameter.
    auto both = open_stream(served, "?last_event_id=0", "Last-Event-ID: " + last_seen + "\r\n");
    EXPECT_EQ(tool_use_ids(both->take(1)), (std::vector<std::string>{"3"}));

    // Then live, with nothing replayed twice.
    ASSERT_EQ(served.post({hook("s1", "PreToolUse", "6")}), 200);
    EXPECT_EQ(tool_use_ids(resumed->take(1)), (std::vector<std::string>{"6"}));
    EXPECT_EQ(tool_use_ids(by_param->take(1)), (std::vector<std::string>{"6"}));
    EXPECT_EQ(served.stream_stat("replayed"), 3u + 2u + 3u);
}

void tiny_replay_for_tail(ServeOptions& options) { options.stream.replay_limit = 2; }

TEST(LiveStream, TailStartsWithTheLastStoredEventsThatMatchThenGoesLive) {
    Served served(tiny_replay_for_tail);
    ASSERT_TRUE(served.up());
    ASSERT_EQ(served.post({hook("s1", "PreToolUse", "1"), hook("s1", "PostToolUse", "2"),
                           hook("s2", "PreToolUse", "3"), hook("s1", "PreToolUse", "4"),
                           hook("s2", "PostToolUse", "5")}),
              200);
    ASSERT_TRUE(served.eventually(
        [&] { return served.health()["writer"]["stored_events"].GetUint64() == 5; }));

    auto last3 = open_stream(served, "?tail=3");
    const auto tail = last3->take(3);
    EXPECT_EQ(tool_use_ids(tail), (std::vector<std::string>{"3", "4", "5"}));
    // More than the store holds: everything; more than the replay limit (2): still all.
    auto all = open_stream(served, "?tail=1000");
    EXPECT_EQ(tool_use_ids(all->take(5)), (std::vector<std::string>{"1", "2", "3", "4", "5"}));
    // The filters choose which events make the tail.
    auto session = open_stream(served, "?session_id=s1&tail=2");
    EXPECT_EQ(tool_use_ids(session->take(2)), (std::vector<std::string>{"2", "4"}));
    auto kind = open_stream(served, "?kind=tool_end&tail=5");
    EXPECT_EQ(tool_use_ids(kind->take(2)), (std::vector<std::string>{"2", "5"}));
    // A reconnecting EventSource sends Last-Event-ID with the URL it first opened: the
    // resume wins and the tail is not sent again.
    auto resumed = open_stream(served, "?tail=3", "Last-Event-ID: " + tail[1].id + "\r\n");
    EXPECT_EQ(tool_use_ids(resumed->take(1)), (std::vector<std::string>{"5"}));
    auto live_only = open_stream(served, "?tail=0");

    // Then live, nothing twice.
    ASSERT_EQ(served.post({hook("s1", "PostToolUse", "6")}), 200);
    for (auto* client :
         {last3.get(), all.get(), session.get(), kind.get(), resumed.get(), live_only.get()}) {
        EXPECT_EQ(tool_use_ids(client->take(1)), (std::vector<std::string>{"6"}));
    }
    EXPECT_EQ(served.stream_stat("replayed"), 3u + 5u + 2u + 2u + 1u);
}

void tiny_replay(ServeOptions& options) { options.stream.replay_limit = 2; }

TEST(LiveStream, ReplayIsBoundedAndSaysWhereTheGapIs) {
    Served served(tiny_replay);
    ASSERT_TRUE(served.up());
    ASSERT_EQ(served.post({hook("s1", "PreToolUse", "1"), hook("s1", "PreToolUse", "2"),
                           hook("s1", "PreToolUse", "3"), hook("s1", "PreToolUse", "4")}),
              200);
    ASSERT_TRUE(served.eventually(
        [&] { return served.health()["writer"]["stored_events"].GetUint64() == 4; }));
    auto client = open_stream(served, "?last_event_id=0");
    EXPECT_EQ(tool_use_ids(client->take(2)), (std::vector<std::string>{"1", "2"}));
    ASSERT_EQ(served.post({hook("s1", "PreToolUse", "5")}), 200);
    EXPECT_EQ(tool_use_ids(client->take(1)), (std::vector<std::string>{"5"}));
    bool told = false;
    for (const std::string& comment : client->comments()) {
        told = told || comment.find("replay limit of 2 events reached") != std::string::npos;
    }
    EXPECT_TRUE(told);
}

void fast_heartbeat(ServeOptions& options) { options.stream.heartbeat = 50ms; }

TEST(LiveStream, HeartbeatsKeepAnIdleStreamTalking) {
    Served served(fast_heartbeat);
    ASSERT_TRUE(served.up());
    auto client = open_stream(served);
    // No event comes; next() collects the comments while it waits.
    EXPECT_FALSE(client->next(1500ms).has_value());
    size_t heartbeats = 0;
    for (const std::string& comment : client->comments()) heartbeats += comment == " heartbeat";
    EXPECT_GE(heartbeats, 2u);
}

void small_client_queue(ServeOptions& options) {
    // Above what one POST below adds at once (a burst is not a slow client).
    options.stream.client_queue_bytes = 64u << 10;
    options.stream.heartbeat = 100ms;
}

TEST(LiveStream, AClientThatNeverReadsIsCutOffWhileIngestCarriesOn) {
    Served served(small_client_queue);
    ASSERT_TRUE(served.up());
    auto reader = open_stream(served);
    auto stalled = open_stream(served, "", "", 4096);
    ASSERT_TRUE(served.eventually([&] { return served.stream_stat("clients") == 2; }));

    // Well past the stalled client's bound plus what the kernel buffers for it.
    constexpr int kBatches = 100;
    constexpr int kPerBatch = 20;
    std::vector<SseEvent> received;
    for (int b = 0; b < kBatches; ++b) {
        std::vector<std::string> batch;
        batch.reserve(kPerBatch);
        for (int i = 0; i < kPerBatch; ++i) {
            batch.push_back(hook(
                "s1", "PreToolUse",
                "tool-" + std::to_string(b) + "-" + std::to_string(i) + std::string(200, 'x')));
        }
        ASSERT_EQ(served.post(batch), 200) << "batch " << b;
        auto got = reader->take(kPerBatch);
        received.insert(received.end(), got.begin(), got.end());
    }
    EXPECT_EQ(received.size(), static_cast<size_t>(kBatches * kPerBatch));
    ASSERT_TRUE(served.eventually([&] { return served.stream_stat("dropped_slow") == 1; }));
    EXPECT_TRUE(served.eventually([&] { return served.stream_stat("clients") == 1; }));
    // The stalled client finds its connection closed once it reads what was buffered.
    EXPECT_TRUE(stalled->closed_by_server())
        << stalled->bytes_received() << " bytes read; " << served.health_text();
    EXPECT_EQ(served.health()["ingest"]["hooks"]["accepted"].GetUint64(),
              static_cast<uint64_t>(kBatches * kPerBatch));
    // And it can resume from what it had.
    auto back = open_stream(served, "?last_event_id=" + received[kPerBatch - 1].id);
    const auto missed = back->take(1);
    ASSERT_EQ(missed.size(), 1u);
    EXPECT_EQ(missed[0].id, received[kPerBatch].id);
}

TEST(LiveStream, AClientThatLeavesIsForgotten) {
    Served served;
    ASSERT_TRUE(served.up());
    auto client = open_stream(served);
    ASSERT_TRUE(served.eventually([&] { return served.stream_stat("clients") == 1; }));
    client->close();
    EXPECT_TRUE(served.eventually([&] { return served.stream_stat("clients") == 0; }));
    EXPECT_EQ(served.stream_stat("clients_total"), 1u);
    EXPECT_EQ(served.stream_stat("dropped_slow"), 0u);
}

TEST(LiveStream, MalformedRequestsGetAJsonError) {
    Served served;
    ASSERT_TRUE(served.up());
    struct Case {
        std::string target;
        std::string headers;
        int status;
        std::string code;
        std::string param;
    };
    const std::vector<Case> cases = {
        {"/api/v1/stream?kind=tool_start,bogus", "", 400, "bad_request", "kind"},
        {"/api/v1/stream?sesion_id=s1", "", 400, "bad_request", "sesion_id"},
        {"/api/v1/stream?last_event_id=abc", "", 400, "bad_request", "last_event_id"},
        {"/api/v1/stream?last_event_id=-4", "", 400, "bad_request", "last_event_id"},
        {"/api/v1/stream?tail=1001", "", 400, "bad_request", "tail"},
        {"/api/v1/stream?tail=-1", "", 400, "bad_request", "tail"},
        {"/api/v1/stream?tail=ten", "", 400, "bad_request", "tail"},
        {"/api/v1/stream?tail=5&last_event_id=3", "", 400, "bad_request", "tail"},
        {"/api/v1/stream?session_id=%zz", "", 400, "bad_request", ""},
        {"/api/v1/stream", "Last-Event-ID: x17\r\n", 400, "bad_request", "Last-Event-ID"},
        {"/no/such/path", "", 404, "not_found", ""},
        // Refused by the listener itself, in the same shape.
        {"/api/v1/stream", "X-Padding: " + std::string(20'000, 'a') + "\r\n", 431, "too_large", ""},
        {"/api/v1/stream two-words", "", 400, "bad_request", ""},
    };
    for (const Case& c : cases) {
        SseClient client(served.api_port(), c.target, c.headers);
        EXPECT_EQ(client.status(), c.status) << c.target;
        const auto doc = parse(client.body());
        ASSERT_TRUE(doc.IsObject() && doc.HasMember("error")) << c.target;
        EXPECT_EQ(std::string(doc["error"]["code"].GetString()), c.code) << c.target;
        EXPECT_TRUE(doc["error"]["message"].IsString());
        if (!c.param.empty()) {
            EXPECT_EQ(std::string(doc["error"]["param"].GetString()), c.param) << c.target;
        }
    }
    const auto post = served.request(served.api_port(), "POST", "/api/v1/stream", "{}");
    EXPECT_EQ(post.status, 405);
    EXPECT_NE(post.body.find("method_not_allowed"), std::string::npos);
    EXPECT_EQ(served.stream_stat("clients_total"), 0u);
}

TEST(ApiListener, PortFileNamesItAndHealthzIsServedThere) {
    Served served;
    ASSERT_TRUE(served.up());
    std::string text;
    {
        std::ifstream in(served.dir().file("port.json"));
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    const auto port_file = parse(text);
    ASSERT_TRUE(port_file.HasMember("api"));
    EXPECT_EQ(port_file["api"].GetInt(), served.api_port());
    EXPECT_EQ(std::string(port_file["api_url"].GetString()),
              "http://127.0.0.1:" + std::to_string(served.api_port()));
    EXPECT_NE(served.api_port(), served.hooks_port());

    const auto on_api = served.request(served.api_port(), "GET", "/healthz");
    const auto on_hooks = served.request(served.hooks_port(), "GET", "/healthz");
    ASSERT_EQ(on_api.status, 200);
    ASSERT_EQ(on_hooks.status, 200);
    const auto api_health = parse(on_api.body);
    const auto hooks_health = parse(on_hooks.body);
    EXPECT_EQ(std::string(api_health["status"].GetString()), "ok");
    EXPECT_EQ(std::string(api_health["listen"]["api"].GetString()),
              "127.0.0.1:" + std::to_string(served.api_port()));
    for (const auto& member : hooks_health.GetObject()) {
        EXPECT_TRUE(api_health.HasMember(member.name)) << member.name.GetString();
    }
    // The API is not on the hooks port, and the hooks endpoint is not on the API port.
    EXPECT_EQ(served.request(served.hooks_port(), "GET", "/api/v1/stream").status, 404);
    EXPECT_EQ(served.request(served.api_port(), "POST", "/v1/hooks", "{}").status, 404);
}

void without_api(ServeOptions& options) { options.api = false; }

TEST(ApiListener, NoApiMeansNoListener) {
    Served served(without_api);
    ASSERT_TRUE(served.up());
    EXPECT_EQ(served.api_port(), 0);
    std::ifstream in(served.dir().file("port.json"));
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.find("\"api\""), std::string::npos);
    EXPECT_FALSE(served.health().HasMember("api"));
}

}  // namespace
}  // namespace agent_trace::server
