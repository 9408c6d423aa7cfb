#include "cli/hook_handler/loopback_http.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "../../support/loopback_server.hpp"

namespace agent_trace::cli {
namespace {

using namespace std::chrono_literals;
using testing_support::LoopbackServer;
using testing_support::refused_port;

TEST(LoopbackUrl, AcceptsLoopbackAddressesOnly) {
    auto url = parse_loopback_url("http://127.0.0.1:8317");
    ASSERT_TRUE(url.ok());
    EXPECT_EQ(url->host, "127.0.0.1");
    EXPECT_EQ(url->port, 8317);
    EXPECT_FALSE(url->ipv6);
    EXPECT_EQ(url->to_string(), "http://127.0.0.1:8317");

    url = parse_loopback_url("http://localhost:9/prefix/");
    ASSERT_TRUE(url.ok());
    EXPECT_EQ(url->host, "127.0.0.1");
    EXPECT_EQ(url->base_path, "/prefix");

    url = parse_loopback_url("http://[::1]:8317");
    ASSERT_TRUE(url.ok());
    EXPECT_TRUE(url->ipv6);
    EXPECT_EQ(url->to_string(), "http://[::1]:8317");

    EXPECT_TRUE(parse_loopback_url("127.0.0.2:1").ok());
    EXPECT_TRUE(parse_loopback_url("HTTP://127.1.2.3:65535").ok());

    for (const char* bad : {"http://10.0.0.1:8317", "http://example.com:80", "https://127.0.0.1:1",
                            "http://127.0.0.1", "http://127.0.0.1:0", "http://127.0.0.1:70000",
                            "http://u:p@127.0.0.1:1", "http://[::2]:1", "http://[::1:1",
                            "http://0.0.0.0:8317", "ftp://127.0.0.1:21", ""}) {
        EXPECT_FALSE(parse_loopback_url(bad).ok()) << bad;
    }
}

TEST(LoopbackHttp, PostsAndReadsTheResponse) {
    LoopbackServer server(202, R"({"accepted":1})");
    auto url = parse_loopback_url(server.url());
    ASSERT_TRUE(url.ok());
    const std::string body = R"({"hook_event_name":"Stop"})";
    auto response = http_request(*url, "POST", "/v1/hooks", body, "application/json", 2s);
    ASSERT_TRUE(response.ok()) << response.error().message;
    EXPECT_EQ(response->status, 202);
    EXPECT_EQ(response->body, R"({"accepted":1})");
    const auto requests = server.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_TRUE(requests[0].head.starts_with("POST /v1/hooks HTTP/1.1\r\n"));
    EXPECT_NE(requests[0].head.find("Content-Type: application/json"), std::string::npos);
    EXPECT_EQ(requests[0].body, body);
}

TEST(LoopbackHttp, ErrorStatusesAreResponses) {
    LoopbackServer server(503, R"({"error":"queue unavailable"})");
    auto response = http_request(*parse_loopback_url(server.url()), "GET", "/healthz", {}, {}, 2s);
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->status, 503);
}

TEST(LoopbackHttp, LargeBodies) {
    LoopbackServer server(200, std::string(200'000, 'r'));
    const std::string body(5'000'000, 'b');
    auto response = http_request(*parse_loopback_url(server.url()), "POST", "/big", body,
                                 "application/octet-stream", 10s);
    ASSERT_TRUE(response.ok()) << response.error().message;
    EXPECT_EQ(response->body.size(), 200'000u);
    ASSERT_EQ(server.requests().size(), 1u);
    EXPECT_EQ(server.requests()[0].body.size(), body.size());
}

TEST(LoopbackHttp, RefusedIsARetryableError) {
    LoopbackUrl url;
    url.host = "127.0.0.1";
    url.port = refused_port();
    auto response = http_request(url, "POST", "/v1/hooks", "{}", "application/json", 2s);
    ASSERT_FALSE(response.ok());
    EXPECT_TRUE(response.error().retryable);
    EXPECT_NE(response.error().message.find("refused"), std::string::npos)
        << response.error().message;
}

TEST(LoopbackHttp, ASilentServerTimesOut) {
    LoopbackServer server(200, "{}", LoopbackServer::Mode::silent);
    auto response = http_request(*parse_loopback_url(server.url()), "POST", "/v1/hooks", "{}",
                                 "application/json", 150ms);
    ASSERT_FALSE(response.ok());
    EXPECT_TRUE(response.error().retryable);
    EXPECT_NE(response.error().message.find("timed out"), std::string::npos)
        << response.error().message;
}

}  // namespace
}  // namespace agent_trace::cli
