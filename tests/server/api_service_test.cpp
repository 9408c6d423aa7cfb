// The API service with its dashboard listener, over real sockets on 127.0.0.1
// ports 0 and a real SQLite store: the dashboard port answers what the API port
// answers (same routes, same bodies) plus the dashboard's files; a missing build
// is a 503 page, not a failed start; the bearer token guards the API on both
// ports but not the files, and the stream also takes it as ?access_token=.
#include "server/api_service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "../api/api_test_support.hpp"
#include "../support/raw_http.hpp"
#include "../support/sse_client.hpp"
#include "../support/test_support.hpp"
#include "server/gzip.hpp"

namespace agent_trace::server {
namespace {

using testing_support::raw_request;
using testing_support::RawReply;
using testing_support::SseClient;
using testing_support::TempDir;
using testing_support::write_file;

const std::string kIndex = "<!doctype html><title>agent-trace</title><div id=app></div>\n";

std::string vendor_script() {
    std::string text;
    for (int i = 0; i < 100; ++i) text += "export function f" + std::to_string(i) + "() {}\n";
    return text;
}

struct ServiceSetup {
    bool api_listener = true;
    bool dashboard = true;
    bool built = true;
    std::string token;
    uint16_t dashboard_port = 0;
};

class Service {
public:
    explicit Service(const ServiceSetup& setup = {}) {
        db_path_ = dir_.file("store.db").string();
        api::testing::build_store(db_path_, api::testing::fixture_sessions());
        const auto web = dir_.path() / "web";
        if (setup.built) {
            write_file(web / "index.html", kIndex);
            write_file(web / "assets" / "index-abc123.js", "console.log('dashboard');\n");
            write_file(web / "assets" / "vendor-def456.js", vendor_script());
        }
        ApiServiceOptions options;
        options.port = 0;
        options.database_path = db_path_;
        options.auth_token = setup.token;
        options.api_listener = setup.api_listener;
        options.dashboard = setup.dashboard;
        options.dashboard_port = setup.dashboard_port;
        options.web_dirs_searched = {web.string()};
        if (setup.built) options.web_dir = web.string();
        ApiServiceSources sources;
        sources.health_json = [] { return std::string(R"({"status":"ok"})"); };
        sources.metrics_text = [] { return std::string("agent_trace_up 1\n"); };
        sources.status_json = [] { return std::string(R"({"healthy":true})"); };
        auto started = ApiService::start(options, sources);
        if (!started.ok()) {
            error_ = started.error().message;
            return;
        }
        service_ = std::move(*started);
    }
    ~Service() {
        if (service_) service_->stop();
    }
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    [[nodiscard]] bool up() const { return service_ != nullptr; }
    [[nodiscard]] const std::string& error() const { return error_; }
    ApiService& operator*() { return *service_; }
    ApiService* operator->() { return service_.get(); }

private:
    TempDir dir_;
    std::string db_path_;
    std::string error_;
    std::unique_ptr<ApiService> service_;
};

std::vector<std::string> bearer(const std::string& token) {
    return {"Authorization: Bearer " + token};
}

TEST(DashboardListener, ServesTheApiAndTheDashboardOnOnePort) {
    Service service;
    ASSERT_TRUE(service.up()) << service.error();
    const uint16_t dash = service->dashboard_port();
    const uint16_t api = service->port();
    ASSERT_NE(dash, 0);
    ASSERT_NE(dash, api);

    const RawReply index = raw_request(dash, "GET", "/");
    EXPECT_EQ(index.status, 200);
    EXPECT_EQ(index.body, kIndex);
    EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
    EXPECT_FALSE(index.header("content-security-policy").empty());
    const RawReply route = raw_request(dash, "GET", "/sessions/sess-alpha");
    EXPECT_EQ(route.status, 200);
    EXPECT_EQ(route.body, kIndex);
    const RawReply script = raw_request(dash, "GET", "/assets/index-abc123.js");
    EXPECT_EQ(script.status, 200);
    EXPECT_EQ(script.header("content-type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(script.header("cache-control"), "public, max-age=31536000, immutable");
    EXPECT_EQ(raw_request(dash, "GET", "/assets/index-abc123.js",
                          {"If-None-Match: " + script.header("etag")})
                  .status,
              304);
    EXPECT_EQ(raw_request(dash, "GET", "/assets/gone-000.js").status, 404);

    // The API's routes answer on the dashboard port exactly as on the API port.
    for (const char* target :
         {"/api/v1/sessions?limit=3", "/api/v1/analytics/usage?by=day&split=model",
          "/api/v1/analytics/tools/failures", "/api/v1/openapi.json", "/api/v1/status", "/healthz",
          "/metrics", "/api/v1/sessions/nope", "/api/v1/nothing"}) {
        SCOPED_TRACE(target);
        const RawReply on_api = raw_request(api, "GET", target);
        const RawReply on_dash = raw_request(dash, "GET", target);
        EXPECT_EQ(on_dash.status, on_api.status);
        EXPECT_EQ(on_dash.header("content-type"), on_api.header("content-type"));
        EXPECT_EQ(on_dash.body, on_api.body);
    }
    EXPECT_EQ(raw_request(dash, "GET", "/api/v1/status").body, R"({"healthy":true})");
    EXPECT_EQ(raw_request(dash, "GET", "/api/v1/nothing").status, 404);
    // The API port serves no files.
    EXPECT_EQ(raw_request(api, "GET", "/").status, 404);
    EXPECT_EQ(raw_request(api, "GET", "/assets/index-abc123.js").status, 404);

    // The live stream too.
    SseClient stream(dash, "/api/v1/stream");
    EXPECT_EQ(stream.status(), 200);
    EXPECT_NE(stream.head().find("text/event-stream"), std::string::npos);

    const DashboardInfo info = service->dashboard();
    EXPECT_TRUE(info.available);
    EXPECT_EQ(info.files, 3u);
    EXPECT_EQ(info.address, "127.0.0.1:" + std::to_string(dash));
    EXPECT_GE(service->stats().dashboard_http.requests, 10u);
}

TEST(DashboardListener, HeadAnswersHaveTheLengthButNoBody) {
    Service service;
    ASSERT_TRUE(service.up()) << service.error();
    const RawReply head = raw_request(service->dashboard_port(), "HEAD", "/");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("content-length"), std::to_string(kIndex.size()));
    EXPECT_TRUE(head.body.empty());
    const RawReply post = raw_request(service->dashboard_port(), "POST", "/");
    EXPECT_EQ(post.status, 405);
}

TEST(DashboardListener, GzipsWhenTheClientAcceptsIt) {
    Service service;
    ASSERT_TRUE(service.up()) << service.error();
    const uint16_t dash = service->dashboard_port();
    const RawReply zipped =
        raw_request(dash, "GET", "/assets/vendor-def456.js", {"Accept-Encoding: gzip, br"});
    EXPECT_EQ(zipped.status, 200);
    EXPECT_EQ(zipped.header("content-encoding"), "gzip");
    EXPECT_EQ(zipped.header("vary"), "Accept-Encoding");
    EXPECT_EQ(zipped.header("content-length"), std::to_string(zipped.body.size()));
    const InflateResult inflated = inflate_body(zipped.body, 1u << 20);
    ASSERT_EQ(inflated.code, InflateResult::Code::ok) << inflated.message;
    EXPECT_EQ(inflated.data, vendor_script());
    const RawReply plain = raw_request(dash, "GET", "/assets/vendor-def456.js");
    EXPECT_EQ(plain.header("content-encoding"), "");
    EXPECT_EQ(plain.body, vendor_script());
}

TEST(DashboardListener, WithoutABuildThePagesSayHowToBuildItAndTheApiStillAnswers) {
    ServiceSetup setup;
    setup.built = false;
    Service service(setup);
    ASSERT_TRUE(service.up()) << service.error();
    const RawReply page = raw_request(service->dashboard_port(), "GET", "/");
    EXPECT_EQ(page.status, 503);
    EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
    EXPECT_NE(page.body.find("make build"), std::string::npos);
    EXPECT_NE(page.body.find("--web-dir"), std::string::npos);
    EXPECT_EQ(raw_request(service->dashboard_port(), "GET", "/api/v1/sessions").status, 200);
    const DashboardInfo info = service->dashboard();
    EXPECT_FALSE(info.available);
    EXPECT_NE(info.problem.find("No index.html"), std::string::npos);
}

TEST(DashboardListener, RunsWithoutTheApiListener) {
    ServiceSetup setup;
    setup.api_listener = false;
    Service service(setup);
    ASSERT_TRUE(service.up()) << service.error();
    EXPECT_EQ(service->port(), 0);
    EXPECT_EQ(service->address(), "");
    EXPECT_EQ(raw_request(service->dashboard_port(), "GET", "/api/v1/sessions").status, 200);
    EXPECT_EQ(raw_request(service->dashboard_port(), "GET", "/").status, 200);
}

TEST(DashboardListener, APortInUseFailsTheStartAndSaysWhichFlag) {
    Service first;
    ASSERT_TRUE(first.up()) << first.error();
    ServiceSetup setup;
    setup.dashboard_port = first->dashboard_port();
    Service second(setup);
    ASSERT_FALSE(second.up());
    EXPECT_NE(second.error().find("dashboard listener"), std::string::npos) << second.error();
    EXPECT_NE(second.error().find("--dashboard-listen"), std::string::npos) << second.error();
}

TEST(DashboardListener, TheTokenGuardsTheApiOnBothPortsButNotTheFiles) {
    ServiceSetup setup;
    setup.token = "s3cret-token";
    Service service(setup);
    ASSERT_TRUE(service.up()) << service.error();
    for (const uint16_t port : {service->port(), service->dashboard_port()}) {
        SCOPED_TRACE(port);
        EXPECT_EQ(raw_request(port, "GET", "/api/v1/sessions").status, 401);
        EXPECT_EQ(raw_request(port, "GET", "/api/v1/sessions", bearer("wrong")).status, 401);
        EXPECT_EQ(raw_request(port, "GET", "/api/v1/sessions", bearer("s3cret-token-")).status,
                  401);
        EXPECT_EQ(raw_request(port, "GET", "/api/v1/sessions", bearer("s3cret-toke")).status, 401);
        EXPECT_EQ(raw_request(port, "GET", "/api/v1/sessions", bearer("s3cret-token")).status, 200);
        EXPECT_EQ(
            raw_request(port, "GET", "/api/v1/sessions", {"Authorization: bearer s3cret-token"})
                .status,
            200);
        EXPECT_EQ(raw_request(port, "GET", "/api/v1/status").status, 401);
        EXPECT_EQ(raw_request(port, "GET", "/metrics").status, 401);
        EXPECT_EQ(raw_request(port, "GET", "/healthz").status, 200);
        // access_token is for the stream only.
        EXPECT_EQ(raw_request(port, "GET", "/api/v1/sessions?access_token=s3cret-token").status,
                  401);
    }
    EXPECT_EQ(raw_request(service->dashboard_port(), "GET", "/").status, 200);
    EXPECT_EQ(raw_request(service->dashboard_port(), "GET", "/assets/index-abc123.js").status, 200);

    SseClient no_token(service->dashboard_port(), "/api/v1/stream");
    EXPECT_EQ(no_token.status(), 401);
    SseClient wrong(service->dashboard_port(), "/api/v1/stream?access_token=nope");
    EXPECT_EQ(wrong.status(), 401);
    SseClient by_query(service->dashboard_port(),
                       "/api/v1/stream?kind=tool_end&access_token=s3cret-token");
    EXPECT_EQ(by_query.status(), 200) << by_query.head();
    EXPECT_NE(by_query.head().find("text/event-stream"), std::string::npos);
    SseClient by_header(service->port(), "/api/v1/stream",
                        "Authorization: Bearer s3cret-token\r\n");
    EXPECT_EQ(by_header.status(), 200) << by_header.head();
}

// Like an Authorization header, a token is ignored by a serve that has none: a browser
// still holding one from another server must not be locked out of the stream.
TEST(DashboardListener, WithoutATokenAccessTokenIsIgnored) {
    Service service;
    ASSERT_TRUE(service.up()) << service.error();
    SseClient stream(service->dashboard_port(), "/api/v1/stream?access_token=x");
    EXPECT_EQ(stream.status(), 200) << stream.head();
    SseClient unknown(service->dashboard_port(), "/api/v1/stream?access_tokens=x");
    EXPECT_EQ(unknown.status(), 400);
}

}  // namespace
}  // namespace agent_trace::server
